import { describe, expect, it } from 'vitest'
import {
  type HistoryRow,
  type SignInStep,
  signInRows,
  signInWindow,
} from '../../../gateway/history/sign-in-rows.ts'

const minute = 60_000
const window = 5 * minute
const firefox = 'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0'
const chrome = 'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 Chrome/131.0 Safari/537.36'

interface Step extends SignInStep {
  /** A name for the table: the rows are told by it. */
  id: string
  factor?: string
}

/** An entry `minutes` in, from 198.51.100.4 in Firefox unless told otherwise. */
function step(id: string, minutes: number, event: string, result: string, more: Partial<Step> = {}): Step {
  return { id, at: minutes * minute, event, result, ip: '198.51.100.4', userAgent: firefox, ...more }
}
const password = (id: string, minutes: number, more?: Partial<Step>) =>
  step(id, minutes, 'first_factor', 'success', { factor: 'password', ...more })
const wrongPassword = (id: string, minutes: number) =>
  step(id, minutes, 'first_factor', 'wrong_password', { factor: 'password' })
const second = (id: string, minutes: number, result = 'success', more?: Partial<Step>) =>
  step(id, minutes, 'second_factor', result, { factor: 'webauthn', ...more })

/** A row as the table reads it: "id" for an entry of its own, "password+completion" for a sign-in. */
function shape(row: HistoryRow<Step>): string {
  return row.kind === 'entry' ? row.entry.id : `${row.password.id}+${row.completed.id}`
}

describe('signInRows', () => {
  // Oldest first here, for reading; the history (and signInRows) is newest first.
  it.each<[string, Step[], string[]]>([
    ['nothing', [], []],
    [
      'a password and its second step: one row, where the second step stood',
      [password('p', 0), second('s', 1)],
      ['p+s'],
    ],
    [
      'wrong codes before the right one keep their rows',
      [password('p', 0), second('w1', 1, 'wrong_code'), second('w2', 2, 'wrong_code'), second('s', 3)],
      ['p+s', 'w2', 'w1'],
    ],
    [
      'a first set-up between password and second step keeps its row',
      [password('p', 0), step('e', 1, 'enrollment', 'success', { factor: 'totp' }), second('s', 1)],
      ['p+s', 'e'],
    ],
    [
      'refused and locked-out passwords are rows of their own',
      [wrongPassword('w', 0), step('l', 1, 'first_factor', 'locked_out'), password('p', 2), second('s', 3)],
      ['p+s', 'l', 'w'],
    ],
    ['a password never followed by a second step stays alone', [password('p', 0)], ['p']],
    [
      'a second step that failed does not complete a sign-in',
      [password('p', 0), second('w', 1, 'wrong_code'), second('x', 2, 'locked_out')],
      ['x', 'w', 'p'],
    ],
    [
      'a second step after the pending window is not that sign-in',
      [password('p', 0), second('s', 6)],
      ['s', 'p'],
    ],
    ['exactly at the end of the window it still is', [password('p', 0), second('s', 5)], ['p+s']],
    [
      'from another address it is not the same sign-in',
      [password('p', 0), second('s', 1, 'success', { ip: '203.0.113.9' })],
      ['s', 'p'],
    ],
    [
      'from another browser it is not the same sign-in',
      [password('p', 0), second('s', 1, 'success', { userAgent: chrome })],
      ['s', 'p'],
    ],
    [
      'two browsers signing in at once: each second step takes its own password',
      [
        password('pf', 0),
        password('pc', 0, { userAgent: chrome }),
        second('sc', 1, 'success', { userAgent: chrome }),
        second('sf', 2),
      ],
      ['pf+sf', 'pc+sc'],
    ],
    [
      'a password given again: the latest is the one completed, the abandoned one stays',
      [password('old', 0), password('new', 2), second('s', 3)],
      ['new+s', 'old'],
    ],
    [
      'a password is used once: a later step-up from the same browser is a row of its own',
      [password('p', 0), second('s', 1), second('up', 3, 'success', { factor: 'totp' })],
      ['up', 'p+s'],
    ],
    [
      'a trusted device or an exempt account completes the sign-in at once',
      [password('p', 0), second('t', 0, 'success', { factor: 'trusted_device' })],
      ['p+t'],
    ],
    [
      'changes and admin actions are rows of their own',
      [
        password('p', 0),
        second('s', 1),
        step('c', 2, 'factor_changed', 'added'),
        step('a', 3, 'admin', 'reset'),
      ],
      ['a', 'c', 'p+s'],
    ],
    [
      'entries of the same millisecond keep the order they were written in',
      [password('p', 0), step('e', 0, 'enrollment', 'success'), second('s', 0)],
      ['p+s', 'e'],
    ],
    [
      'a second step written before the password cannot take it (clock ties aside, order decides)',
      [second('s', 0), password('p', 0)],
      ['p', 's'],
    ],
  ])('%s', (_, oldestFirst, rows) => {
    expect(signInRows([...oldestFirst].reverse(), window).map(shape)).toEqual(rows)
  })

  it('keeps the entries themselves, untouched', () => {
    const p = password('p', 0)
    const s = second('s', 1)
    expect(signInRows([s, p], window)).toEqual([{ kind: 'sign_in', password: p, completed: s }])
  })

  it('pairs entries without a user agent (older entries) by address alone', () => {
    const { userAgent: _p, ...p } = password('p', 0)
    const { userAgent: _s, ...s } = second('s', 1)
    expect(signInRows([s, p], window).map(shape)).toEqual(['p+s'])
  })
})

describe('signInWindow', () => {
  it.each([
    [{ pending: 5 * minute }, { enabled: false, code_ttl: 10 * minute }, 5 * minute],
    [{ pending: 2 * minute }, { enabled: false, code_ttl: 10 * minute }, 2 * minute],
    // A text message sent at the last moment keeps the sign-in open until its code expires.
    [{ pending: 5 * minute }, { enabled: true, code_ttl: 10 * minute }, 15 * minute],
  ])('session %j, sms %j: %i ms', (session, sms, expected) => {
    expect(signInWindow({ session, factors: { sms } })).toBe(expected)
  })
})
