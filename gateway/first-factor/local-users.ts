import { readFileSync, watch } from 'node:fs'
import { readFile } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import { hash, verify } from '@node-rs/argon2'
import type { Logger } from 'pino'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { formatIssue } from '../config/issues.ts'
import type { UserGroups } from '../users/user-groups.ts'
import { canonicalUsername } from './canonical-username.ts'

/** OWASP's minimum for argon2id (19 MiB, 2 passes): about 0.1 s here; `tapgate hash-password` uses it. */
export const argon2Options = { memoryCost: 19_456, timeCost: 2, parallelism: 1 }

const userEntry = z
  .object({
    /** The PHC string `tapgate hash-password` prints. */
    password: z.string().regex(/^\$argon2id\$v=19\$m=\d+,t=\d+,p=\d+\$[A-Za-z0-9+/]+\$[A-Za-z0-9+/]+$/, {
      message: 'expected an argon2id hash as `tapgate hash-password` prints it',
    }),
    displayname: z.string().min(1).optional(),
    email: z.email({ message: 'expected an email address' }).optional(),
    groups: z.array(z.string().min(1)).default([]),
    /** A disabled user's password is never accepted; their factors and history stay. */
    disabled: z.boolean().default(false),
  })
  .strict()

const usersDocument = z.object({ users: z.record(z.string().min(1), userEntry) }).strict()

export interface LocalUser {
  /** Canonical, as every other part of tapgate keys users. */
  name: string
  displayName: string
  email: string | null
  groups: readonly string[]
  disabled: boolean
  passwordHash: string
}

export class UsersFileError extends Error {
  override name = 'UsersFileError'
  constructor(
    readonly file: string,
    readonly problems: string[],
  ) {
    super(`${file}: ${problems.join('; ')}`)
  }
}

/** Reads and checks a users file; throws UsersFileError naming every problem. */
async function readUsersFile(file: string, caseSensitive: boolean): Promise<Map<string, LocalUser>> {
  let text: string
  try {
    text = await readFile(file, 'utf8')
  } catch (error) {
    throw new UsersFileError(file, [`cannot read the users file (${(error as NodeJS.ErrnoException).code})`])
  }
  return parseUsers(file, text, caseSensitive)
}

export function parseUsers(file: string, text: string, caseSensitive: boolean): Map<string, LocalUser> {
  let raw: unknown
  try {
    raw = parseYaml(text)
  } catch (error) {
    throw new UsersFileError(file, [`not valid YAML: ${(error as Error).message.split('\n')[0]}`])
  }
  const parsed = usersDocument.safeParse(raw ?? {}, { reportInput: true })
  if (!parsed.success) {
    // Never echo a hash back: it is a secret, if a slow one to attack.
    const hashes = new Set(Object.keys(usersIn(raw)).map((name) => `users.${name}.password`))
    throw new UsersFileError(
      file,
      parsed.error.issues.map((issue) => formatIssue(issue, hashes)),
    )
  }
  const users = new Map<string, LocalUser>()
  const problems: string[] = []
  for (const [written, entry] of Object.entries(parsed.data.users)) {
    const name = canonicalUsername(written, caseSensitive)
    const clash = users.get(name)
    if (name === '') problems.push(`users: '${written}' is not a usable username`)
    else if (clash) problems.push(`users: '${written}' and another entry are the same user '${name}'`)
    else {
      users.set(name, {
        name,
        displayName: entry.displayname ?? written.trim(),
        email: entry.email ?? null,
        groups: entry.groups,
        disabled: entry.disabled,
        passwordHash: entry.password,
      })
    }
  }
  if (problems.length > 0) throw new UsersFileError(file, problems)
  return users
}

function usersIn(raw: unknown): Record<string, unknown> {
  const users = typeof raw === 'object' && raw !== null ? (raw as { users?: unknown }).users : undefined
  return typeof users === 'object' && users !== null ? (users as Record<string, unknown>) : {}
}

/**
 * tapgate's own users (first_factor.mode: local): a YAML file of argon2id hashes, read at start and
 * again whenever it changes (an edit, or a new file moved into place). A change that does not parse
 * is logged and ignored: the users from the last good version stay, so a typo cannot lock everyone out.
 */
export class LocalUsers implements UserGroups {
  #users: Map<string, LocalUser>
  #dummyHash: Promise<string> | null = null

  private constructor(
    readonly file: string,
    private readonly caseSensitive: boolean,
    users: Map<string, LocalUser>,
  ) {
    this.#users = users
  }

  /** Reads the file now (start-up); throws UsersFileError when it is unusable. */
  static open(file: string, caseSensitive: boolean): LocalUsers {
    let text: string
    try {
      text = readFileSync(file, 'utf8')
    } catch (error) {
      throw new UsersFileError(file, [
        `cannot read the users file (${(error as NodeJS.ErrnoException).code})`,
      ])
    }
    return new LocalUsers(file, caseSensitive, parseUsers(file, text, caseSensitive))
  }

  get size(): number {
    return this.#users.size
  }

  find(user: string): LocalUser | null {
    return this.#users.get(user) ?? null
  }

  groupsOf(user: string): readonly string[] {
    return this.#users.get(user)?.groups ?? []
  }

  /**
   * The user, when the password is theirs and they are not disabled. An unknown name costs the same
   * argon2 work as a known one, so response times do not tell which names exist.
   */
  async checkPassword(user: string, password: string): Promise<LocalUser | null> {
    const found = this.#users.get(user)
    if (found === undefined) {
      await verify(await this.#dummy(), password).catch(() => false)
      return null
    }
    const matches = await verify(found.passwordHash, password).catch(() => false)
    return matches && !found.disabled ? found : null
  }

  /** Reads the file again; on a problem keeps the users it has and rejects with UsersFileError. */
  async reload(): Promise<void> {
    this.#users = await readUsersFile(this.file, this.caseSensitive)
  }

  /**
   * Reloads on every change. The directory is watched, not the file: editors and config management
   * replace files by renaming a new one over the old, which a watch on the old inode would miss.
   * `onReload` hears of each attempt (for logs and tests). Returns a function that stops watching.
   */
  watch(log: Logger, onReload: (error: UsersFileError | null) => void = () => {}): () => void {
    const name = basename(this.file)
    let pending: Promise<void> = Promise.resolve()
    const watcher = watch(dirname(this.file), { persistent: false }, (_event, changed) => {
      if (changed !== null && changed !== name) return
      // One reload at a time, in order: the last change always wins.
      pending = pending.then(async () => {
        try {
          await this.reload()
          log.info({ event: 'users_reloaded', users: this.#users.size }, 'users file reloaded')
          onReload(null)
        } catch (error) {
          if (!(error instanceof UsersFileError)) throw error
          log.error(
            { event: 'users_reload_failed', problems: error.problems },
            'users file not reloaded; keeping the previous users',
          )
          onReload(error)
        }
      })
    })
    return () => watcher.close()
  }

  #dummy(): Promise<string> {
    this.#dummyHash ??= hash('not a password of anyone', argon2Options)
    return this.#dummyHash
  }
}
