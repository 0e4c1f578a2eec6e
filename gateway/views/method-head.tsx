import type { Child } from 'hono/jsx'

/** A sign-in method's heading with its icon; `badge` ("Recommended") sits above the title. */
export function MethodHead({
  icon,
  titleId,
  badge,
  children,
}: {
  icon: Child
  titleId: string
  badge?: string | undefined
  children: Child
}) {
  return (
    <div class="method-head">
      <span class="method-icon">{icon}</span>
      <div class="method-heading">
        {badge ? <span class="badge">{badge}</span> : null}
        <h2 class="method-title" id={titleId}>
          {children}
        </h2>
      </div>
    </div>
  )
}
