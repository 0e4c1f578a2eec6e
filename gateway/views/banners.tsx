import { ErrorIcon, SuccessIcon } from './icons.tsx'

/** The outcome of the last change, announced politely, and a refused one, announced at once. */
export function Banners({ notice, error }: { notice?: string | undefined; error?: string | undefined }) {
  return (
    <>
      {notice ? (
        <p class="banner banner-success" role="status">
          <SuccessIcon />
          <span>{notice}</span>
        </p>
      ) : null}
      {error ? (
        <p class="banner banner-error" role="alert">
          <ErrorIcon />
          <span>{error}</span>
        </p>
      ) : null}
    </>
  )
}
