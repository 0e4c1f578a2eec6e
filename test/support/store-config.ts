import { tmpdir } from 'node:os'
import { parseConfig } from '../../gateway/load-config.ts'
import { openStore } from '../../gateway/store/open-store.ts'
import type { Store } from '../../gateway/store/store.ts'
import { testEncryptionKey } from './gateway.ts'

/**
 * Opens a store as `tapgate serve` would, from a config's `store:` section: checked by the config
 * schema, secrets and relative paths resolved against `baseDir`, then openStore.
 */
export function openConfiguredStore(store: Record<string, unknown>, baseDir = tmpdir()): Store {
  const raw = {
    public_url: 'http://127.0.0.1:3000',
    upstream: { url: 'http://127.0.0.1:3001' },
    first_factor: { panel_cookies: ['session'] },
    encryption_key: testEncryptionKey,
    store,
  }
  const loaded = parseConfig(raw, { baseDir, env: {} })
  if (!loaded.ok) throw new Error(`test store config invalid:\n${loaded.problems.join('\n')}`)
  return openStore(loaded.config.store)
}
