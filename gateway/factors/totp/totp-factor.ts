import { createHash } from 'node:crypto'
import { generateSecret, generateURI, verify } from 'otplib'
import QRCode from 'qrcode'
import type { SecretBox } from '../../crypto/secret-box.ts'
import type { Clock } from '../../deps.ts'
import { keys } from '../../store/keys.ts'
import type { Store } from '../../store/store.ts'
import type { StoredFactor } from '../stored-factor.ts'
import { withoutSeparators } from '../typed-code.ts'
import { refused, type Verdict } from '../verdict.ts'

export interface TotpSettings {
  issuer: string
  digits: 6 | 8
  period: number
  window: number
}

export type TotpFailure = 'wrong_code' | 'replayed' | 'malformed'

/** The app's secret as stored: one per user, or none. */
export function storedAppSecret(store: Store): StoredFactor {
  return {
    count: async (user) => ((await store.get(keys.totpSecret(user))) === null ? 0 : 1),
    removeAll: (user) => store.delete(keys.totpSecret(user)),
  }
}

/**
 * Authenticator-app codes (RFC 6238). Secrets are sealed at rest with the user as associated data,
 * so a sealed secret copied to another user's key does not open. Each time step is accepted once
 * per secret: the step is claimed with set-if-absent, atomic across gateway instances. (Per user, a
 * new app's first code would be refused when it fell in the step of the code that signed in.)
 */
export class TotpFactor {
  readonly #codeShape: RegExp

  constructor(
    private readonly settings: TotpSettings,
    private readonly store: Store,
    private readonly box: SecretBox,
    private readonly clock: Clock,
  ) {
    this.#codeShape = new RegExp(`^\\d{${settings.digits}}$`)
  }

  newSecret(): string {
    return generateSecret()
  }

  /**
   * The `otpauth://totp/…` URI an authenticator app adds the account from: what the QR code holds, and
   * where "Open in authenticator app" points on a phone.
   * @see https://github.com/google/google-authenticator/wiki/Key-Uri-Format
   */
  keyUri(user: string, secret: string): string {
    return generateURI({
      issuer: this.settings.issuer,
      label: user,
      secret,
      digits: this.settings.digits,
      period: this.settings.period,
    })
  }

  async qrCodeSvg(keyUri: string): Promise<string> {
    return QRCode.toString(keyUri, { type: 'svg', errorCorrectionLevel: 'M', margin: 2, width: 240 })
  }

  /** The user's secret; null when none is enrolled. Rejects when the store is unreachable. */
  async secretOf(user: string): Promise<string | null> {
    const sealed = await this.store.get(keys.totpSecret(user))
    if (sealed === null) return null
    const secret = this.box.open(sealed, user)
    // A secret that no longer opens (wrong key, tampering) must not read as "no factor enrolled".
    if (secret === null)
      throw new Error(`TOTP secret of '${user}' cannot be decrypted with the configured key`)
    return secret
  }

  /** Forgets the user's secret (an admin reset). */
  async remove(user: string): Promise<void> {
    await this.store.delete(keys.totpSecret(user))
  }

  /** Stores the secret unless the user already has one; false when another enrollment won the race. */
  async enroll(user: string, secret: string): Promise<boolean> {
    return this.store.setIfAbsent(keys.totpSecret(user), this.box.seal(secret, user))
  }

  /** Sets the user's secret, replacing any other: the old app stops working. */
  async replace(user: string, secret: string): Promise<void> {
    await this.store.set(keys.totpSecret(user), this.box.seal(secret, user))
  }

  async check(user: string, secret: string, code: string): Promise<Verdict<TotpFailure>> {
    const token = withoutSeparators(code)
    if (!this.#codeShape.test(token)) return refused('malformed')
    const { period, window, digits } = this.settings
    const result = await verify({
      secret,
      token,
      digits,
      period,
      epoch: Math.floor(this.clock.now() / 1000),
      epochTolerance: window * period,
    })
    if (!result.valid || !('timeStep' in result)) return refused('wrong_code')
    const claimFor = (2 * window + 2) * period * 1000
    const used = keys.totpStepUsed(user, secretId(secret), result.timeStep)
    const claimed = await this.store.setIfAbsent(used, '1', claimFor)
    return claimed ? { ok: true } : refused('replayed')
  }
}

/** Names a secret in a store key without revealing it (a hash of 160 random bits cannot be reversed). */
function secretId(secret: string): string {
  return createHash('sha256').update(secret).digest('base64url').slice(0, 16)
}
