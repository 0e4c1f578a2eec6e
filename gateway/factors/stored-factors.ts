import type { Store } from '../store/store.ts'
import type { FactorId } from './factor-id.ts'
import { StoredPhone } from './sms/stored-phone.ts'
import type { StoredFactor } from './stored-factor.ts'
import { storedAppSecret } from './totp.ts'
import { StoredSecurityKeys } from './webauthn/stored-keys.ts'
import { StoredYubiKeys } from './yubico-otp/stored-yubikeys.ts'

/** Every factor's stored records, by id: a new FactorId does not compile until it is listed here. */
export function storedFactors(store: Store): Readonly<Record<FactorId, StoredFactor>> {
  return {
    webauthn: new StoredSecurityKeys(store),
    yubico_otp: new StoredYubiKeys(store),
    totp: storedAppSecret(store),
    sms: new StoredPhone(store),
  }
}
