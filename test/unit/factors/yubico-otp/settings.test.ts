import { describe, expect, it } from 'vitest'
import { yubicoOtpSettings } from '../../../../gateway/factors/yubico-otp/settings.ts'

const servers = ['https://api.yubico.com/wsapi/2.0/verify']

describe('yubicoOtpSettings', () => {
  it('needs nothing more in local mode', () => {
    expect(yubicoOtpSettings({ mode: 'local', servers, timeout: 5_000 })).toEqual({ mode: 'local' })
  })

  it('maps the cloud block, sync timeout in whole seconds', () => {
    const block = { mode: 'cloud', servers, client_id: '87', api_key: 'a2V5', timeout: 5_000 } as const
    expect(yubicoOtpSettings({ ...block, sync_level: 'secure', sync_timeout: 7_500 })).toEqual({
      mode: 'cloud',
      cloud: {
        servers,
        clientId: '87',
        apiKey: 'a2V5',
        timeoutMs: 5_000,
        syncLevel: 'secure',
        syncTimeoutSeconds: 8,
      },
    })
    expect(yubicoOtpSettings(block)).toEqual({
      mode: 'cloud',
      cloud: { servers, clientId: '87', apiKey: 'a2V5', timeoutMs: 5_000 },
    })
  })

  it('refuses cloud mode without client id or API key', () => {
    expect(() => yubicoOtpSettings({ mode: 'cloud', servers, api_key: 'a2V5', timeout: 1 })).toThrow(
      /client_id/,
    )
    expect(() => yubicoOtpSettings({ mode: 'cloud', servers, client_id: '1', timeout: 1 })).toThrow(/api_key/)
  })
})
