import { beforeEach, describe, expect, it } from 'vitest'
import { z } from 'zod'
import { IndexedRecords } from '../../../gateway/store/indexed-records.ts'
import type { SqliteStore } from '../../../gateway/store/sqlite-store.ts'
import { FixedClock } from '../../support/clock.ts'
import { tempSqliteStore } from '../../support/temp-sqlite-store.ts'

const layout = {
  what: 'Widgets',
  ids: (owner: string) => `${owner}:widgets`,
  details: {
    key: (owner: string, id: string) => `${owner}:widget:${id}`,
    shape: z.object({ name: z.string() }),
  },
  use: {
    key: (owner: string, id: string) => `${owner}:widget:${id}:use`,
    shape: z.object({ uses: z.number() }),
  },
}

let store: SqliteStore
let records: IndexedRecords<{ name: string }, { uses: number }>

beforeEach(() => {
  store = tempSqliteStore(new FixedClock()).store
  records = new IndexedRecords(store, layout)
})

describe('IndexedRecords', () => {
  it('keeps each record under keys of its own, listed by a member set of the ids', async () => {
    await records.add('alice', 'a', { details: { name: 'First' }, use: { uses: 0 } })
    await records.add('alice', 'b', { details: { name: 'Second' }, use: { uses: 0 } })
    await records.add('bob', 'a', { details: { name: "Bob's" }, use: { uses: 0 } })
    expect(await store.members('alice:widgets')).toEqual(['a', 'b'])
    expect(await store.get('alice:widget:b')).toBe('{"name":"Second"}')
    expect(await store.get('alice:widget:b:use')).toBe('{"uses":0}')
    expect(await records.list('alice')).toEqual([
      { details: { name: 'First' }, use: { uses: 0 } },
      { details: { name: 'Second' }, use: { uses: 0 } },
    ])
    expect(await records.get('bob', 'a')).toEqual({ details: { name: "Bob's" }, use: { uses: 0 } })
    expect(await records.get('bob', 'b')).toBeNull()
  })

  it('updates one part and leaves the other alone', async () => {
    await records.add('alice', 'a', { details: { name: 'First' }, use: { uses: 0 } })
    expect(await records.update('alice', 'a', 'use', { uses: 1 })).toBe(true)
    expect(await records.update('alice', 'a', 'details', { name: 'Renamed' })).toBe(true)
    expect(await records.get('alice', 'a')).toEqual({ details: { name: 'Renamed' }, use: { uses: 1 } })
  })

  it('writes nothing for a record that is not, or no longer, the owner’s', async () => {
    await records.add('alice', 'a', { details: { name: 'First' }, use: { uses: 0 } })
    expect(await records.remove('alice', 'a')).toBe(true)
    expect(await records.remove('alice', 'a')).toBe(false)
    expect(await records.update('alice', 'a', 'use', { uses: 1 })).toBe(false)
    expect(await records.update('alice', 'never', 'details', { name: 'x' })).toBe(false)
    for (const key of ['alice:widget:a', 'alice:widget:a:use', 'alice:widget:never']) {
      expect(await store.get(key), key).toBeNull()
    }
    expect(await records.list('alice')).toEqual([])
  })

  it('rejects a listed record with a part missing or unreadable, never reading it as "no record"', async () => {
    await records.add('alice', 'a', { details: { name: 'First' }, use: { uses: 0 } })
    await store.delete('alice:widget:a:use')
    await expect(records.list('alice')).rejects.toThrow("Widgets of 'alice' are unreadable")
    await expect(records.get('alice', 'a')).rejects.toThrow('unreadable')
    await store.set('alice:widget:a:use', '{"uses":"many"}')
    await expect(records.list('alice')).rejects.toThrow('unreadable')
    expect(await records.ids('alice')).toEqual(['a'])
    expect(await records.remove('alice', 'a')).toBe(true)
    expect(await records.list('alice')).toEqual([])
  })
})
