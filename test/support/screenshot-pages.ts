/**
 * Every gateway page rendered with sample props (`samplePages()`), and a small server that serves them
 * the way the gateway does (`serveSamplePages()`): with its CSP and other page headers, its stylesheet,
 * its bundled script and its favicon, and with an operator's look (name, logo, accent) when given one.
 * test/e2e/every-page.test.ts checks every page in Chromium with axe-core and takes the README's
 * screenshots from it.
 *
 * Run as a script, it screenshots every page in headless Chromium at desktop and mobile sizes (plus a
 * 320 px check), light and dark: `npx tsx test/support/screenshot-pages.ts`, or with name fragments
 * (`… account second-factor-key`) to shoot only the pages whose names contain one. PNGs go to
 * test-artifacts/screenshots/ (gitignored). A blocked script or style shows up as a problem there.
 */
import { readFileSync } from 'node:fs'
import { mkdir } from 'node:fs/promises'
import { createServer } from 'node:http'
import { createRequire } from 'node:module'
import type { AddressInfo } from 'node:net'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { jsx } from 'hono/jsx'
import type { JSX } from 'hono/jsx/jsx-runtime'
import type { BrowserContextOptions, Page } from 'playwright-core'
import QRCode from 'qrcode'
import { parse as parseYaml } from 'yaml'
import { type Config, configSchema } from '../../gateway/config/schema.ts'
import { type FactorId, factorLabels, type Proof } from '../../gateway/factors/factor-kinds.ts'
import type { FactorStanding } from '../../gateway/factors/factor-standing.ts'
import { type PageLook, PageLookContext, pageLook, plainLook } from '../../gateway/http/page-look.ts'
import { pageSecurityHeaders } from '../../gateway/http/security-headers.ts'
import { tapgateUrls } from '../../gateway/http/tapgate-urls.ts'
import { assetRoutes } from '../../gateway/routes/assets.ts'
import { factorViews } from '../../gateway/routes/factors/factor-pages.ts'
import { AccountPage, type AccountPageProps } from '../../gateway/views/account-page.tsx'
import { AdminSearchPage, AdminUserPage } from '../../gateway/views/admin-page.tsx'
import { AuthenticatorAppPage } from '../../gateway/views/authenticator-app-page.tsx'
import { EnrollmentInvitePage } from '../../gateway/views/enrollment-invite-page.tsx'
import { EnrollmentPage } from '../../gateway/views/enrollment-page.tsx'
import { LoginPage } from '../../gateway/views/login-page.tsx'
import { MessagePage } from '../../gateway/views/message-page.tsx'
import { FreshRecoveryCodesPage, RecoveryCodeUsedPage } from '../../gateway/views/recovery-codes-page.tsx'
import { SecondFactorPage } from '../../gateway/views/second-factor-page.tsx'
import { SignOutPage } from '../../gateway/views/sign-out-page.tsx'
import { SmsSetupPage } from '../../gateway/views/sms-setup-page.tsx'
import { launchChromium } from './chromium.ts'
import { historyPageOf } from './history-page.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const outDir = join(root, 'test-artifacts/screenshots')
const prefix = '/_tapgate'
const urls = tapgateUrls(prefix)
// What the sample server answers the key script's first request with: a refusal the script shows.
const keyRefusal = 'Security keys are not available right now. Use your authenticator app instead.'

/** The sizes pages are looked at: a computer, a phone, and the narrowest phones still in use. */
export const sampleViewports = {
  desktop: { width: 1280, height: 800, deviceScaleFactor: 1, isMobile: false },
  mobile: { width: 390, height: 844, deviceScaleFactor: 2, isMobile: true },
  // Catches overflow the 390 px shot hides.
  narrow: { width: 320, height: 640, deviceScaleFactor: 2, isMobile: true },
} as const
export type SampleViewport = keyof typeof sampleViewports
const schemes = ['light', 'dark'] as const

/**
 * A browser context at one of `sampleViewports`, in light or dark. The time zone and locale are fixed
 * so that the times the page script rewrites look the same on every machine; reduced motion turns
 * web/app.css's transitions off, so that a shot or a contrast check never catches a colour halfway.
 */
