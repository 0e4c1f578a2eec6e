import { randomBytes } from 'node:crypto'
import { afterEach, beforeEach, describe, expect, it } from 'vitest'
import { SoftYubiKey } from '../../../demo/soft-yubikey.ts'
import {
  type CloudSettings,
  CloudValidation,
  parseResponse,
} from '../../../gateway/factors/yubico-otp/cloud-validation.ts'
import { type Answer, startValidationServer, type ValidationServer } from '../../support/validation-server.ts'

const CLIENT_ID = '4242'
const API_KEY = randomBytes(20).toString('base64')
// Small, so the hang cases end quickly; the tests wait on the client's own timeout, never a sleep.
const TIMEOUT_MS = 300

let servers: ValidationServer[] = []
let key: SoftYubiKey

const start = async (count = 1) => {
  for (let i = 0; i < count; i++) {
    servers.push(await startValidationServer({ clients: { [CLIENT_ID]: API_KEY }, keys: [key.identity] }))
  }
  return servers
}
const client = (overrides: Partial<CloudSettings> = {}) =>
  new CloudValidation({
    servers: servers.map((s) => s.url),
    clientId: CLIENT_ID,
    apiKey: API_KEY,
    timeoutMs: TIMEOUT_MS,
    ...overrides,
  })

beforeEach(() => {
  key = SoftYubiKey.random()
})
afterEach(async () => {
  await Promise.all(servers.map((s) => s.stop()))
  servers = []
})

