import { FieldError } from './field-error.tsx'

/**
 * A field for a code that is typed or tapped in (recovery code, YubiKey, enrollment code): its
 * refusal message, announced at once, and the input tied to its hint and that message. The label
 * and the hint belong to the form, which words them.
 */
export function TypedCodeInput({
  id,
  name,
  hintId,
  error,
  autofocus,
  placeholder,
  capitals = false,
}: {
  id: string
  name: string
  hintId?: string | undefined
  error: string | undefined
  autofocus: boolean
  placeholder?: string | undefined
  /** Letters-and-digits codes: phones offer capitals. */
  capitals?: boolean
}) {
  const errorId = `${id}-error`
  const describedBy = [hintId, error ? errorId : undefined].filter(Boolean).join(' ')
  return (
    <>
      <FieldError id={errorId} error={error} />
      <input
        class="input input-recovery"
        id={id}
        name={name}
        type="text"
        autocomplete="off"
        autocapitalize={capitals ? 'characters' : undefined}
        spellcheck={false}
        maxlength={64}
        placeholder={placeholder}
        required
        autofocus={autofocus}
        aria-invalid={error ? 'true' : undefined}
        aria-describedby={describedBy === '' ? undefined : describedBy}
      />
    </>
  )
}
