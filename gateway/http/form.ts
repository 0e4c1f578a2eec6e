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
