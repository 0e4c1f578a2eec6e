/** JSON.parse that answers null for text that is not JSON; a zod schema then judges the shape. */
export function safeJson(text: string): unknown {
  try {
    return JSON.parse(text)
  } catch {
    return null
  }
}