export function sampleContextOptions(
  viewport: SampleViewport,
  colorScheme: 'light' | 'dark',
): BrowserContextOptions {
  const { width, height, deviceScaleFactor, isMobile } = sampleViewports[viewport]
  return {
    viewport: { width, height },
    deviceScaleFactor,
    isMobile,
    hasTouch: isMobile,
    colorScheme,
    timezoneId: 'UTC',
    locale: 'en-GB',
    reducedMotion: 'reduce',
  }
}

/** A page to look at, and what to do on it first (fill a field, press the key button…). */
export interface Sample {
  element: JSX.Element
  act?: (page: Page) => Promise<void>
}

/** Shows typed digits in the letter-spaced code field and the opened help text. */
async function fillCode(page: Page): Promise<void> {
  await page.click('summary')
  await page.fill('#code', '123456')
}

/**
 * Presses the key button for real: the script asks the sample server for options, gets a refusal
 * and reports it in the status region, which shows the error state and proves the script runs.
 */
async function pressKeyButton(page: Page): Promise<void> {
  // The account page folds its add-key form: open it, as a user would. Only pages that add a key
  // have a name field; waiting for one elsewhere would take the whole action timeout.
  const fold = page.locator('details:has(button[data-webauthn]):not([open]) > summary')
  if ((await fold.count()) > 0) await fold.click()
  const keyName = page.locator('#key-name')
  if ((await keyName.count()) > 0) await keyName.fill('Blue YubiKey')
  await page.click('button[data-webauthn]')
  await page.waitForSelector('#key-status[data-state="error"]')
  const shown = await page.textContent('#key-status')
  if (shown !== keyRefusal) throw new Error(`key status shows "${shown}", expected the server's refusal`)
}

/**
 * The state the script shows while the browser waits for a touch. Set by hand: headless Chromium has
 * no authenticator to wait for, and this is exactly what the script's `show()` does.
 */
async function showKeyBusy(page: Page): Promise<void> {
  await page.evaluate(`{
    const status = document.getElementById('key-status')
    status.textContent = 'Waiting for your security key…'
    status.dataset.state = 'busy'
    document.querySelector('button[data-webauthn]').disabled = true
  }`)
}

