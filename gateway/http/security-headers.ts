/**
 * Headers on every page tapgate itself serves. The CSP allows no script and no inline style at all:
 * the pages are plain forms, styled by one stylesheet from tapgate's own prefix.
 */
export const pageSecurityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  // same-origin, not no-referrer: under no-referrer browsers send `Origin: null` on form POSTs,
  // which the CSRF check must refuse. Nothing leaks to other sites either way.
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-store',
}
