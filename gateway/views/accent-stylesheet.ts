import { type Color, formatHex, interpolate, parse, wcagContrast } from 'culori'

/** The page and card backgrounds of web/app.css, light and dark: link text must read on both. */
const lightSurfaces = ['#ffffff', '#f3f5f8']
const darkSurfaces = ['#161b22', '#0d1117']
/** web/app.css's text colour, for text on a light accent. */
const darkText = '#18202c'
/** WCAG 2 AA for body text, which is what button labels and links are. */
const readable = 4.5

/** The first shade from `colour` toward `toward`, in 5% steps, that reads on each of `surfaces`. */
function readableShade(colour: Color, toward: string, surfaces: readonly string[]): string {
  const shade = interpolate([colour, toward], 'rgb')
  for (let step = 0; step <= 20; step++) {
    const candidate = formatHex(shade(step / 20))
    if (surfaces.every((surface) => wcagContrast(candidate, surface) >= readable)) return candidate
  }
  return toward
}

function shade(colour: string, toward: string, amount: number): string {
  return formatHex(interpolate([colour, toward], 'rgb')(amount))
}

function translucent(colour: string, alpha: number): string {
  const { r, g, b } = parse(colour) as { r: number; g: number; b: number }
  return `rgb(${Math.round(r * 255)} ${Math.round(g * 255)} ${Math.round(b * 255)} / ${alpha})`
}

/**
 * web/app.css's accent variables for an operator's colour (`ui.accent`). The colour is kept where it
 * reads and moved only as far as it must: buttons get white or dark text, whichever reads on it (and
 * a darker button when neither does), links get a shade that reads on light and on dark pages.
 */
export function accentStylesheet(accent: string): string {
  const colour = parse(accent)
  if (colour === undefined) throw new TypeError(`not a colour: ${accent}`)
  const onWhite = wcagContrast(colour, '#ffffff') >= readable
  const onDark = !onWhite && wcagContrast(colour, darkText) >= readable
  const button = onWhite || onDark ? formatHex(colour) : readableShade(colour, '#000000', ['#ffffff'])
  const onButton = onDark ? darkText : '#ffffff'
  const lightLink = readableShade(colour, '#000000', lightSurfaces)
  const darkLink = readableShade(colour, '#ffffff', darkSurfaces)
  const hoverToward = onDark ? '#ffffff' : '#000000'
  return `/* ui.accent: ${formatHex(colour)} */
:root {
  --accent: ${button};
  --accent-hover: ${shade(button, hoverToward, 0.12)};
  --accent-active: ${shade(button, hoverToward, 0.24)};
  --accent-soft: ${shade(button, '#ffffff', 0.9)};
  --accent-text: ${lightLink};
  --on-accent: ${onButton};
  --focus-ring: ${lightLink};
  --focus-halo: ${translucent(button, 0.18)};
}

@media (prefers-color-scheme: dark) {
  :root {
    --accent-soft: ${translucent(button, 0.14)};
    --accent-text: ${darkLink};
    --focus-ring: ${darkLink};
    --focus-halo: ${translucent(darkLink, 0.22)};
  }
}
`
}