export async function samplePages(): Promise<Record<string, Sample>> {
  const keyUri = 'otpauth://totp/tapgate:alice?secret=JBSWY3DPEHPK3PXP&issuer=tapgate'
  const qrSvg = await QRCode.toString(keyUri, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
    width: 240,
  })
  const csrfToken = 'sample-csrf-token'
  const challenge = { urls, views: factorViews, username: 'alice', csrfToken, digits: 6, trustFor: '30 days' }
  const both: Proof[] = ['webauthn', 'totp', 'recovery_code']
  const enrollment = {
    urls,
    views: factorViews,
    username: 'alice',
    csrfToken,
    qrSvg,
    keyUri,
    secret: 'JBSWY3DPEHPK3PXP',
    issuer: 'tapgate',
    digits: 6,
    period: 30,
    methods: ['totp'] as FactorId[],
  }
  const day = 86_400_000
  const added = Date.UTC(2026, 10, 23, 9, 44)
  const keys = [
    {
      id: 'AAECAwQFBgcICQoLDA0ODw',
      name: 'Blue YubiKey',
      model: 'YubiKey 5 Series with NFC',
      createdAt: added,
      lastUsedAt: added + 9 * day,
    },
    {
      id: 'EBESExQVFhcYGRobHB0eHw',
      name: 'Spare key in the office safe (YubiKey 5C NFC)',
      model: null,
      createdAt: added + 2 * day,
      lastUsedAt: null,
    },
    {
      id: 'ICEiIyQlJicoKSorLC0uLw',
      name: 'MacBook passkey',
      model: null,
      createdAt: added + 30 * day,
      lastUsedAt: added + 41 * day,
    },
  ]
  /** A sign-in (password, a wrong app code, then a key) as the history records it, newest first. */
  const accountHistory = [
    {
      at: added + 61_000,
      event: 'second_factor',
      factor: 'webauthn',
      result: 'success',
      ip: '203.0.113.7',
      device: 'Firefox on Linux',
    },
    {
      at: added + 60_000,
      event: 'second_factor',
      factor: 'totp',
      result: 'wrong_code',
      ip: '203.0.113.7',
      device: 'Firefox on Linux',
    },
    {
      at: added,
      event: 'first_factor',
      factor: 'password',
      result: 'success',
      ip: '203.0.113.7',
      device: 'Firefox on Linux',
    },
  ]
  /** What the account summary lists of each factor offered, as factorStandings() makes it. */
  const standing = (id: FactorId, shown: string): FactorStanding => ({
    id,
    title: factorLabels[id].title,
    shown,
    on: shown !== 'None' && shown !== 'Off',
  })
  const account = {
    urls,
    views: factorViews,
    username: 'alice',
    csrfToken,
    factors: [standing('webauthn', '3'), standing('totp', 'On')],
    sections: { webauthn: keys, totp: true } as AccountPageProps['sections'],
    ways: { webauthn: keys.length, yubico_otp: 0, totp: 1, sms: 0 },
    recoveryCodesLeft: 8,
    devices: [
      {
        id: 'd'.repeat(43),
        label: 'Firefox on Linux',
        firstIp: '203.0.113.7',
        createdAt: added,
        lastUsedAt: added + 3 * day,
        expiresAt: added + 30 * day,
        current: true,
      },
    ],
    history: historyPageOf(accountHistory),
  }
  const smsChallenge = {
    maskedNumber: '+44 •••• ••23',
    codeSent: false,
    validFor: '5 minutes',
    resendInSeconds: 0,
  }
  const smsSetup = {
    urls,
    username: 'alice',
    csrfToken,
    actions: { code: urls.enroll.sms, send: urls.enroll.smsSend },
    purpose: 'enroll' as const,
    validFor: '5 minutes',
    pending: null,
    back: { href: `${prefix}/enroll`, label: 'Choose another way' },
  }
  const page = (element: JSX.Element, act?: Sample['act']): Sample => (act ? { element, act } : { element })
  return {
    'second-factor-key': page(SecondFactorPage({ ...challenge, methods: ['webauthn'] })),
    'second-factor-key-refused': page(
      SecondFactorPage({ ...challenge, methods: ['webauthn'] }),
      pressKeyButton,
    ),
    'second-factor-both': page(SecondFactorPage({ ...challenge, methods: both })),
    'second-factor-both-busy': page(SecondFactorPage({ ...challenge, methods: both }), showKeyBusy),
    'second-factor-both-filled': page(
      SecondFactorPage({ ...challenge, methods: both, shown: 'totp' }),
      fillCode,
    ),
    'second-factor-both-error': page(
      SecondFactorPage({
        ...challenge,
        methods: both,
        shown: 'totp',
        error: 'That code is not correct. Check the time on your phone and try the current code.',
      }),
    ),
    'second-factor-totp': page(SecondFactorPage({ ...challenge, methods: ['totp'] })),
    'second-factor-totp-filled': page(SecondFactorPage({ ...challenge, methods: ['totp'] }), fillCode),
    'second-factor-totp-error': page(
      SecondFactorPage({
        ...challenge,
        username: 'alice.longname@example-hosting-customer.com',
        methods: ['totp'],
        error: 'That code is not valid. Check your app and try again.',
      }),
    ),
    enrollment: page(EnrollmentPage(enrollment)),
    'enrollment-error': page(
      EnrollmentPage({
        ...enrollment,
        refused: 'totp',
        error: 'That code did not match. Enter the code your app shows now.',
      }),
    ),
    login: page(
      LoginPage({ urls, csrfToken, returnTo: '/dashboard', trustFor: '30 days', tokenField: true }),
    ),
    'login-refused': page(
      LoginPage({
        urls,
        csrfToken,
        returnTo: null,
        username: 'alice',
        error: 'The username, password or code is not correct.',
        trustFor: '30 days',
        tokenField: true,
      }),
    ),
    'account-app': page(AuthenticatorAppPage({ ...enrollment, replacing: false, urls })),
    'account-app-replace': page(
      AuthenticatorAppPage({ ...enrollment, replacing: true, error: 'That code is not correct.' }),
    ),
    'enrollment-keys': page(EnrollmentPage({ ...enrollment, methods: ['webauthn', 'totp'] })),
    'enrollment-keys-app': page(
      EnrollmentPage({ ...enrollment, methods: ['webauthn', 'yubico_otp', 'totp'], shown: 'totp' }),
    ),
    'enrollment-yubikey-refused': page(
      EnrollmentPage({
        ...enrollment,
        methods: ['yubico_otp', 'totp'],
        refused: 'yubico_otp',
        error: 'That YubiKey is already registered to another account.',
      }),
    ),
    'enrollment-keys-refused': page(
      EnrollmentPage({ ...enrollment, methods: ['webauthn', 'totp'] }),
      pressKeyButton,
    ),
    'account-no-keys': page(
      AccountPage({
        ...account,
        factors: [standing('webauthn', 'None'), standing('totp', 'On')],
        sections: { webauthn: [], totp: true },
        ways: { webauthn: 0, yubico_otp: 0, totp: 1, sms: 0 },
      }),
    ),
    'account-one-key': page(
      AccountPage({
        ...account,
        factors: [standing('webauthn', '1'), standing('totp', 'Off')],
        sections: { webauthn: keys.slice(0, 1), totp: false },
        ways: { webauthn: 1, yubico_otp: 0, totp: 0, sms: 0 },
        recoveryCodesLeft: 2,
      }),
    ),
    'account-three-keys': page(
      AccountPage({ ...account, notice: 'Your new security key “MacBook passkey” is ready to use.' }),
    ),
    'account-every-factor': page(
      AccountPage({
        ...account,
        factors: [
          standing('webauthn', '2'),
          standing('yubico_otp', '1'),
          standing('totp', 'On'),
          standing('sms', '+44 •••• ••23'),
        ],
        sections: {
          webauthn: keys.slice(0, 2),
          yubico_otp: [
            {
              publicId: 'ccccccbcgujh',
              name: 'YubiKey on my keyring',
              createdAt: added,
              lastUsedAt: added + 4 * day,
            },
          ],
          totp: true,
          sms: { maskedNumber: '+44 •••• ••23', addedAt: added + day, lastUsedAt: null, fallbackOnly: true },
        },
        ways: { webauthn: 2, yubico_otp: 1, totp: 1, sms: 1 },
      }),
    ),
    'account-error': page(
      AccountPage({
        ...account,
        factors: [standing('webauthn', '2'), standing('totp', 'On')],
        sections: { webauthn: keys.slice(0, 2), totp: true },
        ways: { webauthn: 2, yubico_otp: 0, totp: 1, sms: 0 },
        error: 'Give the key a name of at most 64 characters.',
      }),
      pressKeyButton,
    ),
    'message-locked': page(
      MessagePage({
        urls,
        title: 'Too many attempts',
        message: 'For your security, sign-in is paused for this account. Try again in 15 minutes.',
        tone: 'error',
        action: { href: '/', label: 'Back to sign-in' },
      }),
    ),
    'message-unavailable': page(
      MessagePage({
        urls,
        title: 'The panel is not responding',
        message: 'The control panel did not answer in time. Please try again in a moment.',
        tone: 'warning',
        action: { href: '/', label: 'Try again' },
      }),
    ),
    'message-signed-out': page(
      MessagePage({
        urls,
        title: 'Signed out',
        message: 'You have been signed out of the control panel.',
        tone: 'info',
        action: { href: '/', label: 'Sign in again' },
      }),
    ),
    'sign-out': page(SignOutPage({ urls, csrfToken })),
    'admin-search': page(
      AdminSearchPage({
        urls,
        csrfToken,
        query: 'a',
        users: ['alice', 'anna.k', 'backup-admin'],
        truncated: false,
        lockedAddresses: [
          { block: '203.0.113.54', until: added + 41 * day },
          { block: '2001:db8:5:17::/64', until: added + 41 * day + 600_000 },
        ],
      }),
    ),
    'admin-user': page(
      AdminUserPage({
        urls,
        csrfToken,
        user: 'alice',
        factors: [
          { id: 'webauthn', title: 'Security keys', shown: '1', on: true },
          { id: 'yubico_otp', title: 'YubiKeys', shown: '1', on: true },
          { id: 'totp', title: 'Authenticator app', shown: 'On', on: true },
        ],
        noFactor: false,
        keys: [
          {
            name: 'Blue YubiKey',
            model: 'YubiKey 5 Series with NFC',
            createdAt: added,
            lastUsedAt: added + 9 * day,
          },
        ],
        recoveryCodesLeft: 7,
        lockedUntil: added + 41 * day,
        lockedAddresses: [{ block: '198.51.100.23', until: added + 41 * day }],
        switchedOff: ['text messages'],
        inviteMode: true,
        inviteExpiresAt: null,
        issuedCode: '7K3M-Q9PA-2XRT',
        history: historyPageOf(
          accountHistory.map((entry) => ({
            ...entry,
            userAgent: 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
          })),
        ),
      }),
    ),
    'second-factor-yubikey': page(
      SecondFactorPage({ ...challenge, methods: ['yubico_otp', 'totp', 'recovery_code'] }),
    ),
    'second-factor-step-up': page(
      SecondFactorPage({
        ...challenge,
        methods: ['webauthn', 'totp'],
        purpose: 'step_up',
        stepUpFor: "reset bob's second factors",
        trustFor: null,
      }),
    ),
    'enrollment-invite': page(EnrollmentInvitePage({ urls, username: 'alice', csrfToken })),
    'enrollment-invite-error': page(
      EnrollmentInvitePage({
        urls,
        username: 'alice',
        csrfToken,
        error: 'That enrollment code is not valid. Check it, or ask your administrator for a new one.',
      }),
    ),
    'second-factor-recovery-error': page(
      SecondFactorPage({
        ...challenge,
        methods: ['totp', 'recovery_code'],
        shown: 'recovery_code',
        error: 'That recovery code has already been used. Each code works once; try another.',
      }),
    ),
    'recovery-codes': page(
      FreshRecoveryCodesPage({
        urls,
        csrfToken,
        codes: [
          '7K3M-Q9PA-2XRT',
          'H4WN-8ZCE-1BQD',
          'P0VJ-6TRS-MK2A',
          'XD9E-3FGH-7NQW',
          'B5ZA-R2MT-0CYK',
          'E8QP-4HVN-S1JD',
          'M6TC-9WXA-5RGB',
          'Z3KD-0PJE-8VNS',
          'R1GW-7BMQ-4TXH',
          'C2NF-5EZK-9AYP',
        ],
      }),
    ),
    'sms-2fa-send': page(
      SecondFactorPage({
        ...challenge,
        methods: ['sms', 'recovery_code'],
        sms: smsChallenge,
      }),
    ),
    'sms-2fa-sent': page(
      SecondFactorPage({
        ...challenge,
        methods: ['sms', 'recovery_code'],
        sms: { ...smsChallenge, codeSent: true, resendInSeconds: 27 },
      }),
    ),
    'sms-2fa-wrong-code': page(
      SecondFactorPage({
        ...challenge,
        methods: ['sms'],
        sms: { ...smsChallenge, codeSent: true },
        error: 'That code is not correct. Check the text message and try again (3 tries left).',
      }),
    ),
    'sms-2fa-not-sent': page(
      SecondFactorPage({
        ...challenge,
        methods: ['sms'],
        sms: smsChallenge,
        sendError: 'We could not send the text message. Try again, or use another way to sign in.',
      }),
    ),
    'sms-2fa-with-key-and-app': page(
      SecondFactorPage({
        ...challenge,
        methods: ['webauthn', 'totp', 'sms', 'recovery_code'],
        shown: 'sms',
        sms: { ...smsChallenge, codeSent: true, resendInSeconds: 12 },
      }),
    ),
    'sms-enrollment': page(
      EnrollmentPage({ ...enrollment, methods: ['webauthn', 'totp', 'sms'], shown: 'sms' }),
    ),
    'sms-setup-number': page(SmsSetupPage(smsSetup)),
    'sms-setup-number-error': page(
      SmsSetupPage({
        ...smsSetup,
        number: '07700 900123',
        numberError: 'Add the country code at the start: +44 for the UK, +1 for the US and Canada.',
      }),
    ),
    'sms-setup-code': page(
      SmsSetupPage({ ...smsSetup, pending: { maskedNumber: '+44 •••• ••23', resendInSeconds: 30 } }),
    ),
    'sms-setup-change-too-soon': page(
      SmsSetupPage({
        ...smsSetup,
        purpose: 'change',
        actions: { code: urls.account.sms, send: urls.account.smsSend },
        back: { href: `${prefix}/account`, label: 'Back to your account' },
        pending: { maskedNumber: '+49 •••• ••89', resendInSeconds: 0 },
        sendError: 'Too many codes have been sent. You can ask for a new one in 42 minutes.',
      }),
    ),
    'sms-account': page(
      AccountPage({
        ...account,
        factors: [...account.factors, standing('sms', '+44 •••• ••23')],
        sections: {
          ...account.sections,
          sms: {
            maskedNumber: '+44 •••• ••23',
            addedAt: added,
            lastUsedAt: added + 2 * day,
            fallbackOnly: true,
          },
        },
        ways: { ...account.ways, sms: 1 },
      }),
    ),
    'sms-account-off': page(
      AccountPage({
        ...account,
        factors: [standing('webauthn', 'None'), standing('totp', 'On'), standing('sms', 'Off')],
        sections: {
          webauthn: [],
          totp: true,
          sms: { maskedNumber: null, addedAt: null, lastUsedAt: null, fallbackOnly: false },
        },
        ways: { webauthn: 0, yubico_otp: 0, totp: 1, sms: 0 },
      }),
    ),
    'recovery-code-used': page(RecoveryCodeUsedPage({ urls, remaining: 2, destination: '/dashboard' })),
  }
}

