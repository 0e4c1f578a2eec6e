import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { factorIds, factorLabels } from '../factors/factor-kinds.ts'
import { factorStandings } from '../factors/factor-standing.ts'
import { type CsvRow, parsePersonalizationCsv } from '../factors/yubico-otp/personalization-csv.ts'
import type { HistoryEntry } from '../history/login-history.ts'
import type { Services } from '../services.ts'
import {
  importYubiKey,
  issueEnrollmentInvite,
  liftLockout,
  signOutEverywhere,
  type UserOverview,
  userOverview,
} from '../users/admin-actions.ts'
import { resetSecondFactors } from '../users/reset-user.ts'
import { CommandError, cliAct, withServices } from './command-services.ts'
import { iso, print, printable, printJson, table, utc } from './output.ts'

export const userUsage = `Usage: tapgate user <command> [options]   (--config FILE; see tapgate --help)

Commands:
  list [--search S]             users who have signed in, with their factors
  show USER                     a user's factors, lockout and enrollment code
  history USER                  a user's sign-in attempts and changes, newest first
  reset USER --reason "…"       remove the user's second factors, end their sessions and trusted devices
  unlock USER [--reason "…"]    lift the user's lockouts (their own, and theirs at any address)
  sign-out USER [--reason "…"]  end the user's sessions and trusted devices everywhere; factors are kept
  invite USER                   issue a one-time enrollment code (first_enrollment: invite)
  add-yubikey USER --csv FILE [--public-id ID] [--name NAME]
                                local YubiKey mode: import a key's AES secret from the Personalization
                                Tool's log; the user then enrolls it with a tap

Options:
  --json                        machine-readable output
`

interface Invocation {
  command: string
  user: string | undefined
  search: string
  reason: string | undefined
  json: boolean
  csv: string | undefined
  publicId: string | undefined
  name: string | undefined
}

/**
 * `tapgate user …`: the admin page's reads and actions from a shell, against the configured store
 * (seed 004). Actions are recorded in the user's history as `cli:<os user>` from ip `cli`, and their
 * log lines go to stderr. Exit codes: 0 ok, 1 error (one line on stderr), 2 usage.
 */
export async function userCommand(args: string[]): Promise<number> {
  let parsed: ReturnType<typeof parseUserArgs>
  try {
    parsed = parseUserArgs(args)
  } catch (error) {
    process.stderr.write(`tapgate: ${(error as Error).message}\n${userUsage}`)
    return 2
  }
  const { values, positionals } = parsed
  const [command, user, extra] = positionals
  if (command === undefined || !Object.hasOwn(commands, command) || extra !== undefined) {
    process.stderr.write(userUsage)
    return 2
  }
  try {
    return await withServices(values.config, async (s) => {
      const invocation = {
        command,
        user,
        search: values.search ?? '',
        reason: values.reason,
        json: values.json ?? false,
        csv: values.csv,
        publicId: values['public-id'],
        name: values.name,
      }
      await commands[command as keyof typeof commands](s, invocation)
      return 0
    })
  } catch (error) {
    process.stderr.write(`tapgate: ${printable((error as Error).message)}\n`)
    return 1
  }
}

function parseUserArgs(args: string[]) {
  return parseArgs({
    args,
    options: {
      config: { type: 'string' },
      search: { type: 'string' },
      reason: { type: 'string' },
      json: { type: 'boolean' },
      csv: { type: 'string' },
      'public-id': { type: 'string' },
      name: { type: 'string' },
    },
    allowPositionals: true,
  })
}

/**
 * The USER argument, spelled as sign-in spells it, and known to tapgate: signed in once, or (for
 * `show` and `unlock`) locked out by wrong passwords before ever getting past one.
 */
async function knownUser(s: Services, invocation: Invocation, orLockedOut = false): Promise<string> {
  if (invocation.user === undefined) throw new CommandError(`${invocation.command} needs a USER`)
  const user = s.canonicalUser(invocation.user)
  const known =
    user !== '' && ((await s.users.isKnown(user)) || (orLockedOut && (await isLockedOut(s, user))))
  if (!known) {
    throw new CommandError(`unknown user '${invocation.user}' (no one of that name has signed in)`)
  }
  return user
}

async function isLockedOut(s: Services, user: string): Promise<boolean> {
  const { until, addresses } = await s.regulator.lockoutsOfUser(user)
  return until !== null || addresses.length > 0
}

