import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { type IncomingMessage, request } from 'node:http'
import { createServer, type Server } from 'node:https'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { TLSSocket } from 'node:tls'
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

async function gatewayFor(
  url: string,
  tls?: Record<string, unknown>,
  upstream: Record<string, unknown> = {},
): Promise<TestGateway> {
  const gateway = await startTestGateway({
    upstreamUrl: url,
    config: { upstream: { url, timeout: '5s', ...upstream, ...(tls && { tls }) } },
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

describe('an https panel behind upstream.preserve_host', () => {
  /**
   * What the panel saw of each request: its Host header, the name the gateway's TLS asked for (SNI;
   * false for none, as for an address) and which of the panel's connections carried it.
   */
  let seen: { host: string | undefined; servername: string | false | null; connection: number }[] = []
  let recordingPanel: Server
  let port: number
  beforeAll(async () => {
    const connections = new WeakMap<TLSSocket, number>()
    let connectionCount = 0
    recordingPanel = createServer(
      { key: readFileSync(files.keyFile), cert: readFileSync(files.certFile) },
      (req, res) => {
        const socket = req.socket as TLSSocket
        if (!connections.has(socket)) connections.set(socket, ++connectionCount)
        seen.push({
          host: req.headers.host,
          servername: socket.servername,
          connection: connections.get(socket)!,
        })
        res.end(`recording panel saw ${req.url}`)
      },
    )
    port = Number(new URL(await listen(recordingPanel)).port)
  })
  afterEach(() => {
    seen = []
  })
  afterAll(() => {
    recordingPanel.close()
  })

  /** A GET with the client's own Host header (fetch will not send one). */
  function getWithHost(gateway: TestGateway, path: string, host: string) {
    const { hostname, port: gatewayPort } = new URL(gateway.url)
    return new Promise<{ status: number; text: string }>((resolve, reject) => {
      const outgoing = request(
        {
          host: hostname,
          port: gatewayPort,
          path,
          agent: false,
          headers: { host, accept: 'application/json' },
        },
        (response: IncomingMessage) => {
          let text = ''
          response.setEncoding('utf8')
          response.on('data', (part: string) => {
            text += part
          })
          response.once('end', () => resolve({ status: response.statusCode ?? 0, text }))
        },
      )
      outgoing.once('error', reject)
      outgoing.end()
    })
  }

  const hosts = ['evil.example', 'localhost', 'panel.example.com', 'evil.example:8443', '127.0.0.1']

  it.each([
    {
      checked: 'the URL’s address (no name sent)',
      url: () => `https://127.0.0.1:${port}`,
      tls: {},
      servername: false,
    },
    {
      checked: 'upstream.tls.server_name',
      url: () => `https://127.0.0.1:${port}`,
      tls: { server_name: 'localhost' },
      servername: 'localhost',
    },
    { checked: 'the URL’s name', url: () => `https://localhost:${port}`, tls: {}, servername: 'localhost' },
  ])('checks the certificate against $checked, whatever Host each request carries', async (setting) => {
    const gateway = await gatewayFor(
      setting.url(),
      { ca_file: files.caFile, ...setting.tls },
      { preserve_host: true },
    )
    for (const [i, host] of hosts.entries()) {
      const response = await getWithHost(gateway, `/api/host-${i}`, host)
      expect(response, `Host: ${host}`).toEqual({ status: 200, text: `recording panel saw /api/host-${i}` })
    }
    // Each Host reached the panel as the client sent it, over TLS that asked for the one configured
    // name every time: one connection served them all, none was closed for a change of name.
    expect(seen.map((entry) => entry.host)).toEqual(hosts)
    expect(seen.map((entry) => entry.servername)).toEqual(hosts.map(() => setting.servername))
    expect(new Set(seen.map((entry) => entry.connection)).size).toBe(1)
  })

  it('is refused (502) when server_name is wrong, even if the Host header names the certificate', async () => {
    const gateway = await gatewayFor(
      `https://127.0.0.1:${port}`,
      { ca_file: files.caFile, server_name: 'panel.example.com' },
      { preserve_host: true },
    )
    for (const host of ['localhost', '127.0.0.1']) {
      expect((await getWithHost(gateway, '/api/status', host)).status, `Host: ${host}`).toBe(502)
    }
    expect(seen).toEqual([])
    // Both times the name checked was server_name's, not the Host header's.
    const causes = gateway.logs.filter((line) => line.event === 'upstream_failure').map((line) => line.cause)
    expect(causes).toHaveLength(2)
    for (const cause of causes)
      expect(String(cause)).toMatch(/ERR_TLS_CERT_ALTNAME_INVALID.*Host: panel\.example\.com\./)
  })
})
