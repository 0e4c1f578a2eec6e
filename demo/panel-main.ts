import { startDemoPanel } from './panel.ts'

/** The demo panel alone (for docker-compose): PANEL_HOST / PANEL_PORT, default 0.0.0.0:3001. */
const panel = await startDemoPanel(
  Number(process.env.PANEL_PORT ?? 3001),
  process.env.PANEL_HOST ?? '0.0.0.0',
)
process.stdout.write(`demo panel listening on ${panel.url}\n`)
process.once('SIGTERM', () => panel.close().then(() => process.exit(0)))
