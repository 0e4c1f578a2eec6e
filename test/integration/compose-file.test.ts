import { execFileSync, spawnSync } from 'node:child_process'
import { randomBytes } from 'node:crypto'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, isAbsolute, join, relative } from 'node:path'
import { fileURLToPath } from 'node:url'
import dockerignore from '@balena/dockerignore'
import { type Dockerfile, DockerfileParser, type Instruction, type JSONInstruction } from 'dockerfile-ast'
import { validate } from 'dockerfile-utils'
import { beforeAll, describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { z } from 'zod'
import { loadConfigFile, parseConfig } from '../../gateway/load-config.ts'
import { ensureDebianPackage } from '../support/system-packages.ts'

/**
 * No Docker engine runs here, so this checks what can be checked without one: Debian's docker-compose
 * (1.29) must accept docker-compose.yml, and everything its normalised form names must exist in the
 * repository (build contexts, the Dockerfile and what it copies, the mounted config) or be declared
 * (volumes, secrets, services). The config must load with tapgate's own loader once the secret is
 * where compose mounts it.
 *
 * The encryption key itself is never committed: compose reads it from secrets/, which git and the
 * Docker build context both ignore, and the compose file's header says how to create it. So the test
 * asserts exactly that (ignored, documented) instead of shipping an example key someone might deploy.
 */

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const composeFile = join(repoRoot, 'docker-compose.yml')

const stringList = z.array(z.string())
/** The parts of `docker-compose config` output (already normalised: absolute paths, long forms) we check. */
const composeSchema = z.object({
  services: z.record(
    z.string(),
    z.object({
      build: z
        .object({
          context: z.string(),
          dockerfile: z.string().default('Dockerfile'),
          target: z.string().optional(),
        })
        .optional(),
      image: z.string().optional(),
      command: stringList.optional(),
      entrypoint: stringList.optional(),
      environment: z.record(z.string(), z.string().nullable()).default({}),
      ports: z
        .array(z.union([z.string(), z.object({ target: z.number(), published: z.number() })]))
        .default([]),
      volumes: stringList.default([]),
      secrets: z.array(z.object({ source: z.string(), target: z.string().optional() })).default([]),
      depends_on: z.record(z.string(), z.object({ condition: z.string() })).default({}),
      healthcheck: z.object({ test: stringList }).optional(),
    }),
  ),
  volumes: z.record(z.string(), z.unknown()).default({}),
  secrets: z.record(z.string(), z.object({ file: z.string() })).default({}),
})
type Compose = z.infer<typeof composeSchema>
type Service = Compose['services'][string]

let compose: Compose

beforeAll(() => {
  const binary = ensureDebianPackage('docker-compose', 'docker-compose')
  // Only the file decides: no COMPOSE_FILE, COMPOSE_PROJECT_NAME … of the machine running the tests.
  const env = Object.fromEntries(Object.entries(process.env).filter(([name]) => !name.startsWith('COMPOSE_')))
  const output = execFileSync(binary, ['--file', composeFile, 'config'], {
    cwd: repoRoot,
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
  })
  compose = composeSchema.parse(parseYaml(output))
})

function service(name: string): Service {
  const found = compose.services[name]
  if (!found) throw new Error(`docker-compose.yml has no service '${name}'`)
  return found
}

/** A normalised `SOURCE:TARGET[:MODE]` volume entry; a source that is not a path names a volume. */
function mount(entry: string): { source: string; target: string; mode: string } {
  const [source = '', target = '', mode = 'rw'] = entry.split(':')
  return { source, target, mode }
}

/** The absolute path's place inside the repository ('.' for its root), or null when it lies outside. */
function inRepo(path: string): string | null {
  const inside = relative(repoRoot, path)
  return isAbsolute(path) && !inside.startsWith('..') ? inside || '.' : null
}

function argumentsOf(instruction: Instruction): string[] {
  const json = (instruction as JSONInstruction).getJSONStrings?.() ?? []
  return json.length > 0
    ? json.map((argument) => argument.getJSONValue())
    : instruction.getArguments().map((argument) => argument.getValue())
}

/** Docker's own matching of .dockerignore (a CommonJS module whose typed default sits one level down). */
function buildContextFilter() {
  return dockerignore.default().add(readFileSync(join(repoRoot, '.dockerignore'), 'utf8'))
}

/** git's own answer (exit 0), whether or not the file exists yet. */
function gitIgnores(path: string): boolean {
  return spawnSync('git', ['check-ignore', '--quiet', '--no-index', path], { cwd: repoRoot }).status === 0
}

function filesUnder(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((entry) =>
    statSync(join(dir, entry)).isFile(),
  )
}

describe('docker-compose.yml', () => {
  it('is accepted by docker-compose and runs tapgate, redis and the demo panel, each dependency defined', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['panel', 'redis', 'tapgate'])
    for (const [name, { depends_on }] of Object.entries(compose.services)) {
      for (const [dependency, { condition }] of Object.entries(depends_on)) {
        expect(compose.services, `${name} depends on ${dependency}`).toHaveProperty([dependency])
        if (condition === 'service_healthy') expect(service(dependency).healthcheck).toBeDefined()
      }
    }
    expect(service('tapgate').depends_on).toMatchObject({ redis: {}, panel: {} })
  })

  it('builds tapgate and the panel from a Dockerfile that exists, each from its own stage', () => {
    for (const name of ['tapgate', 'panel']) {
      const build = service(name).build
      expect(build, `${name} is built from the repository`).toBeDefined()
      if (!build) continue
      expect(inRepo(build.context), `${name}'s build context`).not.toBeNull()
      expect(existsSync(join(build.context, build.dockerfile)), `${name}'s ${build.dockerfile}`).toBe(true)
    }
    // tapgate is the default build; the panel is the stage that adds the demo to it.
    expect(service('tapgate').build?.target).toBeUndefined()
    expect(service('panel').build?.target).toBe('demo-panel')
    expect(service('panel').entrypoint).toBeUndefined()
  })

  it('keeps Redis data in an append-only file on a declared named volume', () => {
    const redis = service('redis')
    expect(redis.image).toMatch(/^redis:7/)
    expect(redis.command?.join(' ')).toContain('--appendonly yes')
    expect(redis.volumes.map(mount)).toContainEqual({ source: 'redis-data', target: '/data', mode: 'rw' })
    for (const [name, { volumes }] of Object.entries(compose.services)) {
      for (const { source } of volumes.map(mount)) {
        if (source.startsWith('/')) expect(existsSync(source), `${name} mounts ${source}`).toBe(true)
        else expect(compose.volumes, `${name} uses volume ${source}`).toHaveProperty([source])
      }
    }
  })

  it('takes every secret from a declared file that git and the build context ignore and the file documents', () => {
    const declared = Object.keys(compose.secrets)
    for (const [name, { secrets }] of Object.entries(compose.services)) {
      for (const { source } of secrets) expect(declared, `${name} uses secret ${source}`).toContain(source)
    }
    expect(service('tapgate').secrets.map((s) => s.source)).toEqual(['tapgate_encryption_key'])
    const header = readFileSync(composeFile, 'utf8')
    const buildContext = buildContextFilter()
    for (const [name, { file }] of Object.entries(compose.secrets)) {
      const path = inRepo(file)
      expect(path, `secret ${name} is read from inside the repository`).not.toBeNull()
      if (path === null) continue
      expect(gitIgnores(path), `.gitignore keeps ${path} out of commits`).toBe(true)
      expect(buildContext.ignores(path), `.dockerignore keeps ${path} out of the build context`).toBe(true)
      expect(header, `docker-compose.yml says how to create ${path}`).toContain(`> ${path}`)
    }
  })

  it("mounts tapgate's config read-only, and it loads with tapgate's loader given the secret", () => {
    const tapgate = service('tapgate')
    const command = tapgate.command ?? []
    expect(command[0]).toBe('serve')
    const configTarget = command[command.indexOf('--config') + 1]
    const configMount = tapgate.volumes.map(mount).find((m) => m.target === configTarget)
    expect(configMount, `a volume mounted at ${configTarget}`).toMatchObject({ mode: 'ro' })
    const source = configMount?.source ?? ''
    expect(inRepo(source)).toBe('config/compose.yaml')

    // Outside the container the one thing missing is the secret, at the path compose mounts it.
    const secretPath = `/run/secrets/${tapgate.secrets[0]?.source}`
    const outside = loadConfigFile(source, {})
    const problems = outside.ok ? [] : outside.problems
    expect(problems).toContain(`encryption_key_file: cannot read '${secretPath}' (ENOENT)`)
    expect(problems.filter((problem) => !problem.startsWith('encryption_key'))).toEqual([])
    const dir = mkdtempSync(join(tmpdir(), 'tapgate-compose-'))
    try {
      // The shape of key the compose file's header makes: 32 random bytes, base64.
      const keyFile = join(dir, 'tapgate_encryption_key')
      writeFileSync(keyFile, `${randomBytes(32).toString('base64')}\n`)
      const raw = z.record(z.string(), z.unknown()).parse(parseYaml(readFileSync(source, 'utf8')))
      expect(raw.encryption_key_file).toBe(secretPath)
      const loaded = parseConfig(
        { ...raw, encryption_key_file: keyFile },
        { baseDir: dirname(source), env: {} },
      )
      if (!loaded.ok) throw new Error(`config/compose.yaml does not load:\n${loaded.problems.join('\n')}`)
      const { config } = loaded

      // Every address in it is one compose provides.
      expect(config.listen.host).toBe('0.0.0.0')
      // Published on the host's loopback only: the demo accounts' passwords are public.
      const published = tapgate.ports.map((p) => (typeof p === 'string' ? p : `${p.published}:${p.target}`))
      expect(published).toEqual([`127.0.0.1:${new URL(config.public_url).port}:${config.listen.port}/tcp`])
      const panel = new URL(config.upstream.url)
      expect(panel.hostname).toBe('panel')
      expect(panel.port).toBe(service('panel').environment.PANEL_PORT)
      expect(new URL(config.store.redis_url ?? '').hostname).toBe('redis')
      // A restart must remember the store's identity: on a named volume the image's user may write.
      const identityDir = dirname(config.store.identity_file ?? '')
      const volume = tapgate.volumes.map(mount).find((m) => m.target === identityDir)
      expect(volume, `a named volume at ${identityDir}`).toMatchObject({ mode: 'rw' })
      expect(compose.volumes).toHaveProperty([volume?.source ?? ''])
      expect(readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')).toContain(`chown node:node ${identityDir}`)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})

describe('Dockerfile', () => {
  const text = readFileSync(join(repoRoot, 'Dockerfile'), 'utf8')
  const dockerfile: Dockerfile = DockerfileParser.parse(text)

  it('has no syntax errors', () => {
    expect(validate(text).map((d) => `line ${d.range.start.line + 1}: ${d.message}`)).toEqual([])
  })

  it('copies only paths that exist and reach the build context, and never a secret', () => {
    const buildContext = buildContextFilter()
    const stages = dockerfile.getFROMs().map((from) => from.getBuildStage())
    const sources = dockerfile
      .getInstructions()
      .filter((instruction) => ['COPY', 'ADD'].includes(instruction.getKeyword()))
      .flatMap((instruction) => {
        const from = (instruction as JSONInstruction).getFlags().find((flag) => flag.getName() === 'from')
        if (from) {
          expect(stages, `COPY --from=${from.getValue()}`).toContain(from.getValue())
          return []
        }
        return argumentsOf(instruction).slice(0, -1)
      })
    expect(sources.length).toBeGreaterThan(0)
    for (const source of sources) {
      const path = join(repoRoot, source)
      expect(existsSync(path), `COPY ${source}`).toBe(true)
      expect(buildContext.ignores(source), `.dockerignore lets ${source} through`).toBe(false)
      // Every module the gateway runs must be in the image.
      if (statSync(path).isDirectory()) {
        const code = filesUnder(path).filter((file) => /\.tsx?$/.test(file))
        const left = code.filter((file) => buildContext.ignores(join(source, file)))
        expect(left, `${source}: TypeScript files left out by .dockerignore`).toEqual([])
      }
    }
    for (const file of Object.values(compose.secrets).map((s) => inRepo(s.file) ?? '')) {
      const copied = sources.filter(
        (source) => !relative(join(repoRoot, source), join(repoRoot, file)).startsWith('..'),
      )
      expect(copied, `COPY sources containing ${file}`).toEqual([])
    }
  })

  /** A stage's instructions with those of the stages it is built FROM, nearest first; null: the default build. */
  function stageChain(stage: string | null): Instruction[] {
    const froms = dockerfile.getFROMs()
    const at = stage === null ? froms.length - 1 : froms.findIndex((f) => f.getBuildStage() === stage)
    const from = froms[at]
    if (!from) throw new Error(`the Dockerfile has no stage ${stage}`)
    const start = from.getRange().start.line
    const end = froms[at + 1]?.getRange().start.line ?? Number.POSITIVE_INFINITY
    const own = dockerfile.getInstructions().filter((instruction) => {
      const line = instruction.getRange().start.line
      return line > start && line < end
    })
    const parent = from.getImageName()
    const built = froms.some((f) => f.getBuildStage() === parent)
    return [...own.toReversed(), ...(built ? stageChain(parent) : [])]
  }

  function entrypointOf(stage: string | null): string[] {
    const entrypoint = stageChain(stage).find((instruction) => instruction.getKeyword() === 'ENTRYPOINT')
    return entrypoint ? argumentsOf(entrypoint) : []
  }

  it('runs the compiled gateway as the unprivileged node user, built by npm run build', () => {
    const users = dockerfile.getInstructions().filter((instruction) => instruction.getKeyword() === 'USER')
    expect(users.map((user) => user.getArgumentsContent())).toEqual(['node'])
    expect(entrypointOf(null)).toEqual(['node', 'dist/gateway/tapgate.js'])
    const build = stageChain('build').map((instruction) => instruction.getArgumentsContent())
    expect(build).toContain('npm run build')
    const packageJson = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8'))
    expect(packageJson.scripts.build).toContain('--outfile=dist/gateway/tapgate.js')
  })

  it("keeps the demo out of tapgate's image; the demo-panel stage adds it and runs its panel", () => {
    const copied = (stage: string | null) =>
      stageChain(stage)
        .filter((instruction) => instruction.getKeyword() === 'COPY')
        .flatMap((instruction) => argumentsOf(instruction).slice(0, -1))
    expect(copied(null)).not.toContain('demo')
    expect(copied(null).filter((source) => source.startsWith('demo'))).toEqual([])
    expect(copied('demo-panel')).toContain('demo')
    expect(entrypointOf('demo-panel')).toEqual(['node', '--import', 'tsx', 'demo/panel-main.ts'])
    expect(existsSync(join(repoRoot, 'demo/panel-main.ts'))).toBe(true)
  })
})
