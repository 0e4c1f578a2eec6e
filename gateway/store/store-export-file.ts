import { open, readFile, rm } from 'node:fs/promises'
import { z } from 'zod'
import type { Clock } from '../deps.ts'
import { safeJson } from '../safe-json.ts'
import type { MovableStore, StoreEntry } from './store-entry.ts'

/**
 * The file `tapgate store export` writes and `tapgate store import` reads: JSON Lines, a header line
 * first (format, version, export time), then one store entry a line. Lifetimes are as of the export
 * time, so an import later counts the time in between and leaves out what expired meanwhile.
 */
export const STORE_EXPORT_FORMAT = 'tapgate-store-export'
export const STORE_EXPORT_VERSION = 1

/** The file is not one this tapgate can import; nothing was written to the store. */
export class StoreExportFileError extends Error {
  override name = 'StoreExportFileError'
}

export interface ExportCounts {
  entries: number
}

export interface ImportCounts {
  /** Entries written to the store. */
  imported: number
  /** Entries whose lifetime ran out between the export and the import. */
  expired: number
}

const headerShape = z.object({
  format: z.literal(STORE_EXPORT_FORMAT),
  version: z.number().int(),
  exported_at: z.iso.datetime(),
})

const ttlMs = z.number().int().positive().nullable()
const entryShape = z.discriminatedUnion('kind', [
  z.strictObject({ key: z.string(), kind: z.literal('value'), value: z.string(), ttlMs }),
  z.strictObject({
    key: z.string(),
    kind: z.literal('members'),
    members: z.array(z.strictObject({ member: z.string(), ttlMs })).min(1),
  }),
  z.strictObject({ key: z.string(), kind: z.literal('list'), values: z.array(z.string()).min(1) }),
])

/**
 * Writes every entry of the store to a new file, readable by its owner only: it holds sealed factors
 * and the records of live sessions. An existing file is never overwritten; a failed export leaves none.
 */
export async function exportStore(store: MovableStore, file: string, clock: Clock): Promise<ExportCounts> {
  const handle = await open(file, 'wx', 0o600)
  let entries = 0
  try {
    const header = {
      format: STORE_EXPORT_FORMAT,
      version: STORE_EXPORT_VERSION,
      exported_at: new Date(clock.now()).toISOString(),
    }
    let chunk = `${JSON.stringify(header)}\n`
    for await (const entry of store.entries()) {
      chunk += `${JSON.stringify(entry)}\n`
      entries++
      if (chunk.length >= 64 * 1024) {
        await handle.write(chunk)
        chunk = ''
      }
    }
    await handle.write(chunk)
    await handle.sync()
    await handle.close()
  } catch (error) {
    await handle.close().catch(() => {})
    await rm(file, { force: true })
    throw error
  }
  return { entries }
}

/** The export's time and entries, every line checked before anything is written anywhere. */
export async function readStoreExport(file: string): Promise<{ exportedAt: number; entries: StoreEntry[] }> {
  const lines = (await readFile(file, 'utf8')).split('\n')
  if (lines.at(-1) === '') lines.pop()
  const [first, ...rest] = lines
  const header = headerShape.safeParse(safeJson(first ?? ''))
  if (!header.success) {
    throw new StoreExportFileError(
      `${file} is not a tapgate store export (its first line is no export header)`,
    )
  }
  if (header.data.version !== STORE_EXPORT_VERSION) {
    throw new StoreExportFileError(
      `${file} is a store export of format version ${header.data.version}; ` +
        `this tapgate reads version ${STORE_EXPORT_VERSION}`,
    )
  }
  const keys = new Set<string>()
  const entries = rest.map((line, index) => {
    const parsed = entryShape.safeParse(safeJson(line))
    if (!parsed.success || keys.has(parsed.data.key)) {
      throw new StoreExportFileError(`${file} line ${index + 2} is not a store entry, or repeats a key`)
    }
    keys.add(parsed.data.key)
    return parsed.data
  })
  return { exportedAt: Date.parse(header.data.exported_at), entries }
}

/** True when the store holds no live key at all. */
export async function isEmptyStore(store: MovableStore): Promise<boolean> {
  for await (const _entry of store.entries()) return false
  return true
}

/**
 * Writes the export's entries into the store, each lifetime shortened by the time since the export
 * (never lengthened, should this host's clock be behind the exporting one's).
 */
export async function importEntries(
  store: MovableStore,
  exported: { exportedAt: number; entries: StoreEntry[] },
  clock: Clock,
): Promise<ImportCounts> {
  const elapsed = Math.max(0, clock.now() - exported.exportedAt)
  const counts: ImportCounts = { imported: 0, expired: 0 }
  for (const entry of exported.entries) {
    const aged = age(entry, elapsed)
    if (aged === null) {
      counts.expired++
      continue
    }
    await store.restore(aged)
    counts.imported++
  }
  return counts
}

function age(entry: StoreEntry, elapsedMs: number): StoreEntry | null {
  const left = (ttlMs: number | null) => (ttlMs === null ? null : ttlMs - elapsedMs)
  switch (entry.kind) {
    case 'value': {
      const ttlMs = left(entry.ttlMs)
      return ttlMs !== null && ttlMs <= 0 ? null : { ...entry, ttlMs }
    }
    case 'members': {
      const members = entry.members
        .map(({ member, ttlMs }) => ({ member, ttlMs: left(ttlMs) }))
        .filter(({ ttlMs }) => ttlMs === null || ttlMs > 0)
      return members.length === 0 ? null : { ...entry, members }
    }
    case 'list':
      return entry
  }
}
