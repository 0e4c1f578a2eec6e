import QRCode from 'qrcode'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import type { Proof } from '../../../gateway/factors/factor-id.ts'
import { tapgateUrls } from '../../../gateway/http/tapgate-urls.ts'
import type { AccountDevice, AccountHistoryEntry } from '../../../gateway/views/account-activity.tsx'
import { type AccountKey, AccountPage } from '../../../gateway/views/account-page.tsx'
import { AdminUserPage } from '../../../gateway/views/admin-page.tsx'
import { EnrollmentPage } from '../../../gateway/views/enrollment-page.tsx'
import { Layout } from '../../../gateway/views/layout.tsx'
import { MessagePage } from '../../../gateway/views/message-page.tsx'
import { FreshRecoveryCodesPage, RecoveryCodeUsedPage } from '../../../gateway/views/recovery-codes-page.tsx'
import { SecondFactorPage } from '../../../gateway/views/second-factor-page.tsx'
import { SignOutPage } from '../../../gateway/views/sign-out-page.tsx'
import type { SmsChallenge } from '../../../gateway/views/sms-method.tsx'
import { renderPage } from '../../support/render-page.ts'

const prefix = '/_tapgate'
const urls = tapgateUrls(prefix)
const evil = '<script>alert(1)</script>'
const evilAttr = '"><script>alert(1)</script>'
const evilAttrEscaped = '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;'
const evilKeyName = '<img src=x onerror=alert(1)>'

type Attrs = Record<string, string>

