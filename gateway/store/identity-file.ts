import { mkdirSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import type { Config } from '../config/schema.ts'

/** Where `store.identity_file` is when the config leaves it out: beside the embedded store. */
export function identityFileOf(store: Config['store']): string {
  return store.identity_file ?? join(dirname(store.embedded_path), 'tapgate.store-identity')
}

/** The identity file cannot be read or written: the gateway must not guess, so it does not start. */
export class IdentityFileError extends Error {
  override name = 'IdentityFileError'
}

const identityShape = /^[A-Za-z0-9_-]{16,64}$/

/** The store identity this gateway remembers; null when the file does not exist (a first start). */
export function readIdentityFile(file: string): string | null {
  let text: string
  try {
    text = readFileSync(file, 'utf8')
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return null
    throw new IdentityFileError(`store.identity_file ${file} cannot be read (${code})`)
  }
  const identity = text.trim()
  if (!identityShape.test(identity)) {
    throw new IdentityFileError(`store.identity_file ${file} does not hold a store identity`)
  }
  return identity
}

/** Written aside and renamed into place, so a crash never leaves half an identity to read. */
export function writeIdentityFile(file: string, identity: string): void {
  const staged = `${file}.${process.pid}.new`
  try {
    mkdirSync(dirname(file), { recursive: true, mode: 0o700 })
    writeFileSync(staged, `${identity}\n`, { mode: 0o600 })
    renameSync(staged, file)
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code
    throw new IdentityFileError(
      `store.identity_file ${file} cannot be written (${code}); point it at a persistent, writable place`,
    )
  }
}
