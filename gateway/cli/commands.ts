import { parseArgs } from 'node:util'
import { configWarnings } from '../config/warnings.ts'
import { tapgateVersion } from '../observability/version.ts'
import { serveCommand } from '../serve-command.ts'
import { loadCommandConfig } from './config-path.ts'
import { explainPathCommand, explainPathUsage } from './explain-path.ts'
import { hashPasswordCommand } from './hash-password.ts'
import { lockoutsCommand, lockoutsUsage } from './lockout-commands.ts'
import { describeFailure } from './one-line-failure.ts'
import { reloadCommand, reloadUsage } from './reload-command.ts'
import { storeCommand, storeUsage } from './store-commands.ts'
import { userCommand, userUsage } from './user-commands.ts'

const usage = `Usage: tapgate <command> [options]

Commands:
  serve                       run the gateway; reloads its config on SIGHUP, drains in-flight
                              requests on SIGTERM or SIGINT
  reload                      check the config, then have the running gateway apply it (SIGHUP)
  check-config [FILE]         validate a config file without starting; exit 0 when valid
  explain-path [FILE] TARGET  which policy a request for TARGET gets, and from which rule
                              (--method M, --ip ADDRESS, --header 'Name: value')
  hash-password               print the argon2id hash of a password for the users file (local mode);
                              reads it from the terminal without echo, or from stdin
  user list|show|history|reset|unlock|sign-out|invite|add-yubikey …
                              find users, see their factors and history, reset, unlock, sign out, invite
  lockouts list|lift ADDRESS  addresses locked out for everyone, and lifting one
  store accept-empty          after the store lost its data: let the gateways offer enrollment again

  tapgate COMMAND --help      what a command takes;  tapgate --version  the release

The config: --config FILE, else the TAPGATE_CONFIG variable, else ./tapgate.yaml, else the demo's
(config/demo.yaml) when run from tapgate's repository.
Exit codes: 0 done, 1 failed (one line on stderr), 2 usage or configuration error.
`

/** What `COMMAND --help` prints. */
const usages: Readonly<Record<string, string>> = {
  serve: `Usage: tapgate serve [--config FILE]
  Runs the gateway in the foreground, logging JSON lines on stdout. SIGHUP reloads the config (see
  tapgate reload --help). SIGTERM or SIGINT stops it accepting connections and drains in-flight
  requests; a second signal ends it at once.
`,
  reload: reloadUsage,
  'check-config': `Usage: tapgate check-config [FILE]
  Validates a config file (else --config FILE; see tapgate --help) without starting: every problem
  on its own line, warnings too; exit 0 when valid, 2 when not.
`,
  'explain-path': explainPathUsage,
  'hash-password': `Usage: tapgate hash-password
  Prints the argon2id hash of a password for the users file (first_factor.mode: local). Reads the
  password from the terminal without echo (asked twice), or from stdin when piped.
`,
  user: userUsage,
  lockouts: lockoutsUsage,
  store: storeUsage,
}

const wantsHelp = (args: readonly string[]) => args.includes('--help') || args.includes('-h')

/**
 * The command line. Every failure is one line on stderr, never a stack trace.
 * Exit codes: 0 ok, 1 failure, 2 usage or configuration error.
 */
export async function main(argv: string[]): Promise<number> {
  try {
    return await run(argv)
  } catch (error) {
    process.stderr.write(`tapgate: ${describeFailure(error)}\n`)
    return 1
  }
}

async function run(argv: string[]): Promise<number> {
  const [command, ...rest] = argv
  if (command === '--version' || command === '-V') {
    process.stdout.write(`tapgate ${tapgateVersion}\n`)
    return 0
  }
  if (command === undefined || command === 'help' || wantsHelp([command])) {
    const about = command === 'help' && rest[0] !== undefined ? usages[rest[0]] : undefined
    process.stdout.write(about ?? usage)
    return command === undefined ? 2 : 0
  }
  const commandUsage = usages[command]
  if (commandUsage === undefined) {
    process.stderr.write(`tapgate: no command '${command}'\n${usage}`)
    return 2
  }
  if (wantsHelp(rest)) {
    process.stdout.write(commandUsage)
    return 0
  }
  switch (command) {
    case 'user':
      return userCommand(rest)
    case 'store':
      return storeCommand(rest)
    case 'reload':
      return reloadCommand(rest)
    case 'lockouts':
      return lockoutsCommand(rest)
    case 'explain-path':
      return explainPathCommand(rest)
    case 'hash-password':
      if (rest.length > 0) break
      return hashPasswordCommand()
    case 'serve':
    case 'check-config':
      return configCommand(command, rest)
  }
  process.stderr.write(commandUsage)
  return 2
}

async function configCommand(command: 'serve' | 'check-config', args: string[]): Promise<number> {
  const { values, positionals } = parseArgs({
    args,
    options: { config: { type: 'string' } },
    allowPositionals: true,
  })
  const file = command === 'check-config' ? (positionals[0] ?? values.config) : values.config
  if (positionals.length > (command === 'check-config' ? 1 : 0)) {
    process.stderr.write(usages[command] ?? usage)
    return 2
  }
  const loaded = loadCommandConfig(file)
  if (loaded === null) return 2
  if (command === 'serve') return serveCommand(loaded.file, loaded.config)
  for (const { key, message } of configWarnings(loaded.config)) {
    process.stderr.write(`${loaded.file}: warning: ${key}: ${message}\n`)
  }
  process.stdout.write(`${loaded.file}: configuration is valid\n`)
  return 0
}
