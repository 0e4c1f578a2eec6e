import { ErrorIcon } from './icons.tsx'

/** A refusal shown above the field it is about and announced at once; nothing when there is none. */
export function FieldError({ id, error }: { id: string; error: string | undefined }) {
  if (!error) return null
  return (
    <p class="field-error" id={id} role="alert">
      <ErrorIcon />
      <span>{error}</span>
    </p>
  )
}