/** The demo's look (config/demo.yaml's `ui`: name, logo, accent, support line), as the gateway reads it. */
export function demoLook(): Config['ui'] {
  const file = join(root, 'config/demo.yaml')
  const ui = configSchema.shape.ui.parse(parseYaml(readFileSync(file, 'utf8')).ui)
  return ui.logo === undefined ? ui : { ...ui, logo: resolve(dirname(file), ui.logo) }
}

/** A page as http/html-page.tsx sends it: the doctype first, the operator's look around it. */
function dressedPage(element: JSX.Element, look: PageLook): string {
  const html = jsx(PageLookContext.Provider, { value: look }, element).toString()
  if (typeof html !== 'string') throw new Error('dressedPage: the page rendered asynchronously')
  return `<!doctype html>${html}`
}

/** The sample server: where each page is, and how to stop it. */
export interface SampleSite {
  /** The address of the page `samplePages()` calls `name`. */
  url(name: string): string
  /** axe-core's script, served from the pages' own origin: their CSP allows only `script-src 'self'`. */
  axeScript: string
  close(): Promise<void>
}

const axeFile = createRequire(import.meta.url).resolve('axe-core/axe.min.js')

/**
 * Serves `pages` at `/pages/<name>.html` with the gateway's page headers (its CSP above all), and
 * `<prefix>/assets/…` from the gateway's own asset routes: the stylesheet, the bundled script and the
 * favicon, and with `ui` the logo and the accent's stylesheet too, every page then wearing that look.
 */
