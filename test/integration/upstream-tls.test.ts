import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest'
import { startTestGateway, type TestGateway } from '../support/gateway.ts'
import { makeTlsFiles, type TlsFiles } from '../support/tls-files.ts'

/**
 * `upstream.tls`: an https:// panel whose certificate Node's own CAs do not vouch for, as a control
 * panel on its own port usually has. Without the right CA the gateway fails closed (502); with it,
 * requests reach the panel. Real TLS on both sides, certificates made by openssl.
 */
let dir: string
let files: TlsFiles
let panel: Server
/** Asks for a client certificate signed by the test CA, as a panel behind mutual TLS does. */
let strictPanel: Server
let gateways: TestGateway[] = []

async function listen(server: Server): Promise<string> {
  server.listen(0, '127.0.0.1')
  await once(server, 'listening')
  return `https://127.0.0.1:${(server.address() as AddressInfo).port}`
}

async function gatewayFor(url: string, tls?: Record<string, unknown>): Promise<TestGateway> {
  const gateway = await startTestGateway({
    upstreamUrl: url,
    config: { upstream: { url, timeout: '5s', ...(tls && { tls }) } },
  })
  gateways.push(gateway)
  return gateway
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'tapgate-upstream-tls-'))
  files = await makeTlsFiles(dir)
  const serverTls = { key: readFileSync(files.keyFile), cert: readFileSync(files.certFile) }
  panel = createServer(serverTls, (req, res) => res.end(`panel saw ${req.url}`))
  strictPanel = createServer(
    { ...serverTls, ca: readFileSync(files.caFile), requestCert: true, rejectUnauthorized: true },
    (req, res) => res.end(`strict panel saw ${req.url}`),
  )
})
afterEach(async () => {
  await Promise.all(gateways.map((gateway) => gateway.close()))
  gateways = []
})
afterAll(() => {
  panel.close()
  strictPanel.close()
  rmSync(dir, { recursive: true, force: true })
})

describe('an https panel with a certificate from its own CA', () => {
  let url: string
  beforeAll(async () => {
    url = await listen(panel)
  })

  it('is reached when upstream.tls.ca_file names that CA', async () => {
    const gateway = await gatewayFor(url, { ca_file: files.caFile })
    const response = await fetch(`${gateway.url}/api/status`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('panel saw /api/status')
  })

  it("is refused (502) with Node's CAs alone: the gateway never talks to an unverified panel", async () => {
    const gateway = await gatewayFor(url)
    const response = await fetch(`${gateway.url}/api/status`, { headers: { accept: 'application/json' } })
    expect(response.status).toBe(502)
    const failure = gateway.logs.find((line) => line.event === 'upstream_failure')
    expect(String(failure?.cause)).toMatch(/certificate/i)
  })

  it('is refused (502) when ca_file names another CA', async () => {
    const gateway = await gatewayFor(url, { ca_file: files.otherCaFile })
    expect((await fetch(`${gateway.url}/api/status`)).status).toBe(502)
  })

  it('checks the certificate against server_name when the panel is reached by address', async () => {
    const named = await gatewayFor(url, { ca_file: files.caFile, server_name: 'localhost' })
    expect((await fetch(`${named.url}/api/status`)).status).toBe(200)
    const misnamed = await gatewayFor(url, { ca_file: files.caFile, server_name: 'panel.example.com' })
    expect((await fetch(`${misnamed.url}/api/status`)).status).toBe(502)
  })

  it('takes any certificate with reject_unauthorized: false, and says so at start-up', async () => {
    const gateway = await gatewayFor(url, { reject_unauthorized: false })
    expect((await fetch(`${gateway.url}/api/status`)).status).toBe(200)
    const warning = gateway.logs.find((line) => line.event === 'tls_unverified')
    expect(warning).toMatchObject({ level: 40, key: 'upstream.tls' })
  })

  it('says nothing of the kind when certificates are checked', async () => {
    const gateway = await gatewayFor(url, { ca_file: files.caFile })
    expect(gateway.logs.some((line) => line.event === 'tls_unverified')).toBe(false)
  })
})

describe('an https panel that asks for a client certificate', () => {
  let url: string
  beforeAll(async () => {
    url = await listen(strictPanel)
  })

  it('is reached with upstream.tls.cert_file and key_file', async () => {
    const gateway = await gatewayFor(url, {
      ca_file: files.caFile,
      cert_file: files.clientCertFile,
      key_file: files.clientKeyFile,
    })
    const response = await fetch(`${gateway.url}/api/status`)
    expect(response.status).toBe(200)
    expect(await response.text()).toBe('strict panel saw /api/status')
  })

  it('is refused (502) without one', async () => {
    const gateway = await gatewayFor(url, { ca_file: files.caFile })
    expect((await fetch(`${gateway.url}/api/status`)).status).toBe(502)
  })
})
