import QRCode from 'qrcode'
import { afterEach, beforeAll, describe, expect, it } from 'vitest'
import { type FactorId, factorIds, type Proof } from '../../../gateway/factors/factor-kinds.ts'
import { tapgateUrls } from '../../../gateway/http/tapgate-urls.ts'
import { factorViews } from '../../../gateway/routes/factors/factor-pages.ts'
import type { AccountDevice, AccountHistoryEntry } from '../../../gateway/views/account-activity.tsx'
import { AccountPage } from '../../../gateway/views/account-page.tsx'
import { AdminUserPage } from '../../../gateway/views/admin-page.tsx'
import { AuthenticatorAppPage } from '../../../gateway/views/authenticator-app-page.tsx'
import { EnrollmentPage } from '../../../gateway/views/enrollment-page.tsx'
import type { AccountKey } from '../../../gateway/views/factors/security-keys.tsx'
import { Layout } from '../../../gateway/views/layout.tsx'
import { MessagePage } from '../../../gateway/views/message-page.tsx'
import { FreshRecoveryCodesPage, RecoveryCodeUsedPage } from '../../../gateway/views/recovery-codes-page.tsx'
import { SecondFactorPage } from '../../../gateway/views/second-factor-page.tsx'
import { SignOutPage } from '../../../gateway/views/sign-out-page.tsx'
import type { SmsChallenge } from '../../../gateway/views/sms-method.tsx'
import { historyPageOf } from '../../support/history-page.ts'
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

/** An attribute's value as the browser reads it. */
function decoded(value: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" }
  return value.replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => entities[name]!)
}

