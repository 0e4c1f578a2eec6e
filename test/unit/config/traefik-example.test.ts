import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'
import { identityHeaderFamilies } from '../../../gateway/proxy/identity-headers.ts'
import {
  everydayHeaders,
  headersOnlyTapgateSets,
  questionHeaders,
  spellingsOf,
  tapgateIdentityHeaders,
  unlistedMemberOf,
} from '../../support/forward-auth-proxies.ts'

/**
 * config/proxies/traefik-forward-auth.yaml, read as Traefik's file provider reads it (no Traefik runs
 * in the tests). Traefik passes a client's headers on to the forwardAuth service and to the panel:
 * - the middlewares before `tapgate` must remove the ones that name the original request: tapgate
 *   refuses a question carrying nginx's X-Original-* next to Traefik's X-Forwarded-Uri/-Method;
 * - on tapgate's 200, forwardAuth removes every request header matching `authResponseHeadersRegex`
 *   and copies in those of tapgate's answer that match (Traefik's documented behaviour): the regex
 *   must match every header only tapgate may set (gateway/http/override-headers.ts and
 *   identity-headers.ts, through test/support/forward-auth-proxies.ts), in every spelling.
 */
interface Middleware {
  headers?: { customRequestHeaders?: Record<string, string> }
  forwardAuth?: {
    address: string
    trustForwardHeader?: boolean
    authResponseHeaders?: string[]
    authResponseHeadersRegex?: string
  }
}

const example = parseYaml(readFileSync('config/proxies/traefik-forward-auth.yaml', 'utf8')) as {
  http: { middlewares: Record<string, Middleware>; routers: Record<string, { middlewares?: string[] }> }
}
const { middlewares, routers } = example.http
const panelChain = routers.panel?.middlewares ?? []
const asking = panelChain.findIndex((name) => middlewares[name]?.forwardAuth !== undefined)
const tapgate = middlewares[panelChain[asking] ?? '']?.forwardAuth

/** Lower-cased names of the request headers the middlewares before tapgate remove (set to ""). */
function removedBeforeAsking(): string[] {
  return panelChain.slice(0, asking).flatMap((name) =>
    Object.entries(middlewares[name]?.headers?.customRequestHeaders ?? {})
      .filter(([, value]) => value === '')
      .map(([header]) => header.toLowerCase()),
  )
}

/**
 * The regex as Go's RE2 reads it, in JavaScript: `(?i)` (RE2's case-insensitive flag, which JavaScript
 * has as `i`) and only the syntax both share (groups, alternation, classes, `?`, anchors).
 */
function replacedFromAnswer(): RegExp {
  const source = tapgate?.authResponseHeadersRegex ?? ''
  expect(source.startsWith('(?i)')).toBe(true)
  const body = source.slice('(?i)'.length)
  expect(body).toMatch(/^[-_.a-z0-9|()[\]?^$]+$/)
  return new RegExp(body, 'i')
}

describe('the Traefik example', () => {
  it('asks tapgate’s verify in the panel’s router, with Traefik’s own X-Forwarded-* only', () => {
    expect(tapgate?.address).toMatch(/\/_tapgate\/verify$/)
    expect(tapgate?.trustForwardHeader).toBe(false)
  })

  it('removes the client’s X-Original-* and X-Forwarded-Uri/-Method before asking', () => {
    expect(removedBeforeAsking()).toEqual(
      expect.arrayContaining([...questionHeaders.map((name) => name.toLowerCase()), 'x-original-url']),
    )
  })

  it('keeps from the panel every header only tapgate may set, in every spelling', () => {
    const regex = replacedFromAnswer()
    const kept = headersOnlyTapgateSets.flatMap(spellingsOf).filter((name) => !regex.test(name))
    expect(kept).toEqual([])
  })

  it('keeps every identity family from the panel, also the names nobody listed', () => {
    const regex = replacedFromAnswer()
    const kept = identityHeaderFamilies
      .map(unlistedMemberOf)
      .flatMap(spellingsOf)
      .filter((name) => !regex.test(name))
    expect(kept).toEqual([])
  })

  it('copies tapgate’s identity headers from its answer, and leaves the headers a panel needs', () => {
    const regex = replacedFromAnswer()
    expect(tapgateIdentityHeaders.filter((name) => !regex.test(name))).toEqual([])
    // Traefik's own X-Forwarded-* and X-Real-Ip, and tapgate's cookie answer, are not the client's.
    const untouched = [
      ...everydayHeaders,
      'X-Forwarded-Port',
      'X-Forwarded-Server',
      'X-Real-Ip',
      'X-Tapgate-Cookie',
    ]
    expect(untouched.filter((name) => regex.test(name))).toEqual([])
  })
})
