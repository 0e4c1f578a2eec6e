import { readFileSync } from 'node:fs'
import { extname } from 'node:path'

/** `ui.logo`, read once: what `<prefix>/assets/logo` serves. */
export interface LogoFile {
  bytes: Buffer
  contentType: string
}

const contentTypes: Readonly<Record<string, string>> = {
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.webp': 'image/webp',
}

/** A header logo, not a photo: every page links it, so a large file would slow every first visit. */
const maxBytes = 256 * 1024

export class LogoFileError extends Error {}

export function readLogoFile(file: string): LogoFile {
  const contentType = contentTypes[extname(file).toLowerCase()]
  if (contentType === undefined)
    throw new LogoFileError(`${file}: expected an .svg, .png, .jpg or .webp file`)
  let bytes: Buffer
  try {
    bytes = readFileSync(file)
  } catch (error) {
    throw new LogoFileError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
  }
  if (bytes.length > maxBytes) {
    throw new LogoFileError(`${file} is ${Math.ceil(bytes.length / 1024)} KB; expected at most 256 KB`)
  }
  return { bytes, contentType }
}
