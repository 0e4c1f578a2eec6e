import type { YubicoOtpSettings } from './yubico-otp-factor.ts'

/** `factors.yubico_otp` as gateway/config/schema.ts parses it (durations in ms). */
export interface YubicoOtpConfigBlock {
  mode: 'cloud' | 'local'
  servers: readonly string[]
  client_id?: string | undefined
  api_key?: string | undefined
  timeout: number
  sync_level?: number | 'fast' | 'secure' | undefined
  sync_timeout?: number | undefined
}

/** The factor's settings from the config block; cloud mode without credentials is a config error. */
export function yubicoOtpSettings(block: YubicoOtpConfigBlock): YubicoOtpSettings {
  if (block.mode === 'local') return { mode: 'local' }
  if (!block.client_id || !block.api_key) {
    throw new Error('factors.yubico_otp: mode cloud needs client_id and api_key')
  }
  return {
    mode: 'cloud',
    cloud: {
      servers: block.servers,
      clientId: block.client_id,
      apiKey: block.api_key,
      timeoutMs: block.timeout,
      ...(block.sync_level === undefined ? {} : { syncLevel: block.sync_level }),
      // The protocol takes whole seconds.
      ...(block.sync_timeout === undefined
        ? {}
        : { syncTimeoutSeconds: Math.ceil(block.sync_timeout / 1000) }),
    },
  }
}
