import { expect, it } from 'vitest'
import type { Delivery, Notifier, SmsMessage } from '../../gateway/factors/sms/notifier.ts'
import { SmsFactor, type SmsSettings } from '../../gateway/factors/sms/sms-factor.ts'
import type { Store } from '../../gateway/store/store.ts'
import { describeOnBothStores } from '../support/both-stores.ts'
import { interleave, pauseBeforeWrite } from '../support/paused-store.ts'

/** Takes every message and remembers the last code sent to each number. */
class CodeSink implements Notifier {
  readonly type = 'log'
  readonly #last = new Map<string, string>()

  async send(message: SmsMessage): Promise<Delivery> {
    this.#last.set(message.to, message.text.slice(0, 6))
    return { ok: true }
  }

  codeTo(to: string): string {
    return this.#last.get(to) ?? ''
  }
}

const masterKey = 'k'.repeat(40)
const oldNumber = '+447700900123'
const newNumber = '+447700900456'
const settings: SmsSettings = {
  issuer: 'DemoPanel',
  codeTtlMs: 5 * 60_000,
  resendAfterMs: 30_000,
  maxPerHour: 5,
  fallbackOnly: false,
  allow: null,
}

/** Writes to alice's number and its time of last use (not her codes, cooldowns or counts). */
const alicesNumber = /^user:alice:sms(:use)?$/

/**
 * A sign-in with a texted code marks the number used while, on another gateway, the user changes or
 * removes the number. The sign-in is held right before it writes; the change runs to completion.
 */
describeOnBothStores('Text-message number changed during a sign-in', (current) => {
  const gateways = async () => {
    const { store, clock } = current()
    const sink = new CodeSink()
    const paused = pauseBeforeWrite(store, alicesNumber)
    const on = (s: Store) => new SmsFactor(settings, sink, s, clock, masterKey)
    const other = on(store)
    await other.setPhone('alice', oldNumber)
    expect(await other.send('alice', 'sign_in', oldNumber)).toMatchObject({ ok: true })
    clock.advance(1_000)
    return { paused, held: on(paused.store), other, sink }
  }

  it('keeps the new number when it replaces the old one during a sign-in with the old one', async () => {
    const { paused, held, other, sink } = await gateways()
    const [verified] = await interleave(
      paused,
      () => held.verify('alice', 'sign_in', sink.codeTo(oldNumber)),
      () => other.setPhone('alice', newNumber),
    )
    expect(verified).toEqual({ ok: true, number: oldNumber })
    expect(await other.phoneOf('alice')).toMatchObject({ number: newNumber, lastUsedAt: null })
  })

  it('keeps a number removed during a sign-in with it removed', async () => {
    const { paused, held, other, sink } = await gateways()
    const [, removed] = await interleave(
      paused,
      () => held.verify('alice', 'sign_in', sink.codeTo(oldNumber)),
      () => other.removePhone('alice'),
    )
    expect(removed).toBe(true)
    expect(await other.phoneOf('alice')).toBeNull()
  })
})
