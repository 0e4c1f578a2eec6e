import { mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Browser, Page } from 'playwright-core'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { launchChromium } from '../support/chromium.ts'
import {
  collectPageErrors,
  demoLook,
  layoutProblems,
  type SampleSite,
  type SampleViewport,
  sampleContextOptions,
  samplePages,
  serveSamplePages,
} from '../support/screenshot-pages.ts'

/**
 * Issue 16: every page tapgate shows, rendered with sample props and served with the gateway's CSP,
 * in Chromium at a phone's width and a computer's, light and dark. Each loads without a
 * console error (a CSP violation is one), in standards mode, no wider than the screen, and axe-core
 * finds no violation (its default rules: WCAG 2 A and AA, and best practices). A second pass dresses a
 * few pages in the demo's look (config/demo.yaml: name, logo, accent), so that axe checks the accent's
 * contrast too, and takes the README's screenshots (web/screenshots/).
 *
 * Fast enough to run with the other journeys: one tab per width, both at work at once, each page loaded
 * once per width and checked light, then dark by switching the colour scheme in place.
 */
const pages = await samplePages()

type Scheme = 'light' | 'dark'
/** What each width is checked in. */
const widths: readonly { viewport: SampleViewport; schemes: readonly Scheme[] }[] = [
  { viewport: 'mobile', schemes: ['light', 'dark'] },
  { viewport: 'desktop', schemes: ['light', 'dark'] },
]

/** The pages that show the operator's look most: sign-in, second factor, enrollment, account. */
const dressedPages = [
  'login',
  'second-factor-both',
  'second-factor-totp-error',
  'enrollment-keys',
  'enrollment-keys-app',
  'account-every-factor',
  'recovery-codes',
  'message-locked',
]

/**
 * The README's screenshots, all in the demo's look. A phone is shot at its screen's size, as someone
 * holding it sees the page (and a full-page capture drops Chromium's touch emulation); a computer's
 * page whole, the account page's every section included.
 */
const screenshotsDir = join(import.meta.dirname, '../../web/screenshots')
const readmeScreenshots: readonly { page: string; viewport: SampleViewport; scheme: Scheme; file: string }[] =
  [
    { page: 'second-factor-both', viewport: 'desktop', scheme: 'light', file: 'second-factor-desktop.png' },
    {
      page: 'second-factor-both',
      viewport: 'desktop',
      scheme: 'dark',
      file: 'second-factor-desktop-dark.png',
    },
    { page: 'second-factor-both', viewport: 'mobile', scheme: 'light', file: 'second-factor-phone.png' },
    { page: 'second-factor-both', viewport: 'mobile', scheme: 'dark', file: 'second-factor-phone-dark.png' },
    { page: 'enrollment-keys-app', viewport: 'mobile', scheme: 'light', file: 'enrollment-phone.png' },
    { page: 'account-every-factor', viewport: 'desktop', scheme: 'light', file: 'account-page.png' },
    { page: 'recovery-codes', viewport: 'desktop', scheme: 'light', file: 'recovery-codes.png' },
  ]

/** The part of axe-core's result this test reports: each rule broken, and where. */
interface AxeViolation {
  id: string
  impact: string | null
  help: string
  nodes: { target: string[]; failureSummary: string }[]
}

/**
 * axe-core's findings on the open page. Its script comes from the pages' own origin (their CSP allows
 * only `script-src 'self'`) once per load; the expression is a string because tsconfig has no DOM lib.
 */
async function axeViolations(page: Page, site: SampleSite): Promise<string[]> {
  if (!(await page.evaluate<boolean>("typeof axe === 'object'"))) {
    await page.addScriptTag({ url: site.axeScript })
  }
  const violations = await page.evaluate<AxeViolation[]>(`
    axe.run(document, { resultTypes: ['violations'] }).then(({ violations }) =>
      violations.map(({ id, impact, help, nodes }) => ({
        id,
        impact,
        help,
        nodes: nodes.map(({ target, failureSummary }) => ({ target, failureSummary })),
      })),
    )`)
  return violations.flatMap(({ id, impact, help, nodes }) =>
    nodes.map(
      ({ target, failureSummary }) => `${id} (${impact}) at ${target.join(' ')}: ${help}\n${failureSummary}`,
    ),
  )
}

/** A browser tab at one width, kept for every page, and the console errors it collects. */
interface Tab {
  viewport: SampleViewport
  schemes: readonly Scheme[]
  page: Page
  errors: string[]
}

/**
 * Everything wrong with sample `name` on `site` in `tab`, each problem labelled with the width and
 * scheme; with `screenshots`, the README's shots of it are taken once it passed.
 */
async function problemsOf(tab: Tab, site: SampleSite, name: string, screenshots: boolean): Promise<string[]> {
  const { page, viewport, schemes } = tab
  tab.errors.length = 0
  await page.emulateMedia({ colorScheme: schemes[0] ?? 'light' })
  const response = await page.goto(site.url(name), { waitUntil: 'load' })
  if (response?.status() !== 200) return [`${viewport}: HTTP ${response?.status()}`]
  await pages[name]?.act?.(page)
  const problems = (await layoutProblems(page)).map((problem) => `${viewport}: ${problem}`)
  for (const scheme of schemes) {
    await page.emulateMedia({ colorScheme: scheme })
    const violations = await axeViolations(page, site)
    problems.push(...violations.map((violation) => `${viewport} ${scheme}: ${violation}`))
    if (!screenshots || violations.length > 0) continue
    for (const shot of readmeScreenshots) {
      if (shot.page !== name || shot.viewport !== viewport || shot.scheme !== scheme) continue
      await page.screenshot({ path: join(screenshotsDir, shot.file), fullPage: viewport === 'desktop' })
    }
  }
  return [...problems, ...tab.errors.map((error) => `${viewport}: ${error}`)]
}

let browser: Browser
let tabs: Tab[]

beforeAll(async () => {
  browser = await launchChromium()
  tabs = await Promise.all(
    widths.map(async ({ viewport, schemes }) => {
      const context = await browser.newContext(sampleContextOptions(viewport, schemes[0] ?? 'light'))
      const page = await context.newPage()
      return { viewport, schemes, page, errors: collectPageErrors(page) }
    }),
  )
})

afterAll(async () => {
  await browser?.close()
})

/** Each of `names` on the site `site()` serves, at every width at once. */
function checkPages(site: () => SampleSite, names: readonly string[], screenshots: boolean): void {
  it.each(names)('%s', async (name) => {
    const problems = await Promise.all(tabs.map((tab) => problemsOf(tab, site(), name, screenshots)))
    expect(problems.flat()).toEqual([])
  })
}

describe('every page, in each sample state, at 390 px and 1280 px, light and dark', () => {
  let site: SampleSite
  beforeAll(async () => {
    site = await serveSamplePages(pages)
  })
  afterAll(async () => {
    await site?.close()
  })
  checkPages(() => site, Object.keys(pages), false)
})

describe("the demo's look (name, logo, accent), and the README's screenshots", () => {
  let site: SampleSite
  beforeAll(async () => {
    await mkdir(screenshotsDir, { recursive: true })
    const dressed = Object.fromEntries(Object.entries(pages).filter(([name]) => dressedPages.includes(name)))
    site = await serveSamplePages(dressed, { ui: demoLook() })
  })
  afterAll(async () => {
    await site?.close()
  })
  checkPages(() => site, dressedPages, true)
})
