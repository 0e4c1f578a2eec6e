/**
 * A header name as every backend that could read it might: lower case, letters and digits only.
 * CGI-style gateways (PHP, WSGI, Rack) turn `Remote-User`, `Remote_User` and some `Remote.User` into
 * the same HTTP_REMOTE_USER variable, and lighttpd's CGI, FastCGI and SCGI (like Apache 2.2) turn
 * every other character into '_' too (`X~Remote~User`), so a header tapgate removes must be removed
 * in all spellings.
 */
export function foldHeaderName(name: string): string {
  let folded = ''
  for (let i = 0; i < name.length; i++) {
    const code = name.charCodeAt(i)
    if (code >= 0x41 && code <= 0x5a) folded += String.fromCharCode(code + 0x20)
    else if ((code >= 0x61 && code <= 0x7a) || (code >= 0x30 && code <= 0x39)) folded += name[i]
  }
  return folded
}
