import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { describe, expect, it } from 'vitest'

/**
 * The README and docs/ link to each other and into config/, and show web/screenshots/: every relative
 * link and image must lead somewhere.
 */
const pages = [
  'README.md',
  'docs/configuration.md',
  ...readdirSync('docs/guides').map((name) => `docs/guides/${name}`),
]

/** GitHub's heading anchors: lower case, punctuation dropped, spaces as hyphens. */
function anchorsOf(file: string): Set<string> {
  const headings = readFileSync(file, 'utf8').match(/^#{1,6} .+$/gm) ?? []
  return new Set(
    headings.map((heading) =>
      heading
        .replace(/^#+ /, '')
        .toLowerCase()
        .replace(/[^\p{L}\p{N} _-]/gu, '')
        .replaceAll(' ', '-'),
    ),
  )
}

function brokenLinks(page: string): string[] {
  const text = readFileSync(page, 'utf8').replace(/```[\s\S]*?```/g, '')
  // Markdown links and images, and the HTML images the README lays out side by side.
  const targets = [...text.matchAll(/\]\(([^)\s]+)\)/g), ...text.matchAll(/<img\b[^>]*\ssrc="([^"]+)"/g)]
  return targets.flatMap(([, target = '']) => {
    if (/^[a-z]+:/.test(target)) return []
    const [path = '', anchor] = target.split('#')
    const file = path === '' ? page : join(dirname(page), path)
    if (!existsSync(file)) return [`${page}: ${target} (no such file)`]
    if (anchor === undefined || statSync(file).isDirectory()) return []
    return anchorsOf(file).has(anchor) ? [] : [`${page}: ${target} (no such heading)`]
  })
}

describe('links in the documentation', () => {
  it.each(pages)('%s links only to files and headings that exist', (page) => {
    expect(brokenLinks(page)).toEqual([])
  })
})
