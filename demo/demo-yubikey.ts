import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { z } from 'zod'
import { SoftYubiKey, type YubiKeyIdentity } from './soft-yubikey.ts'

const savedKey = z.object({
  publicId: z.string(),
  privateId: z.string(),
  aesKey: z.string(),
  useCounter: z.number().int().min(0),
})

/**
 * The demo's YubiKey: a soft key kept in a file, so that `npm start` can import its secret (local
 * mode) and `npm run tap` can type its next code in another terminal. Each code is typed as if the key
 * had just been plugged in, so the counters grow across processes and restarts as a real key's do.
 */
export class DemoYubiKey {
  readonly identity: YubiKeyIdentity
  #useCounter: number

  private constructor(
    private readonly file: string,
    saved: z.infer<typeof savedKey>,
  ) {
    const { useCounter, ...identity } = saved
    this.identity = identity
    this.#useCounter = useCounter
  }

  /** The key in `file`, made (random) on first use. */
  static open(file: string): DemoYubiKey {
    if (existsSync(file)) return new DemoYubiKey(file, savedKey.parse(JSON.parse(readFileSync(file, 'utf8'))))
    const key = new DemoYubiKey(file, { ...SoftYubiKey.random().identity, useCounter: 0 })
    key.#save()
    return key
  }

  /** The next OTP; the counter is saved before the code is handed out, so no code is ever typed twice. */
  tap(): string {
    this.#useCounter = (this.#useCounter + 1) & 0x7fff
    this.#save()
    return new SoftYubiKey(this.identity, { useCounter: this.#useCounter }).tap()
  }

  #save(): void {
    writeFileSync(this.file, JSON.stringify({ ...this.identity, useCounter: this.#useCounter }), {
      mode: 0o600,
    })
  }
}
