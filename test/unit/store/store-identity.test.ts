import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { IdentityFileError } from '../../../gateway/store/identity-file.ts'
import { StoreIdentity } from '../../../gateway/store/store-identity.ts'
import { tempSqliteStore } from '../../support/temp-sqlite-store.ts'

/**
 * The store's identity, remembered outside the store: a gateway that restarts on a store that lost
 * its data keeps refusing enrollment until the operator accepts the store (issue 14).
 */
describe('StoreIdentity', () => {
  it('gives a new store an identity and writes it down; a gateway without a file joins it', async () => {
    const { store, dir } = tempSqliteStore()
    const first = new StoreIdentity(store, join(dir, 'first', 'identity'))
    expect(await first.establish()).toBe('new')
    const remembered = readFileSync(first.file, 'utf8').trim()
    expect(await new StoreIdentity(store, first.file).establish()).toBe('intact')

    const second = new StoreIdentity(store, join(dir, 'second', 'identity'))
    expect(await second.establish()).toBe('joined')
    expect(readFileSync(second.file, 'utf8').trim()).toBe(remembered)
    expect(await second.isIntact()).toBe(true)
  })

  it('finds a store that came back empty lost after a restart, and gives it no identity of its own', async () => {
    const before = tempSqliteStore()
    const file = join(before.dir, 'identity')
    await new StoreIdentity(before.store, file).establish()
    const after = tempSqliteStore().store
    const restarted = new StoreIdentity(after, file)
    expect(await restarted.establish()).toBe('lost')
    expect(await restarted.isIntact()).toBe(false)
    expect(await restarted.isIntact()).toBe(false)

    // Another gateway host expecting the same identity resumes as soon as one operator accepts.
    const otherHost = new StoreIdentity(after, file)
    expect(await new StoreIdentity(after, file).acceptAsItIs()).toBe('restored')
    expect(await restarted.isIntact()).toBe(true)
    expect(await otherHost.isIntact()).toBe(true)
    expect(await otherHost.acceptAsItIs()).toBe('intact')
  })

  it('finds a store with another identity replaced, and adopts it only when accepted', async () => {
    const ours = tempSqliteStore()
    const file = join(ours.dir, 'identity')
    await new StoreIdentity(ours.store, file).establish()
    const { store: theirs, dir: theirHost } = tempSqliteStore()
    await new StoreIdentity(theirs, join(theirHost, 'identity')).establish()
    const gateway = new StoreIdentity(theirs, file)
    expect(await gateway.establish()).toBe('replaced')
    expect(await gateway.isIntact()).toBe(false)
    // The operator runs the command on this host; the running gateway reads the file again.
    expect(await new StoreIdentity(theirs, file).acceptAsItIs()).toBe('adopted')
    expect(await gateway.isIntact()).toBe(true)
  })

  it('refuses an identity file it cannot write or read, rather than forget', async () => {
    const { store, dir } = tempSqliteStore()
    const notADirectory = join(dir, 'plain-file')
    writeFileSync(notADirectory, '')
    const unwritable = new StoreIdentity(store, join(notADirectory, 'identity'))
    await expect(unwritable.establish()).rejects.toThrow(IdentityFileError)
    const garbled = join(dir, 'garbled')
    writeFileSync(garbled, 'not an identity at all\n')
    await expect(new StoreIdentity(tempSqliteStore().store, garbled).establish()).rejects.toThrow(
      /does not hold a store identity/,
    )
  })
})
