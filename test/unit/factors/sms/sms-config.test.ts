import { describe, expect, it } from 'vitest'
import { parseConfig } from '../../../../gateway/load-config.ts'

const base = {
  public_url: 'https://panel.example.com',
  upstream: { url: 'http://127.0.0.1:2082' },
  encryption_key: 'k'.repeat(40),
  first_factor: { panel_cookies: ['session'] },
}
const webhook = { type: 'webhook', url: 'https://sms-bridge.example.com/send' }

function problems(sms: Record<string, unknown>, env: Record<string, string> = {}) {
  const loaded = parseConfig({ ...base, factors: { sms } }, { baseDir: '/etc/tapgate', env })
  return loaded.ok ? [] : loaded.problems
}

describe('factors.sms', () => {
  it('is off by default, with five-minute codes, a 30-second wait and five messages an hour', () => {
    const loaded = parseConfig(base, { baseDir: '/etc/tapgate', env: {} })
    expect(loaded.ok && loaded.config.factors.sms).toEqual({
      enabled: false,
      fallback_only: false,
      code_ttl: 300_000,
      resend_after: 30_000,
      max_per_hour: 5,
    })
  })

  it('needs a notifier once enabled', () => {
    expect(problems({ enabled: true })).toEqual([
      'factors.sms.notifier: expected a notifier (type webhook, twilio or log) with enabled: true',
    ])
  })

  it('needs a webhook secret of 32 characters or more, and never shows it', () => {
    expect(problems({ enabled: true, notifier: { ...webhook, secret: 'short' } })).toEqual([
      'factors.sms.notifier.secret: expected at least 32 characters, got (hidden)',
    ])
  })

  it('takes the webhook secret and the Twilio token from the environment', () => {
    expect(
      problems({ enabled: true, notifier: webhook }, { TAPGATE_SMS_WEBHOOK_SECRET: 's'.repeat(40) }),
    ).toEqual([])
    const twilio = { type: 'twilio', account_sid: 'AC0123', from: '+15005550006' }
    expect(problems({ enabled: true, notifier: twilio })).toEqual([
      'factors.sms.notifier.auth_token: required (expected string)',
    ])
    expect(problems({ enabled: true, notifier: twilio }, { TAPGATE_SMS_AUTH_TOKEN: 'token' })).toEqual([])
  })

  it('leaves a secret in the environment unused where the config has no notifier of its kind', () => {
    const env = { TAPGATE_SMS_WEBHOOK_SECRET: 's'.repeat(40), TAPGATE_SMS_AUTH_TOKEN: 'token' }
    const loaded = parseConfig(base, { baseDir: '/etc/tapgate', env })
    expect(loaded.ok && loaded.config.factors.sms.notifier).toBeUndefined()
    expect(problems({ enabled: true, notifier: { type: 'log' } }, env)).toEqual([])
    const twilio = { type: 'twilio', account_sid: 'AC0123', from: '+15005550006' }
    expect(problems({ enabled: true, notifier: twilio }, env)).toEqual([])
  })

  it('refuses an empty allow list and a wait no shorter than the code', () => {
    expect(problems({ enabled: true, allow: {}, resend_after: '5m', notifier: { type: 'log' } })).toEqual([
      'factors.sms.allow: expected at least one group or user (leave allow out to allow everyone)',
      'factors.sms.resend_after: expected a resend delay shorter than code_ttl',
    ])
  })
})
