/**
 * Renders every gateway page with sample props and screenshots it in headless Chromium at desktop and
 * mobile sizes (plus a 320 px check), light and dark. Run: `npx tsx test/support/screenshot-pages.ts`.
 * PNGs go to test-artifacts/screenshots/ (gitignored).
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium } from 'playwright-core'
import QRCode from 'qrcode'
import { MessagePage } from '../../gateway/views/message-page.tsx'
import { SignOutPage } from '../../gateway/views/sign-out-page.tsx'
import { TotpChallengePage } from '../../gateway/views/totp-challenge-page.tsx'
import { TotpEnrollmentPage } from '../../gateway/views/totp-enrollment-page.tsx'
import { renderPage } from './render-page.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const outDir = join(root, 'test-artifacts/screenshots')
const prefix = '/_tapgate'
// Same policy the gateway sends, so a stray inline style or script shows up as a console error here.
const csp =
  "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

const viewports = [
  { name: 'desktop', width: 1280, height: 800, deviceScaleFactor: 1, isMobile: false },
  { name: 'mobile', width: 390, height: 844, deviceScaleFactor: 2, isMobile: true },
  // The narrowest phones still in use; catches overflow the 390 px shot hides.
  { name: 'narrow', width: 320, height: 640, deviceScaleFactor: 2, isMobile: true },
] as const
const schemes = ['light', 'dark'] as const

async function samplePages(): Promise<Record<string, string>> {
  const qrSvg = await QRCode.toString('otpauth://totp/tapgate:alice?secret=JBSWY3DPEHPK3PXP&issuer=tapgate', {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
    width: 240,
  })
  const csrfToken = 'sample-csrf-token'
  const enrollment = {
    prefix,
    username: 'alice',
    csrfToken,
    qrSvg,
    secret: 'JBSWY3DPEHPK3PXP',
    issuer: 'tapgate',
    digits: 6,
    period: 30,
  }
  return {
    'totp-challenge': renderPage(TotpChallengePage({ prefix, username: 'alice', csrfToken, digits: 6 })),
    'totp-challenge-filled': renderPage(
      TotpChallengePage({ prefix, username: 'alice', csrfToken, digits: 6 }),
    ),
    'totp-challenge-error': renderPage(
      TotpChallengePage({
        prefix,
        username: 'alice.longname@example-hosting-customer.com',
        csrfToken,
        digits: 6,
        error: 'That code is not valid. Check your app and try again.',
      }),
    ),
    'totp-enrollment': renderPage(TotpEnrollmentPage(enrollment)),
    'totp-enrollment-error': renderPage(
      TotpEnrollmentPage({
        ...enrollment,
        error: 'That code did not match. Enter the code your app shows now.',
      }),
    ),
    'message-locked': renderPage(
      MessagePage({
        prefix,
        title: 'Too many attempts',
        message: 'For your security, sign-in is paused for this account. Try again in 15 minutes.',
        tone: 'error',
        action: { href: '/', label: 'Back to sign-in' },
      }),
    ),
    'message-unavailable': renderPage(
      MessagePage({
        prefix,
        title: 'The panel is not responding',
        message: 'The control panel did not answer in time. Please try again in a moment.',
        tone: 'warning',
        action: { href: '/', label: 'Try again' },
      }),
    ),
    'message-signed-out': renderPage(
      MessagePage({
        prefix,
        title: 'Signed out',
        message: 'You have been signed out of the control panel.',
        tone: 'info',
        action: { href: '/', label: 'Sign in again' },
      }),
    ),
    'sign-out': renderPage(SignOutPage({ prefix, csrfToken })),
  }
}

async function main(): Promise<void> {
  const pages = await samplePages()
  const site = await mkdtemp(join(tmpdir(), 'tapgate-pages-'))
  await mkdir(join(site, 'pages'), { recursive: true })
  await mkdir(join(site, prefix, 'assets'), { recursive: true })
  await copyFile(join(root, 'web/app.css'), join(site, prefix, 'assets/app.css'))
  for (const [name, html] of Object.entries(pages)) await writeFile(join(site, 'pages', `${name}.html`), html)

  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
    const file = resolve(site, `.${path}`)
    if (!file.startsWith(site + sep)) {
      res.writeHead(400).end()
      return
    }
    readFile(file).then(
      (body) => {
        const type = file.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/html; charset=utf-8'
        res.writeHead(200, { 'content-type': type, 'content-security-policy': csp }).end(body)
      },
      () => res.writeHead(404).end(),
    )
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo

  const browser = await chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
  const problems: string[] = []
  const written: string[] = []
  try {
    await mkdir(outDir, { recursive: true })
    for (const viewport of viewports) {
      for (const colorScheme of schemes) {
        const context = await browser.newContext({
          viewport: { width: viewport.width, height: viewport.height },
          deviceScaleFactor: viewport.deviceScaleFactor,
          isMobile: viewport.isMobile,
          hasTouch: viewport.isMobile,
          colorScheme,
        })
        const page = await context.newPage()
        page.on('console', (msg) => {
          if (msg.type() === 'error') problems.push(`${page.url()}: ${msg.text()}`)
        })
        page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}`))
        for (const name of Object.keys(pages)) {
          const response = await page.goto(`http://127.0.0.1:${port}/pages/${name}.html`, {
            waitUntil: 'load',
          })
          if (!response?.ok()) problems.push(`${name}: HTTP ${response?.status()}`)
          // Expressions as strings: tsconfig has no DOM lib, and this is the only browser-side code.
          const styled = await page.evaluate<string | false>(
            "getComputedStyle(document.body).fontFamily.includes('system-ui') && document.compatMode",
          )
          if (styled !== 'CSS1Compat')
            problems.push(`${name}: stylesheet not applied or quirks mode (${styled})`)
          const overflow = await page.evaluate<boolean>('document.documentElement.scrollWidth > innerWidth')
          if (overflow) problems.push(`${name} (${viewport.name}): content wider than the viewport`)
          // Shows typed digits in the letter-spaced code field and the opened help text.
          if (name.endsWith('-filled')) {
            await page.click('summary')
            await page.fill('#code', '123456')
          }
          const file = join(outDir, `${name}-${viewport.name}-${colorScheme}.png`)
          await page.screenshot({ path: file, fullPage: true })
          written.push(file)
        }
        await context.close()
      }
    }
  } finally {
    await browser.close()
    server.close()
    await rm(site, { recursive: true, force: true })
  }
  for (const file of written) console.log(file)
  if (problems.length > 0) {
    console.error(`\n${problems.length} problem(s):\n${problems.join('\n')}`)
    process.exitCode = 1
  }
}

await main()
