/**
 * A one-of-a-kind factor's actions on the account page (the app, the phone number): a link to set it up
 * or change it, and, once it is on, a button to remove it.
 */
export function FactorActions({
  change,
  removeAction,
  csrfToken,
  canRemove,
  titleId,
}: {
  change: { href: string; label: string }
  /** Where the removal posts; null while the factor is off. */
  removeAction: string | null
  csrfToken: string
  /** False when removing it would leave the user no way to pass the second step. */
  canRemove: boolean
  /** The section's heading, which says which factor "Remove" removes. */
  titleId: string
}) {
  return (
    <div class="section-action section-buttons">
      <a class="button button-secondary button-small" href={change.href}>
        {change.label}
      </a>
      {removeAction === null ? null : (
        <form method="post" action={removeAction}>
          <input type="hidden" name="csrf" value={csrfToken} />
          <button
            class="button button-danger button-small"
            type="submit"
            disabled={!canRemove}
            aria-describedby={titleId}
          >
            Remove
          </button>
        </form>
      )}
    </div>
  )
}
