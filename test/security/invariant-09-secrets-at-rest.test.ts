import Database from 'better-sqlite3'
import { describe, expect, it } from 'vitest'
import { BrowserClient } from '../support/browser-client.ts'
import { FixedClock } from '../support/clock.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { enrollTotp, signInWithPassword } from '../support/sign-in.ts'
import { tempSqliteStore } from '../support/temp-sqlite-store.ts'
import { totpCode } from '../support/totp-codes.ts'

/**
 * DESIGN invariant 9 and "State": a dump of the store yields no TOTP seed, no panel cookie and no
 * usable session cookie; and the logs never carry a password, code, seed or cookie.
 */
const clock = new FixedClock()
let path = ''
const demo = useDemoGateway({
  store: () => {
    const sqlite = tempSqliteStore(clock)
    path = sqlite.path
    return sqlite.store
  },
})

describe('what an attacker with a copy of the store or the logs gets', () => {
  it('finds no seed, panel cookie, session token, password or code in plain text', async () => {
    const verified = new BrowserClient(demo.gateway.url)
    const secret = await enrollTotp(verified, demo.gateway.clock)
    const code = await totpCode(secret, demo.gateway.clock)
    const pending = new BrowserClient(demo.gateway.url)
    await signInWithPassword(pending)
    const panelCookieLogin = verified.cookies.get('PANELSESSID') as string
    const secrets = [
      secret,
      code,
      panelCookieLogin,
      verified.cookies.get('tapgate_session') as string,
      pending.cookies.get('tapgate_session') as string,
      'demo-password',
    ]

    const db = new Database(path, { readonly: true })
    const dump = JSON.stringify(db.prepare(`SELECT * FROM ${tableName(db)}`).all())
    db.close()
    expect(dump).toContain('session:')
    for (const value of secrets) {
      expect(dump).not.toContain(value)
      expect(demo.gateway.logText()).not.toContain(value)
    }
  })
})

function tableName(db: Database.Database): string {
  const row = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").get() as { name: string }
  return row.name
}
