import type { Context } from 'hono'
import { z } from 'zod'

/** A text field: absent reads as empty, and the check that follows says what is wrong with it. */
export const textField = z.string().default('')

/** A checkbox ("Trust this device"): ticked when it sent "yes"; absent or any other text, not. */
export const checkbox = z
  .string()
  .optional()
  .transform((value) => value === 'yes')

/** A form tapgate cannot read as its page sent it (a file where text belongs): answered 400. */
export class UnreadableForm extends Error {}

/**
 * The fields of a tapgate form, read by its own schema: `{ code: textField, trust_device: checkbox }`.
 * Fields not named are ignored; a repeated field counts once (the last).
 */
export async function readForm<Fields extends z.ZodRawShape>(
  c: Context,
  fields: Fields,
): Promise<z.infer<z.ZodObject<Fields>>> {
  const read = z.object(fields).safeParse(await c.req.parseBody())
  if (!read.success) throw new UnreadableForm(z.prettifyError(read.error))
  return read.data
}

/**
 * A page number in a query (`?page=2`): digits only, else the first page ("-1", "1.5", "2e3", "abc",
 * absent). A number past the last page is left for the caller to clamp (history/page-of.ts), so a
 * huge one shows the last page. Never refused: a stale or edited link still shows a page.
 */
export const pageNumber = z
  .string()
  .optional()
  .transform((value) =>
    value !== undefined && /^\d+$/.test(value)
      ? Math.max(1, Math.min(Number(value), Number.MAX_SAFE_INTEGER))
      : 1,
  )

/**
 * The query parameters of a tapgate page, read by its own schema as readForm reads a form: `{ page:
 * pageNumber }`. Parameters not named are ignored; a repeated one counts once (the first).
 */
export function readQuery<Fields extends z.ZodRawShape>(
  c: Context,
  fields: Fields,
): z.infer<z.ZodObject<Fields>> {
  const read = z.object(fields).safeParse(c.req.query())
  if (!read.success) throw new UnreadableForm(z.prettifyError(read.error))
  return read.data
}
