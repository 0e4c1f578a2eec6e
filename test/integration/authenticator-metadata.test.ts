import { MetadataService } from '@simplewebauthn/server'
import { beforeAll, describe, expect, it } from 'vitest'
import { BrowserClient } from '../support/browser-client.ts'
import { useDemoGateway } from '../support/demo-gateway.ts'
import { metadataEntry, metadataJwt, writeTempFile } from '../support/fido-metadata.ts'
import { answerOf, enrollSecurityKey, KeyCeremonies } from '../support/security-keys.ts'
import { SOFT_AUTHENTICATOR_AAGUID, SoftAuthenticator } from '../support/soft-authenticator.ts'

/**
 * `factors.webauthn.metadata_file` through the whole gateway: an offline FIDO MDS3 BLOB names the
 * models on the account page, reaches @simplewebauthn/server's attestation checks, and keeps keys of
 * a model reported compromised from being registered.
 */
const REVOKED_MODEL = '0bb43545-fd2c-4185-87dd-feb0b2916ace'
const UNLISTED_MODEL = 'aaaaaaaa-0000-4000-8000-000000000001'
let metadataFile = ''
beforeAll(() => {
  metadataFile = writeTempFile(
    'blob.jwt',
    metadataJwt([
      metadataEntry({ aaguid: SOFT_AUTHENTICATOR_AAGUID, description: 'Test Key 5 NFC' }),
      metadataEntry({
        aaguid: REVOKED_MODEL,
        description: 'Leaky Key 1',
        statuses: ['FIDO_CERTIFIED_L1', 'ATTESTATION_KEY_COMPROMISE'],
      }),
    ]),
  )
})

const demo = useDemoGateway({
  publicHost: 'localhost',
  config: () => ({ factors: { webauthn: { metadata_file: metadataFile } } }),
})
const newBrowser = () => new BrowserClient(demo.gateway.url, demo.gateway.publicOrigin)

describe('an offline FIDO metadata file', () => {
  it("names each key's model on the account page when the file lists it", async () => {
    const browser = newBrowser()
    await enrollSecurityKey(browser, new SoftAuthenticator(), 'Blue key')
    // Listed oldest first: the second key is added a moment later.
    demo.gateway.clock.advance(1_000)
    const unlisted = new SoftAuthenticator({ aaguid: UNLISTED_MODEL })
    expect(
      (await (await KeyCeremonies.on(browser, '/_tapgate/account')).register(unlisted, 'Other')).status,
    ).toBe(200)
    const page = await (await browser.get('/_tapgate/account')).text()
    const rows = page.split('<li class="key">').slice(1)
    expect(rows[0]).toContain('Blue key')
    expect(rows[0]).toContain('<span>Test Key 5 NFC</span>')
    expect(rows[1]).toContain('Other')
    expect(rows[1]).not.toContain('Test Key 5 NFC')
  })

  it('refuses a key of a model whose latest status report says it is compromised, storing nothing', async () => {
    const browser = newBrowser()
    await enrollSecurityKey(browser, new SoftAuthenticator(), 'Blue key')
    const keysOfDemo = () => demo.gateway.services.webauthn?.credentialsOf('demo')
    const before = await keysOfDemo()
    expect(before).toHaveLength(1)
    const leaky = new SoftAuthenticator({ aaguid: REVOKED_MODEL })
    const refused = await (await KeyCeremonies.on(browser, '/_tapgate/account')).register(leaky, 'Leaky')
    expect(refused.status).toBe(400)
    expect(await answerOf(refused)).toMatchObject({
      error: 'compromised_model',
      message: 'This model of security key has a known security flaw and cannot be added. Use another key.',
    })
    expect(await keysOfDemo()).toEqual(before)
  })

  it("hands the statements to the library's attestation checks when the gateway starts", async () => {
    const statement = await MetadataService.getStatement(SOFT_AUTHENTICATOR_AAGUID)
    expect(statement?.description).toBe('Test Key 5 NFC')
    expect(await MetadataService.getStatement(UNLISTED_MODEL)).toBeUndefined()
  })
})
