/**
 * A header name as every backend that could read it might: lower case, without '-', '_' and '.'.
 * CGI-style gateways (PHP, WSGI, Rack) turn `Remote-User`, `Remote_User` and some `Remote.User` into
 * the same HTTP_REMOTE_USER variable, so a header tapgate removes must be removed in all spellings.
 */
export function foldHeaderName(name: string): string {
  let folded = ''
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i)
    if (code === 0x2d || code === 0x5f || code === 0x2e) continue
    folded += code >= 0x41 && code <= 0x5a ? String.fromCharCode(code + 0x20) : name[i]
  }
  return folded
}
