/**
 * Renders every gateway page with sample props and screenshots it in headless Chromium at desktop and
 * mobile sizes (plus a 320 px check), light and dark. Run: `npx tsx test/support/screenshot-pages.ts`,
 * or with name fragments (`… account second-factor-key`) to shoot only the pages whose names contain one.
 * PNGs go to test-artifacts/screenshots/ (gitignored). Pages are served with the gateway's own CSP
 * and its real security-key script, so a blocked script or style shows up as a problem here.
 */
import { copyFile, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join, resolve, sep } from 'node:path'
import { fileURLToPath } from 'node:url'
import type { Page } from 'playwright-core'
import QRCode from 'qrcode'
import type { Proof } from '../../gateway/factors/factor-id.ts'
import { pageSecurityHeaders } from '../../gateway/http/security-headers.ts'
import { tapgateUrls } from '../../gateway/http/tapgate-urls.ts'
import { assetRoutes } from '../../gateway/routes/assets.ts'
import { AccountPage } from '../../gateway/views/account-page.tsx'
import { AdminSearchPage, AdminUserPage } from '../../gateway/views/admin-page.tsx'
import { AuthenticatorAppPage } from '../../gateway/views/authenticator-app-page.tsx'
import { EnrollmentPage } from '../../gateway/views/enrollment-page.tsx'
import { LoginPage } from '../../gateway/views/login-page.tsx'
import { MessagePage } from '../../gateway/views/message-page.tsx'
import { FreshRecoveryCodesPage, RecoveryCodeUsedPage } from '../../gateway/views/recovery-codes-page.tsx'
import { SecondFactorPage } from '../../gateway/views/second-factor-page.tsx'
import { SignOutPage } from '../../gateway/views/sign-out-page.tsx'
import { SmsSetupPage } from '../../gateway/views/sms-setup-page.tsx'
import { launchChromium } from './chromium.ts'
import { historyPageOf } from './history-page.ts'
import { renderPage } from './render-page.ts'

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..')
const outDir = join(root, 'test-artifacts/screenshots')
const prefix = '/_tapgate'
const urls = tapgateUrls(prefix)
// The policy the gateway sends, so a stray inline style or script shows up as a console error here.
const csp = pageSecurityHeaders['Content-Security-Policy']!
// What the sample server answers the key script's first request with: a refusal the script shows.
const keyRefusal = 'Security keys are not available right now. Use your authenticator app instead.'

const viewports = [
  { name: 'desktop', width: 1280, height: 800, deviceScaleFactor: 1, isMobile: false },
  { name: 'mobile', width: 390, height: 844, deviceScaleFactor: 2, isMobile: true },
  // The narrowest phones still in use; catches overflow the 390 px shot hides.
  { name: 'narrow', width: 320, height: 640, deviceScaleFactor: 2, isMobile: true },
] as const
const schemes = ['light', 'dark'] as const

