import { once } from 'node:events'
import { Readable } from 'node:stream'
import { describe, expect, it } from 'vitest'
import { InsertAfterBodyTag } from '../../../gateway/proxy/insert-after-body-tag.ts'

const markup = Buffer.from('<a class="tapgate-account-link" href="/_tapgate/account">Sign-in security</a>')
const head = '<!doctype html><html><head><title>Panel</title></head>'
const bodyTag = '<BODY class="dark" data-note="a>b">'
const page = Buffer.from(`${head}${bodyTag}<h1>Dashboard</h1></body></html>`)
const afterTag = head.length + bodyTag.length
const linkedPage = Buffer.concat([page.subarray(0, afterTag), markup, page.subarray(afterTag)])
const anyPolicy = () => true

/** The bytes that come out when `chunks` go in, one by one. */
async function insertInto(
  chunks: readonly Buffer[],
  allowedBy: (metaPolicies: readonly string[]) => boolean = anyPolicy,
): Promise<Buffer> {
  const out: Buffer[] = []
  for await (const chunk of Readable.from(chunks).pipe(new InsertAfterBodyTag(markup, allowedBy))) {
    out.push(chunk as Buffer)
  }
  return Buffer.concat(out)
}

describe('the markup inserted after the body’s start tag', () => {
  it('goes just after the tag, and every byte before and after it is the page’s own', async () => {
    expect((await insertInto([page])).toString()).toBe(linkedPage.toString())
  })

  it('goes in the same place wherever the chunks split the page', async () => {
    for (let at = 0; at <= page.length; at++) {
      const out = await insertInto([page.subarray(0, at), page.subarray(at)])
      expect(out.equals(linkedPage), `split at byte ${at}`).toBe(true)
    }
    const byteByByte = [...page].map((byte) => Buffer.from([byte]))
    expect((await insertInto(byteByByte)).equals(linkedPage)).toBe(true)
  })

  it('goes only once, and a large body after it passes unchanged', async () => {
    const rest = Buffer.alloc(4 * 1024 * 1024, '<body>0123456789')
    const chunks = [page.subarray(0, afterTag), page.subarray(afterTag), rest, rest.subarray(3)]
    const expected = Buffer.concat([linkedPage, rest, rest.subarray(3)])
    expect((await insertInto(chunks)).equals(expected)).toBe(true)
  })

  it('does not go in a page without a body tag, nor before a `<bodyx>`', async () => {
    for (const text of ['<html><head></head><div>x</div></html>', '<bodyx>text</bodyx>', '']) {
      const unlinked = Buffer.from(text)
      expect((await insertInto([unlinked])).equals(unlinked)).toBe(true)
    }
  })

  it('is given up after 64 KiB without a body tag: a later one is left alone', async () => {
    const late = Buffer.from(`<head>${'x'.repeat(64 * 1024)}</head><body>late`)
    expect((await insertInto([late])).equals(late)).toBe(true)
    const inTime = Buffer.from(`<head>${'x'.repeat(64 * 1024 - 30)}</head><body>in time`)
    expect((await insertInto([inTime])).toString()).toContain(`<body>${markup}in time`)
  })

  it('is declined by `allowedBy`, which hears the page’s `<meta>` policies', async () => {
    const guarded = Buffer.from(
      `<head><meta http-equiv="Content-Security-Policy" content="style-src 'none'"></head><body>x`,
    )
    const heard: string[][] = []
    const declining = (metaPolicies: readonly string[]) => {
      heard.push([...metaPolicies])
      return false
    }
    expect((await insertInto([guarded], declining)).equals(guarded)).toBe(true)
    expect(heard).toEqual([["style-src 'none'"]])
  })

  it('leaves with the chunk holding the tag, before the rest of the page has arrived', async () => {
    const insertion = new InsertAfterBodyTag(markup, anyPolicy)
    const first = once(insertion, 'data')
    insertion.write(Buffer.from('<html><body>first'))
    expect(String((await first)[0])).toBe(`<html><body>${markup}first`)
    const rest = once(insertion, 'data')
    insertion.end(Buffer.from('rest'))
    expect(String((await rest)[0])).toBe('rest')
  })
})
