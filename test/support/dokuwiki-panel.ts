import { execFile } from 'node:child_process'
import { createHash } from 'node:crypto'
import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { promisify } from 'node:util'
import { startForegroundServer } from './foreground-server.ts'
import { freePort } from './free-port.ts'
import type { RealPanel } from './panel-drivers.ts'

/**
 * A real DokuWiki (Debian's package, 2022-07-31 "Igor") served by `php -S` on a free loopback port.
 * The code stays in /usr/share/dokuwiki; its configuration and data live in a temp dir of their own.
 * Debian's inc/preload.php takes DOKU_CONF and DOKU_MAIN_CONF from constants defined before it runs,
 * so a prepended script defines both: nothing in /etc/dokuwiki or /var/lib/dokuwiki is written.
 */
const codeDir = '/usr/share/dokuwiki'
const debianConf = '/etc/dokuwiki'

const users = {
  admin: { username: 'admin', password: 'admin-secret-1' },
  editor: { username: 'editor', password: 'editor-secret-2' },
}

/** What init_paths() wants under savedir. */
const dataDirs = [
  'pages',
  'attic',
  'media',
  'media_attic',
  'media_meta',
  'meta',
  'cache',
  'index',
  'locks',
  'tmp',
  'log',
]

export interface DokuWikiPanel extends RealPanel {
  /**
   * The auth cookie: 'DW' + md5(DOKU_REL + server port), the port because Debian keeps
   * `securecookie` on. The PHP session cookie is always `DokuWiki`.
   */
  authCookie: string
  /** Who saved the page last, from its changelog; null when nobody has. */
  lastEditorOf(pageId: string): Promise<string | null>
}

/** authplain's users.auth.php: login:hash:full name:email:groups. PHP's password_hash() hashes are accepted. */
let userLines: Promise<string> | undefined

function usersFile(): Promise<string> {
  const hashes = `foreach (array_slice($argv, 1) as $p) echo password_hash($p, PASSWORD_BCRYPT), "\\n";`
  userLines ??= promisify(execFile)('php', ['-r', hashes, users.admin.password, users.editor.password]).then(
    ({ stdout }) => {
      const [adminHash, editorHash] = stdout.trim().split('\n')
      return (
        `admin:${adminHash}:Ada Admin:admin@example.test:admin,user\n` +
        `editor:${editorHash}:Ed Editor:editor@example.test:user\n`
      )
    },
  )
  return userLines
}

export interface DokuWikiOptions {
  /**
   * `read`: Debian's ACL, everyone reads the wiki. `none`: only users who logged in read it; a visitor
   * gets "Permission Denied" and the login form on every page, as docs/guides/dokuwiki.md advises.
   */
  anonymous?: 'read' | 'none'
}

export async function startDokuWiki(options: DokuWikiOptions = {}): Promise<DokuWikiPanel> {
  const dir = await mkdtemp(join(tmpdir(), 'tapgate-dokuwiki-'))
  const conf = join(dir, 'conf')
  const data = join(dir, 'data')
  // Debian's defaults (dokuwiki.php, mime.conf …) copied, so that a local change to /etc cannot leak in.
  await cp(debianConf, conf, { recursive: true, dereference: true })
  for (const name of dataDirs) await mkdir(join(data, name), { recursive: true })
  await mkdir(join(dir, 'sessions'))
  await writeFile(
    join(conf, 'local.php'),
    `<?php
$conf['title'] = 'tapgate test wiki';
$conf['savedir'] = ${phpString(data)};
$conf['useacl'] = 1;
$conf['superuser'] = '@admin';
`,
  )
  // Debian's own ACL (everyone reads; logged-in users edit and upload), or members only.
  const anonymous = options.anonymous === 'none' ? 0 : 1
  await writeFile(join(conf, 'acl.auth.php'), `*\t@ALL\t${anonymous}\n*\t@user\t8\n`)
  await writeFile(join(conf, 'users.auth.php'), await usersFile())
  const prepend = join(dir, 'prepend.php')
  await writeFile(
    prepend,
    `<?php
define('DOKU_MAIN_CONF', ${phpString(`${conf}/`)});
define('DOKU_CONF', ${phpString(`${conf}/`)});
`,
  )
  const port = await freePort()
  const server = await startForegroundServer({
    name: 'php -S (DokuWiki)',
    command: 'php',
    // One process: PHP_CLI_SERVER_WORKERS would fork workers that outlive a stopped parent.
    args: [
      '-S',
      `127.0.0.1:${port}`,
      '-t',
      codeDir,
      '-d',
      `auto_prepend_file=${prepend}`,
      '-d',
      `session.save_path=${join(dir, 'sessions')}`,
    ],
    port,
    stopSignal: 'SIGTERM',
    cleanUp: () => rm(dir, { recursive: true, force: true }),
  })
  return {
    url: server.url,
    users,
    authCookie: `DW${createHash('md5').update(`/${port}`).digest('hex')}`,
    stop: () => server.stop(),
    async lastEditorOf(pageId) {
      // data/meta/<ns>/<page>.changes: date, ip, type, id, user, summary … one line per revision.
      const file = join(data, 'meta', `${pageId.replaceAll(':', '/')}.changes`)
      const text = await readFile(file, 'utf8').catch(() => '')
      const last = text.trim().split('\n').at(-1)
      return last ? (last.split('\t')[4] ?? null) : null
    },
  }
}

function phpString(text: string): string {
  return `'${text.replaceAll('\\', '\\\\').replaceAll("'", "\\'")}'`
}