describe('Yubico validation protocol 2.0 client', () => {
  it('accepts a good tap, with a signed request carrying id, otp and a fresh alphanumeric nonce', async () => {
    const [server] = await start()
    const otp = key.tap()
    expect(await client().verify(otp)).toEqual({ ok: true, server: server?.url })
    const [request] = server?.requests ?? []
    expect(request).toMatchObject({ id: CLIENT_ID, otp })
    expect(request?.nonce).toMatch(/^[A-Za-z0-9]{16,40}$/)
    expect(request?.h).toMatch(/^[A-Za-z0-9+/]{27}=$/)
  })

  it('uses a new nonce for every verification', async () => {
    const [server] = await start()
    await client().verify(key.tap())
    await client().verify(key.tap())
    const [first, second] = server?.requests ?? []
    expect(first?.nonce).not.toBe(second?.nonce)
  })

  it('signs sl and timeout along with the rest when they are configured', async () => {
    const [server] = await start()
    expect((await client({ syncLevel: 50, syncTimeoutSeconds: 8 }).verify(key.tap())).ok).toBe(true)
    expect(server?.requests[0]).toMatchObject({ sl: '50', timeout: '8' })
  })

  it('refuses a replayed OTP', async () => {
    await start()
    const otp = key.tap()
    expect((await client().verify(otp)).ok).toBe(true)
    expect(await client().verify(otp)).toMatchObject({ ok: false, reason: 'replayed' })
  })

  it('refuses an older OTP after a newer one (the server keeps the counters)', async () => {
    await start()
    const older = key.tap()
    expect((await client().verify(key.tap())).ok).toBe(true)
    expect(await client().verify(older)).toMatchObject({ ok: false, reason: 'replayed' })
  })

  it('refuses an OTP the server cannot decrypt as BAD_OTP', async () => {
    await start()
    expect(await client().verify(SoftYubiKey.random().tap())).toEqual({
      ok: false,
      reason: 'bad_otp',
      detail: `${servers[0]?.url}: BAD_OTP`,
    })
  })

  it('refuses an OK whose signature does not verify (forged response)', async () => {
    const [server] = await start()
    server?.answerNext('bad_signature')
    expect(await client().verify(key.tap())).toEqual({
      ok: false,
      reason: 'bad_response',
      detail: `${server?.url}: OK, but the signature does not verify (check api_key)`,
    })
  })

  it('refuses an OK, correctly signed, that echoes another nonce', async () => {
    const [server] = await start()
    server?.answerNext('wrong_nonce')
    expect(await client().verify(key.tap())).toEqual({
      ok: false,
      reason: 'bad_response',
      detail: `${server?.url}: OK for another nonce than the one sent`,
    })
  })

  it('refuses an OK, correctly signed, that echoes another otp (cut and paste)', async () => {
    const [server] = await start()
    server?.answerNext('wrong_otp')
    expect(await client().verify(key.tap())).toEqual({
      ok: false,
      reason: 'bad_response',
      detail: `${server?.url}: OK for another otp than the one sent`,
    })
  })

  it('refuses an OK, correctly signed, that leaves out the otp and nonce', async () => {
    const [server] = await start()
    server?.answerNext('no_echo')
    expect(await client().verify(key.tap())).toEqual({
      ok: false,
      reason: 'bad_response',
      detail: `${server?.url}: OK without the otp`,
    })
  })

  it('fails closed as unavailable when the server does not answer within the timeout', async () => {
    const [server] = await start()
    server?.answerNext('hang')
    const started = performance.now()
    expect(await client().verify(key.tap())).toEqual({
      ok: false,
      reason: 'unavailable',
      detail: `${server?.url}: no answer within ${TIMEOUT_MS} ms`,
    })
    expect(performance.now() - started).toBeLessThan(TIMEOUT_MS + 2_000)
  })

  it('fails closed as unavailable on a refused connection or an HTTP error', async () => {
    const [down, failing] = await start(2)
    await down?.stop()
    failing?.answerNext({ http: 503 })
    const verdict = await client().verify(key.tap())
    expect(verdict).toMatchObject({ ok: false, reason: 'unavailable' })
    expect(verdict.ok || verdict.detail).toContain(`${failing?.url}: HTTP 503`)
    expect(verdict.ok || verdict.detail).toContain(`${down?.url}: fetch failed`)
    servers = servers.filter((s) => s !== down)
  })

  it('still accepts when one of two servers is down', async () => {
    const [down, up] = await start(2)
    await down?.stop()
    servers = servers.filter((s) => s !== down)
    expect(await client({ servers: [down?.url ?? '', up?.url ?? ''] }).verify(key.tap())).toEqual({
      ok: true,
      server: up?.url,
    })
  })

  it('takes the first definitive answer and does not wait for a server that hangs', async () => {
    const [hanging, answering] = await start(2)
    hanging?.answerNext('hang')
    const started = performance.now()
    expect(await client({ timeoutMs: 30_000 }).verify(key.tap())).toEqual({
      ok: true,
      server: answering?.url,
    })
    expect(performance.now() - started).toBeLessThan(10_000)
  })

  it('does not let a forged or transient answer from one server outweigh a later OK from another', async () => {
    for (const first of ['bad_signature', 'wrong_otp', 'REPLAYED_REQUEST', 'BACKEND_ERROR'] as const) {
      const [misbehaving, good] = await start(2)
      misbehaving?.answerNext(first)
      // The good server answers only once the misbehaving one has.
      good?.answerNext({ after: misbehaving?.answered(1) ?? Promise.resolve() })
      expect(await client().verify(key.tap()), first).toEqual({ ok: true, server: good?.url })
      await Promise.all(servers.map((s) => s.stop()))
      servers = []
    }
  })

  it("maps each of the server's refusals to its reason", async () => {
    const [server] = await start()
    const cases: [Answer, string][] = [
      ['REPLAYED_OTP', 'replayed'],
      ['BAD_OTP', 'bad_otp'],
      ['BAD_SIGNATURE', 'bad_signature'],
      ['MISSING_PARAMETER', 'missing_parameter'],
      ['NO_SUCH_CLIENT', 'no_such_client'],
      ['OPERATION_NOT_ALLOWED', 'operation_not_allowed'],
      ['BACKEND_ERROR', 'backend_error'],
      ['NOT_ENOUGH_ANSWERS', 'not_enough_answers'],
      ['REPLAYED_REQUEST', 'replayed_request'],
    ]
    for (const [answer, reason] of cases) {
      server?.answerNext(answer)
      expect(await client().verify(key.tap()), String(answer)).toEqual({
        ok: false,
        reason,
        detail: `${server?.url}: ${answer}`,
      })
    }
  })

  it('reports an unknown client id as no_such_client, though ykval signs that answer with no key', async () => {
    await start()
    expect(await client({ clientId: '9999' }).verify(key.tap())).toEqual({
      ok: false,
      reason: 'no_such_client',
      detail: `${servers[0]?.url}: NO_SUCH_CLIENT (signed without a key: check client_id)`,
    })
  })

  it('never lets an answer signed with no key settle it: an OK elsewhere still wins', async () => {
    const [keyless, good] = await start(2)
    keyless?.answerNext('unsigned_no_such_client')
    good?.answerNext({ after: keyless?.answered(1) ?? Promise.resolve() })
    expect(await client().verify(key.tap())).toEqual({ ok: true, server: good?.url })
  })

  it('points at the API key when the server says BAD_SIGNATURE under a key we do not hold', async () => {
    await start()
    const wrongKey = randomBytes(20).toString('base64')
    expect(await client({ apiKey: wrongKey }).verify(key.tap())).toEqual({
      ok: false,
      reason: 'bad_response',
      detail: `${servers[0]?.url}: BAD_SIGNATURE, but the signature does not verify (check api_key)`,
    })
  })

  it('refuses to be configured without servers or API key', () => {
    expect(() => client({ servers: [] })).toThrow(TypeError)
    expect(() => client({ apiKey: '' })).toThrow(TypeError)
  })
})

describe('parseResponse', () => {
  it('splits each line at the first "=" so base64 values keep their padding', () => {
    expect(parseResponse('h=abc+/def=\r\nt=2024-01-01T00:00:00Z0123\r\nstatus=OK\r\n\r\n')).toEqual({
      h: 'abc+/def=',
      t: '2024-01-01T00:00:00Z0123',
      status: 'OK',
    })
  })

  it('refuses lines without a name and repeated names', () => {
    expect(parseResponse('status=OK\r\n=x')).toBeNull()
    expect(parseResponse('status=OK\r\nno equals sign')).toBeNull()
    expect(parseResponse('status=BAD_OTP\r\nstatus=OK')).toBeNull()
  })
})
