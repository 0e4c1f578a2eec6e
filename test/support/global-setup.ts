import { ensureDebianPackage } from './system-packages.ts'

/** Installs the real servers the suites start, once, before any test file runs. */
export default function setup(): void {
  ensureDebianPackage('redis-server', 'redis-server')
  ensureDebianPackage('chromium', 'chromium')
}
