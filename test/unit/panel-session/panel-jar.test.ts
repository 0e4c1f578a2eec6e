import { describe, expect, it } from 'vitest'
import { SecretBox } from '../../../gateway/crypto/secret-box.ts'
import { applyChanges, PanelJars, withJar } from '../../../gateway/panel-session/panel-jar.ts'

const jars = new PanelJars(new SecretBox('test-encryption-key-0123456789abcdef-0123456789', 'test'))

describe('the jar of panel session cookies', () => {
  it('opens only for the user it was sealed for, however the opened jars are cached', () => {
    const sealed = jars.seal('alice', { sessionid: 's1' })
    expect(sealed).toBeDefined()
    expect(sealed).not.toContain('s1')
    expect(jars.open('alice', sealed)).toEqual({ sessionid: 's1' })
    expect(jars.open('bob', sealed)).toEqual({})
    expect(jars.open('alice', sealed)).toEqual({ sessionid: 's1' })
    expect(jars.open('alice', sealed)).toEqual({ sessionid: 's1' })
    expect(jars.open('bob', sealed)).toEqual({})
  })

  it('gives nothing for a tampered or missing jar', () => {
    const sealed = jars.seal('alice', { sessionid: 's1' }) as string
    // One character of the tag changed, whatever it was: a fixed "xx" at the end left the tag as it
    // was now and then, since the last base64url character carries only two of its bits.
    const at = sealed.length - 3
    const tampered = `${sealed.slice(0, at)}${sealed[at] === 'A' ? 'B' : 'A'}${sealed.slice(at + 1)}`
    expect(jars.open('alice', tampered)).toEqual({})
    expect(jars.open('alice', undefined)).toEqual({})
    expect(jars.seal('alice', {})).toBeUndefined()
  })

  it('takes the cookies a panel sets and forgets the ones it clears', () => {
    const jar = applyChanges({ sessionid: 'old', other: 'o' }, [
      { name: 'sessionid', value: 'new', setCookie: '' },
      { name: 'other', value: null, setCookie: '' },
    ])
    expect(jar).toEqual({ sessionid: 'new' })
  })

  it("adds the held cookies after the browser's own", () => {
    expect(withJar({ sessionid: 's' }, 'csrftoken=t')).toBe('csrftoken=t; sessionid=s')
    expect(withJar({ sessionid: 's' }, undefined)).toBe('sessionid=s')
    expect(withJar({}, undefined)).toBeUndefined()
  })
})
