import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto'

const version = 'v1'

/**
 * AES-256-GCM for secrets at rest (TOTP seeds, held panel cookies). The key is derived from the
 * configured master key with HKDF, one subkey per purpose, so a leak of one purpose's ciphertexts
 * and keys says nothing about another's. Sealed text: "v1.<iv>.<ciphertext>.<tag>" in base64url.
 */
export class SecretBox {
  readonly #key: Buffer

  constructor(masterKey: string, purpose: string) {
    this.#key = deriveKey(masterKey, `tapgate secret-box ${purpose}`)
  }

  seal(plaintext: string, associatedData = ''): string {
    const iv = randomBytes(12)
    const cipher = createCipheriv('aes-256-gcm', this.#key, iv)
    cipher.setAAD(Buffer.from(associatedData))
    const ciphertext = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()])
    return [version, iv, ciphertext, cipher.getAuthTag()]
      .map((part) => (typeof part === 'string' ? part : part.toString('base64url')))
      .join('.')
  }

  /** The plaintext, or null when the text was not sealed by this key for this associated data. */
  open(sealed: string, associatedData = ''): string | null {
    const [tag, ivText, ciphertextText, authTagText, extra] = sealed.split('.')
    if (tag !== version || !ivText || ciphertextText === undefined || !authTagText || extra !== undefined)
      return null
    try {
      const decipher = createDecipheriv('aes-256-gcm', this.#key, Buffer.from(ivText, 'base64url'))
      decipher.setAAD(Buffer.from(associatedData))
      decipher.setAuthTag(Buffer.from(authTagText, 'base64url'))
      return Buffer.concat([
        decipher.update(Buffer.from(ciphertextText, 'base64url')),
        decipher.final(),
      ]).toString('utf8')
    } catch {
      return null
    }
  }
}

export function deriveKey(masterKey: string, info: string): Buffer {
  return Buffer.from(hkdfSync('sha256', masterKey, 'tapgate', info, 32))
}

/** The box for secrets at rest (TOTP seeds, held panel cookies): the one the gateway seals them with. */
export function secretsAtRest(masterKey: string): SecretBox {
  return new SecretBox(masterKey, 'secrets at rest')
}
