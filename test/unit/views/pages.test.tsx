import QRCode from 'qrcode'
import { beforeAll, describe, expect, it } from 'vitest'
import { MessagePage } from '../../../gateway/views/message-page.tsx'
import { SignOutPage } from '../../../gateway/views/sign-out-page.tsx'
import { TotpChallengePage } from '../../../gateway/views/totp-challenge-page.tsx'
import { TotpEnrollmentPage } from '../../../gateway/views/totp-enrollment-page.tsx'
import { renderPage } from '../../support/render-page.ts'

const prefix = '/_tapgate'
const evil = '<script>alert(1)</script>'
const evilAttr = '"><script>alert(1)</script>'

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

function expectDocumentBasics(html: string, title: string): void {
  expect(html.startsWith('<!doctype html>')).toBe(true)
  expect(html).toMatch(/<html lang="en">/)
  expect(html).toMatch(/<meta charset="utf-8"\/?>/)
  expect(only(html, 'meta', (a) => a.name === 'viewport').content).toContain('width=device-width')
  expect(only(html, 'meta', (a) => a.name === 'referrer').content).toBe('same-origin')
  expect(only(html, 'link', (a) => a.rel === 'stylesheet').href).toBe(`${prefix}/assets/app.css`)
  expect(html).toContain(`<title>${title} · Sign-in security</title>`)
  expect(tags(html, 'main')).toHaveLength(1)
  expect(tags(html, 'header')).toHaveLength(1)
  expect(tags(html, 'footer')).toHaveLength(1)
  expect(tags(html, 'h1')).toHaveLength(1)
  expect(text(html)).toContain('Protected by tapgate')
  // The CSP allows neither inline styles nor scripts of any kind.
  expect(html).not.toMatch(/\sstyle=/i)
  expect(html).not.toMatch(/<script/i)
  expect(html).not.toMatch(/<style/i)
  expect(html).not.toMatch(/\son[a-z]+=/i)
}

