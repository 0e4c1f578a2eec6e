import { afterAll, afterEach, beforeAll, beforeEach } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../demo/panel.ts'
import type { Store } from '../../gateway/store/store.ts'
import { startTestGateway, type TestGateway } from './gateway.ts'

export interface DemoGatewayFixture {
  readonly panel: DemoPanel
  readonly gateway: TestGateway
  /** "METHOD target" of every request the panel received during the current test. */
  readonly panelSaw: string[]
}

/**
 * Registers hooks for one demo panel per file and a fresh gateway per test in front of it.
 * `config` and `store` are read per test, so a file can vary them; `publicHost` is passed on to
 * startTestGateway (`localhost` where security keys need a valid RP ID).
 */
export function useDemoGateway(
  options: { config?: () => Record<string, unknown>; store?: () => Store; publicHost?: string } = {},
) {
  const fixture = { panelSaw: [] as string[] } as {
    panel: DemoPanel
    gateway: TestGateway
    panelSaw: string[]
  }
  beforeAll(async () => {
    fixture.panel = await startDemoPanel()
    fixture.panel.server.on('request', (req) => fixture.panelSaw.push(`${req.method} ${req.url}`))
  })
  afterAll(() => fixture.panel.close())
  beforeEach(async () => {
    fixture.panelSaw.length = 0
    fixture.gateway = await startTestGateway({
      upstreamUrl: fixture.panel.url,
      ...(options.config ? { config: options.config() } : {}),
      ...(options.store ? { store: options.store() } : {}),
      ...(options.publicHost ? { publicHost: options.publicHost } : {}),
    })
  })
  afterEach(() => fixture.gateway.close())
  return fixture as DemoGatewayFixture
}
