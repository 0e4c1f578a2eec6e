#!/usr/bin/env node
// The compiled gateway (`npm run build`) when there is one; else the TypeScript sources through tsx,
// as Node 20 cannot run TypeScript by itself.
import { existsSync } from 'node:fs'

const compiled = new URL('../../dist/gateway/tapgate.js', import.meta.url)
if (existsSync(compiled)) {
  await import(compiled.href)
} else {
  const { register } = await import('tsx/esm/api')
  register()
  await import('./main.ts')
}
