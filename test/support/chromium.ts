import { type Browser, chromium } from 'playwright-core'

/**
 * Debian's Chromium, headless, driven by playwright-core (no browser download: the test setup
 * installs the `chromium` package). The flags keep it off the network this machine does not have.
 */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: '/usr/bin/chromium',
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  })
}