const commands = {
  async list(s: Services, { search, json }: Invocation) {
    const overviews = await Promise.all((await s.users.list(search)).map((u) => userOverview(s, u)))
    if (json) return printJson(overviews.map(summaryJson))
    if (overviews.length === 0) return print(search === '' ? 'No users yet.' : 'No user matches.')
    // A column for each factor offered to anyone listed; '-' for a user it is not offered to.
    const offered = factorIds.filter((id) => overviews.some((o) => o.factors.offered.includes(id)))
    print(
      table(
        [
          'USER',
          ...offered.map((id) => factorLabels[id].title.toUpperCase()),
          'RECOVERY CODES',
          'LOCKED OUT UNTIL',
        ],
        overviews.map((o) => {
          const shown = new Map(factorStandings(o.factors).map((standing) => [standing.id, standing.shown]))
          return [
            o.user,
            ...offered.map((id) => shown.get(id) ?? '-'),
            recoveryCodesShown(o.factors.recoveryCodesLeft),
            lockedSummary(o),
          ]
        }),
      ),
    )
  },

  async show(s: Services, invocation: Invocation) {
    const user = await knownUser(s, invocation, true)
    const overview = await userOverview(s, user)
    const { factors } = overview
    if (invocation.json) {
      return printJson({
        ...summaryJson(overview),
        keys: factors.has.webauthn.map(({ name, createdAt, lastUsedAt }) => ({
          name,
          createdAt: iso(createdAt),
          lastUsedAt: lastUsedAt === null ? null : iso(lastUsedAt),
        })),
      })
    }
    const lines = [
      ['User', user],
      ...factorStandings(factors).map(({ title, shown }) => [title, shown]),
      ['Recovery codes', recoveryCodesShown(factors.recoveryCodesLeft)],
      ['Locked out', overview.lockedUntil === null ? 'no' : `until ${utc(overview.lockedUntil)}`],
      ...overview.lockedAddresses.map(({ block, until }) => [
        `Locked out at ${block}`,
        `until ${utc(until)}`,
      ]),
      ...(factors.switchedOff.length === 0
        ? []
        : [['Turned off here', factors.switchedOff.map((type) => factorLabels[type].many).join(', ')]]),
    ]
    if (s.config.enrollment.first_enrollment === 'invite') {
      const until = overview.inviteExpiresAt
      lines.push(['Enrollment code', until === null ? 'none' : `outstanding until ${utc(until)}`])
    }
    print(
      table(
        null,
        lines.map(([label, value]) => [`${label}:`, value as string]),
      ),
    )
    if (factors.has.webauthn.length > 0) {
      print('')
      print(
        table(
          ['KEY', 'ADDED', 'LAST USED'],
          factors.has.webauthn.map((key) => [
            key.name,
            utc(key.createdAt),
            key.lastUsedAt === null ? 'never' : utc(key.lastUsedAt),
          ]),
        ),
      )
    }
  },

  async history(s: Services, invocation: Invocation) {
    const user = await knownUser(s, invocation)
    const entries = await s.history.of(user)
    if (invocation.json) {
      return printJson(entries.map((entry) => ({ ...entry, time: iso(entry.at) })))
    }
    if (entries.length === 0) return print(`Nothing recorded for ${printable(user)}.`)
    print(
      table(
        ['TIME (UTC)', 'EVENT', 'FACTOR', 'RESULT', 'IP', 'ACTOR', 'REASON', 'USER AGENT'],
        entries.map((entry: HistoryEntry) => [
          utc(entry.at).replace(' UTC', ''),
          entry.event,
          entry.factor ?? '-',
          entry.result,
          entry.ip,
          entry.actor ?? '-',
          entry.reason ?? '-',
          entry.userAgent || '-',
        ]),
      ),
    )
  },

  async reset(s: Services, invocation: Invocation) {
    const reason = invocation.reason?.trim() ?? ''
    if (reason === '') throw new CommandError('reset needs --reason "…" (it goes into the user\'s history)')
    const user = await knownUser(s, invocation)
    await resetSecondFactors(s, user, { ...cliAct(), reason })
    if (invocation.json) return printJson({ user, reset: true })
    print(`${printable(user)}: second factors removed; sessions and trusted devices revoked.`)
  },

  async unlock(s: Services, invocation: Invocation) {
    const user = await knownUser(s, invocation, true)
    await liftLockout(s, user, { ...cliAct(), ...(invocation.reason ? { reason: invocation.reason } : {}) })
    if (invocation.json) return printJson({ user, unlocked: true })
    print(`${printable(user)}: lockout lifted.`)
  },

  async 'sign-out'(s: Services, invocation: Invocation) {
    const user = await knownUser(s, invocation)
    await signOutEverywhere(s, user, {
      ...cliAct(),
      ...(invocation.reason ? { reason: invocation.reason } : {}),
    })
    if (invocation.json) return printJson({ user, signedOut: true })
    print(`${printable(user)}: signed out everywhere; sessions and trusted devices ended, factors kept.`)
  },

  async invite(s: Services, invocation: Invocation) {
    if (s.config.enrollment.first_enrollment !== 'invite') {
      throw new CommandError("enrollment codes need 'enrollment.first_enrollment: invite' in the config")
    }
    const user = await knownUser(s, invocation)
    const code = await issueEnrollmentInvite(s, user, cliAct())
    const expiresAt = await s.invites.expiresAt(user)
    if (invocation.json) {
      return printJson({ user, code, expiresAt: expiresAt === null ? null : iso(expiresAt) })
    }
    print(`Enrollment code for ${printable(user)}: ${code}`)
    if (expiresAt !== null) print(`It works once, until ${utc(expiresAt)}. A new code replaces it.`)
  },

  async 'add-yubikey'(s: Services, invocation: Invocation) {
    const factor = s.yubicoOtp
    if (factor?.settings.mode !== 'local') {
      throw new CommandError("importing YubiKey secrets needs 'factors.yubico_otp' enabled with mode: local")
    }
    if (invocation.user === undefined) throw new CommandError('add-yubikey needs a USER')
    if (invocation.csv === undefined) {
      throw new CommandError('add-yubikey needs --csv FILE (the log the Personalization Tool wrote)')
    }
    // The key may be handed out before its user has ever signed in, so the user need not be known yet.
    const user = s.canonicalUser(invocation.user)
    if (user === '') throw new CommandError('add-yubikey needs a USER')
    const row = chooseKeyRow(parsePersonalizationCsv(readCsv(invocation.csv)), invocation)
    const imported = await importYubiKey(
      s,
      factor,
      user,
      { ...row.key, ...(invocation.name === undefined ? {} : { name: invocation.name }) },
      cliAct(),
    )
    if (!imported.ok) throw new CommandError(`line ${row.line}: ${imported.detail}`)
    if (invocation.json) return printJson({ user, publicId: imported.publicId, imported: true })
    print(`${printable(user)}: YubiKey ${imported.publicId} imported.`)
    print('It counts once they enroll it with a tap (at sign-in, or on their account page).')
  },
} satisfies Record<string, (s: Services, invocation: Invocation) => Promise<void>>