/** A page to screenshot, and what to do on it first (fill a field, press the key button…). */
interface Sample {
  html: string
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
  await page.fill('#key-name', 'Blue YubiKey').catch(() => undefined)
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

async function samplePages(): Promise<Record<string, Sample>> {
  const keyUri = 'otpauth://totp/tapgate:alice?secret=JBSWY3DPEHPK3PXP&issuer=tapgate'
  const qrSvg = await QRCode.toString(keyUri, {
    type: 'svg',
    errorCorrectionLevel: 'M',
    margin: 2,
    width: 240,
  })
  const csrfToken = 'sample-csrf-token'
  const challenge = { urls, username: 'alice', csrfToken, digits: 6, trustFor: '30 days' }
  const both: Proof[] = ['webauthn', 'totp', 'recovery_code']
  const enrollment = {
    urls,
    username: 'alice',
    csrfToken,
    qrSvg,
    keyUri,
    secret: 'JBSWY3DPEHPK3PXP',
    issuer: 'tapgate',
    digits: 6,
    period: 30,
    securityKeys: false,
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
  const account = {
    urls,
    username: 'alice',
    csrfToken,
    hasTotp: true,
    keys,
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
    removable: { webauthn: true, yubico_otp: true, totp: true, sms: false },
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
  const page = (html: string, act?: Sample['act']): Sample => (act ? { html, act } : { html })
  return {
    'second-factor-key': page(renderPage(SecondFactorPage({ ...challenge, methods: ['webauthn'] }))),
    'second-factor-key-refused': page(
      renderPage(SecondFactorPage({ ...challenge, methods: ['webauthn'] })),
      pressKeyButton,
    ),
    'second-factor-both': page(renderPage(SecondFactorPage({ ...challenge, methods: both }))),
    'second-factor-both-busy': page(
      renderPage(SecondFactorPage({ ...challenge, methods: both })),
      showKeyBusy,
    ),
    'second-factor-both-filled': page(
      renderPage(SecondFactorPage({ ...challenge, methods: both, shown: 'totp' })),
      fillCode,
    ),
    'second-factor-both-error': page(
      renderPage(
        SecondFactorPage({
          ...challenge,
          methods: both,
          shown: 'totp',
          error: 'That code is not correct. Check the time on your phone and try the current code.',
        }),
      ),
    ),
    'second-factor-totp': page(renderPage(SecondFactorPage({ ...challenge, methods: ['totp'] }))),
    'second-factor-totp-filled': page(
      renderPage(SecondFactorPage({ ...challenge, methods: ['totp'] })),
      fillCode,
    ),
    'second-factor-totp-error': page(
      renderPage(
        SecondFactorPage({
          ...challenge,
          username: 'alice.longname@example-hosting-customer.com',
          methods: ['totp'],
          error: 'That code is not valid. Check your app and try again.',
        }),
      ),
    ),
    enrollment: page(renderPage(EnrollmentPage(enrollment))),
    'enrollment-error': page(
      renderPage(
        EnrollmentPage({
          ...enrollment,
          error: 'That code did not match. Enter the code your app shows now.',
        }),
      ),
    ),
    login: page(
      renderPage(
        LoginPage({ urls, csrfToken, returnTo: '/dashboard', trustFor: '30 days', tokenField: true }),
      ),
    ),
    'login-refused': page(
      renderPage(
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
    ),
    'account-app': page(renderPage(AuthenticatorAppPage({ ...enrollment, replacing: false, urls }))),
    'account-app-replace': page(
      renderPage(
        AuthenticatorAppPage({ ...enrollment, replacing: true, error: 'That code is not correct.' }),
      ),
    ),
    'enrollment-keys': page(renderPage(EnrollmentPage({ ...enrollment, securityKeys: true }))),
    'enrollment-keys-app': page(
      renderPage(EnrollmentPage({ ...enrollment, securityKeys: true, yubikey: true, shown: 'totp' })),
    ),
    'enrollment-yubikey-refused': page(
      renderPage(
        EnrollmentPage({
          ...enrollment,
          yubikey: true,
          yubikeyError: 'That YubiKey is already registered to another account.',
        }),
      ),
    ),
    'enrollment-keys-refused': page(
      renderPage(EnrollmentPage({ ...enrollment, securityKeys: true })),
      pressKeyButton,
    ),
    'account-no-keys': page(renderPage(AccountPage({ ...account, keys: [] }))),
    'account-one-key': page(
      renderPage(
        AccountPage({
          ...account,
          hasTotp: false,
          keys: keys.slice(0, 1),
          recoveryCodesLeft: 2,
          removable: { webauthn: false, yubico_otp: false, totp: false, sms: false },
        }),
      ),
    ),
    'account-three-keys': page(
      renderPage(
        AccountPage({ ...account, notice: 'Your new security key “MacBook passkey” is ready to use.' }),
      ),
    ),
    'account-every-factor': page(
      renderPage(
        AccountPage({
          ...account,
          keys: keys.slice(0, 2),
          yubikeys: [
            {
              publicId: 'ccccccbcgujh',
              name: 'YubiKey on my keyring',
              createdAt: added,
              lastUsedAt: added + 4 * day,
            },
          ],
          sms: { maskedNumber: '+44 •••• ••23', addedAt: added + day, lastUsedAt: null, fallbackOnly: true },
          removable: { webauthn: true, yubico_otp: true, totp: true, sms: true },
        }),
      ),
    ),
    'account-error': page(
      renderPage(
        AccountPage({
          ...account,
          keys: keys.slice(0, 2),
          error: 'Give the key a name of at most 64 characters.',
        }),
      ),
      pressKeyButton,
    ),
    'message-locked': page(
      renderPage(
        MessagePage({
          urls,
          title: 'Too many attempts',
          message: 'For your security, sign-in is paused for this account. Try again in 15 minutes.',
          tone: 'error',
          action: { href: '/', label: 'Back to sign-in' },
        }),
      ),
    ),
    'message-unavailable': page(
      renderPage(
        MessagePage({
          urls,
          title: 'The panel is not responding',
          message: 'The control panel did not answer in time. Please try again in a moment.',
          tone: 'warning',
          action: { href: '/', label: 'Try again' },
        }),
      ),
    ),
    'message-signed-out': page(
      renderPage(
        MessagePage({
          urls,
          title: 'Signed out',
          message: 'You have been signed out of the control panel.',
          tone: 'info',
          action: { href: '/', label: 'Sign in again' },
        }),
      ),
    ),
    'sign-out': page(renderPage(SignOutPage({ urls, csrfToken }))),
    'admin-search': page(
      renderPage(
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
    ),
    'admin-user': page(
      renderPage(
        AdminUserPage({
          urls,
          csrfToken,
          user: 'alice',
          hasTotp: true,
          yubikeys: 1,
          smsNumber: '+44 •••• ••23',
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
    ),
    'second-factor-recovery-error': page(
      renderPage(
        SecondFactorPage({
          ...challenge,
          methods: ['totp', 'recovery_code'],
          shown: 'recovery_code',
          error: 'That recovery code has already been used. Each code works once; try another.',
        }),
      ),
    ),
    'recovery-codes': page(
      renderPage(
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
    ),
    'sms-2fa-send': page(
      renderPage(
        SecondFactorPage({
          ...challenge,
          methods: ['sms', 'recovery_code'],
          sms: smsChallenge,
        }),
      ),
    ),
    'sms-2fa-sent': page(
      renderPage(
        SecondFactorPage({
          ...challenge,
          methods: ['sms', 'recovery_code'],
          sms: { ...smsChallenge, codeSent: true, resendInSeconds: 27 },
        }),
      ),
    ),
    'sms-2fa-wrong-code': page(
      renderPage(
        SecondFactorPage({
          ...challenge,
          methods: ['sms'],
          sms: { ...smsChallenge, codeSent: true },
          error: 'That code is not correct. Check the text message and try again (3 tries left).',
        }),
      ),
    ),
    'sms-2fa-not-sent': page(
      renderPage(
        SecondFactorPage({
          ...challenge,
          methods: ['sms'],
          sms: smsChallenge,
          smsSendError: 'We could not send the text message. Try again, or use another way to sign in.',
        }),
      ),
    ),
    'sms-2fa-with-key-and-app': page(
      renderPage(
        SecondFactorPage({
          ...challenge,
          methods: ['webauthn', 'totp', 'sms', 'recovery_code'],
          shown: 'sms',
          sms: { ...smsChallenge, codeSent: true, resendInSeconds: 12 },
        }),
      ),
    ),
    'sms-enrollment': page(
      renderPage(EnrollmentPage({ ...enrollment, securityKeys: true, sms: true, shown: 'sms' })),
    ),
    'sms-setup-number': page(renderPage(SmsSetupPage(smsSetup))),
    'sms-setup-number-error': page(
      renderPage(
        SmsSetupPage({
          ...smsSetup,
          number: '07700 900123',
          numberError: 'Add the country code at the start: +44 for the UK, +1 for the US and Canada.',
        }),
      ),
    ),
    'sms-setup-code': page(
      renderPage(
        SmsSetupPage({ ...smsSetup, pending: { maskedNumber: '+44 •••• ••23', resendInSeconds: 30 } }),
      ),
    ),
    'sms-setup-change-too-soon': page(
      renderPage(
        SmsSetupPage({
          ...smsSetup,
          purpose: 'change',
          actions: { code: urls.account.sms, send: urls.account.smsSend },
          back: { href: `${prefix}/account`, label: 'Back to your account' },
          pending: { maskedNumber: '+49 •••• ••89', resendInSeconds: 0 },
          sendError: 'Too many codes have been sent. You can ask for a new one in 42 minutes.',
        }),
      ),
    ),
    'sms-account': page(
      renderPage(
        AccountPage({
          ...account,
          sms: {
            maskedNumber: '+44 •••• ••23',
            addedAt: added,
            lastUsedAt: added + 2 * day,
            fallbackOnly: true,
          },
          removable: { webauthn: true, yubico_otp: true, totp: true, sms: true },
        }),
      ),
    ),
    'sms-account-off': page(
      renderPage(
        AccountPage({
          ...account,
          keys: [],
          sms: { maskedNumber: null, addedAt: null, lastUsedAt: null, fallbackOnly: false },
        }),
      ),
    ),
    'recovery-code-used': page(
      renderPage(RecoveryCodeUsedPage({ urls, remaining: 2, destination: '/dashboard' })),
    ),
  }
}

async function main(): Promise<void> {
  const wanted = process.argv.slice(2)
  const pages = Object.fromEntries(
    Object.entries(await samplePages()).filter(
      ([name]) => wanted.length === 0 || wanted.some((w) => name.includes(w)),
    ),
  )
  const site = await mkdtemp(join(tmpdir(), 'tapgate-pages-'))
  await mkdir(join(site, 'pages'), { recursive: true })
  await mkdir(join(site, prefix, 'assets'), { recursive: true })
  await copyFile(join(root, 'web/app.css'), join(site, prefix, 'assets/app.css'))
  // Bundled by the gateway's own asset route, so the pages run the script users get.
  const script = await assetRoutes({}).request('/app.js')
  await writeFile(join(site, prefix, 'assets/app.js'), await script.text())
  for (const [name, { html }] of Object.entries(pages)) {
    await writeFile(join(site, 'pages', `${name}.html`), html)
  }

  const types: Record<string, string> = { css: 'text/css', js: 'text/javascript', html: 'text/html' }
  const server = createServer((req, res) => {
    const path = decodeURIComponent(new URL(req.url ?? '/', 'http://localhost').pathname)
    if (req.method === 'POST' && path.endsWith('/options')) {
      // The refusal only when the script sent the page's CSRF token: proves it read the meta tag.
      const ok = req.headers['x-csrf-token'] === 'sample-csrf-token'
      const message = ok ? keyRefusal : 'The sample server did not receive the CSRF token.'
      res.writeHead(503, { 'content-type': 'application/json' }).end(JSON.stringify({ message }))
      return
    }
    const file = resolve(site, `.${path}`)
    if (!file.startsWith(site + sep)) {
      res.writeHead(400).end()
      return
    }
    readFile(file).then(
      (body) => {
        const type = `${types[file.split('.').pop() ?? ''] ?? 'application/octet-stream'}; charset=utf-8`
        res.writeHead(200, { 'content-type': type, 'content-security-policy': csp }).end(body)
      },
      () => res.writeHead(404).end(),
    )
  })
  await new Promise<void>((done) => server.listen(0, '127.0.0.1', done))
  const { port } = server.address() as AddressInfo

  const browser = await launchChromium()
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
          // The sample server's 503 for key options is on purpose; Chromium logs it as an error.
          if (msg.type() === 'error' && !msg.location().url.endsWith('/options')) {
            problems.push(`${page.url()}: ${msg.text()}`)
          }
        })
        page.on('requestfailed', (req) => problems.push(`request failed: ${req.url()}`))
        for (const [name, { act }] of Object.entries(pages)) {
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
          await act?.(page)
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
