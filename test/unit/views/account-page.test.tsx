import { describe, expect, it } from 'vitest'
import type { FactorStanding } from '../../../gateway/factors/factor-standing.ts'
import { tapgateUrls } from '../../../gateway/http/tapgate-urls.ts'
import { factorViews } from '../../../gateway/routes/factors/factor-pages.ts'
import type { AccountDevice, AccountHistoryEntry } from '../../../gateway/views/account-activity.tsx'
import { AccountPage, type AccountPageProps } from '../../../gateway/views/account-page.tsx'
import { AdminSearchPage, AdminUserPage } from '../../../gateway/views/admin-page.tsx'
import type { AccountKey } from '../../../gateway/views/factors/security-keys.tsx'
import { historyPageOf } from '../../support/history-page.ts'
import { renderPage } from '../../support/render-page.ts'

/**
 * Issue 16, "Account page compact": a summary first, forms to add a way in folded until asked for,
 * one history row per sign-in, times in the browser's zone (UTC on hover) and the history in pages.
 * The account page's other features are checked in pages.test.tsx.
 */
const prefix = '/_tapgate'
const urls = tapgateUrls(prefix)
const minute = 60_000
const added = Date.UTC(2026, 10, 23, 9, 44)
const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'

type Attrs = Record<string, string>

