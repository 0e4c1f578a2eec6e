import { randomBytes } from 'node:crypto'
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { loadConfigFile } from '../gateway/load-config.ts'
import { createLogger } from '../gateway/observability/logger.ts'
import { startServing } from '../gateway/serve-command.ts'
import { DemoYubiKey } from './demo-yubikey.ts'
import { demoApiKey, demoUsers, startDemoPanel } from './panel.ts'

/** `npm start`: the demo panel plus tapgate in front of it, on the embedded store. */
const configFile = fileURLToPath(new URL('../config/demo.yaml', import.meta.url))
const demoDir = fileURLToPath(new URL('../.demo/', import.meta.url))
mkdirSync(demoDir, { recursive: true, mode: 0o700 })
const keyFile = `${demoDir}encryption.key`
if (!existsSync(keyFile)) writeFileSync(keyFile, randomBytes(32).toString('base64url'), { mode: 0o600 })

const loaded = loadConfigFile(configFile)
if (!loaded.ok) {
  for (const problem of loaded.problems) process.stderr.write(`${problem}\n`)
  process.exit(2)
}
const { config } = loaded
const upstream = new URL(config.upstream.url)
const panel = await startDemoPanel(Number(upstream.port), upstream.hostname)
const log = createLogger(config.log_level)
// Takes the embedded store's serving lock, as `tapgate serve` does: a second `npm start` is refused.
const started = await startServing(config, log)
if ('refusal' in started) {
  process.stderr.write(`tapgate: ${started.refusal}\n`)
  await panel.close()
  process.exit(1)
}
const { gateway, lock } = started
// A simulated YubiKey for `demo` (local mode): its secret is imported as an operator would from the
// Personalization Tool's log, and `npm run tap` types its codes.
const yubiKey = DemoYubiKey.open(`${demoDir}yubikey.json`)
const imported = await gateway.services.yubicoOtp?.importKey('demo', {
  ...yubiKey.identity,
  name: 'Demo YubiKey',
})
if (imported && !imported.ok)
  log.warn({ event: 'demo_yubikey', reason: imported.detail }, 'demo YubiKey not imported')

const users = Object.entries(demoUsers)
  .map(([name, password]) => `    ${name} / ${password}`)
  .join('\n')
process.stdout.write(`
  tapgate demo
  Open ${config.public_url}/login and sign in with:
${users}
  then set up an authenticator app (Google Authenticator, Authy …) or a security key when asked.
  demo also has a simulated YubiKey: where a page asks you to touch your key, paste a code that
  \`npm run tap\` prints in another terminal (each code works once). Here is one: ${yubiKey.tap()}
  Codes by text message are not sent anywhere: they appear in this terminal (event sms_logged).
  Your sign-in methods, trusted devices and activity: ${config.public_url}/_tapgate/account
  Admin page (as ${[...config.admins].join(', ')}): ${config.public_url}/_tapgate/admin

  The API bypasses the second factor:
    curl -H 'Authorization: Bearer ${demoApiKey}' ${config.public_url}/api/status

  (the demo panel answers tapgate only, on ${panel.url}; Ctrl+C to stop)

`)
const stop = async () => {
  await gateway.close()
  lock?.release()
  await panel.close()
  process.exit(0)
}
process.once('SIGINT', stop)
process.once('SIGTERM', stop)
