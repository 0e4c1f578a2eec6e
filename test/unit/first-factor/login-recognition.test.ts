import { describe, expect, it } from 'vitest'
import { PanelLoginPaths } from '../../../gateway/first-factor/login-recognition.ts'
import { parseConfig } from '../../../gateway/load-config.ts'

function loginPaths(firstFactor: Record<string, unknown>): PanelLoginPaths {
  const loaded = parseConfig(
    {
      public_url: 'http://127.0.0.1:3000',
      upstream: { url: 'http://127.0.0.1:3001' },
      encryption_key: 'test-encryption-key-0123456789abcdef-0123456789',
      first_factor: { success: { set_cookie: 'sessionid' }, ...firstFactor },
    },
    { baseDir: process.cwd(), env: {} },
  )
  if (!loaded.ok) throw new Error(loaded.problems.join('\n'))
  return new PanelLoginPaths(loaded.config.first_factor)
}

describe('the panel login is recognised by every spelling of its path', () => {
  const django = loginPaths({ login_path: '/admin/login/' })

  it.each([
    '/admin/login/',
    '/admin/login',
    '/ADMIN/LOGIN/',
    '/admin/login;x',
    '/admin/login/;jsessionid=1',
    '/admin/login.',
    '/admin/%6cogin/',
  ])('%s is the login', (path) => {
    expect(django.mayBeLogin(path, '')).toBe(true)
  })

  it.each(['/admin/', '/admin/login/x', '/admin/loginx', '/login'])('%s is not', (path) => {
    expect(django.mayBeLogin(path, '')).toBe(false)
  })
})

describe('a login sharing its path with other forms (login_when)', () => {
  it('a query condition is checked on the query', () => {
    const wiki = loginPaths({
      login_path: '/index.php',
      login_when: { query: 'title', equals: 'Special:UserLogin' },
    })
    expect(wiki.mayBeLogin('/index.php', '?title=Special:UserLogin')).toBe(true)
    expect(wiki.mayBeLogin('/index.php', '?title=Main&title=Special:UserLogin')).toBe(true)
    expect(wiki.mayBeLogin('/index.php', '?title=Main_Page')).toBe(false)
  })

  it('a field condition is checked on every value of the field, body and query', () => {
    const doku = loginPaths({ login_path: '/doku.php', login_when: { field: 'do', equals: 'login' } })
    expect(doku.mayBeLogin('/doku.php', '')).toBe(true)
    expect(doku.meetsFieldCondition(() => ['login'])).toBe(true)
    expect(doku.meetsFieldCondition(() => ['edit', 'login'])).toBe(true)
    expect(doku.meetsFieldCondition(() => ['edit'])).toBe(false)
  })
})

describe('logout paths', () => {
  const paths = loginPaths({
    login_path: '/doku.php',
    logout_paths: ['/logout', { path: '/doku.php', query: 'do', equals: 'logout' }],
  })

  it('match in every reading, and on a query field where one is named', () => {
    expect(paths.isLogout('/logout', '')).toBe(true)
    expect(paths.isLogout('/LOGOUT/', '')).toBe(true)
    expect(paths.isLogout('/doku.php', '?do=logout&sectok=1')).toBe(true)
    expect(paths.isLogout('/doku.php', '?do=show')).toBe(false)
    expect(paths.isLogout('/doku.php', '')).toBe(false)
  })
})
