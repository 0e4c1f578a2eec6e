import { mkdirSync } from 'node:fs'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../gateway/demo/panel.ts'
import { launchChromium } from './chromium.ts'
import { startTestGateway, type TestGateway } from './gateway.ts'

/** Where the journeys' screenshots go (not committed). */
export const journeyArtifacts = 'test-artifacts/e2e'

export interface Journey {
  readonly panel: DemoPanel
  readonly gateway: TestGateway
  readonly browser: Browser
}

/**
 * One demo panel, one gateway in front of it and one headless Chromium for a whole e2e file.
 * `publicHost: 'localhost'` where security keys need a valid RP ID.
 */
export function useJourney(options: { publicHost?: string; config?: Record<string, unknown> } = {}): Journey {
  const journey = {} as { panel: DemoPanel; gateway: TestGateway; browser: Browser }
  beforeAll(async () => {
    mkdirSync(journeyArtifacts, { recursive: true })
    journey.panel = await startDemoPanel()
    journey.gateway = await startTestGateway({ upstreamUrl: journey.panel.url, ...options })
    journey.browser = await launchChromium()
  })
  afterAll(async () => {
    await journey.browser.close()
    await journey.gateway.close()
    await journey.panel.close()
  })
  return journey
}

/** Collects the console's Content Security Policy complaints: a journey ends expecting none. */
export function cspViolationsOf(page: Page): string[] {
  const violations: string[] = []
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text())
  })
  return violations
}

/** The demo panel's own login form, filled in and sent as a person would. */
export async function signInOnPanel(page: Page, origin: string, user = 'demo') {
  await page.goto(`${origin}/login`)
  await page.getByLabel('Username').fill(user)
  await page.getByLabel('Password').fill(`${user}-password`)
  await page.getByRole('button', { name: 'Sign in' }).click()
}

/** After the first enrollment: the recovery codes page, confirmed, on to the panel. */
export async function saveRecoveryCodes(page: Page): Promise<string[]> {
  await page.waitForURL('**/_tapgate/recovery-codes')
  const codes = await page.locator('ol.recovery-codes code').allTextContents()
  await page.getByRole('button', { name: 'I have saved my codes, continue' }).click()
  await page.waitForURL('**/dashboard')
  return codes
}
