import { describe, expect, it } from 'vitest'
import { foldHeaderName } from '../../../gateway/http/header-name.ts'
import { isOverrideHeader } from '../../../gateway/http/override-headers.ts'

/** CGI-style gateways read `Remote-User`, `Remote_User` and `Remote.User` as one HTTP_REMOTE_USER. */
describe('foldHeaderName', () => {
  it.each([
    ['hyphens', 'Remote-User', 'remoteuser'],
    ['underscores', 'Remote_User', 'remoteuser'],
    ['dots', 'Remote.User', 'remoteuser'],
    ['mixed separators', 'x_Forwarded.For-', 'xforwardedfor'],
    ['repeated separators', 'X--Real__IP..', 'xrealip'],
    ['upper case', 'X-HTTP-METHOD', 'xhttpmethod'],
    ['a name of separators only', '-_.', ''],
    ['the empty name', '', ''],
    ['digits, kept', 'X-Auth-Request-2', 'xauthrequest2'],
  ])('%s: %j → %j', (_case, name, folded) => {
    expect(foldHeaderName(name)).toBe(folded)
  })
})

describe('isOverrideHeader', () => {
  it.each([
    ['the route override', 'X-Original-URL', true],
    ["IIS's rewrite header", 'x-rewrite-url', true],
    ["nginx's original URI", 'X-Original-URI', true],
    ["Traefik's forwarded URI", 'X-Forwarded-Uri', true],
    ['the method override', 'X-HTTP-Method-Override', true],
    ['the short method override', 'X-HTTP-Method', true],
    ['the other method override', 'X-Method-Override', true],
    ['a CGI spelling', 'X_HTTP_METHOD_OVERRIDE', true],
    ['a dotted spelling', 'x.original.url', true],
    ['a longer name', 'X-Original-URL-Length', false],
    ['a forwarding header', 'X-Forwarded-For', false],
    ['an ordinary header', 'Content-Type', false],
  ])('%s: %s → %s', (_case, name, expected) => {
    expect(isOverrideHeader(name)).toBe(expected)
  })
})