export async function serveSamplePages(
  pages: Record<string, Sample>,
  { ui }: { ui?: Config['ui'] } = {},
): Promise<SampleSite> {
  const look = ui === undefined ? plainLook : pageLook(ui, urls)
  const documents = new Map(
    Object.entries(pages).map(([name, { element }]) => [`/pages/${name}.html`, dressedPage(element, look)]),
  )
  const assets = assetRoutes(ui ?? {})
  const assetsPath = `${prefix}/assets`
  let axe: string | undefined

  async function answer(method: string, path: string, headers: Headers): Promise<Response> {
    if (method === 'POST' && path.endsWith('/options')) {
      // The refusal only when the script sent the page's CSRF token: proves it read the meta tag.
      const ok = headers.get('x-csrf-token') === 'sample-csrf-token'
      const message = ok ? keyRefusal : 'The sample server did not receive the CSRF token.'
      return Response.json({ message }, { status: 503 })
    }
    const document = documents.get(path)
    if (document !== undefined) {
      return new Response(document, {
        headers: { ...pageSecurityHeaders, 'Content-Type': 'text/html; charset=utf-8' },
      })
    }
    if (path.startsWith(`${assetsPath}/`)) return assets.request(path.slice(assetsPath.length))
    if (path === '/axe.min.js') {
      axe ??= readFileSync(axeFile, 'utf8')
      return new Response(axe, {
        headers: { 'Content-Type': 'text/javascript; charset=utf-8', 'Cache-Control': 'max-age=3600' },
      })
    }
    return new Response(null, { status: 404 })
  }

  const server = createServer((req, res) => {
    const path = new URL(req.url ?? '/', 'http://localhost').pathname
    const headers = new Headers()
    for (const [name, value] of Object.entries(req.headers)) {
      if (typeof value === 'string') headers.set(name, value)
    }
    answer(req.method ?? 'GET', path, headers)
      .then(async (response) => {
        res.writeHead(response.status, Object.fromEntries(response.headers))
        res.end(Buffer.from(await response.arrayBuffer()))
      })
      .catch((error: unknown) => res.writeHead(500).end(String(error)))
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`
  return {
    url(name) {
      if (!documents.has(`/pages/${name}.html`)) throw new Error(`no sample page named ${name}`)
      return `${origin}/pages/${name}.html`
    },
    axeScript: `${origin}/axe.min.js`,
    close: () =>
      new Promise<void>((done) => {
        server.closeAllConnections()
        server.close(() => done())
      }),
  }
}

/**
 * Console errors (a CSP violation is one) and failed requests on `page`, collected as they happen.
 * The sample server's 503 for key options is on purpose, and Chromium logs it as an error: not counted.
 */
export function collectPageErrors(page: Page): string[] {
  const errors: string[] = []
  page.on('console', (msg) => {
    if (msg.type() === 'error' && !msg.location().url.endsWith('/options')) {
      errors.push(`${page.url()}: ${msg.text()}`)
    }
  })
  page.on('requestfailed', (req) => errors.push(`request failed: ${req.url()}`))
  return errors
}

/** What is wrong with the open page's frame: the stylesheet missing, quirks mode, content too wide. */
export async function layoutProblems(page: Page): Promise<string[]> {
  // An expression as a string: tsconfig has no DOM lib. Not innerWidth: a phone zooms out to fit a
  // page wider than its screen, and innerWidth grows with it; clientWidth stays the screen's width.
  const { styled, mode, overflow } = await page.evaluate<{
    styled: boolean
    mode: string
    overflow: boolean
  }>(`({
    styled: getComputedStyle(document.body).fontFamily.includes('system-ui'),
    mode: document.compatMode,
    overflow: document.documentElement.scrollWidth > document.documentElement.clientWidth,
  })`)
  const problems: string[] = []
  if (!styled) problems.push('stylesheet not applied')
  if (mode !== 'CSS1Compat') problems.push(`quirks mode (${mode})`)
  if (overflow) problems.push('content wider than the viewport')
  return problems
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const pages = Object.fromEntries(
    Object.entries(await samplePages()).filter(
      ([name]) => wanted.length === 0 || wanted.some((w) => name.includes(w)),
    ),
  )
  const site = await serveSamplePages(pages)
  const browser = await launchChromium()
  const problems: string[] = []
  const written: string[] = []
  try {
    await mkdir(outDir, { recursive: true })
    for (const viewport of Object.keys(sampleViewports) as SampleViewport[]) {
      for (const colorScheme of schemes) {
        const context = await browser.newContext(sampleContextOptions(viewport, colorScheme))
        const page = await context.newPage()
        const errors = collectPageErrors(page)
        for (const [name, { act }] of Object.entries(pages)) {
          const response = await page.goto(site.url(name), { waitUntil: 'load' })
          if (!response?.ok()) problems.push(`${name}: HTTP ${response?.status()}`)
          for (const problem of await layoutProblems(page)) problems.push(`${name} (${viewport}): ${problem}`)
          await act?.(page)
          const file = join(outDir, `${name}-${viewport}-${colorScheme}.png`)
          await page.screenshot({ path: file, fullPage: true })
          written.push(file)
        }
        problems.push(...errors)
        await context.close()
      }
    }
  } finally {
    await browser.close()
    await site.close()
  }
  for (const file of written) console.log(file)
  if (problems.length > 0) {
    console.error(`\n${problems.length} problem(s):\n${problems.join('\n')}`)
    process.exitCode = 1
  }
}

// Run as a script, not when a test imports the sample pages.
if (process.argv[1] !== undefined && resolve(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main()
}
