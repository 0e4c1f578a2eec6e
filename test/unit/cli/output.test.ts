import { describe, expect, it } from 'vitest'
import { printable, table } from '../../../gateway/cli/output.ts'

describe('what the CLI prints of values from outside (issue 17)', () => {
  it.each([
    ['alice', 'alice'],
    ['evil\u001b[2Jname', 'evil\\x1b[2Jname'],
    ['two\nlines\r', 'two\\x0alines\\x0d'],
    ['tab\there', 'tab\\x09here'],
    ['c1\u009bcontrol\u007f', 'c1\\x9bcontrol\\x7f'],
    // A backslash is escaped too, so '\x1b' typed by someone cannot pass for an escaped control.
    ['back\\x1bslash', 'back\\\\x1bslash'],
    ['Ünïcødé ａｌｉｃｅ', 'Ünïcødé ａｌｉｃｅ'],
  ])('%j is shown as %s', (value, shown) => {
    expect(printable(value)).toBe(shown)
  })

  it('keeps the columns of a table straight around escaped values', () => {
    expect(
      table(
        ['USER', 'KEYS'],
        [
          ['a\u001bb', '1'],
          ['carol', '2'],
        ],
      ),
    ).toBe('USER    KEYS\na\\x1bb  1\ncarol   2')
  })
})
