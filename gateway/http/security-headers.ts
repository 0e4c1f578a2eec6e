/**
 * Headers on every page tapgate itself serves. The CSP allows no inline script or style at all:
 * one stylesheet and one script (the security-key ceremony), both from tapgate's own prefix.
 */
export const pageSecurityHeaders: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; connect-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
  'X-Frame-Options': 'DENY',
  'X-Content-Type-Options': 'nosniff',
  // same-origin, not no-referrer: under no-referrer browsers send `Origin: null` on form POSTs,
  // which the CSRF check must refuse. Nothing leaks to other sites either way.
  'Referrer-Policy': 'same-origin',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cache-Control': 'no-store',
}
