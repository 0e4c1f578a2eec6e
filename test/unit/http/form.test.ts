import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import {
  checkbox,
  pageNumber,
  readForm,
  readQuery,
  textField,
  UnreadableForm,
} from '../../../gateway/http/form.ts'

/** A route that reads `{ code, trust_device }` and answers what it read, or 400 for an unreadable form. */
const app = new Hono()
  .post('/', async (c) => c.json(await readForm(c, { code: textField, trust_device: checkbox })))
  .onError((error, c) => c.json({ unreadable: error instanceof UnreadableForm }, 400))

async function post(body: URLSearchParams | FormData) {
  const response = await app.request('/', { method: 'POST', body })
  return { status: response.status, read: await response.json() }
}

describe('readForm', () => {
  it.each([
    ['code=123456&trust_device=yes', { code: '123456', trust_device: true }],
    ['code=123456', { code: '123456', trust_device: false }],
    ['trust_device=on', { code: '', trust_device: false }],
    ['', { code: '', trust_device: false }],
    ['code=1&code=2&other=x', { code: '2', trust_device: false }],
  ])('reads %j by the schema: absent text is empty, a box is ticked only by "yes"', async (body, read) => {
    expect(await post(new URLSearchParams(body))).toEqual({ status: 200, read })
  })

  it('refuses a file where a text field belongs, instead of reading it as empty', async () => {
    const form = new FormData()
    form.append('code', new File(['123456'], 'code.txt'))
    expect(await post(form)).toEqual({ status: 400, read: { unreadable: true } })
  })

  it('reads multipart text fields as urlencoded ones', async () => {
    const form = new FormData()
    form.append('code', '654321')
    form.append('trust_device', 'yes')
    expect(await post(form)).toEqual({ status: 200, read: { code: '654321', trust_device: true } })
  })
})

describe('readQuery with pageNumber', () => {
  /** A page that answers the page number it read from its query. */
  const pages = new Hono().get('/', (c) => c.json(readQuery(c, { page: pageNumber })))

  it.each([
    ['', 1],
    ['?page=1', 1],
    ['?page=2', 2],
    ['?page=007', 7],
    // Past the last page is for the page to clamp (pageOf): the last page, never an error.
    ['?page=99999999999999999999999', Number.MAX_SAFE_INTEGER],
    [`?page=${'9'.repeat(400)}`, Number.MAX_SAFE_INTEGER],
    // Anything that is not a whole number of 1 or more: the first page.
    ['?page=0', 1],
    ['?page=-1', 1],
    ['?page=-0', 1],
    ['?page=1.5', 1],
    ['?page=2e3', 1],
    ['?page=0x10', 1],
    ['?page=+2', 1],
    ['?page=%202', 1],
    ['?page=abc', 1],
    ['?page=', 1],
    ['?page=Infinity', 1],
    ['?page=NaN', 1],
    ['?page=%E2%91%A1', 1],
    ['?page', 1],
    // A repeated parameter counts once: the first.
    ['?page=3&page=5', 3],
    ['?other=4', 1],
  ])('%s reads as page %d', async (query, page) => {
    const response = await pages.request(`/${query}`)
    expect(response.status).toBe(200)
    expect(await response.json()).toEqual({ page })
  })
})
