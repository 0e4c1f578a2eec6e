import { parseArgs } from 'node:util'
import { configWarnings } from '../config/warnings.ts'
import { describeProblems, loadConfigFile } from '../load-config.ts'
import { serveCommand } from '../serve-command.ts'
import { explainPathCommand } from './explain-path.ts'
import { hashPasswordCommand } from './hash-password.ts'
import { lockoutsCommand } from './lockout-commands.ts'
import { storeCommand } from './store-commands.ts'
import { userCommand } from './user-commands.ts'

const usage = `Usage: tapgate <command> [options]

Commands:
  serve --config FILE         run the gateway (FILE may also come from TAPGATE_CONFIG)
  check-config FILE           validate a config file without starting; exit 0 when valid
  explain-path FILE TARGET    which policy a request for TARGET gets, and from which rule
                              (--method M, --ip ADDRESS, --header 'Name: value')
  hash-password               print the argon2id hash of a password for the users file (local mode);
                              reads it from the terminal without echo, or from stdin
  user list|show|history|reset|unlock|invite|add-yubikey …
                              find users, see their factors and history, reset, unlock, invite
                              (\`tapgate user\` for details)
  lockouts list|lift ADDRESS  addresses locked out for everyone, and lifting one
  store accept-empty          after the store lost its data: let the gateways offer enrollment again
`

/** Exit codes: 0 ok, 1 failure, 2 usage or configuration error. */
export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  // Has options of its own, parsed there.
  if (command === 'user') return userCommand(rest)
  if (command === 'store') return storeCommand(rest)
  if (command === 'lockouts') return lockoutsCommand(rest)
  if (command === 'hash-password' && rest.length === 0) return hashPasswordCommand()
  if (command === 'explain-path') return explainPathCommand(rest)
  const { values, positionals } = parseArgs({
    args: rest,
    options: { config: { type: 'string' } },
    allowPositionals: true,
  })
  switch (command) {
    case 'serve':
      return serveCommand(values.config ?? process.env.TAPGATE_CONFIG)
    case 'check-config': {
      const file = positionals[0] ?? values.config ?? process.env.TAPGATE_CONFIG
      if (!file) break
      const loaded = loadConfigFile(file)
      if (loaded.ok) {
        for (const { key, message } of configWarnings(loaded.config)) {
          process.stderr.write(`${file}: warning: ${key}: ${message}\n`)
        }
        process.stdout.write(`${file}: configuration is valid\n`)
        return 0
      }
      process.stderr.write(describeProblems(file, loaded.problems))
      return 2
    }
  }
  process.stderr.write(usage)
  return 2
}
