import { describe, expect, it } from 'vitest'
import { pageOf } from '../../../gateway/history/page-of.ts'

const rows = (count: number) => Array.from({ length: count }, (_, index) => index + 1)

describe('pageOf', () => {
  it.each<[string, number, number, { page: number; pages: number; items: number[] }]>([
    ['an empty list is one empty page', 0, 1, { page: 1, pages: 1, items: [] }],
    ['an empty list, any page asked for', 0, 7, { page: 1, pages: 1, items: [] }],
    ['fewer than a page', 3, 1, { page: 1, pages: 1, items: [1, 2, 3] }],
    ['exactly a page', 10, 1, { page: 1, pages: 1, items: rows(10) }],
    ['one more than a page: the first', 11, 1, { page: 1, pages: 2, items: rows(10) }],
    ['one more than a page: the second', 11, 2, { page: 2, pages: 2, items: [11] }],
    ['a middle page', 25, 2, { page: 2, pages: 3, items: rows(20).slice(10) }],
    ['the last page', 25, 3, { page: 3, pages: 3, items: [21, 22, 23, 24, 25] }],
    ['past the last page: the last', 25, 4, { page: 3, pages: 3, items: [21, 22, 23, 24, 25] }],
    [
      'far past it: the last',
      25,
      Number.MAX_SAFE_INTEGER,
      { page: 3, pages: 3, items: [21, 22, 23, 24, 25] },
    ],
    [
      'infinitely far: the last',
      25,
      Number.POSITIVE_INFINITY,
      { page: 3, pages: 3, items: [21, 22, 23, 24, 25] },
    ],
    ['page 0: the first', 25, 0, { page: 1, pages: 3, items: rows(10) }],
    ['a negative page: the first', 25, -2, { page: 1, pages: 3, items: rows(10) }],
    ['minus infinity: the first', 25, Number.NEGATIVE_INFINITY, { page: 1, pages: 3, items: rows(10) }],
    ['not a number: the first', 25, Number.NaN, { page: 1, pages: 3, items: rows(10) }],
    ['a fraction: its whole part', 25, 2.7, { page: 2, pages: 3, items: rows(20).slice(10) }],
  ])('%s', (_, count, requested, expected) => {
    expect(pageOf(rows(count), requested, 10)).toEqual(expected)
  })

  it('copies the page: changing it leaves the list alone', () => {
    const list = rows(3)
    pageOf(list, 1, 10).items.push(4)
    expect(list).toEqual([1, 2, 3])
  })

  it.each([0, -1, 1.5, Number.NaN])('refuses %d items per page, a caller’s mistake', (perPage) => {
    expect(() => pageOf(rows(3), 1, perPage)).toThrow(TypeError)
  })
})
