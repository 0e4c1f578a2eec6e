import { mkdtempSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../gateway/load-config.ts'

const dir = mkdtempSync(join(tmpdir(), 'tapgate-logo-'))
writeFileSync(join(dir, 'logo.png'), Buffer.from([0x89, 0x50, 0x4e, 0x47]))
writeFileSync(
  join(dir, 'huge.svg'),
  `<svg xmlns="http://www.w3.org/2000/svg">${' '.repeat(300 * 1024)}</svg>`,
)
writeFileSync(join(dir, 'logo.gif'), 'GIF89a')

function withLogo(logo: string) {
  return parseConfig(
    {
      public_url: 'https://panel.example.com',
      upstream: { url: 'http://127.0.0.1:9' },
      encryption_key: 'k'.repeat(40),
      first_factor: { panel_cookies: ['sid'] },
      ui: { logo },
    },
    { baseDir: dir, env: {} },
  )
}

describe('ui.logo', () => {
  it('is taken relative to the config file', () => {
    const loaded = withLogo('logo.png')
    expect(loaded.ok && loaded.config.ui.logo).toBe(join(dir, 'logo.png'))
  })

  it.each([
    ['missing.png', /ui\.logo: cannot read .*missing\.png: ENOENT/],
    ['huge.svg', /ui\.logo: .*huge\.svg is 301 KB; expected at most 256 KB/],
    ['logo.gif', /ui\.logo: .*logo\.gif: expected an \.svg, \.png, \.jpg or \.webp file/],
  ])('%s is one clear problem', (logo, problem) => {
    const loaded = withLogo(logo)
    expect(loaded.ok).toBe(false)
    if (!loaded.ok) expect(loaded.problems).toEqual([expect.stringMatching(problem)])
  })
})