function expectIdsUniqueAndReferencesResolved(html: string): void {
  const ids = [...html.matchAll(/\sid="([^"]+)"/g)].map((m) => m[1]!)
  expect(new Set(ids).size).toBe(ids.length)
  for (const attrs of tags(html, 'input')) {
    for (const ref of (attrs['aria-describedby'] ?? '').split(/\s+/).filter(Boolean)) {
      expect(ids, `aria-describedby target #${ref}`).toContain(ref)
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

function expectCodeInput(html: string, digits: number): Attrs {
  const input = only(html, 'input', (a) => a.name === 'code')
  expect(input).toMatchObject({
    id: 'code',
    type: 'text',
    autocomplete: 'one-time-code',
    inputmode: 'numeric',
    pattern: '[0-9]*',
    maxlength: String(digits),
  })
  expect(input).toHaveProperty('required')
  return input
}

function expectCsrf(html: string, token: string): void {
  const csrf = only(html, 'input', (a) => a.name === 'csrf')
  expect(csrf.type).toBe('hidden')
  expect(csrf.value).toBe(token)
}

describe('Layout', () => {
  it('leaves the doctype to the caller, which routes prepend exactly once', () => {
    const page = <SignOutPage prefix={prefix} csrfToken="t" />
    expect(String(page)).toMatch(/^<html lang="en">/)
    expect(renderPage(page).match(/<!doctype/gi)).toHaveLength(1)
  })
})

describe('TotpChallengePage', () => {
  const page = (props: { username?: string; error?: string; digits?: number; csrfToken?: string } = {}) =>
    renderPage(
      <TotpChallengePage
        prefix={prefix}
        username={props.username ?? 'alice'}
        csrfToken={props.csrfToken ?? 'tok123'}
        digits={props.digits ?? 6}
        error={props.error}
      />,
    )

  it('is a complete, accessible document', () => {
    const html = page()
    expectDocumentBasics(html, 'Enter your authentication code')
    expectIdsUniqueAndReferencesResolved(html)
    expectInputsLabelled(html)
    expect(text(html)).toContain('Enter your authentication code')
    expect(text(html)).toContain('Signing in as alice')
  })

  it('posts the code with the CSRF token to the 2fa route', () => {
    const html = page()
    expect(only(html, 'form', () => true)).toMatchObject({ method: 'post', action: `${prefix}/2fa` })
    expectCsrf(html, 'tok123')
    const input = expectCodeInput(html, 6)
    expect(input).toHaveProperty('autofocus')
    expect(input['aria-describedby']).toBe('code-hint')
    expect(input).not.toHaveProperty('aria-invalid')
    expect(text(elementById(html, 'code-hint'))).toContain('enter the 6-digit code for this account')
    expect(text(html)).toContain('Google Authenticator')
    expect(only(html, 'button', (a) => a.type === 'submit')).toBeDefined()
    expect(text(html)).toContain('Verify')
  })

  it('links "Use a different account" to the sign-out confirmation', () => {
    const html = page()
    expect(html).toMatch(new RegExp(`<a [^>]*href="${prefix}/logout"[^>]*>\\s*Use a different account`))
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
    expect(input['aria-describedby']!.split(' ')).toEqual(expect.arrayContaining(['code-error', 'code-hint']))
    expect(input['aria-invalid']).toBe('true')
    expectIdsUniqueAndReferencesResolved(html)
  })

  it('escapes the username, the error and the CSRF token', () => {
    const html = page({ username: evil, error: evil, csrfToken: evilAttr })
    expectDocumentBasics(html, 'Enter your authentication code')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expect(text(html)).toContain(`Signing in as ${evil}`)
    expectCsrf(html, '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})

describe('TotpEnrollmentPage', () => {
  let qrSvg = ''
  beforeAll(async () => {
    qrSvg = await QRCode.toString('otpauth://totp/tapgate:alice?secret=JBSWY3DPEHPK3PXP&issuer=tapgate', {
      type: 'svg',
      errorCorrectionLevel: 'M',
      margin: 2,
      width: 240,
    })
  })

  const page = (props: { username?: string; issuer?: string; error?: string; csrfToken?: string } = {}) =>
    renderPage(
      <TotpEnrollmentPage
        prefix={prefix}
        username={props.username ?? 'alice'}
        csrfToken={props.csrfToken ?? 'tok456'}
        qrSvg={qrSvg}
        secret="JBSWY3DPEHPK3PXP"
        issuer={props.issuer ?? 'tapgate'}
        digits={6}
        period={30}
        error={props.error}
      />,
    )

  it('is a complete, accessible document with numbered steps', () => {
    const html = page()
    expectDocumentBasics(html, 'Set up two-step verification')
    expectIdsUniqueAndReferencesResolved(html)
    expectInputsLabelled(html)
    expect(text(elementById(html, 'code-hint'))).toContain('6-digit code')
    expect(text(html)).toContain('Set up two-step verification')
    expect(tags(html, 'ol')).toHaveLength(1)
    expect(tags(html, 'li')).toHaveLength(3)
    expect(tags(html, 'h2')).toHaveLength(3)
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

  it('escapes the username, issuer, error and CSRF token', () => {
    const html = page({ username: evil, issuer: evil, error: evil, csrfToken: evilAttr })
    expectDocumentBasics(html, 'Set up two-step verification')
    expect(html).toContain('&lt;script&gt;alert(1)&lt;/script&gt;')
    expectCsrf(html, '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})

describe('MessagePage', () => {
  it('renders title, message and action', () => {
    const html = renderPage(
      <MessagePage
        prefix={prefix}
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
      <MessagePage prefix={prefix} title="Signed out" message="You have been signed out." />,
    )
    expectDocumentBasics(html, 'Signed out')
    expect(html).toContain('notice-info')
    expect(tags(html, 'a')).toHaveLength(0)
  })

  it('escapes every string it is given', () => {
    const html = renderPage(
      <MessagePage
        prefix={prefix}
        title={evil}
        message={evil}
        tone="warning"
        action={{ href: evilAttr, label: evil }}
      />,
    )
    expectDocumentBasics(html, '&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})

describe('SignOutPage', () => {
  it('asks for confirmation with a CSRF-protected POST and a way back', () => {
    const html = renderPage(<SignOutPage prefix={prefix} csrfToken="tok789" />)
    expectDocumentBasics(html, 'Sign out')
    expect(html).toMatch(/<h1[^>]*>Sign out\?<\/h1>/)
    expect(only(html, 'form', () => true)).toMatchObject({ method: 'post', action: `${prefix}/logout` })
    expectCsrf(html, 'tok789')
    expect(only(html, 'button', (a) => a.type === 'submit')).toBeDefined()
    expect(html).toMatch(/<a [^>]*href="\/"[^>]*>\s*Cancel\s*<\/a>/)
  })

  it('escapes the CSRF token', () => {
    const html = renderPage(<SignOutPage prefix={prefix} csrfToken={evilAttr} />)
    expectDocumentBasics(html, 'Sign out')
    expectCsrf(html, '&quot;&gt;&lt;script&gt;alert(1)&lt;/script&gt;')
  })
})
