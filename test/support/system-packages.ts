import { execFileSync } from 'node:child_process'
import { existsSync } from 'node:fs'

let aptUpdated = false

/**
 * Installs a Debian package when its binary is missing. Tests need real servers (redis-server,
 * chromium …); on a fresh machine the test setup installs them instead of skipping.
 */
export function ensureDebianPackage(binary: string, pkg: string): string {
  const found = which(binary)
  if (found) return found
  if (process.getuid?.() !== 0) {
    throw new Error(
      `${binary} is missing; install the Debian package '${pkg}' (the test setup does this as root)`,
    )
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' }
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit', env })
    aptUpdated = true
  }
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { stdio: 'inherit', env })
  const installed = which(binary)
  if (!installed) throw new Error(`apt-get installed ${pkg} but ${binary} is still not on PATH`)
  return installed
}

/** A command on PATH, or an absolute path to a file a package installs (`/usr/share/dokuwiki/doku.php`). */
function which(binary: string): string | null {
  if (binary.startsWith('/')) return existsSync(binary) ? binary : null
  for (const dir of (process.env.PATH ?? '').split(':')) {
    if (dir && existsSync(`${dir}/${binary}`)) return `${dir}/${binary}`
  }
  for (const dir of ['/usr/sbin', '/usr/bin', '/sbin']) {
    if (existsSync(`${dir}/${binary}`)) return `${dir}/${binary}`
  }
  return null
}
