import type { Config } from '../../gateway/config/schema.ts'
import { secretsAtRest } from '../../gateway/crypto/secret-box.ts'
import { systemClock } from '../../gateway/deps.ts'
import { sessionCookie } from '../../gateway/http/cookies.ts'
import { type PanelJar, PanelJars } from '../../gateway/panel-session/panel-jar.ts'
import { Sessions } from '../../gateway/session/sessions.ts'
import { openStore } from '../../gateway/store/open-store.ts'

/**
 * The Cookie header of a browser holding a verified (two_factor) session, with the panel's session
 * cookies in its jar as a sign-in leaves it. The gateway runs from the bundle, so the session is
 * written to its store from here, with the gateway's own source modules and its config's key.
 */
export async function verifiedBrowserCookie(config: Config, user: string, jar: PanelJar): Promise<string> {
  const store = openStore(config.store)
  try {
    const panelJar = new PanelJars(secretsAtRest(config.encryption_key)).seal(user, jar)
    const token = await new Sessions(store, systemClock, config.session).create({
      user,
      level: 'two_factor',
      ...(panelJar && { panelJar }),
    })
    return `${sessionCookie(config.session.cookie_name, config.public_url).name}=${token}`
  } finally {
    await store.close()
  }
}
