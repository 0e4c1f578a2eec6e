import { describe, expect, it } from 'vitest'
import { keys } from '../../gateway/store/keys.ts'
import { BrowserClient, csrfTokenIn, recoveryCodesIn } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'

/**
 * Recovery codes over HTTP through the whole gateway: made at the first enrollment and shown once,
 * downloadable, each good for one sign-in on the 2fa page, counted toward lockout when wrong, and
 * replaced (old set revoked) from the account page.
 */
const demo = useDemoGateway({ config: () => ({ regulation: { max_failures: 3 } }) })
const newBrowser = () => new BrowserClient(demo.gateway.url)

/** Enrolls an app for `demo` and returns the recovery codes shown after it, saved. */
async function enrollWithCodes(browser: BrowserClient): Promise<string[]> {
  await enrollTotp(browser, demo.gateway.clock)
  const page = await (await browser.get('/_tapgate/recovery-codes')).text()
  const codes = recoveryCodesIn(page)
  expect(codes).toHaveLength(10)
  expect((await browser.postForm('/_tapgate/recovery-codes/saved', { csrf: csrfTokenIn(page) })).status).toBe(
    303,
  )
  return codes
}

async function signOutAndIn(browser: BrowserClient): Promise<string> {
  await browser.get('/logout')
  await signInWithPassword(browser)
  return (await browser.get('/_tapgate/2fa')).text()
}

describe('recovery codes', () => {
  it('shows a new set once after the first enrollment, offers it as .txt, and forgets it once saved', async () => {
    const browser = newBrowser()
    await enrollTotp(browser, demo.gateway.clock)
    const page = await (await browser.get('/_tapgate/recovery-codes')).text()
    const codes = recoveryCodesIn(page)
    expect(codes).toHaveLength(10)

    const download = await browser.get('/_tapgate/recovery-codes/download')
    expect(download.status).toBe(200)
    expect(download.headers.get('content-type')).toBe('text/plain; charset=utf-8')
    expect(download.headers.get('content-disposition')).toBe('attachment; filename="recovery-codes.txt"')
    expect(download.headers.get('cache-control')).toBe('no-store')
    const text = await download.text()
    for (const code of codes) expect(text).toContain(code)

    const stored = (await demo.gateway.store.get(keys.recoveryCodes('demo'))) ?? ''
    for (const code of codes) expect(stored).not.toContain(code.replaceAll('-', ''))

    expect((await browser.postForm('/_tapgate/recovery-codes/saved', {})).status).toBe(403)
    const saved = await browser.postForm('/_tapgate/recovery-codes/saved', { csrf: csrfTokenIn(page) })
    expect(saved.headers.get('location')).toBe('/dashboard')
    expect((await browser.get('/_tapgate/recovery-codes')).headers.get('location')).toBe('/_tapgate/account')
    expect((await browser.get('/_tapgate/recovery-codes/download')).status).toBe(302)
  })

  it('signs in with a code once, says how many remain, and refuses the same code the next time', async () => {
    const browser = newBrowser()
    const [code] = await enrollWithCodes(browser)
    // "Try another way" offers the recovery code, on a page of its own.
    expect(await signOutAndIn(browser)).toContain('href="/_tapgate/2fa?method=recovery_code"')
    const challenge = await (await browser.get('/_tapgate/2fa?method=recovery_code')).text()
    expect(challenge).toContain('action="/_tapgate/2fa/recovery"')

    const used = await browser.postForm('/_tapgate/2fa/recovery', {
      csrf: csrfTokenIn(challenge),
      recovery_code: (code as string).toLowerCase(),
    })
    expect(used.status).toBe(200)
    const usedPage = await used.text()
    expect(usedPage).toContain('You have 9 recovery codes left.')
    expect(usedPage).toContain('href="/_tapgate/account"')
    expect(usedPage).toContain('href="/dashboard"')
    expect(used.headers.getSetCookie().some((c) => c.startsWith('PANELSESSID='))).toBe(false)
    expect((await browser.get('/dashboard')).status).toBe(200)

    const again = await signOutAndIn(browser)
    const replayed = await browser.postForm('/_tapgate/2fa/recovery', {
      csrf: csrfTokenIn(again),
      recovery_code: code as string,
    })
    expect(replayed.status).toBe(401)
    expect(await replayed.text()).toContain('That recovery code has already been used.')
    expect((await browser.get('/dashboard')).headers.get('location')).toBe('/_tapgate/2fa')
    expect(demo.gateway.logs).toContainEqual(
      expect.objectContaining({
        event: 'second_factor',
        factor: 'recovery_code',
        result: 'replayed',
        user: 'demo',
      }),
    )
  })

  it('counts wrong codes toward lockout, after which even a good code is refused', async () => {
    const browser = newBrowser()
    const codes = await enrollWithCodes(browser)
    const challenge = await signOutAndIn(browser)
    const csrf = csrfTokenIn(challenge)
    for (let i = 0; i < 3; i++) {
      const wrong = await browser.postForm('/_tapgate/2fa/recovery', {
        csrf,
        recovery_code: '0000-0000-0000',
      })
      expect(wrong.status).toBe(401)
    }
    const locked = await browser.postForm('/_tapgate/2fa/recovery', {
      csrf,
      recovery_code: codes[1] as string,
    })
    expect(locked.status).toBe(429)
    expect(demo.gateway.logs).toContainEqual(
      expect.objectContaining({
        event: 'second_factor',
        factor: 'recovery_code',
        result: 'locked_out',
        user: 'demo',
      }),
    )
    // The refused attempt did not spend the good code.
    expect(JSON.parse((await demo.gateway.store.get(keys.recoveryCodes('demo'))) ?? '{}').used).toEqual([])
  })

  it('replaces the set from the account page: the new codes are shown once, the old ones stop working', async () => {
    const browser = newBrowser()
    const old = await enrollWithCodes(browser)
    const account = await (await browser.get('/_tapgate/account')).text()
    expect(account).toContain('10 left')
    const created = await browser.postForm('/_tapgate/account/recovery-codes', { csrf: csrfTokenIn(account) })
    expect(created.headers.get('location')).toBe('/_tapgate/recovery-codes')
    const page = await (await browser.get('/_tapgate/recovery-codes')).text()
    const fresh = recoveryCodesIn(page)
    expect(fresh).toHaveLength(10)
    expect(fresh.filter((code) => old.includes(code))).toEqual([])
    const saved = await browser.postForm('/_tapgate/recovery-codes/saved', { csrf: csrfTokenIn(page) })
    expect(saved.headers.get('location')).toBe('/_tapgate/account?notice=codes_created')
    expect(await (await browser.get('/_tapgate/account?notice=codes_created')).text()).toContain(
      'New recovery codes created. The old ones no longer work.',
    )

    const challenge = await signOutAndIn(browser)
    const stale = await browser.postForm('/_tapgate/2fa/recovery', {
      csrf: csrfTokenIn(challenge),
      recovery_code: old[0] as string,
    })
    expect(stale.status).toBe(401)
    expect(await stale.text()).toContain('That recovery code is not correct.')
    const good = await browser.postForm('/_tapgate/2fa/recovery', {
      csrf: csrfTokenIn(challenge),
      recovery_code: fresh[0] as string,
    })
    expect(good.status).toBe(200)
  })
})