/** The buttons web/copy-button.ts wires up: label, the exact text each copies, status region. */
function copyButtons(html: string) {
  return [...html.matchAll(/<button(\s[^>]*\sdata-copy="[^>]*)>([\s\S]*?)<\/button>/g)].map((match) => {
    const attrs = tags(`<button${match[1]}>`, 'button')[0]!
    return {
      label: text(match[2]!),
      copies: decoded(attrs['data-copy']!),
      status: attrs['data-copy-status'],
      hidden: 'hidden' in attrs,
    }
  })
}

/** A copy button's status region: polite, present (empty) from the start, visible only to screen readers. */
function expectCopyStatus(html: string, id: string): void {
  expect(only(html, 'span', (a) => a.id === id)).toEqual({
    class: 'visually-hidden',
    id,
    role: 'status',
    'aria-live': 'polite',
  })
  expect(elementById(html, id)).toMatch(/^<span [^>]*><\/span>$/)
}

/** The page script is the only script, and only pages with a button it wires up load it. */
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
  // A copy button (`data-copy…`) is the only other markup the page script reads.
  const forTheScript = (name: string) => name.startsWith('data-') && !name.startsWith('data-copy')
  expect(allTags(html).filter((a) => Object.keys(a).some(forTheScript))).toEqual([])
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
        views={factorViews}
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
  const keyUri = 'otpauth://totp/tapgate:alice?secret=JBSWY3DPEHPK3PXP&issuer=tapgate'
  let qrSvg = ''
  beforeAll(async () => {
    qrSvg = await QRCode.toString(keyUri, {
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
      yubikeyError?: string
      csrfToken?: string
      securityKeys?: boolean
      yubikey?: boolean
      sms?: boolean
      shown?: FactorId
      skip?: { until: number | null }
    } = {},
  ) => {
    const offered: Record<FactorId, boolean | undefined> = {
      webauthn: props.securityKeys,
      yubico_otp: props.yubikey,
      totp: true,
      sms: props.sms,
    }
    return renderPage(
      <EnrollmentPage
        views={factorViews}
        urls={urls}
        username={props.username ?? 'alice'}
        csrfToken={props.csrfToken ?? 'tok456'}
        qrSvg={qrSvg}
        secret="JBSWY3DPEHPK3PXP"
        keyUri={keyUri}
        issuer={props.issuer ?? 'tapgate'}
        digits={6}
        period={30}
        methods={factorIds.filter((id) => offered[id])}
        refused={
          props.yubikeyError !== undefined ? 'yubico_otp' : props.error !== undefined ? 'totp' : undefined
        }
        error={props.yubikeyError ?? props.error}
        shown={props.shown}
        skip={props.skip}
      />,
    )
  }
  const title = 'Set up two-step verification'
  const every = { securityKeys: true, yubikey: true, sms: true }
  /** What the page shows: the security key, the YubiKey, the app's steps or the text-message number. */
  const shownOn = (html: string): FactorId[] =>
    [
      html.includes('data-webauthn="register"') ? ('webauthn' as const) : null,
      html.includes(`action="${prefix}/enroll/yubikey"`) ? ('yubico_otp' as const) : null,
      html.includes('<ol class="steps">') ? ('totp' as const) : null,
      html.includes(`action="${prefix}/enroll/sms/send"`) ? ('sms' as const) : null,
    ].filter((factor) => factor !== null)
  const waysNav = (html: string) => {
    const nav = /<nav [^>]*>[\s\S]*?<\/nav>/.exec(html)
    expect(nav, 'the "Other ways to set up" nav').not.toBeNull()
    return nav![0]
  }
  const wayLinks = (html: string) => tags(waysNav(html), 'a')

  describe('with the authenticator app only', () => {
    it('is a complete, accessible document with numbered steps and nothing else to choose', () => {
      const html = page()
      expectDocumentBasics(html, title, { script: true })
      expectIdsUniqueAndReferencesResolved(html)
      expectInputsLabelled(html)
      expectNoKeyCeremony(html)
      expect(text(elementById(html, 'code-hint'))).toContain('6-digit code')
      expect(text(html)).toContain(title)
      expect(text(html)).toContain('Protect alice with a code from your phone each time you sign in.')
      expect(tags(html, 'ol')).toHaveLength(1)
      expect(tags(html, 'li')).toHaveLength(3)
      expect(tags(html, 'h2')).toHaveLength(3)
      expect(text(html)).not.toContain('security key')
      expect(tags(html, 'nav')).toHaveLength(0)
      expect(text(html)).not.toContain('Recommended')
    })

    it('shows the QR code as a labelled image and the key for manual entry, in blocks of 4', () => {
      const html = page()
      const qr = only(html, 'div', (a) => a.role === 'img')
      expect(qr['aria-label']).toContain('tapgate')
      expect(html).toMatch(/<div [^>]*role="img"[^>]*><svg /)
      expect(html).toContain(qrSvg.trim())
      expect(text(html)).toContain("Can't scan? Enter this key manually")
      expect(html).toMatch(/<code class="secret">JBSW Y3DP EHPK 3PXP<\/code>/)
      expect(text(html)).toContain('Time-based, 6 digits, every 30 s')
    })

    it('offers "Open in authenticator app", a link to the otpauth URI the QR code holds (issue 16)', () => {
      const html = page()
      const link = only(html, 'a', (a) => (a.href ?? '').startsWith('otpauth:'))
      expect(decoded(link.href!)).toBe(keyUri)
      expect(link.class).toContain('button')
      expect(html).toMatch(/<a [^>]*href="otpauth:[^"]*"[^>]*>\s*Open in authenticator app\s*<\/a>/)
      // Inside the block web/app.css shows only on touch screens, before the QR code it stands in for.
      expect(html).toMatch(/<div class="app-link">(?:(?!<\/div>)[\s\S])*href="otpauth:/)
      expect(html.indexOf('href="otpauth:')).toBeLessThan(html.indexOf('role="img"'))
    })

    it('has "Copy key", hidden until the script finds a clipboard, copying the key without spaces', () => {
      const html = page()
      expect(copyButtons(html)).toEqual([
        { label: 'Copy key', copies: 'JBSWY3DPEHPK3PXP', status: 'key-copied', hidden: true },
      ])
      expectCopyStatus(html, 'key-copied')
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
  })

  describe('with several ways (issue 16: one at a time, the strongest first)', () => {
    it('leads with a security key, recommended, and links every way under "Other ways to set up"', () => {
      const html = page({ ...every, csrfToken: 'tok-reg' })
      expectDocumentBasics(html, title, { script: true })
      expectIdsUniqueAndReferencesResolved(html)
      expectInputsLabelled(html)
      expect(shownOn(html)).toEqual(['webauthn'])
      expectKeyRegistration(html)
      expectCsrfMeta(html, 'tok-reg')
      expect(text(elementById(html, 'security-key'))).toMatch(/^Recommended Use a security key or passkey/)
      expect(text(html)).toContain('Protect alice with a security key or passkey each time you sign in.')
      // No QR code, key or app form until the app is chosen.
      expect(html).not.toContain('class="secret"')
      expect(html).not.toContain('otpauth:')
      expect(tags(html, 'form')).toHaveLength(0)

      const nav = only(html, 'nav', () => true)
      expect(nav).toEqual({ class: 'other-ways', 'aria-label': 'Ways to set up two-step verification' })
      expect(text(waysNav(html))).toMatch(/^Other ways to set up /)
      expect(wayLinks(html).map((a) => a.href)).toEqual([
        `${prefix}/enroll?method=webauthn`,
        `${prefix}/enroll?method=yubico_otp`,
        `${prefix}/enroll?method=totp`,
        `${prefix}/enroll?method=sms`,
      ])
      expect(wayLinks(html).map((a) => a['aria-current'])).toEqual(['page', undefined, undefined, undefined])
      expect(text(waysNav(html))).toContain('Use an authenticator app')
      expect(text(waysNav(html))).toContain('Get codes by text message')
    })

    it('follows the strength order when the key is off: a YubiKey, then the app', () => {
      expect(shownOn(page({ yubikey: true, sms: true }))).toEqual(['yubico_otp'])
      const html = page({ sms: true })
      expect(shownOn(html)).toEqual(['totp'])
      expect(wayLinks(html).map((a) => a.href)).toEqual([
        `${prefix}/enroll?method=totp`,
        `${prefix}/enroll?method=sms`,
      ])
    })

    it.each([
      ['webauthn', true],
      ['yubico_otp', false],
      ['totp', true],
      ['sms', false],
    ] as const)('shows only %s when asked for it, marked current (script: %s)', (shown, script) => {
      const html = page({ ...every, shown })
      expectDocumentBasics(html, title, { script })
      expectIdsUniqueAndReferencesResolved(html)
      expectInputsLabelled(html)
      expect(shownOn(html)).toEqual([shown])
      expectCsrfMeta(html, shown === 'webauthn' ? 'tok456' : null)
      const current = wayLinks(html).filter((a) => a['aria-current'] === 'page')
      expect(current.map((a) => a.href)).toEqual([`${prefix}/enroll?method=${shown}`])
      expect(wayLinks(html)).toHaveLength(4)
      // "Recommended" goes with the strongest way only.
      expect(text(html).includes('Recommended')).toBe(shown === 'webauthn')
    })

    it('shows the app with its steps, the otpauth link and "Copy key" when chosen', () => {
      const html = page({ ...every, shown: 'totp' })
      expectNoKeyCeremony(html)
      expect(only(html, 'form', (f) => f.action === `${prefix}/enroll`).method).toBe('post')
      expectCsrf(html, 'tok456')
      expect(tags(html, 'a').filter((a) => (a.href ?? '').startsWith('otpauth:'))).toHaveLength(1)
      expect(copyButtons(html).map((b) => b.label)).toEqual(['Copy key'])
    })

    it('shows the YubiKey form and the text-message number form, each posted with the CSRF token', () => {
      const yubikey = page({ ...every, shown: 'yubico_otp' })
      expectCsrf(yubikey, 'tok456')
      expect(only(yubikey, 'form', () => true).action).toBe(`${prefix}/enroll/yubikey`)
      expect(labelFor(yubikey, 'yubikey-name')).toBe('Name this YubiKey')
      const sms = page({ ...every, shown: 'sms' })
      expectCsrf(sms, 'tok456')
      expect(only(sms, 'form', () => true).action).toBe(`${prefix}/enroll/sms/send`)
      expect(labelFor(sms, 'sms-phone')).toBe('Mobile number')
    })

    it('ignores a way that is not offered and falls back to the strongest', () => {
      expect(shownOn(page({ securityKeys: true, shown: 'sms' }))).toEqual(['webauthn'])
      expect(shownOn(page({ sms: true, shown: 'yubico_otp' }))).toEqual(['totp'])
    })

    it("keeps a refused form's way on the page, whatever was asked for", () => {
      const app = page({ ...every, shown: 'sms', error: 'That code did not match.' })
      expect(shownOn(app)).toEqual(['totp'])
      expect(text(elementById(app, 'code-error'))).toBe('That code did not match.')
      const yubikey = page({ ...every, yubikeyError: 'That YubiKey is already registered.' })
      expect(shownOn(yubikey)).toEqual(['yubico_otp'])
      expect(text(elementById(yubikey, 'yubikey-otp-error'))).toBe('That YubiKey is already registered.')
      expect(only(yubikey, 'input', (i) => i.name === 'otp')).toHaveProperty('autofocus')
      expectIdsUniqueAndReferencesResolved(yubikey)
    })

    it('keeps "Skip for now" and the grace banner below any way', () => {
      for (const shown of ['webauthn', 'totp'] as const) {
        const html = page({ ...every, shown, skip: { until: Date.UTC(2027, 0, 31) } })
        expect(only(html, 'form', (f) => f.action === `${prefix}/enroll/skip`).method).toBe('post')
        expect(text(html)).toContain('Two-step verification becomes required on')
        expect(html.indexOf('</nav>')).toBeLessThan(html.indexOf(`action="${prefix}/enroll/skip"`))
      }
    })
  })

  it('escapes the username, issuer, error and CSRF token', () => {
    for (const securityKeys of [false, true]) {
      const shown = securityKeys ? 'webauthn' : 'totp'
      const html = page({ username: evil, issuer: evil, csrfToken: evilAttr, securityKeys, shown })
      expectDocumentBasics(html, title, { script: true })
      expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
      expectCsrfMeta(html, securityKeys ? evilAttrEscaped : null)
    }
    const refused = page({
      username: evil,
      issuer: evil,
      error: evil,
      csrfToken: evilAttr,
      securityKeys: true,
    })
    expect(text(elementById(refused, 'code-error'))).toBe(evil)
    expectCsrf(refused, evilAttrEscaped)
  })
})

describe('AuthenticatorAppPage', () => {
  const keyUri = 'otpauth://totp/Demo%20Panel:bob?secret=JBSWY3DPEHPK3PXP&issuer=Demo%20Panel'
  const page = (replacing: boolean) =>
    renderPage(
      <AuthenticatorAppPage
        urls={urls}
        username="bob"
        csrfToken="tok-app"
        qrSvg="<svg></svg>"
        secret="JBSWY3DPEHPK3PXP"
        keyUri={keyUri}
        issuer="Demo Panel"
        digits={6}
        period={30}
        replacing={replacing}
      />,
    )

  it('has the same phone link and "Copy key" as enrollment, with the script that shows the button', () => {
    for (const replacing of [false, true]) {
      const html = page(replacing)
      expectDocumentBasics(
        html,
        replacing ? 'Move to a new authenticator app' : 'Set up an authenticator app',
        {
          script: true,
        },
      )
      expectIdsUniqueAndReferencesResolved(html)
      expectCsrfMeta(html, null)
      expect(decoded(only(html, 'a', (a) => (a.href ?? '').startsWith('otpauth:')).href!)).toBe(keyUri)
      expect(copyButtons(html)).toEqual([
        { label: 'Copy key', copies: 'JBSWY3DPEHPK3PXP', status: 'key-copied', hidden: true },
      ])
      expect(only(html, 'form', () => true)).toMatchObject({
        method: 'post',
        action: `${prefix}/account/app`,
      })
      expectCsrf(html, 'tok-app')
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
      notice?: string
      error?: string
      username?: string
      csrfToken?: string
    } = {},
  ) => {
    const keys = props.keys ?? threeKeys
    const hasTotp = props.hasTotp ?? true
    return renderPage(
      <AccountPage
        views={factorViews}
        urls={urls}
        username={props.username ?? 'alice'}
        csrfToken={props.csrfToken ?? 'tok-acct'}
        factors={[]}
        sections={{ webauthn: keys, totp: hasTotp }}
        ways={{ webauthn: keys.length, yubico_otp: 0, totp: hasTotp ? 1 : 0, sms: 0 }}
        recoveryCodesLeft={props.recoveryCodesLeft === undefined ? 10 : props.recoveryCodesLeft}
        devices={props.devices ?? []}
        history={historyPageOf(props.history ?? [])}
        notice={props.notice}
        error={props.error}
      />,
    )
  }
  const title = 'Your account'

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
    const html = page({ keys: threeKeys.slice(0, 1), hasTotp: false })
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
      hasTotp: false,
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
      factors={[
        { id: 'totp', title: 'Authenticator app', shown: 'On', on: true },
        { id: 'yubico_otp', title: 'YubiKeys', shown: '1', on: true },
      ]}
      keys={[]}
      noFactor={false}
      recoveryCodesLeft={3}
      lockedUntil={null}
      lockedAddresses={[]}
      switchedOff={[]}
      inviteMode={false}
      inviteExpiresAt={null}
      history={historyPageOf([
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
      ])}
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
    expect(html.indexOf('data-print')).toBeGreaterThan(html.indexOf('</ol>'))
    expect(only(html, 'form', () => true)).toMatchObject({
      method: 'post',
      action: `${prefix}/recovery-codes/saved`,
    })
    expectCsrf(html, 'tok-codes')
    expect(text(html)).toContain('This is the only time they are shown.')
  })

  it('has "Copy codes", hidden until the script finds a clipboard, copying the codes one a line', () => {
    const html = page()
    expect(copyButtons(html)).toEqual([
      { label: 'Copy codes', copies: codes.join('\n'), status: 'codes-copied', hidden: true },
    ])
    expectCopyStatus(html, 'codes-copied')
    expect(html).toMatch(/<div class="button-row no-print">(?:(?!<\/div>)[\s\S])*data-copy=/)
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
