import { expect } from 'vitest'
import { type BrowserClient, csrfTokenIn, formActionIn, totpSecretIn } from './browser-client.ts'
import type { FixedClock } from './clock.ts'
import { totpCode } from './totp-codes.ts'

/** The demo panel's password step; demo users' passwords are `<name>-password`. */
export function signInWithPassword(
  browser: BrowserClient,
  username = 'demo',
  password = `${username.trim().toLowerCase()}-password`,
) {
  return browser.postForm('/login', { username, password })
}

/** Password, then enrollment of an authenticator app: a verified session. Returns the TOTP secret. */
export async function enrollTotp(
  browser: BrowserClient,
  clock: FixedClock,
  username = 'demo',
): Promise<string> {
  await signInWithPassword(browser, username)
  return enrollApp(browser, clock)
}

/**
 * After a password tapgate accepted for a user with no factor yet: enrolls an app, chosen as a user
 * would under "Other ways to set up" (`?method=totp`). Returns its secret.
 */
export async function enrollApp(browser: BrowserClient, clock: FixedClock): Promise<string> {
  const page = await (await browser.get('/_tapgate/enroll?method=totp')).text()
  const secret = totpSecretIn(page)
  const done = await browser.postForm(formActionIn(page), {
    csrf: csrfTokenIn(page),
    code: await totpCode(secret, clock),
  })
  expect(done.status).toBe(303)
  return secret
}
