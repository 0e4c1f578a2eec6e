import { foldHeaderName } from './header-name.ts'

/**
 * Headers that make a panel serve another path, or act as another method, than the request line
 * names: IIS, Symfony, Laminas and other PHP frameworks route by X-Original-URL and X-Rewrite-URL;
 * many frameworks take the method from X-HTTP-Method-Override and its variants. tapgate's rules judge
 * the request line, so a bypassed `POST /api/x` with `X-Original-URL: /login` would reach the panel's
 * login, and a `methods: [GET]` bypass would carry a DELETE. Removed from every request to the panel
 * unless `upstream.keep_override_headers` names one.
 */
export const overrideHeaders: readonly string[] = [
  'X-Original-URL',
  'X-Rewrite-URL',
  'X-Original-URI',
  'X-Forwarded-Uri',
  'X-HTTP-Method-Override',
  'X-HTTP-Method',
  'X-Method-Override',
]

const foldedOverrides = new Set(overrideHeaders.map(foldHeaderName))

/** Whether `name`, in any spelling, is one of the override headers. */
export function isOverrideHeader(name: string): boolean {
  return isFoldedOverrideHeader(foldHeaderName(name))
}

/** The same, for a name already folded (header-name.ts). */
export function isFoldedOverrideHeader(folded: string): boolean {
  return foldedOverrides.has(folded)
}
