import { wcagContrast } from 'culori'
import { describe, expect, it } from 'vitest'
import { accentStylesheet } from '../../../gateway/views/accent-stylesheet.ts'

/** The custom properties one block of the stylesheet sets: light (`:root`) or dark (the media query). */
function variables(css: string, mode: 'light' | 'dark'): Record<string, string> {
  const [light, dark = ''] = css.split('@media (prefers-color-scheme: dark)')
  const block = mode === 'light' ? (light ?? '') : dark
  return Object.fromEntries([...block.matchAll(/(--[a-z-]+): ([^;]+);/g)].map((m) => [m[1], m[2]]))
}

// Blues, a teal, a yellow, an orange, grey, the extremes: colours operators pick, and colours that fight back.
const accents = [
  '#2456d3',
  '#0b7a75',
  '#ffd400',
  '#e07000',
  '#ff5a5f',
  '#7f7f7f',
  '#00ff00',
  '#000000',
  '#ffffff',
]

describe('accentStylesheet (ui.accent)', () => {
  it.each(accents)('%s: button text reads on the button, links read on light and dark pages', (accent) => {
    const light = variables(accentStylesheet(accent), 'light')
    const dark = { ...light, ...variables(accentStylesheet(accent), 'dark') }
    const button = light['--accent'] as string
    expect(wcagContrast(button, light['--on-accent'] as string)).toBeGreaterThanOrEqual(4.5)
    for (const surface of ['#ffffff', '#f3f5f8']) {
      expect(wcagContrast(light['--accent-text'] as string, surface)).toBeGreaterThanOrEqual(4.5)
    }
    for (const surface of ['#161b22', '#0d1117']) {
      expect(wcagContrast(dark['--accent-text'] as string, surface)).toBeGreaterThanOrEqual(4.5)
    }
  })

  it('keeps a colour that already reads as it is', () => {
    const light = variables(accentStylesheet('#0b7a75'), 'light')
    expect(light['--accent']).toBe('#0b7a75')
    expect(light['--on-accent']).toBe('#ffffff')
  })

  it('puts dark text on a light accent rather than darkening the brand', () => {
    const light = variables(accentStylesheet('#ffd400'), 'light')
    expect(light['--accent']).toBe('#ffd400')
    expect(light['--on-accent']).not.toBe('#ffffff')
  })

  it('accepts the three-digit form', () => {
    expect(variables(accentStylesheet('#fd0'), 'light')['--accent']).toBe('#ffdd00')
  })
})
