import { isIP } from 'node:net'
import { parseArgs } from 'node:util'
import { canonicalAddress } from '../http/networks.ts'
import { liftAddressLockout } from '../users/admin-actions.ts'
import { CommandError, cliAct, withServices } from './command-services.ts'
import { iso, print, printable, printJson, table, utc } from './output.ts'

export const lockoutsUsage = `Usage: tapgate lockouts <command> [options]   (--config FILE; see tapgate --help)

Commands:
  list                          addresses locked out for every user (password spraying), until when
  lift ADDRESS                  lift the lockout of ADDRESS (for IPv6, of its /64)

A user's own lockouts, and theirs at one address, are shown by \`tapgate user show USER\` and lifted by
\`tapgate user unlock USER\`.

Options:
  --json                        machine-readable output
`

/**
 * `tapgate lockouts …`: the admin page's list of locked addresses from a shell. Exit codes: 0 ok,
 * 1 error (one line on stderr), 2 usage.
 */
export async function lockoutsCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseLockoutsArgs>
  try {
    parsed = parseLockoutsArgs(args)
  } catch (error) {
    process.stderr.write(`tapgate: ${(error as Error).message}\n${lockoutsUsage}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, address, extra] = positionals
  const shapeOk =
    (command === 'list' && address === undefined) || (command === 'lift' && address !== undefined)
  if (!shapeOk || extra !== undefined) {
    process.stderr.write(lockoutsUsage)
    return 2
  }
  const json = values.json ?? false
  try {
    return await withServices(values.config, async (s) => {
      if (command === 'list') {
        const locks = await s.regulator.lockedAddresses()
        if (json) printJson(locks.map(({ block, until }) => ({ address: block, until: iso(until) })))
        else if (locks.length === 0) print('No address is locked out.')
        else
          print(
            table(
              ['ADDRESS', 'LOCKED OUT UNTIL'],
              locks.map((l) => [l.block, utc(l.until)]),
            ),
          )
        return 0
      }
      const canonical = canonicalAddress(address ?? '')
      if (isIP(canonical) === 0) throw new CommandError(`'${printable(address ?? '')}' is not an IP address`)
      const lifted = await liftAddressLockout(s, canonical, cliAct())
      if (json) printJson({ address: lifted, lifted: lifted !== null })
      else print(lifted === null ? `${canonical} is not locked out.` : `${lifted}: lockout lifted.`)
      return 0
    })
  } catch (error) {
    process.stderr.write(`tapgate: ${printable((error as Error).message)}\n`)
    return 1
  }
}

function parseLockoutsArgs(args: string[]) {
  return parseArgs({
    args,
    options: { config: { type: 'string' }, json: { type: 'boolean' } },
    allowPositionals: true,
  })
}
