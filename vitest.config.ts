import { defineConfig } from 'vitest/config'

// Every run's temp files in a dir of its own, removed when the run ends.
const tempRoot = 'test/support/temp-root.ts'
// Installs the real servers (redis-server, nginx, chromium …) for the suites that start them; unit
// tests start none, so they begin at once.
const installRealServers = [tempRoot, 'test/support/global-setup.ts']

// Each project extends this config: the timeouts and the pool hold for all three.
export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: { name: 'unit', include: ['test/unit/**/*.test.{ts,tsx}'], globalSetup: [tempRoot] },
      },
      {
        extends: true,
        test: {
          name: 'integration',
          include: ['test/{integration,security,differential}/**/*.test.{ts,tsx}'],
          globalSetup: installRealServers,
        },
      },
      {
        extends: true,
        test: { name: 'e2e', include: ['test/e2e/**/*.test.{ts,tsx}'], globalSetup: installRealServers },
      },
    ],
  },
})
