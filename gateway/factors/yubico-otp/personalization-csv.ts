import { checkKeyMaterial, type KeyMaterial } from './key-material.ts'

export type CsvRow =
  | { line: number; ok: true; key: KeyMaterial; serial: string | null; slot: number | null }
  | { line: number; ok: false; error: string }

const MAX_LINE_LENGTH = 1024
/** The tool's other event types, which program a slot for something else. */
const otherEvents = /^(Static Password|OATH-HOTP|Challenge-Response|Configuration (Update|Swap))\b/

/**
 * Reads the log the YubiKey Personalization Tool writes when it programs keys
 * ("configuration_log.csv"), one row per line that configures a slot. Two layouts are accepted:
 *
 * - Traditional (the tool's default):
 *   `Yubico OTP,<local date>,<slot>,<public id>,<private id>,<AES key>,<access code>,…`
 *   The date is written in the machine's locale and may itself contain commas, so the slot is found
 *   as the first 1 or 2 followed, two fields on, by 12 and 32 hex characters. `LOGGING START,…` lines
 *   are skipped; other event types (Static Password, OATH-HOTP, Challenge-Response …) are errors.
 * - Yubico format (a setting of the tool): `<serial>,<public id>,<private id>,<AES key>,<access code>,<time>,`
 *   where the serial may be empty.
 *
 * Blank lines and lines starting with '#' are skipped. Fields may be double-quoted, as spreadsheets
 * write them. Ids are lower-cased with spaces dropped; a public id in hex is converted to modhex.
 * Every other line gives one row: the key, or an error naming what is wrong (never the AES key).
 */
export function parsePersonalizationCsv(text: string): CsvRow[] {
  const rows: CsvRow[] = []
  text.split(/\r?\n/).forEach((raw, index) => {
    const line = index + 1
    const row = parseLine(raw, line)
    if (row !== null) rows.push(row)
  })
  return rows
}

function parseLine(raw: string, line: number): CsvRow | null {
  if (raw.trim() === '' || raw.trimStart().startsWith('#')) return null
  if (raw.length > MAX_LINE_LENGTH)
    return { line, ok: false, error: `longer than ${MAX_LINE_LENGTH} characters` }
  const fields = splitCsv(raw)
  if (fields === null) return { line, ok: false, error: 'unbalanced double quotes' }
  const first = fields[0] ?? ''
  if (first === 'LOGGING START') return null
  if (first === 'Yubico OTP') return traditional(fields, line)
  if (/^\d*$/.test(first) && fields.length >= 4) {
    return row(
      line,
      { publicId: at(fields, 1), privateId: at(fields, 2), aesKey: at(fields, 3) },
      first,
      null,
    )
  }
  if (otherEvents.test(first)) {
    return { line, ok: false, error: `a '${first}' configuration, not Yubico OTP` }
  }
  return { line, ok: false, error: 'neither a Personalization Tool log line nor a Yubico-format row' }
}

function traditional(fields: string[], line: number): CsvRow {
  let slotAt = 2
  for (let i = 2; i + 3 < fields.length; i++) {
    const looksLikeSlot = at(fields, i) === '1' || at(fields, i) === '2'
    if (
      looksLikeSlot &&
      /^[0-9a-f]{12}$/i.test(at(fields, i + 2)) &&
      /^[0-9a-f]{32}$/i.test(at(fields, i + 3))
    ) {
      slotAt = i
      break
    }
  }
  if (fields.length < slotAt + 4) return { line, ok: false, error: 'too few fields for a Yubico OTP line' }
  const slot = Number(at(fields, slotAt))
  const key = {
    publicId: at(fields, slotAt + 1),
    privateId: at(fields, slotAt + 2),
    aesKey: at(fields, slotAt + 3),
  }
  return row(line, key, null, slot === 1 || slot === 2 ? slot : null)
}

function row(line: number, key: KeyMaterial, serial: string | null, slot: number | null): CsvRow {
  const checked = checkKeyMaterial(key)
  if (!checked.ok) return { line, ok: false, error: checked.error }
  return { line, ok: true, key: checked.material, serial: serial === '' ? null : serial, slot }
}

function at(fields: string[], index: number): string {
  return fields[index] ?? ''
}

/** One CSV record (RFC 4180 quoting, no line breaks inside fields); null when a quote is left open. */
function splitCsv(line: string): string[] | null {
  const fields: string[] = []
  let field = ''
  let quoted = false
  for (let i = 0; i < line.length; i++) {
    const char = line[i]
    if (quoted) {
      if (char !== '"') field += char
      else if (line[i + 1] === '"') {
        field += '"'
        i++
      } else quoted = false
    } else if (char === '"') quoted = true
    else if (char === ',') {
      fields.push(field.trim())
      field = ''
    } else field += char
  }
  if (quoted) return null
  fields.push(field.trim())
  return fields
}
