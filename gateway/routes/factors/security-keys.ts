import { type FactorPages, offeredWhenSetUp } from './factor-pages.ts'

/** A key's proofs go through the WebAuthn ceremony's own routes (routes/security-keys.ts). */
export const securityKeyPages: FactorPages = {
  signIn: { offer: offeredWhenSetUp('webauthn') },
  enrollment: {},
}
