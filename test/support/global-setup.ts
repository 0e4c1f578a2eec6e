import { execFileSync } from 'node:child_process'
import { ensureDebianPackage } from './system-packages.ts'

/**
 * Installs the real servers the suites start, once, before any test file runs; and compiles the
 * gateway (`npm run build`): the processes the tests start run it, as production does.
 */
export default function setup(): void {
  execFileSync('npm', ['run', '-s', 'build'], { stdio: 'inherit' })
  ensureDebianPackage('redis-server', 'redis-server')
  ensureDebianPackage('chromium', 'chromium')
  // Here rather than in the test files: two apt-get runs at once would fight over dpkg's lock.
  ensureDebianPackage('docker-compose', 'docker-compose')
  ensureDebianPackage('nginx', 'nginx')
  ensureDebianPackage('systemd-analyze', 'systemd')
  ensureDebianPackage('caddy', 'caddy')
  // Real panels nobody here wrote, and their request parsers (differential tests). php-cgi before
  // dokuwiki, so that the 'php' dependency is not met by Apache's module.
  ensureDebianPackage('php', 'php-cli')
  ensureDebianPackage('php-cgi', 'php-cgi')
  ensureDebianPackage('/usr/share/dokuwiki/doku.php', 'dokuwiki')
  ensureDebianPackage('django-admin', 'python3-django')
}
