import { Hono } from 'hono'
import { describe, expect, it } from 'vitest'
import { checkbox, readForm, textField, UnreadableForm } from '../../../gateway/http/form.ts'

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
