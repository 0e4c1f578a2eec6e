/** Small inline icons that sit beside a message; decorative, so hidden from assistive technology. */

export function ErrorIcon() {
  return (
    <svg class="icon" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
      <circle cx="10" cy="10" r="8" />
      <path d="M10 6v4.5M10 13.5v.01" />
    </svg>
  )
}

export function SuccessIcon() {
  return (
    <svg class="icon" viewBox="0 0 20 20" width="20" height="20" aria-hidden="true" focusable="false">
      <circle cx="10" cy="10" r="8" />
      <path d="m6.75 10.25 2.25 2.25 4.25-4.5" />
    </svg>
  )
}
