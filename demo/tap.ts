import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { DemoYubiKey } from './demo-yubikey.ts'

/** `npm run tap`: what touching the demo's YubiKey would type. Paste it where the page asks for a tap. */
const file = fileURLToPath(new URL('../.demo/yubikey.json', import.meta.url))
if (existsSync(file)) process.stdout.write(`${DemoYubiKey.open(file).tap()}\n`)
else {
  process.stderr.write('No demo YubiKey yet: `npm start` makes one and gives it to the user demo.\n')
  process.exitCode = 1
}
