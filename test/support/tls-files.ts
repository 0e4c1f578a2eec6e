import { execFile } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { ConnectionOptions } from 'node:tls'
import { promisify } from 'node:util'

const run = promisify(execFile)

export type TlsFiles = {
  /** The CA that signed both certificates below. */
  caFile: string
  /** For the server: valid for 127.0.0.1 and localhost. */
  certFile: string
  keyFile: string
  /** For a client of a server that asks for one (redis-server's tls-auth-clients). */
  clientCertFile: string
  clientKeyFile: string
  /** A CA that signed nothing here: trusting only it must fail the handshake. */
  otherCaFile: string
}

/** Throwaway PEM files made with openssl in `dir`: two CAs, a server and a client certificate. */
export async function makeTlsFiles(dir: string): Promise<TlsFiles> {
  const file = (name: string) => join(dir, name)
  await Promise.all([makeCa(file('ca'), 'tapgate test CA'), makeCa(file('other-ca'), 'another CA')])
  await Promise.all([
    makeLeaf(file('ca'), file('server'), 'subjectAltName=IP:127.0.0.1,DNS:localhost'),
    makeLeaf(file('ca'), file('client'), 'extendedKeyUsage=clientAuth'),
  ])
  return {
    caFile: file('ca.pem'),
    certFile: file('server.pem'),
    keyFile: file('server.key'),
    clientCertFile: file('client.pem'),
    clientKeyFile: file('client.key'),
    otherCaFile: file('other-ca.pem'),
  }
}

/** What a test's own client (ioredis `tls`) needs to reach a server that uses `files`. */
export function clientTls(files: TlsFiles): ConnectionOptions {
  return {
    ca: readFileSync(files.caFile),
    cert: readFileSync(files.clientCertFile),
    key: readFileSync(files.clientKeyFile),
  }
}

// P-256 keys: generated in milliseconds, where RSA takes a noticeable share of a test's budget.
const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '1']

async function makeCa(base: string, name: string): Promise<void> {
  const subject = ['-subj', `/CN=${name}`]
  await run('openssl', [
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    `${base}.key`,
    '-out',
    `${base}.pem`,
    ...subject,
  ])
}

async function makeLeaf(ca: string, base: string, extension: string): Promise<void> {
  await run('openssl', [
    'req',
    '-x509',
    ...['-CA', `${ca}.pem`, '-CAkey', `${ca}.key`],
    ...newKey,
    ...['-keyout', `${base}.key`, '-out', `${base}.pem`, '-subj', '/CN=localhost'],
    ...['-addext', extension, '-addext', 'basicConstraints=critical,CA:FALSE'],
  ])
}