/** Attributes of every `<tag …>` in the markup. */
function tags(html: string, tag: string): Attrs[] {
  return [...html.matchAll(new RegExp(`<${tag}(\\s[^>]*)?>`, 'gi'))].map((match) => {
    const attrs: Attrs = {}
    for (const attr of (match[1] ?? '').matchAll(/([^\s="'/>]+)(?:="([^"]*)")?/g)) {
      attrs[attr[1]!.toLowerCase()] = attr[2] ?? ''
    }
    return attrs
  })
}

/** Visible text, entities decoded and whitespace collapsed. */
function text(html: string): string {
  const entities: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', '#39': "'" }
  return html
    .replace(/<[^>]*>/g, ' ')
    .replace(/&(amp|lt|gt|quot|#39);/g, (_, name: string) => entities[name]!)
    .replace(/\s+/g, ' ')
    .trim()
}

/** The markup of each `<details>`, open or not, in order. */
function disclosures(html: string): { open: boolean; summary: string; body: string }[] {
  return [...html.matchAll(/<details(\s[^>]*)?>([\s\S]*?)<\/details>/g)].map((match) => ({
    open: /\sopen(=|\s|$)/.test(match[1] ?? ''),
    summary: text(/<summary>([\s\S]*?)<\/summary>/.exec(match[2]!)?.[1] ?? ''),
    body: match[2]!,
  }))
}

/** The text of each list item of the summary. */
function summaryItems(html: string): { text: string; href: string; pill: string }[] {
  const summary = /<ul class="summary-list">([\s\S]*?)<\/ul>/.exec(html)?.[1] ?? ''
  return [...summary.matchAll(/<li>([\s\S]*?)<\/li>/g)].map((match) => ({
    text: text(match[1]!),
    href: tags(match[1]!, 'a')[0]?.href ?? '',
    pill: tags(match[1]!, 'span').find((span) => span.class?.startsWith('pill'))?.class ?? '',
  }))
}

/** Each history row's text, in order. */
function historyRows(html: string): string[] {
  const body = /<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? ''
  return [...body.matchAll(/<tr(\s[^>]*)?>([\s\S]*?)<\/tr>/g)].map((match) => text(match[2]!))
}

const key = (name: string): AccountKey => ({
  id: `id-${name}`,
  name,
  model: null,
  createdAt: added,
  lastUsedAt: null,
})
const device = (index: number): AccountDevice => ({
  id: String(index).repeat(43),
  label: 'Firefox on Linux',
  firstIp: '203.0.113.7',
  createdAt: added,
  lastUsedAt: added,
  expiresAt: added + 30 * 24 * 60 * minute,
  current: index === 0,
})

const twoKeysAndApp: AccountPageProps['sections'] = {
  webauthn: [key('Blue key'), key('Spare key')],
  totp: true,
}

function page(props: Partial<AccountPageProps> = {}, history: AccountHistoryEntry[] = []): string {
  return renderPage(
    <AccountPage
      views={factorViews}
      urls={urls}
      username="alice"
      csrfToken="tok"
      factors={[
        { id: 'webauthn', title: 'Security keys', shown: '2', on: true },
        { id: 'totp', title: 'Authenticator app', shown: 'On', on: true },
      ]}
      sections={twoKeysAndApp}
      ways={{ webauthn: 2, yubico_otp: 0, totp: 1, sms: 0 }}
      recoveryCodesLeft={8}
      devices={[device(0)]}
      history={historyPageOf(history)}
      {...props}
    />,
  )
}

/** A history entry `minutes` after `added`, from one address and browser. */
function entry(minutes: number, event: string, result: string, factor?: string): AccountHistoryEntry {
  return {
    at: added + minutes * minute,
    event,
    result,
    ip: '198.51.100.4',
    userAgent: firefox,
    device: 'Firefox on Linux',
    ...(factor === undefined ? {} : { factor }),
  }
}

describe('the account summary', () => {
  const everyFactor: FactorStanding[] = [
    { id: 'webauthn', title: 'Security keys', shown: '2', on: true },
    { id: 'yubico_otp', title: 'YubiKeys', shown: '1', on: true },
    { id: 'totp', title: 'Authenticator app', shown: 'On', on: true },
    { id: 'sms', title: 'Text messages', shown: '+44 •••• ••23', on: true },
  ]

  it('comes first: each way in with its count, the recovery codes left and the trusted devices', () => {
    const html = page({
      factors: everyFactor,
      sections: {
        ...twoKeysAndApp,
        yubico_otp: [{ publicId: 'cccccccccccb', name: 'Desk', createdAt: added, lastUsedAt: null }],
        sms: { maskedNumber: '+44 •••• ••23', addedAt: added, lastUsedAt: null, fallbackOnly: false },
      },
      devices: [device(0), device(1)],
    })
    expect(html.indexOf('class="summary-list"')).toBeLessThan(html.indexOf('id="keys-title"'))
    expect(summaryItems(html)).toEqual([
      { text: 'Security keys : 2', href: '#security-keys', pill: 'pill pill-on' },
      { text: 'YubiKeys : 1', href: '#yubikeys', pill: 'pill pill-on' },
      { text: 'Authenticator app : On', href: '#authenticator-app', pill: 'pill pill-on' },
      { text: 'Text messages : +44 •••• ••23', href: '#text-messages', pill: 'pill pill-on' },
      { text: 'Recovery codes : 8 left', href: '#recovery-codes', pill: 'pill pill-on' },
      { text: 'Trusted devices : 2', href: '#trusted-devices', pill: 'pill' },
    ])
  })

  it('links every item to a section of the page', () => {
    const html = page({
      factors: everyFactor,
      sections: {
        ...twoKeysAndApp,
        yubico_otp: [],
        sms: { maskedNumber: null, addedAt: null, lastUsedAt: null, fallbackOnly: false },
      },
    })
    const ids = tags(html, '[a-z]+').map((attrs) => attrs.id)
    const anchors = tags(html, 'a').filter((a) => a.href?.startsWith('#'))
    expect(anchors.length).toBeGreaterThanOrEqual(6)
    for (const anchor of anchors) expect(ids, anchor.href).toContain(anchor.href!.slice(1))
  })

  it('says what is off or missing, without the pill of a way in', () => {
    const html = page({
      factors: [
        { id: 'webauthn', title: 'Security keys', shown: 'None', on: false },
        { id: 'totp', title: 'Authenticator app', shown: 'Off', on: false },
      ],
      sections: { webauthn: [], totp: false },
      ways: { webauthn: 0, yubico_otp: 0, totp: 0, sms: 0 },
      recoveryCodesLeft: null,
      devices: [],
    })
    expect(summaryItems(html).map((item) => item.text)).toEqual([
      'Security keys : None',
      'Authenticator app : Off',
      'Recovery codes : None',
      'Trusted devices : None',
    ])
    expect(summaryItems(html).every((item) => item.pill === 'pill')).toBe(true)
  })

  it.each([
    [10, 'pill pill-on'],
    [4, 'pill pill-on'],
    [3, 'pill pill-warn'],
    [1, 'pill pill-warn'],
    [0, 'pill pill-warn'],
  ])('warns when %i recovery codes are left: %s, as the section does', (left, pill) => {
    const html = page({ recoveryCodesLeft: left })
    const item = summaryItems(html).find((i) => i.href === '#recovery-codes')
    expect(item).toEqual({ text: `Recovery codes : ${left} left`, href: '#recovery-codes', pill })
    expect(html).toContain(`<span class="${pill}">${left} left</span></h2>`)
  })
})

describe('the forms to add a way in', () => {
  const sections = {
    ...twoKeysAndApp,
    yubico_otp: [{ publicId: 'cccccccccccb', name: 'Desk', createdAt: added, lastUsedAt: null }],
  }

  it('are folded until asked for, in <details> that work without a script', () => {
    const folded = disclosures(page({ sections }))
    expect(folded.map(({ open, summary }) => ({ open, summary }))).toEqual([
      { open: false, summary: 'Add a security key' },
      { open: false, summary: 'Add a YubiKey' },
    ])
    // The key script's button and its status region are inside, not hidden from it.
    expect(folded[0]!.body).toContain('data-webauthn="register"')
    expect(folded[0]!.body).toContain('id="key-status"')
    expect(folded[1]!.body).toContain(`action="${prefix}/account/yubikeys/add"`)
  })

  it('open the YubiKey form with a refused tap, the message at its field, not in the banner', () => {
    const message = 'That YubiKey code was not accepted. Touch the key again.'
    const html = page({ sections, refused: { factor: 'yubico_otp', error: message } })
    const [addKey, addYubikey] = disclosures(html)
    expect(addKey!.open).toBe(false)
    expect(addYubikey!.open).toBe(true)
    expect(text(addYubikey!.body)).toContain(message)
    const field = tags(addYubikey!.body, 'input').find((input) => input.name === 'otp')
    expect(field).toMatchObject({ 'aria-invalid': 'true', autofocus: '' })
    expect(field!['aria-describedby']).toContain('yubikey-otp-error')
    expect(html).toContain('id="yubikey-otp-error" role="alert"')
    expect(html).not.toContain('banner-error')
  })

  it('leave a refusal of another form in the banner, every form folded', () => {
    const html = page({ sections, error: 'That key is not registered.' })
    expect(disclosures(html).map((d) => d.open)).toEqual([false, false])
    expect(html).toContain('banner-error')
  })
})

describe('the history', () => {
  it('shows a password and the second step that completed it as one row, refusals as their own', () => {
    const html = page({}, [
      entry(2, 'second_factor', 'success', 'webauthn'),
      entry(1, 'second_factor', 'wrong_code', 'totp'),
      entry(0, 'first_factor', 'success', 'password'),
      entry(-10, 'first_factor', 'wrong_password', 'password'),
    ])
    expect(historyRows(html)).toEqual([
      '23 Nov 2026, 09:46 UTC Signed in with a security key Password 2 minutes before Success 198.51.100.4 Firefox on Linux',
      '23 Nov 2026, 09:45 UTC Second step: authenticator app Wrong code 198.51.100.4 Firefox on Linux',
      '23 Nov 2026, 09:34 UTC Password Wrong password 198.51.100.4 Firefox on Linux',
    ])
    expect(
      tags(html, 'tr')
        .slice(1)
        .map((tr) => tr.class),
    ).toEqual(['history-sign-in', 'history-refused', 'history-refused'])
  })

  it.each([
    ['trusted_device', 'Signed in on a trusted device'],
    ['recovery_code', 'Signed in with a recovery code'],
    ['totp', 'Signed in with an authenticator app'],
    ['yubico_otp', 'Signed in with a YubiKey'],
    ['sms', 'Signed in with a text message'],
    ['exempt', 'Signed in (no second step for this account)'],
    ['enrollment_skipped', 'Signed in (set-up skipped for now)'],
    ['carrier_pigeon', 'Signed in with a carrier_pigeon'],
  ])('names a sign-in completed by %s in words', (factor, words) => {
    const html = page({}, [entry(0, 'second_factor', 'success', factor), entry(0, 'first_factor', 'success')])
    expect(historyRows(html)).toEqual([
      `23 Nov 2026, 09:44 UTC ${words} Password under a minute before Success 198.51.100.4 Firefox on Linux`,
    ])
  })

  it('shows a passkey sign-in (the passkey stood for the password) as one row, without a password step', () => {
    const html = page({}, [
      entry(0, 'second_factor', 'success', 'passkey'),
      entry(0, 'first_factor', 'success', 'passkey'),
    ])
    expect(historyRows(html)).toEqual([
      '23 Nov 2026, 09:44 UTC Signed in with a passkey Success 198.51.100.4 Firefox on Linux',
    ])
  })

  it('sends times in UTC, with the UTC in the title and a mark for the local-time script', () => {
    const html = page({}, [entry(0, 'first_factor', 'wrong_password')])
    expect(html).toContain(
      '<time datetime="2026-11-23T09:44:00.000Z" title="23 Nov 2026, 09:44 UTC" data-local-time="">23 Nov 2026, 09:44 UTC</time>',
    )
    // A date alone (a key's "Added") is a day, not a moment: it stays as it is.
    expect(html).toContain('<time datetime="2026-11-23T09:44:00.000Z">23 Nov 2026</time>')
    // The page loads the script that rewrites them.
    expect(tags(html, 'script')).toEqual([{ type: 'module', src: `${prefix}/assets/app.js` }])
  })

  /** 25 refused passwords, a minute apart, newest first: three pages. */
  const many = Array.from({ length: 25 }, (_, index) => entry(25 - index, 'first_factor', 'wrong_password'))

  it('shows ten rows a page, no pager when they fit on one', () => {
    expect(html(1)).toContain('Page 1 of 3')
    expect(historyRows(html(1))).toHaveLength(10)
    expect(historyRows(html(3))).toHaveLength(5)
    const one = page({}, many.slice(0, 10))
    expect(historyRows(one)).toHaveLength(10)
    expect(one).not.toContain('class="pager"')

    function html(at: number) {
      return renderPage(
        <AccountPage
          views={factorViews}
          urls={urls}
          username="alice"
          csrfToken="tok"
          factors={[]}
          sections={{ webauthn: [], totp: true }}
          ways={{ webauthn: 0, yubico_otp: 0, totp: 1, sms: 0 }}
          recoveryCodesLeft={8}
          devices={[]}
          history={historyPageOf(many, at)}
        />,
      )
    }
  })

  it.each([
    [1, [{ text: 'Older', href: `${prefix}/account?page=2#activity`, rel: 'next' }]],
    [
      2,
      [
        { text: 'Newer', href: `${prefix}/account#activity`, rel: 'prev' },
        { text: 'Older', href: `${prefix}/account?page=3#activity`, rel: 'next' },
      ],
    ],
    [3, [{ text: 'Newer', href: `${prefix}/account?page=2#activity`, rel: 'prev' }]],
  ])('on page %i links to the newer and older pages that exist', (at, links) => {
    const html = page({ history: historyPageOf(many, at) })
    const pager = /<nav class="pager"[^>]*>([\s\S]*?)<\/nav>/.exec(html)?.[1] ?? ''
    expect(tags(html, 'nav').filter((nav) => nav.class === 'pager')).toEqual([
      { class: 'pager', 'aria-label': 'Activity pages' },
    ])
    const found = [...pager.matchAll(/<a([^>]*)>([\s\S]*?)<\/a>/g)].map((match) => {
      const { href, rel } = tags(`<a${match[1]}>`, 'a')[0]!
      return { text: text(match[2]!), href, rel }
    })
    expect(found).toEqual(links)
    expect(text(pager)).toContain(`Page ${at} of 3`)
    // The section the links return to.
    expect(html).toMatch(/<section class="section" id="activity" aria-labelledby="history-title">/)
  })
})

describe('the admin pages (the same history and times)', () => {
  const user = (history: AccountHistoryEntry[], at = 1) =>
    renderPage(
      <AdminUserPage
        urls={urls}
        csrfToken="tok"
        user="bob smith"
        factors={[
          { id: 'totp', title: 'Authenticator app', shown: 'On', on: true },
          { id: 'yubico_otp', title: 'YubiKeys', shown: 'None', on: false },
        ]}
        keys={[]}
        noFactor={false}
        recoveryCodesLeft={3}
        lockedUntil={added}
        lockedAddresses={[]}
        switchedOff={[]}
        inviteMode={false}
        inviteExpiresAt={null}
        history={historyPageOf(history, at)}
      />,
    )

  it("show a user's sign-in as one row, with an empty By, and load the local-time script", () => {
    const html = user([entry(1, 'second_factor', 'success', 'totp'), entry(0, 'first_factor', 'success')])
    expect(historyRows(html)).toEqual([
      '23 Nov 2026, 09:45 UTC Signed in with an authenticator app Password 1 minute before Success 198.51.100.4 Firefox on Linux',
    ])
    expect(tags(html, 'td').filter((td) => td['data-label'] === 'By')).toHaveLength(1)
    expect(tags(html, 'script')).toEqual([{ type: 'module', src: `${prefix}/assets/app.js` }])
    // The lockout's end is a time too.
    expect(html).toContain('title="23 Nov 2026, 09:44 UTC" data-local-time=""')
  })

  it("page the user's history on their own page", () => {
    const many = Array.from({ length: 12 }, (_, index) => entry(-index, 'first_factor', 'wrong_password'))
    const html = user(many, 2)
    expect(historyRows(html)).toHaveLength(2)
    expect(tags(html, 'a').find((a) => a.rel === 'prev')?.href).toBe(
      `${prefix}/admin/users/bob%20smith#activity`,
    )
  })

  it('load the script on the search page, whose locked addresses have times', () => {
    const html = renderPage(
      <AdminSearchPage
        urls={urls}
        csrfToken="tok"
        query=""
        users={[]}
        truncated={false}
        lockedAddresses={[{ block: '198.51.100.1', until: added }]}
      />,
    )
    expect(tags(html, 'script')).toHaveLength(1)
    expect(html).toContain('data-local-time=""')
  })
})