/** Attributes of every `<tag …>` in the markup; enough for server-rendered pages without a DOM. */
function tags(html: string, tag: string): Attrs[] {
  const found: Attrs[] = []
  for (const match of html.matchAll(new RegExp(`<${tag}(\\s[^>]*)?>`, 'gi'))) {
    const attrs: Attrs = {}
    for (const attr of (match[1] ?? '').matchAll(/([^\s="'/>]+)(?:="([^"]*)")?/g)) {
      attrs[attr[1]!.toLowerCase()] = attr[2] ?? ''
    }
    found.push(attrs)
  }
  return found
}

/** Every element's attributes, whatever its tag. Text cannot hold a `<` (it is escaped), so no false hits. */
function allTags(html: string): Attrs[] {
  return tags(html, '[a-z][a-z0-9-]*')
}

function only(html: string, tag: string, where: (attrs: Attrs) => boolean): Attrs {
  const matching = tags(html, tag).filter(where)
  expect(matching, `exactly one <${tag}> matching`).toHaveLength(1)
  return matching[0]!
}

/** Visible text with entities decoded, as a reader would see it. */
function text(html: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" }
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => entities[name]!)
    .replace(/\s+/g, ' ')
    .trim()
}

/** Element with the given id, from its opening tag to the next closing tag of the same name. */
function elementById(html: string, id: string): string {
  const match = new RegExp(`<(\\w+)[^>]*\\sid="${id}"[^>]*>[\\s\\S]*?</\\1>`).exec(html)
  expect(match, `element #${id}`).not.toBeNull()
  return match![0]
}

/** The security-key script is the only script, and only pages with a key button load it. */
function expectScript(html: string, expected: boolean): void {
  const scripts = tags(html, 'script')
  if (!expected) {
    expect(scripts).toHaveLength(0)
    return
  }
  expect(scripts).toEqual([{ type: 'module', src: `${prefix}/assets/app.js` }])
  // Empty between the tags (the CSP blocks inline code) and in the head.
  const tag = `<script type="module" src="${prefix}/assets/app.js"></script>`
  expect(html).toContain(tag)
  expect(html.indexOf(tag)).toBeLessThan(html.indexOf('</head>'))
}

/** The token the key script sends as x-csrf-token, or its absence on pages without the script. */
function expectCsrfMeta(html: string, token: string | null): void {
  const metas = tags(html, 'meta').filter((a) => a.name === 'csrf-token')
  if (token === null) {
    expect(metas).toHaveLength(0)
    return
  }
  expect(metas).toEqual([{ name: 'csrf-token', content: token }])
  expect(html.indexOf('name="csrf-token"')).toBeLessThan(html.indexOf('</head>'))
}

function expectDocumentBasics(
  html: string,
  title: string,
  { script = false }: { script?: boolean } = {},
): void {
  expect(html.startsWith('<!doctype html>')).toBe(true)
  expect(html).toMatch(/<html lang="en">/)
  expect(html).toMatch(/<meta charset="utf-8"\/?>/)
  expect(only(html, 'meta', (a) => a.name === 'viewport').content).toContain('width=device-width')
  expect(only(html, 'meta', (a) => a.name === 'referrer').content).toBe('same-origin')
  expect(only(html, 'link', (a) => a.rel === 'stylesheet').href).toBe(`${prefix}/assets/app.css`)
  const titles = [...html.matchAll(/<title>([^<]*)<\/title>/g)]
  expect(titles).toHaveLength(1)
  expect(text(titles[0]![1]!)).toBe(`${title} · Sign-in security`)
  expect(tags(html, 'main')).toHaveLength(1)
  expect(tags(html, 'header')).toHaveLength(1)
  expect(tags(html, 'footer')).toHaveLength(1)
  expect(tags(html, 'h1')).toHaveLength(1)
  expect(text(html)).toContain('Protected by tapgate')
  // The CSP allows neither inline styles nor inline scripts of any kind.
  for (const attrs of allTags(html)) {
    expect(Object.keys(attrs).filter((name) => name === 'style' || name.startsWith('on'))).toEqual([])
    for (const value of Object.values(attrs)) expect(value).not.toMatch(/^\s*javascript:/i)
  }
  expect(html).not.toMatch(/<style/i)
  expectScript(html, script)
}

/** Ids are unique, and every attribute that points at an id (ARIA, label, key script) finds it. */
function expectIdsUniqueAndReferencesResolved(html: string): void {
  const ids = allTags(html)
    .map((a) => a.id)
    .filter((id): id is string => id !== undefined)
  expect(new Set(ids).size).toBe(ids.length)
  const single = ['for', 'data-status', 'data-name-field']
  const lists = ['aria-describedby', 'aria-labelledby']
  for (const attrs of allTags(html)) {
    for (const name of single)
      if (name in attrs) expect(ids, `${name} target #${attrs[name]}`).toContain(attrs[name])
    for (const name of lists) {
      for (const ref of (attrs[name] ?? '').split(/\s+/).filter(Boolean)) {
        expect(ids, `${name} target #${ref}`).toContain(ref)
      }
    }
  }
}

/** Every visible input has exactly one <label for> naming it. */
function expectInputsLabelled(html: string): void {
  for (const input of tags(html, 'input').filter((a) => a.type !== 'hidden')) {
    expect(input.id).toBeTruthy()
    expect(tags(html, 'label').filter((l) => l.for === input.id)).toHaveLength(1)
  }
}

/** The text of the `<label for=id>`. */
function labelFor(html: string, id: string): string {
  const match = new RegExp(`<label[^>]*\\sfor="${id}"[^>]*>([\\s\\S]*?)</label>`).exec(html)
  expect(match, `label for #${id}`).not.toBeNull()
  return text(match![1]!)
}

function expectCodeInput(html: string, digits: number): Attrs {
  const input = only(html, 'input', (a) => a.name === 'code')
  expect(input).toMatchObject({
    id: 'code',
    type: 'text',
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    minlength: String(digits),
  })
  // A code pasted as the app shows it ("123 456", "123-456") fits and is not refused by the browser.
  expect(input).not.toHaveProperty('pattern')
  expect(Number(input.maxlength)).toBeGreaterThanOrEqual(2 * digits)
  expect(input).toHaveProperty('required')
  return input
}

/** Every form carries the token in a hidden field. */
function expectCsrf(html: string, token: string): void {
  const fields = tags(html, 'input').filter((a) => a.name === 'csrf')
  expect(fields).toHaveLength(tags(html, 'form').length)
  for (const csrf of fields) expect(csrf).toMatchObject({ type: 'hidden', value: token })
}

/** The status region web/webauthn.ts writes into: polite, present (empty) from the start. */
function expectKeyStatus(html: string): void {
  expect(only(html, 'p', (a) => a.id === 'key-status')).toEqual({
    class: 'key-status',
    id: 'key-status',
    role: 'status',
    'aria-live': 'polite',
  })
  expect(elementById(html, 'key-status')).toMatch(/^<p [^>]*><\/p>$/)
}

/** The one button the key script wires up, with exactly the data attributes it reads. */
function keyButton(html: string): Attrs {
  return only(html, 'button', (a) => 'data-webauthn' in a)
}

function expectNoKeyCeremony(html: string): void {
  expect(allTags(html).filter((a) => Object.keys(a).some((name) => name.startsWith('data-')))).toEqual([])
  expect(html).not.toContain('id="key-status"')
  expectCsrfMeta(html, null)
}

/** The add-a-key fields shared by the enrollment and account pages. */
function expectKeyRegistration(html: string): void {
  expect(keyButton(html)).toEqual({
    class: 'button button-primary button-block',
    type: 'button',
    'data-webauthn': 'register',
    'data-endpoint': `${prefix}/webauthn/registration`,
    'data-status': 'key-status',
    'data-name-field': 'key-name',
  })
  expect(text(html)).toContain('Add security key')
  const name = only(html, 'input', (a) => a.id === 'key-name')
  expect(name).toMatchObject({ type: 'text', placeholder: 'e.g. Blue YubiKey', maxlength: '64' })
  // The script reads the field by id; a name attribute would only invite a form to submit it.
  expect(name).not.toHaveProperty('name')
  expect(labelFor(html, 'key-name')).toBe('Name this key')
  expectKeyStatus(html)
  // Not inside a form: Enter in the field must not submit anything.
  for (const form of html.split(/<form[\s>]/).slice(1)) {
    expect(form.slice(0, form.indexOf('</form>'))).not.toContain('id="key-name"')
  }
}

describe('Layout', () => {
  it('leaves the doctype to the caller, which routes prepend exactly once', () => {
    const page = <SignOutPage urls={urls} csrfToken="t" />
    expect(String(page)).toMatch(/^<html lang="en">/)
    expect(renderPage(page).match(/<!doctype/gi)).toHaveLength(1)
  })

  it('loads no script and carries no CSRF meta unless asked to', () => {
    const html = renderPage(<Layout urls={urls} title="Plain" />)
    expectScript(html, false)
    expectCsrfMeta(html, null)
  })

  it('adds the CSRF meta and the key script to the head on request, escaping the token', () => {
    const html = renderPage(
      <Layout urls={urls} title="Keys" csrfToken={evilAttr} script={true}>
        <h1>Keys</h1>
      </Layout>,
    )
    expectDocumentBasics(html, 'Keys', { script: true })
    expectCsrfMeta(html, evilAttrEscaped)
  })
})

describe('SecondFactorPage', () => {
  const page = (
    props: {
      methods?: readonly Proof[]
      shown?: Proof
      username?: string
      error?: string
      trustFor?: string
      digits?: number
      csrfToken?: string
      sms?: SmsChallenge
    } = {},
  ) => {
    const methods = props.methods ?? ['totp']
    return renderPage(
      <SecondFactorPage
        urls={urls}
        username={props.username ?? 'alice'}
        csrfToken={props.csrfToken ?? 'tok123'}
        digits={props.digits ?? 6}
        methods={methods}
        shown={props.shown ?? (methods[0] as Proof)}
        error={props.error}
        sms={props.sms}
        trustFor={props.trustFor ?? null}
      />,
    )
  }
  const title = "Verify it's you"
  const smsSent: SmsChallenge = {
    maskedNumber: '+44 •••• ••23',
    codeSent: true,
    validFor: '5 minutes',
    resendInSeconds: 0,
  }
  const otherWays = (html: string) =>
    tags(html, 'a')
      .filter((a) => a.class === 'other-way')
      .map((a) => a.href)

  describe('with the authenticator app only', () => {
    it('is a complete, accessible document without the key script, and nothing else to try', () => {
      const html = page()
      expectDocumentBasics(html, title)
      expectIdsUniqueAndReferencesResolved(html)
      expectInputsLabelled(html)
      expectNoKeyCeremony(html)
      expect(text(html)).toContain(title)
      expect(text(html)).toContain('Signing in as alice')
      expect(text(html)).not.toContain('security key')
      expect(text(html)).not.toContain('Try another way')
    })

    it('posts the code with the CSRF token to the 2fa route', () => {
      const html = page()
      expect(only(html, 'form', () => true)).toMatchObject({ method: 'post', action: `${prefix}/2fa` })
      expectCsrf(html, 'tok123')
      const input = expectCodeInput(html, 6)
      expect(input).toHaveProperty('autofocus')
      expect(input['aria-describedby']).toBe('code-hint')
      expect(input).not.toHaveProperty('aria-invalid')
      expect(labelFor(html, 'code')).toBe('Authentication code')
      expect(text(elementById(html, 'code-hint'))).toContain('enter the 6-digit code for this account')
      expect(text(html)).toContain('Google Authenticator')
      const submit = only(html, 'button', (a) => a.type === 'submit')
      expect(submit.class).toContain('button-primary')
      expect(text(html)).toContain('Verify')
    })

    it('links "Use a different account" to the sign-out confirmation', () => {
      const html = page()
      expect(html).toMatch(new RegExp(`<a [^>]*href="${prefix}/logout"[^>]*>\\s*Use a different account`))
    })

    it('offers help for codes', () => {
      expect(text(page())).toContain('Each code is only valid for a short time')
    })

    it('follows the configured number of digits', () => {
      const html = page({ digits: 8 })
      expectCodeInput(html, 8)
      expect(text(html)).toContain('8-digit code')
    })

    it('has no alert without an error', () => {
      expect(page()).not.toContain('role="alert"')
    })

    it('announces an error and ties it to the code field', () => {
      const html = page({ error: 'That code is not valid.' })
      const error = elementById(html, 'code-error')
      expect(error).toContain('role="alert"')
      expect(text(error)).toBe('That code is not valid.')
      const input = expectCodeInput(html, 6)
      expect(input['aria-describedby']!.split(' ')).toEqual(
        expect.arrayContaining(['code-error', 'code-hint']),
      )
      expect(input['aria-invalid']).toBe('true')
      expectIdsUniqueAndReferencesResolved(html)
    })
  })

  describe('with a security key only', () => {
    it('loads the key script with the CSRF token and has no form', () => {
      const html = page({ methods: ['webauthn'], csrfToken: 'tok-key' })
      expectDocumentBasics(html, title, { script: true })
      expectIdsUniqueAndReferencesResolved(html)
      expectCsrfMeta(html, 'tok-key')
      expect(tags(html, 'form')).toHaveLength(0)
      expect(tags(html, 'input')).toHaveLength(0)
      expect(text(html)).not.toContain('authenticator app')
    })

    it('has a "Use security key" button wired to the authentication endpoint and a status region', () => {
      const html = page({ methods: ['webauthn'] })
      expect(keyButton(html)).toEqual({
        class: 'button button-primary button-block',
        type: 'button',
        'data-webauthn': 'authenticate',
        'data-endpoint': `${prefix}/webauthn/authentication`,
        'data-status': 'key-status',
        'aria-describedby': 'key-hint',
      })
      expect(html).toMatch(
        /<button [^>]*data-webauthn="authenticate"[^>]*>[\s\S]*?Use security key[\s\S]*?<\/button>/,
      )
      expectKeyStatus(html)
      expect(text(html)).toContain('Trouble using your security key?')
      expect(text(html)).toContain('Use a different account')
    })

    it('shows an error above the key button', () => {
      const html = page({ methods: ['webauthn'], error: 'Sign-in expired. Try again.' })
      const alert = only(html, 'p', (a) => a.role === 'alert')
      expect(alert.class).toBe('field-error')
      expect(text(html)).toContain('Sign-in expired. Try again.')
      expect(html.indexOf('role="alert"')).toBeLessThan(html.indexOf('data-webauthn'))
    })
  })

  describe('with several ways to verify (issue 16: one at a time)', () => {
    const methods: Proof[] = ['webauthn', 'yubico_otp', 'totp', 'sms', 'recovery_code']

    it('shows only the one asked for, and lists the others, in order, under "Try another way"', () => {
      const html = page({ methods, shown: 'webauthn' })
      expectDocumentBasics(html, title, { script: true })
      expectIdsUniqueAndReferencesResolved(html)
      expect(keyButton(html)['data-webauthn']).toBe('authenticate')
      expect(tags(html, 'form')).toHaveLength(0)
      const nav = only(html, 'nav', () => true)
      expect(nav.class).toBe('other-ways')
      expect(text(elementById(html, nav['aria-labelledby'] as string))).toBe('Try another way')
      expect(otherWays(html)).toEqual([
        `${prefix}/2fa?method=yubico_otp`,
        `${prefix}/2fa?method=totp`,
        `${prefix}/2fa?method=sms`,
        `${prefix}/2fa?method=recovery_code`,
      ])
      expect(text(html)).toContain('Enter a code from your authenticator app')
      expect(text(html)).toContain('Use a recovery code')
    })

    it('shows the app code without the key script, and offers the key back', () => {
      const html = page({ methods, shown: 'totp' })
      expectDocumentBasics(html, title, { script: false })
      expectNoKeyCeremony(html)
      expect(expectCodeInput(html, 6)).toHaveProperty('autofocus')
      expect(otherWays(html)).toContain(`${prefix}/2fa?method=webauthn`)
      expect(otherWays(html)).not.toContain(`${prefix}/2fa?method=totp`)
    })

    it('shows a YubiKey field that takes the tap, focused', () => {
      const html = page({ methods, shown: 'yubico_otp' })
      expectIdsUniqueAndReferencesResolved(html)
      expectInputsLabelled(html)
      expect(only(html, 'form', () => true)).toMatchObject({
        method: 'post',
        action: `${prefix}/2fa/yubikey`,
      })
      expect(only(html, 'input', (i) => i.name === 'otp')).toHaveProperty('autofocus')
    })

    it('shows the recovery code on its own, posted with the CSRF token, its refusal tied to the field', () => {
      const html = page({
        methods,
        shown: 'recovery_code',
        error: 'That recovery code has already been used.',
      })
      expectIdsUniqueAndReferencesResolved(html)
      expectInputsLabelled(html)
      expectCsrf(html, 'tok123')
      expect(only(html, 'form', () => true)).toMatchObject({
        method: 'post',
        action: `${prefix}/2fa/recovery`,
      })
      expect(labelFor(html, 'recovery-code')).toBe('Recovery code')
      const input = only(html, 'input', (i) => i.name === 'recovery_code')
      expect(input).toMatchObject({ type: 'text', autocomplete: 'off', autocapitalize: 'characters' })
      expect(input['aria-invalid']).toBe('true')
      expect(input).toHaveProperty('autofocus')
      expect(text(elementById(html, 'recovery-code-error'))).toBe('That recovery code has already been used.')
      expect(text(html)).toContain('Use a recovery code, or contact')
    })

    it('never mentions recovery codes to a user without any', () => {
      const html = page({ methods: ['webauthn', 'totp'] })
      expect(html).not.toContain('recovery_code')
      expect(text(html)).toContain('Contact your hosting provider')
    })
  })

  describe('trust this device (issue 16: the choice goes with whichever method signs in)', () => {
    const trustBoxes = (html: string) => tags(html, 'input').filter((a) => a.name === 'trust_device')

    it.each([
      ['totp', `${prefix}/2fa`],
      ['yubico_otp', `${prefix}/2fa/yubikey`],
      ['sms', `${prefix}/2fa/sms`],
    ] as const)('puts one unticked, labelled box in the %s form', (shown, action) => {
      const html = page({ methods: ['yubico_otp', 'totp', 'sms'], shown, sms: smsSent, trustFor: '30 days' })
      expectIdsUniqueAndReferencesResolved(html)
      expectInputsLabelled(html)
      expect(trustBoxes(html)).toHaveLength(1)
      expect(trustBoxes(html)[0]).toMatchObject({ type: 'checkbox', id: 'trust-device', value: 'yes' })
      expect(trustBoxes(html)[0]).not.toHaveProperty('checked')
      expect(labelFor(html, 'trust-device')).toBe('Trust this device for 30 days')
      const start = html.indexOf(`action="${action}"`)
      const form = html.slice(start, html.indexOf('</form>', start))
      expect(form).toContain('name="trust_device"')
      expect(text(html)).toContain("Don't tick this on a shared or public computer.")
    })

    it('puts the box under the key button, which the key script reads', () => {
      const html = page({ methods: ['webauthn', 'totp'], trustFor: '12 hours' })
      expect(html.indexOf('id="trust-device"')).toBeGreaterThan(html.indexOf('data-webauthn="authenticate"'))
      expect(labelFor(html, 'trust-device')).toBe('Trust this device for 12 hours')
      expect(keyButton(html)['data-trust-field']).toBe('trust-device')
    })

    it('offers no box when trusted devices are turned off', () => {
      for (const shown of ['webauthn', 'totp', 'yubico_otp'] as const) {
        const html = page({ methods: ['webauthn', 'yubico_otp', 'totp'], shown })
        expect(html).not.toContain('trust_device')
        expect(html).not.toContain('data-trust-field')
      }
    })
  })

  it('escapes the username, the error and the CSRF token, in the form and in the meta', () => {
    for (const shown of ['webauthn', 'totp', 'recovery_code'] as const) {
      const html = page({
        methods: ['webauthn', 'totp', 'recovery_code'],
        shown,
        username: evil,
        error: evil,
        csrfToken: evilAttr,
      })
      expectDocumentBasics(html, title, { script: shown === 'webauthn' })
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
      expect(text(html)).toContain(`Signing in as ${evil}`)
      if (shown !== 'webauthn') expectCsrf(html, evilAttrEscaped)
      expectCsrfMeta(html, shown === 'webauthn' ? evilAttrEscaped : null)
    }
  })
})

describe('EnrollmentPage', () => {
  let qrSvg = ''
  beforeAll(async () => {
    qrSvg = await QRCode.toString('otpauth://totp/tapgate:alice?secret=JBSWY3DPEHPK3PXP&issuer=tapgate', {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 2,
      width: 240,
    })
  })

  const page = (
    props: {
      username?: string
      issuer?: string
      error?: string
      csrfToken?: string
      securityKeys?: boolean
    } = {},
  ) =>
    renderPage(
      <EnrollmentPage
        urls={urls}
        username={props.username ?? 'alice'}
        csrfToken={props.csrfToken ?? 'tok456'}
        qrSvg={qrSvg}
        secret="JBSWY3DPEHPK3PXP"
        issuer={props.issuer ?? 'tapgate'}
        digits={6}
        period={30}
        error={props.error}
        securityKeys={props.securityKeys ?? false}
      />,
    )
  const title = 'Set up two-step verification'

  it('is a complete, accessible document with numbered steps', () => {
    const html = page()
    expectDocumentBasics(html, title)
    expectIdsUniqueAndReferencesResolved(html)
    expectInputsLabelled(html)
    expectNoKeyCeremony(html)
    expect(text(elementById(html, 'code-hint'))).toContain('6-digit code')
    expect(text(html)).toContain(title)
    expect(tags(html, 'ol')).toHaveLength(1)
    expect(tags(html, 'li')).toHaveLength(3)
    expect(tags(html, 'h2')).toHaveLength(3)
    expect(text(html)).not.toContain('security key')
  })

  it('shows the QR code as a labelled image and the key for manual entry', () => {
    const html = page()
    const qr = only(html, 'div', (a) => a.role === 'img')
    expect(qr['aria-label']).toContain('tapgate')
    expect(html).toMatch(/<div [^>]*role="img"[^>]*><svg /)
    expect(html).toContain(qrSvg.trim())
    expect(text(html)).toContain("Can't scan? Enter this key manually")
    expect(html).toMatch(/<code class="secret">JBSW Y3DP EHPK 3PXP<\/code>/)
    expect(text(html)).toContain('Time-based, 6 digits, every 30 s')
  })

  it('posts the confirmation code with the CSRF token to the enroll route', () => {
    const html = page()
    expect(only(html, 'form', () => true)).toMatchObject({ method: 'post', action: `${prefix}/enroll` })
    expectCsrf(html, 'tok456')
    expectCodeInput(html, 6)
    expect(labelFor(html, 'code')).toBe('Enter the code to confirm')
    expect(html).not.toContain('role="alert"')
    expect(text(html)).toContain('Turn on two-step verification')
  })

  it('announces an error and ties it to the code field', () => {
    const html = page({ error: 'That code did not match.' })
    const error = elementById(html, 'code-error')
    expect(error).toContain('role="alert"')
    expect(text(error)).toBe('That code did not match.')
    const input = expectCodeInput(html, 6)
    expect(input['aria-describedby']!.split(' ')).toContain('code-error')
    expect(input['aria-invalid']).toBe('true')
    expect(input).toHaveProperty('autofocus')
  })

  describe('with security keys enabled', () => {
    it('keeps the app steps and adds the key as a separate alternative after them', () => {
      const html = page({ securityKeys: true })
      expectDocumentBasics(html, title, { script: true })
      expectIdsUniqueAndReferencesResolved(html)
      expectInputsLabelled(html)
      expect(tags(html, 'li')).toHaveLength(3)
      expect(only(html, 'form', () => true)).toMatchObject({ method: 'post', action: `${prefix}/enroll` })
      expectCodeInput(html, 6)
      const section = elementById(html, 'security-key')
      expect(text(section)).toContain('Use a security key or passkey instead')
      expect(html.indexOf('</ol>')).toBeLessThan(html.indexOf('id="security-key"'))
    })

    it('links from the top to the key section, for people who came with a key', () => {
      const html = page({ securityKeys: true })
      expect(html).toMatch(/<a [^>]*href="#security-key"[^>]*>\s*Use it instead\s*<\/a>/)
      expect(html.indexOf('href="#security-key"')).toBeLessThan(html.indexOf('<ol'))
    })

    it('has a named-key registration button, name field and status region for the script', () => {
      const html = page({ securityKeys: true, csrfToken: 'tok-reg' })
      expectKeyRegistration(html)
      expectCsrfMeta(html, 'tok-reg')
      expectCsrf(html, 'tok-reg')
    })
  })

  it('escapes the username, issuer, error and CSRF token', () => {
    for (const securityKeys of [false, true]) {
      const html = page({ username: evil, issuer: evil, error: evil, csrfToken: evilAttr, securityKeys })
      expectDocumentBasics(html, title, { script: securityKeys })
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
      expectCsrf(html, evilAttrEscaped)
      expectCsrfMeta(html, securityKeys ? evilAttrEscaped : null)
    }
  })
})

describe('AccountPage', () => {
  const day = 86_400_000
  const added = Date.UTC(2026, 10, 23, 9, 44)
  const threeKeys: AccountKey[] = [
    {
      id: 'AAECAwQFBgcICQoLDA0ODw',
      name: 'Blue YubiKey',
      model: 'YubiKey 5 Series with NFC',
      createdAt: added,
      lastUsedAt: added + 9 * day,
    },
    {
      id: 'EBESExQVFhcYGRobHB0eHw',
      name: 'Spare key',
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
  const page = (
    props: {
      keys?: AccountKey[]
      recoveryCodesLeft?: number | null
      devices?: AccountDevice[]
      history?: AccountHistoryEntry[]
      hasTotp?: boolean
      canRemoveKey?: boolean
      notice?: string
      error?: string
      username?: string
      csrfToken?: string
    } = {},
  ) =>
    renderPage(
      <AccountPage
        urls={urls}
        username={props.username ?? 'alice'}
        csrfToken={props.csrfToken ?? 'tok-acct'}
        hasTotp={props.hasTotp ?? true}
        keys={props.keys ?? threeKeys}
        recoveryCodesLeft={props.recoveryCodesLeft === undefined ? 10 : props.recoveryCodesLeft}
        devices={props.devices ?? []}
        history={props.history ?? []}
        removable={removableAll(props.canRemoveKey ?? true)}
        notice={props.notice}
        error={props.error}
      />,
    )
  const title = 'Your account'
  const removableAll = (removable: boolean) => ({
    webauthn: removable,
    yubico_otp: removable,
    totp: removable,
    sms: removable,
  })

  /** The markup of each key's list item, in order. */
  function keyRows(html: string): string[] {
    return html
      .split('<li class="key">')
      .slice(1)
      .map((row) => row.slice(0, row.indexOf('</li>')))
  }

  function formsIn(row: string, action: string): Attrs[] {
    return tags(row, 'form').filter((f) => f.action === `${prefix}/account/keys/${action}`)
  }

  it('is a complete, accessible document with the key script and the CSRF meta', () => {
    for (const keys of [[], threeKeys.slice(0, 1), threeKeys]) {
      const html = page({ keys })
      expectDocumentBasics(html, title, { script: true })
      expectIdsUniqueAndReferencesResolved(html)
      expectInputsLabelled(html)
      expectCsrfMeta(html, 'tok-acct')
      expect(text(html)).toContain('Sign-in security')
      expect(html).toMatch(/<h1[^>]*>Sign-in security<\/h1>/)
    }
  })

  it('lists each key with its name, its model when known, when it was added and when it was last used', () => {
    const rows = keyRows(page())
    expect(rows.map((row) => text(row.slice(0, row.indexOf('<form'))))).toEqual([
      'Blue YubiKey YubiKey 5 Series with NFC Added 23 Nov 2026 Last used 2 Dec 2026',
      'Spare key Added 25 Nov 2026 Never used',
      'MacBook passkey Added 23 Dec 2026 Last used 3 Jan 2027',
    ])
    expect(rows[0]).toContain('<time datetime="2026-11-23T09:44:00.000Z">23 Nov 2026</time>')
  })

  it('shows how many recovery codes are left, with a CSRF-protected form to create a new set', () => {
    const html = page({ recoveryCodesLeft: 7 })
    expect(text(elementById(html, 'recovery-title'))).toBe('Recovery codes : 7 left')
    const form = only(html, 'form', (f) => f.action === `${prefix}/account/recovery-codes`)
    expect(form.method).toBe('post')
    const section = html.slice(html.indexOf('aria-labelledby="recovery-title"'))
    expect(section).toContain('<input type="hidden" name="csrf" value="tok-acct"/>')
    expect(text(section)).toContain('Create new codes')
    expect(text(section)).toContain('Creating new codes stops the old ones from working.')
  })

  it('urges a new set when few or no codes are left, and offers a first set to a user who has none', () => {
    for (const left of [2, 0]) {
      const html = page({ recoveryCodesLeft: left })
      expect(html).toContain(`<span class="pill pill-warn">${left} left</span>`)
      const button = only(html, 'button', (b) => b['aria-describedby'] === 'recovery-hint')
      expect(button.class).toContain('button-primary')
    }
    expect(text(elementById(page({ recoveryCodesLeft: 0 }), 'recovery-hint'))).toContain(
      'used all your codes',
    )
    const none = page({ recoveryCodesLeft: null })
    expect(text(elementById(none, 'recovery-title'))).toBe('Recovery codes : None')
    expect(text(none)).toContain('Create recovery codes')
    expect(text(none)).not.toContain('stops the old ones')
  })

  it('lists trusted devices with where and when, marks this one, and offers revoke and revoke all', () => {
    const devices: AccountDevice[] = [
      {
        id: 'd'.repeat(43),
        label: 'Firefox on Linux',
        firstIp: '203.0.113.7',
        createdAt: added,
        lastUsedAt: added + 3 * day,
        expiresAt: added + 30 * day,
        current: true,
      },
      {
        id: 'e'.repeat(43),
        label: 'Safari on iOS',
        firstIp: '2001:db8::1',
        createdAt: added,
        lastUsedAt: added,
        expiresAt: added + 30 * day,
        current: false,
      },
    ]
    const html = page({ devices })
    expectIdsUniqueAndReferencesResolved(html)
    const rows = html.split('<li class="device">').slice(1)
    expect(text(rows[0] as string)).toContain(
      'Firefox on Linux This device First from 203.0.113.7 Trusted 23 Nov 2026',
    )
    expect(text(rows[1] as string)).not.toContain('This device')
    const revokes = tags(html, 'form').filter((f) => f.action === `${prefix}/account/devices/revoke`)
    expect(revokes).toHaveLength(2)
    expect(
      tags(html, 'input')
        .filter((i) => i.name === 'id')
        .map((i) => i.value),
    ).toContain('d'.repeat(43))
    expect(only(html, 'form', (f) => f.action === `${prefix}/account/devices/revoke-all`).method).toBe('post')
    expect(
      tags(html, 'input')
        .filter((i) => i.name === 'csrf')
        .every((i) => i.value === 'tok-acct'),
    ).toBe(true)
    expect(text(page())).toContain('Trusted devices None.')
    expect(page()).not.toContain('revoke-all')
  })

  it('shows recent activity as a table, newest first as given, refusals marked', () => {
    const history: AccountHistoryEntry[] = [
      {
        at: added + 60_000,
        event: 'second_factor',
        factor: 'totp',
        result: 'wrong_code',
        ip: '198.51.100.4',
        device: 'Chrome on Windows',
      },
      {
        at: added,
        event: 'first_factor',
        factor: 'password',
        result: 'success',
        ip: '198.51.100.4',
        device: 'Chrome on Windows',
      },
    ]
    const html = page({ history })
    const rows = html.split('<tr').slice(2)
    expect(text(`<tr${rows[0]}`)).toBe(
      '23 Nov 2026, 09:45 UTC Second step: authenticator app Wrong code 198.51.100.4 Chrome on Windows',
    )
    expect(rows[0]).toMatch(/^ class="history-refused"/)
    expect(text(`<tr${rows[1]}`)).toContain('Password Success')
    expect(tags(html, 'th').map((th) => th.scope)).toEqual(['col', 'col', 'col', 'col'])
    expect(text(page())).toContain('Recent activity Nothing yet.')
  })

  it('names every factor in words, a YubiKey tap and an enrollment code included', () => {
    const entry = (factor: string): AccountHistoryEntry => ({
      at: added,
      event: 'second_factor',
      factor,
      result: 'success',
      ip: '198.51.100.4',
      device: 'Chrome on Windows',
    })
    const named = (factor: string) => text(page({ history: [entry(factor)] }).split('<tbody')[1]!)
    expect(named('yubico_otp')).toContain('Second step: YubiKey Success')
    expect(named('webauthn')).toContain('Second step: security key Success')
    expect(named('invite')).toContain('Second step: enrollment code Success')
    // An entry an older version wrote with a name this one does not know shows as it was stored.
    expect(named('carrier_pigeon')).toContain('Second step: carrier_pigeon Success')
  })

  describe('dates', () => {
    const tz = process.env.TZ
    afterEach(() => {
      process.env.TZ = tz
    })

    it('are UTC whatever the server time zone', () => {
      // 23:30 UTC on New Year's Eve is already 1 Jan in Kiribati (UTC+14).
      const lateEve = Date.UTC(2026, 11, 31, 23, 30)
      const keys = [{ id: 'AA', name: 'Key', model: null, createdAt: lateEve, lastUsedAt: lateEve }]
      for (const zone of ['UTC', 'Pacific/Kiritimati', 'America/Los_Angeles']) {
        process.env.TZ = zone
        expect(text(keyRows(page({ keys }))[0]!)).toContain('Added 31 Dec 2026 Last used 31 Dec 2026')
      }
    })
  })

  it('gives every key a labelled rename form and a remove form, each with the CSRF token and key id', () => {
    const html = page()
    const rows = keyRows(html)
    expect(rows).toHaveLength(3)
    rows.forEach((row, index) => {
      const key = threeKeys[index]!
      for (const action of ['rename', 'remove']) {
        expect(formsIn(row, action)).toEqual([
          {
            class: action === 'rename' ? 'inline-form' : 'remove-form',
            method: 'post',
            action: expect.any(String),
          },
        ])
      }
      expect(tags(row, 'input').filter((i) => i.type === 'hidden')).toEqual([
        { type: 'hidden', name: 'csrf', value: 'tok-acct' },
        { type: 'hidden', name: 'id', value: key.id },
        { type: 'hidden', name: 'csrf', value: 'tok-acct' },
        { type: 'hidden', name: 'id', value: key.id },
      ])
      const name = only(row, 'input', (a) => a.name === 'name')
      expect(name).toMatchObject({ type: 'text', maxlength: '64' })
      expect(name).toHaveProperty('required')
      // The label names the key, so a screen reader jumping between fields knows which one it renames.
      expect(labelFor(row, name.id!)).toBe(`New name for ${key.name}`)
      const buttons = tags(row, 'button')
      expect(buttons.map((b) => b.type)).toEqual(['submit', 'submit'])
      expect(text(row)).toMatch(/Rename\s+Remove/)
      expect(buttons[1]).not.toHaveProperty('disabled')
    })
    expect(html).not.toContain('id="remove-blocked"')
  })

  it('disables Remove with a reason when the key is the last way in', () => {
    const html = page({ keys: threeKeys.slice(0, 1), hasTotp: false, canRemoveKey: false })
    const remove = only(html, 'button', (a) => (a.class ?? '').includes('button-danger'))
    expect(remove).toHaveProperty('disabled')
    expect(remove['aria-describedby']).toBe('remove-blocked')
    expect(text(elementById(html, 'remove-blocked'))).toContain('You cannot remove your only way to sign in')
    expectIdsUniqueAndReferencesResolved(html)
  })

  it('shows the authenticator app as on or off', () => {
    // The colon is for screen readers only; text() puts a space where its element starts.
    expect(text(elementById(page({ hasTotp: true }), 'app-title'))).toMatch(/^Authenticator app ?: On$/)
    expect(text(elementById(page({ hasTotp: false }), 'app-title'))).toMatch(/^Authenticator app ?: Off$/)
  })

  it('says so when there are no keys, and still offers to add one', () => {
    const html = page({ keys: [] })
    expect(keyRows(html)).toEqual([])
    expect(tags(html, 'form').filter((f) => f.action?.startsWith(`${prefix}/account/keys/`))).toHaveLength(0)
    expect(text(html)).toContain('No security keys yet')
    expectKeyRegistration(html)
  })

  it('offers to add a key with the registration button, name field and status region', () => {
    const html = page()
    expectKeyRegistration(html)
    expect(text(html)).toContain('Add a security key')
  })

  it('announces a notice politely and an error at once, and neither when there is nothing to say', () => {
    const quiet = page()
    expect(
      tags(quiet, 'p')
        .filter((a) => a.role === 'status')
        .map((a) => a.id),
    ).toEqual(['key-status'])
    expect(quiet).not.toContain('role="alert"')

    const html = page({ notice: 'Key renamed.', error: 'That name is too long.' })
    const notice = only(html, 'p', (a) => a.role === 'status' && a.id !== 'key-status')
    expect(notice.class).toContain('banner-success')
    const alert = only(html, 'p', (a) => a.role === 'alert')
    expect(alert.class).toContain('banner-error')
    expect(text(html)).toContain('Key renamed.')
    expect(text(html)).toContain('That name is too long.')
  })

  it('links back to the panel and to sign-out', () => {
    const html = page()
    expect(html).toMatch(/<a [^>]*href="\/"[^>]*>\s*Back to the panel\s*<\/a>/)
    expect(html).toMatch(new RegExp(`<a [^>]*href="${prefix}/logout"[^>]*>\\s*Sign out\\s*</a>`))
  })

  it('escapes key names, models, ids, the username, notice, error and CSRF token', () => {
    const keys = [{ id: evilAttr, name: evilKeyName, model: evil, createdAt: added, lastUsedAt: null }]
    const html = page({
      keys,
      username: evil,
      notice: evil,
      error: evil,
      csrfToken: evilAttr,
      canRemoveKey: false,
    })
    expectDocumentBasics(html, title, { script: true })
    expectIdsUniqueAndReferencesResolved(html)
    expect(tags(html, 'img')).toHaveLength(0)
    expect(html).toContain('&lt;img src=x onerror=alert(1)&gt;')
    expect(text(keyRows(html)[0]!)).toContain(evilKeyName)
    expect(labelFor(html, 'rename-0')).toBe(`New name for ${evilKeyName}`)
    expectCsrfMeta(html, evilAttrEscaped)
    for (const input of tags(html, 'input').filter((i) => i.type === 'hidden')) {
      expect(input.value).toBe(evilAttrEscaped)
    }
    expect(text(html)).toContain(evil)
  })
})

describe("AdminUserPage activity (issue 16: the account page's cards, in words)", () => {
  const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:128.0) Gecko/20100101 Firefox/128.0'
  const html = renderPage(
    <AdminUserPage
      urls={urls}
      csrfToken="tok"
      user="bob"
      hasTotp={true}
      keys={[]}
      yubikeys={1}
      smsNumber={null}
      noFactor={false}
      recoveryCodesLeft={3}
      lockedUntil={null}
      lockedAddresses={[]}
      switchedOff={[]}
      inviteMode={false}
      inviteExpiresAt={null}
      history={[
        {
          at: 0,
          event: 'second_factor',
          factor: 'yubico_otp',
          result: 'too_soon',
          ip: '192.0.2.1',
          userAgent: firefox,
          device: 'Firefox on Linux',
        },
        {
          at: 0,
          event: 'admin',
          result: 'reset',
          ip: '192.0.2.9',
          userAgent: firefox,
          device: 'Firefox on Linux',
          actor: 'alice',
          reason: 'lost phone',
        },
      ]}
    />,
  )

  it('stacks each entry as a card on a phone, as the account page does', () => {
    expect(only(html, 'table', () => true).class).toBe('history history-stackable')
    expect(tags(html, 'td').filter((td) => td['data-label'] === 'By')).toHaveLength(2)
  })

  it('names events, factors and results in words, and the browser and OS, not raw ids or the user agent', () => {
    const words = text(html)
    expect(words).toContain('Second step: YubiKey')
    expect(words).toContain('Too soon')
    expect(words).toContain('By an administrator')
    expect(words).toContain('alice lost phone')
    expect(words).toContain('Firefox on Linux')
    for (const raw of ['yubico_otp', 'second_factor', 'too_soon', 'Gecko/20100101']) {
      expect(words).not.toContain(raw)
    }
    // The whole user agent stays at hand, on hover.
    const devices = tags(html, 'span').filter((a) => a.class === 'history-device' && a.title !== undefined)
    expect(devices.map((a) => a.title)).toEqual([firefox, firefox])
  })
})

describe('MessagePage', () => {
  it('renders title, message and action', () => {
    const html = renderPage(
      <MessagePage
        urls={urls}
        title="Too many attempts"
        message="Try again in 15 minutes."
        tone="error"
        action={{ href: '/', label: 'Back to sign-in' }}
      />,
    )
    expectDocumentBasics(html, 'Too many attempts')
    expect(html).toMatch(/<h1[^>]*>Too many attempts<\/h1>/)
    expect(text(html)).toContain('Try again in 15 minutes.')
    expect(html).toContain('notice-error')
    expect(html).toMatch(/<a [^>]*href="\/"[^>]*>\s*Back to sign-in\s*<\/a>/)
  })

  it('defaults to the info tone and omits the action when none is given', () => {
    const html = renderPage(
      <MessagePage urls={urls} title="Signed out" message="You have been signed out." />,
    )
    expectDocumentBasics(html, 'Signed out')
    expect(html).toContain('notice-info')
    expect(tags(html, 'a')).toHaveLength(0)
  })

  it('escapes every string it is given', () => {
    const html = renderPage(
      <MessagePage
        urls={urls}
        title={evil}
        message={evil}
        tone="warning"
        action={{ href: evilAttr, label: evil }}
      />,
    )
    expectDocumentBasics(html, evil)
    expect(html).toContain('<title>&lt;script&gt;alert(1)&lt;/script&gt; · Sign-in security</title>')
  })
})

describe('SignOutPage', () => {
  it('asks for confirmation with a CSRF-protected POST and a way back', () => {
    const html = renderPage(<SignOutPage urls={urls} csrfToken="tok789" />)
    expectDocumentBasics(html, 'Sign out')
    expect(html).toMatch(/<h1[^>]*>Sign out\?<\/h1>/)
    expect(only(html, 'form', () => true)).toMatchObject({ method: 'post', action: `${prefix}/logout` })
    expectCsrf(html, 'tok789')
    expect(only(html, 'button', (a) => a.type === 'submit')).toBeDefined()
    expect(html).toMatch(/<a [^>]*href="\/"[^>]*>\s*Cancel\s*<\/a>/)
  })

  it('escapes the CSRF token', () => {
    const html = renderPage(<SignOutPage urls={urls} csrfToken={evilAttr} />)
    expectDocumentBasics(html, 'Sign out')
    expectCsrf(html, evilAttrEscaped)
  })
})

describe('FreshRecoveryCodesPage', () => {
  const codes = Array.from({ length: 10 }, (_, i) => `AB${i}C-DEFG-HJKM`)
  const page = (csrfToken = 'tok-codes') =>
    renderPage(<FreshRecoveryCodesPage urls={urls} csrfToken={csrfToken} codes={codes} />)

  it('lists the codes in order, with download, print and a CSRF-protected "saved" button', () => {
    const html = page()
    expectDocumentBasics(html, 'Save your recovery codes', { script: true })
    expectIdsUniqueAndReferencesResolved(html)
    expect([...html.matchAll(/<li><code>([^<]+)<\/code><\/li>/g)].map((m) => m[1])).toEqual(codes)
    expect(only(html, 'ol', () => true)['aria-label']).toBe('Recovery codes')
    expect(only(html, 'a', (a) => a.href === `${prefix}/recovery-codes/download`).download).toBe(
      'recovery-codes.txt',
    )
    // Hidden until the script wires it up: without scripts it would do nothing.
    expect(only(html, 'button', (b) => 'data-print' in b)).toHaveProperty('hidden')
    expect(only(html, 'form', () => true)).toMatchObject({
      method: 'post',
      action: `${prefix}/recovery-codes/saved`,
    })
    expectCsrf(html, 'tok-codes')
    expect(text(html)).toContain('This is the only time they are shown.')
  })

  it('escapes the CSRF token', () => {
    expectCsrf(page(evilAttr), evilAttrEscaped)
  })
})

describe('RecoveryCodeUsedPage', () => {
  it('says how many codes are left and links to the account page and on to the panel', () => {
    const html = renderPage(<RecoveryCodeUsedPage urls={urls} remaining={1} destination="/dashboard" />)
    expectDocumentBasics(html, 'You used a recovery code', { script: false })
    expect(text(html)).toContain('You have 1 recovery code left.')
    expect(only(html, 'a', (a) => a.href === `${prefix}/account`).class).toContain('button-primary')
    expect(only(html, 'a', (a) => a.href === '/dashboard').class).toContain('button-secondary')
    expect(text(renderPage(<RecoveryCodeUsedPage urls={urls} remaining={0} destination="/" />))).toContain(
      'You have 0 recovery codes left.',
    )
  })
})