function readCsv(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch (error) {
    throw new CommandError(`cannot read ${file}: ${(error as NodeJS.ErrnoException).code ?? 'error'}`)
  }
}

/**
 * The one key to import: the row with `--public-id`, or the file's only key. A log of a whole batch
 * names many keys, and giving them all to one user would be a mistake, so it needs `--public-id`.
 */
function chooseKeyRow(rows: CsvRow[], { csv, publicId }: Invocation): Extract<CsvRow, { ok: true }> {
  const keys = rows.filter((row) => row.ok)
  if (publicId !== undefined) {
    const wanted = publicId.replace(/\s+/g, '').toLowerCase()
    const match = keys.find((row) => row.key.publicId === wanted)
    if (match) return match
    const broken = rows.find((row) => !row.ok)
    const hint = broken && !broken.ok ? ` (line ${broken.line} is unreadable: ${broken.error})` : ''
    throw new CommandError(`${csv} has no Yubico OTP key with public id '${publicId}'${hint}`)
  }
  const [only, ...others] = keys
  if (only !== undefined && others.length === 0) return only
  if (only === undefined) {
    const broken = rows.find((row) => !row.ok)
    const why = broken && !broken.ok ? `: line ${broken.line}: ${broken.error}` : ''
    throw new CommandError(`${csv} has no Yubico OTP key${why}`)
  }
  const ids = keys.map((row) => row.key.publicId).join(', ')
  throw new CommandError(`${csv} has ${keys.length} keys (${ids}); choose one with --public-id`)
}

const recoveryCodesShown = (left: number | null) => (left === null ? 'None' : `${left} left`)

/** The latest of the user's lockouts, overall or at an address: what the list's column shows. */
function lockedSummary(o: UserOverview): string {
  const untils = [o.lockedUntil ?? 0, ...o.lockedAddresses.map((lock) => lock.until)]
  const latest = Math.max(...untils)
  return latest === 0 ? '-' : utc(latest)
}

function summaryJson(o: UserOverview) {
  return {
    user: o.user,
    totp: o.factors.has.totp,
    keys: o.factors.has.webauthn.length,
    /** How many of each factor offered here the user has (an app or a phone: 0 or 1). */
    factors: Object.fromEntries(o.factors.offered.map((id) => [id, o.factors.ways[id]])),
    recoveryCodesLeft: o.factors.recoveryCodesLeft,
    lockedUntil: o.lockedUntil === null ? null : iso(o.lockedUntil),
    lockedAddresses: o.lockedAddresses.map(({ block, until }) => ({ address: block, until: iso(until) })),
    switchedOff: o.factors.switchedOff,
    inviteExpiresAt: o.inviteExpiresAt === null ? null : iso(o.inviteExpiresAt),
  }
}
