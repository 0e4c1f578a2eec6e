import { mkdirSync } from 'node:fs'
import type { Browser, BrowserContext, Page } from 'playwright-core'
import { afterAll, beforeAll } from 'vitest'
import { type DemoPanel, startDemoPanel } from '../../demo/panel.ts'
import { launchChromium } from './chromium.ts'
import type { FixedClock } from './clock.ts'
import { startTestGateway, type TestGateway } from './gateway.ts'
import { totpCode } from './totp-codes.ts'

/** Where the journeys' screenshots go (not committed). */
const journeyArtifacts = 'test-artifacts/e2e'

export interface JourneyPage {
  readonly page: Page
  /** The console's Content Security Policy complaints on this page: a journey ends expecting none. */
  readonly cspViolations: string[]
}

export interface Journey {
  readonly panel: DemoPanel
  readonly gateway: TestGateway
  readonly browser: Browser
  /** A new page (in `context`, else in a context of its own) whose CSP complaints are collected. */
  openPage(context?: BrowserContext): Promise<JourneyPage>
  /**
   * The demo panel's own login form on tapgate's public origin, filled in and sent as a person would;
   * resolves once the browser has landed on `landsOn` (a URL glob: the enrollment page, the 2fa page …).
   */
  signIn(page: Page, landsOn: string, user?: string): Promise<void>
  /** The panel's "Log out" link, then its login form again, up to tapgate's 2fa page. */
  signInAgain(page: Page, user?: string): Promise<void>
}

/**
 * One demo panel, one gateway in front of it and one headless Chromium for a whole e2e file.
 * `publicHost: 'localhost'` where security keys need a valid RP ID.
 */
export function useJourney(options: { publicHost?: string; config?: Record<string, unknown> } = {}): Journey {
  const started = {} as { panel: DemoPanel; gateway: TestGateway; browser: Browser }
  beforeAll(async () => {
    mkdirSync(journeyArtifacts, { recursive: true })
    started.panel = await startDemoPanel()
    started.gateway = await startTestGateway({ upstreamUrl: started.panel.url, ...options })
    started.browser = await launchChromium()
  })
  afterAll(async () => {
    await started.browser.close()
    await started.gateway.close()
    await started.panel.close()
  })
  async function signIn(page: Page, landsOn: string, user = 'demo') {
    await page.goto(`${started.gateway.publicOrigin}/login`)
    await page.getByLabel('Username').fill(user)
    await page.getByLabel('Password').fill(`${user}-password`)
    await page.getByRole('button', { name: 'Sign in' }).click()
    await page.waitForURL(landsOn)
  }
  return {
    get panel() {
      return started.panel
    },
    get gateway() {
      return started.gateway
    },
    get browser() {
      return started.browser
    },
    async openPage(context) {
      const page = await (context ?? started.browser).newPage()
      return { page, cspViolations: cspViolationsOf(page) }
    },
    signIn,
    async signInAgain(page, user) {
      await page.getByRole('link', { name: 'Log out' }).click()
      await page.waitForURL('**/login')
      await signIn(page, '**/_tapgate/2fa', user)
    },
  }
}

function cspViolationsOf(page: Page): string[] {
  const violations: string[] = []
  page.on('console', (message) => {
    if (message.text().includes('Content Security Policy')) violations.push(message.text())
  })
  return violations
}

/** A screenshot of a journey step, as test-artifacts/e2e/<name>.png: the whole page unless told otherwise. */
export async function saveScreenshot(page: Page, name: string, { fullPage = true } = {}): Promise<void> {
  await page.screenshot({ path: `${journeyArtifacts}/${name}.png`, fullPage })
}

/**
 * On the enrollment page: "Use an authenticator app" under "Other ways to set up" where the page leads
 * with another way, then the secret as shown, the app's current code for it, and "Turn on two-step
 * verification". Returns the secret, for the codes of later sign-ins.
 */
export async function enrollAuthenticatorApp(page: Page, clock: FixedClock): Promise<string> {
  await chooseWayToSetUp(page, 'Use an authenticator app')
  const secret = ((await page.locator('code.secret').textContent()) ?? '').replaceAll(' ', '')
  await page.getByLabel('Enter the code to confirm').fill(await totpCode(secret, clock))
  await page.getByRole('button', { name: 'Turn on two-step verification' }).click()
  return secret
}

/**
 * On the enrollment page, the way to set up named `label`: the one shown, or else its link under
 * "Other ways to set up", followed.
 */
export async function chooseWayToSetUp(page: Page, label: string): Promise<void> {
  const ways = page.getByRole('navigation', { name: 'Ways to set up two-step verification' })
  if ((await ways.count()) === 0) return
  const link = ways.getByRole('link', { name: label })
  if ((await link.getAttribute('aria-current')) === 'page') return
  await link.click()
  await page.waitForURL('**/_tapgate/enroll?method=*')
}

/** After the first enrollment: the recovery codes page, confirmed, on to the panel. */
export async function saveRecoveryCodes(page: Page): Promise<string[]> {
  await page.waitForURL('**/_tapgate/recovery-codes')
  const codes = await page.locator('ol.recovery-codes code').allTextContents()
  await page.getByRole('button', { name: 'I have saved my codes, continue' }).click()
  await page.waitForURL('**/dashboard')
  return codes
}
