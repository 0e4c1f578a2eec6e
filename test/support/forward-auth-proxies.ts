import { readFileSync } from 'node:fs'
import { startCaddy } from './caddy.ts'
import type { ForegroundServer } from './foreground-server.ts'
import { startNginx } from './nginx.ts'

export interface ShippedProxy {
  name: string
  /** tapgate's `forward_auth.proxy` for it. */
  kind: 'nginx' | 'caddy'
  /** Runs the example on `port`, asking tapgate at `tapgateHost` and serving the panel at `panelHost`. */
  start(port: number, tapgateHost: string, panelHost: string): Promise<ForegroundServer>
}

/**
 * Debian's real nginx and Caddy, each running the shipped example from config/proxies/ with only its
 * addresses changed.
 */
export const shippedProxies: ShippedProxy[] = [
  {
    name: 'nginx auth_request',
    kind: 'nginx',
    start: (port, tapgateHost, panelHost) =>
      startNginx(
        readFileSync('config/proxies/nginx-forward-auth.conf', 'utf8')
          .replace('127.0.0.1:8080', tapgateHost)
          .replace('127.0.0.1:2082', panelHost),
        port,
      ),
  },
  {
    name: 'Caddy forward_auth',
    kind: 'caddy',
    start: (port, tapgateHost, panelHost) =>
      startCaddy(
        readFileSync('config/proxies/Caddyfile', 'utf8')
          .replaceAll('127.0.0.1:8080', tapgateHost)
          .replace('127.0.0.1:2082', panelHost),
        'panel.example.com',
        port,
      ),
  },
]
