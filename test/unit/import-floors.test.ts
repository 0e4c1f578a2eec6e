import { readdirSync, readFileSync } from 'node:fs'
import { join, relative, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

/**
 * gateway/'s folders (and top-level files) from the ground up. A module may take values only from a
 * floor below its own; types may point anywhere (a guard names the parts of `Services` it uses as
 * `Pick<Services, …>`, a type). Below sign-in/, nothing names Services at all: a function there takes
 * the parts it uses. Folders on one floor do not import each other. A new folder gets its floor here.
 */
const floors: readonly (readonly string[])[] = [
  ['context', 'crypto', 'deps', 'observability', 'safe-json'],
  ['http'],
  ['config', 'panel-session', 'policy'],
  ['store'],
  ['factors', 'history', 'regulation', 'session'],
  ['users', 'views'],
  ['errors', 'messages'],
  ['limits', 'proxy', 'sign-in'],
  ['factor-setup', 'first-factor'],
  ['guards', 'load-config', 'services'],
  ['routes'],
  ['app'],
  ['server'],
  ['reload'],
  ['workers'],
  ['serve-command'],
  ['cli'],
]

const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
const gatewayDir = join(repoRoot, 'gateway')

interface ValueImport {
  from: string
  to: string
}

function gatewayModules(): string[] {
  return readdirSync(gatewayDir, { recursive: true, encoding: 'utf8' }).filter((file) => /\.tsx?$/.test(file))
}

/**
 * Every module's imports of other modules that bring in a value, as esbuild reads them: it drops
 * what is imported as a type only, as the compiled gateway does.
 */
async function valueImports(): Promise<ValueImport[]> {
  const { metafile } = await build({
    absWorkingDir: repoRoot,
    entryPoints: gatewayModules().map((file) => join('gateway', file)),
    bundle: true,
    packages: 'external',
    platform: 'node',
    format: 'esm',
    write: false,
    metafile: true,
    outdir: 'unused',
    logLevel: 'silent',
  })
  return Object.entries(metafile.inputs)
    .filter(([file]) => file.startsWith('gateway/'))
    .flatMap(([file, { imports }]) =>
      imports
        .filter((entry) => !entry.external)
        .map((entry) => ({ from: relative('gateway', file), to: relative('gateway', entry.path) })),
    )
}

/** The folder (or top-level file, without its extension) a path under gateway/ belongs to. */
function placeOf(path: string): string {
  const [first = ''] = path.split(sep)
  return path.includes(sep) ? first : first.replace(/\.tsx?$/, '')
}

function floorOf(place: string): number {
  return floors.findIndex((floor) => floor.includes(place))
}

describe('import floors', async () => {
  const imports = await valueImports()

  it('reads the imports (the walk finds the gateway and tells types from values)', () => {
    expect(imports).toContainEqual({ from: join('routes', 'account.tsx'), to: join('guards', 'step-up.ts') })
    // Services is built by the server and the CLI; everything else sees only its type.
    const builders = new Set(
      imports.filter(({ to }) => to === 'services.ts').map(({ from }) => placeOf(from)),
    )
    expect([...builders].sort()).toEqual(['cli', 'server'])
  })

  it('gives every folder and top-level file of the gateway a floor', () => {
    const places = new Set(gatewayModules().map(placeOf))
    expect([...places].filter((place) => floorOf(place) === -1)).toEqual([])
  })

  it('takes values only from lower floors, and nothing from outside the gateway but its release (the demo is not shipped)', () => {
    const wrong = imports
      .filter(({ from, to }) => {
        if (to.startsWith('..')) return to !== join('..', 'package.json')
        const [a, b] = [placeOf(from), placeOf(to)]
        return a !== b && floorOf(b) >= floorOf(a)
      })
      .map(({ from, to }) => `${from} -> ${to}`)
    expect(wrong).toEqual([])
  })

  it('keeps Services out of the floors below sign-in/: their functions take the parts they use', () => {
    const naming = gatewayModules().filter(
      (file) =>
        floorOf(placeOf(file)) < floorOf('sign-in') &&
        /from '(\.\.?\/)+services\.ts'/.test(readFileSync(join(gatewayDir, file), 'utf8')),
    )
    expect(naming).toEqual([])
  })
})
