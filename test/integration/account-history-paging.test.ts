import { describe, expect, it } from 'vitest'
import { BrowserClient } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { enrollTotp } from '../support/sign-in.ts'
import { visible } from '../support/visible-text.ts'

/**
 * The history on the account and admin pages, a page at a time, through the whole gateway (issue 16,
 * "Account page compact"): a sign-in is one row, ten rows a page, and `?page=` is read strictly but
 * never refused: anything but a page number shows the first page, a number past the end the last.
 */
const demo = useDemoGateway({ config: () => ({ admins: ['demo'] }) })

const rowsOf = (html: string) => (/<tbody>([\s\S]*?)<\/tbody>/.exec(html)?.[1] ?? '').split('<tr').length - 1

/**
 * `demo` signed in (an app enrolled on the way: a set-up and one sign-in row), then 20 refused
 * passwords recorded after it: 22 rows, three pages, the sign-in on the last.
 */
async function userWithLongHistory(): Promise<BrowserClient> {
  const browser = new BrowserClient(demo.gateway.url)
  await enrollTotp(browser, demo.gateway.clock)
  const origin = { ip: '198.51.100.7', userAgent: 'curl/8.5.0' }
  for (let attempt = 0; attempt < 20; attempt++) {
    demo.gateway.clock.advance(1_000)
    await demo.gateway.services.history.record('demo', origin, {
      event: 'first_factor',
      factor: 'password',
      result: 'wrong_password',
    })
  }
  return browser
}

async function pageAt(browser: BrowserClient, path: string): Promise<string> {
  const response = await browser.get(path)
  expect(response.status, path).toBe(200)
  return response.text()
}

describe('the history, a page at a time', () => {
  it('shows ten rows a page with links to older and newer ones, the sign-in as one row on the last', async () => {
    const browser = await userWithLongHistory()
    const first = await pageAt(browser, '/_tapgate/account')
    expect(rowsOf(first)).toBe(10)
    expect(visible(first)).toContain('Page 1 of 3')
    expect(first).toContain('href="/_tapgate/account?page=2#activity" rel="next"')
    expect(first).not.toContain('rel="prev"')

    const last = await pageAt(browser, '/_tapgate/account?page=3')
    expect(rowsOf(last)).toBe(2)
    expect(last).toContain('href="/_tapgate/account?page=2#activity" rel="prev"')
    expect(last).not.toContain('rel="next"')
    // Newest first: the password, the set-up and the app's first code of the enrollment, in two rows.
    expect(visible(last)).toMatch(
      /Signed in with an authenticator app Password under a minute before Success 127\.0\.0\.1 .*Set up: authenticator app Success/,
    )
    expect(visible(last)).not.toMatch(/Password Success/)
  })

  it.each([
    ['not a number', 'abc', 1],
    ['empty', '', 1],
    ['zero', '0', 1],
    ['negative', '-2', 1],
    ['a fraction', '1.5', 1],
    ['an exponent', '2e0', 1],
    ['a sign', '%2B2', 1],
    ['a space', '%202', 1],
    ['full-width digits', '%EF%BC%92', 1],
    ['a NUL', '%00', 1],
    ['one past the end', '4', 3],
    ['huge', '99999999999999999999999999', 3],
    ['very long', '9'.repeat(2_000), 3],
  ])('reads %s (?page=%s) as page %i, never an error', async (_, value, shown) => {
    const browser = await userWithLongHistory()
    for (const path of ['/_tapgate/account', '/_tapgate/admin/users/demo']) {
      const html = await pageAt(browser, `${path}?page=${value}`)
      expect(visible(html), path).toContain(`Page ${shown} of 3`)
    }
  })

  it('counts a repeated ?page= once, the first, and keeps a notice beside it', async () => {
    const browser = await userWithLongHistory()
    expect(visible(await pageAt(browser, '/_tapgate/account?page=2&page=3'))).toContain('Page 2 of 3')
    const noticed = visible(await pageAt(browser, '/_tapgate/account?notice=key_added&page=2'))
    expect(noticed).toContain('Security key added.')
    expect(noticed).toContain('Page 2 of 3')
  })
})
