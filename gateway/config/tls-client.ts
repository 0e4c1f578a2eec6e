import { readFileSync } from 'node:fs'
import type { ConnectionOptions } from 'node:tls'
import type { TlsClientConfig } from './schema.ts'

/**
 * Node's TLS options for a server tapgate connects to (`store.tls`, `upstream.tls`). The files are read
 * here, when the connection is set up, so a renewed certificate is picked up by a restart; `keyPath`
 * names the config block in the error when one cannot be read.
 */
export function tlsClientOptions(tls: TlsClientConfig | undefined, keyPath: string): ConnectionOptions {
  if (tls === undefined) return {}
  const read = (key: 'ca_file' | 'cert_file' | 'key_file', file: string) => {
    try {
      return readFileSync(file, 'utf8')
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code
      throw new Error(`${keyPath}.${key}: cannot read '${file}' (${code})`, { cause: error })
    }
  }
  return {
    ...(tls.ca_file !== undefined && { ca: read('ca_file', tls.ca_file) }),
    ...(tls.cert_file !== undefined && { cert: read('cert_file', tls.cert_file) }),
    ...(tls.key_file !== undefined && { key: read('key_file', tls.key_file) }),
    // Node checks the certificate against servername when given, else against the host.
    ...(tls.server_name !== undefined && { servername: tls.server_name }),
    rejectUnauthorized: tls.reject_unauthorized,
  }
}
