import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { parse as parseYaml } from 'yaml'

/**
 * config/proxies/traefik-forward-auth.yaml, read as Traefik's file provider reads it (no Traefik runs
 * in the tests). Traefik passes a client's headers on to the forwardAuth service and to the panel, so
 * the middlewares before `tapgate` must remove the ones that name the original request: tapgate
 * refuses a question carrying nginx's X-Original-* next to Traefik's X-Forwarded-Uri/-Method.
 */
interface Middleware {
  headers?: { customRequestHeaders?: Record<string, string> }
  forwardAuth?: { address: string; trustForwardHeader?: boolean }
}

const example = parseYaml(readFileSync('config/proxies/traefik-forward-auth.yaml', 'utf8')) as {
  http: { middlewares: Record<string, Middleware>; routers: Record<string, { middlewares?: string[] }> }
}
const { middlewares, routers } = example.http
const panelChain = routers.panel?.middlewares ?? []
const asking = panelChain.findIndex((name) => middlewares[name]?.forwardAuth !== undefined)

/** Lower-cased names of the request headers the middlewares before tapgate remove (set to ""). */
function removedBeforeAsking(): string[] {
  return panelChain.slice(0, asking).flatMap((name) =>
    Object.entries(middlewares[name]?.headers?.customRequestHeaders ?? {})
      .filter(([, value]) => value === '')
      .map(([header]) => header.toLowerCase()),
  )
}

describe('the Traefik example', () => {
  it('asks tapgate’s verify in the panel’s router, with Traefik’s own X-Forwarded-* only', () => {
    const tapgate = middlewares[panelChain[asking] ?? '']?.forwardAuth
    expect(tapgate?.address).toMatch(/\/_tapgate\/verify$/)
    expect(tapgate?.trustForwardHeader).toBe(false)
  })

  it('removes the client’s X-Original-* and X-Forwarded-Uri/-Method before asking', () => {
    expect(removedBeforeAsking()).toEqual(
      expect.arrayContaining([
        'x-original-uri',
        'x-original-method',
        'x-original-url',
        'x-forwarded-uri',
        'x-forwarded-method',
      ]),
    )
  })

  it('removes the client’s identity headers before asking', () => {
    expect(removedBeforeAsking()).toEqual(
      expect.arrayContaining(['remote-user', 'remote-name', 'remote-email', 'remote-groups', 'remote_user']),
    )
  })
})
