import { describe, expect, it } from 'vitest'
import { HtmlHeadScanner } from '../../../gateway/proxy/html-head-scanner.ts'

/** Scans a page in one chunk: the offset just past its body's start tag, or -1. */
function bodyStartIn(page: string): number {
  return new HtmlHeadScanner().scan(Buffer.from(page, 'latin1'))
}

describe('the start of a page’s body', () => {
  // Each page has HERE just after the body's real start tag, and nowhere before it.
  it.each([
    ['a plain tag', '<!doctype html><html><head><title>t</title></head><body>HERE</body>'],
    ['upper case', '<HTML><HEAD></HEAD><BODY CLASS="x">HERE'],
    ['mixed case', '<Body>HERE'],
    ['attributes on several lines', '<body\n  class="a"\n\tid=main\r\n>HERE'],
    ['a self-closing slash', '<body/>HERE'],
    ['`>` inside double and single quotes', '<body data-a="x>y" data-b=\'z>w\'>HERE'],
    ['a quote inside an unquoted value, which does not open one', '<body a=b"c>HERE'],
    ['a quote inside an attribute name, which does not open one', '<body a"b>HERE'],
    ['an attribute without a value before `>`', '<body hidden>HERE'],
    ['`=` and no value', '<body a=>HERE'],
    ['after a `<bodyx>` tag, which is another element', '<bodyx><body>HERE'],
    ['after an end tag `</body>`', '</body><body>HERE'],
    ['after a comment holding one', '<!-- <body> --><body>HERE'],
    ['after a conditional comment holding one', '<!--[if IE]><body class="ie"><![endif]--><body>HERE'],
    ['after a comment with dashes inside', '<!-- a -- <body> - --><body>HERE'],
    ['after a comment closed by `--!>`', '<!-- <body> --!><body>HERE'],
    ['after the empty comments `<!-->` and `<!--->`', '<!--><!---><body>HERE'],
    ['after a doctype and a processing instruction', '<?xml version="1.0"?><!DOCTYPE html><body>HERE'],
    ['after a script writing one', '<script>document.write("<body>")</script><body>HERE'],
    ['after a script whose end tag is in capitals', '<script>a="<body>"</SCRIPT ><body>HERE'],
    ['after a script holding `</scriptx`', '<script>a="</scriptx><body>"</script><body>HERE'],
    ['after a script whose end tag has attributes', '<script>a</script a=">"><body>HERE'],
    [
      'after a style, a title, a textarea',
      '<style>p::before{content:"<body>"}</style><title><body></title><body>HERE',
    ],
    ['after a noscript', '<noscript><body></noscript><body>HERE'],
    ['after an attribute value holding one', '<meta name="x" content="<body>"><body>HERE'],
    ['after a `<` that opens no tag', 'a < b <3 <body>HERE'],
  ])('is found %s', (_case, page) => {
    expect(bodyStartIn(page)).toBe(page.indexOf('HERE'))
  })

  it.each([
    ['no body tag', '<html><head></head><div>no body</div></html>'],
    ['only `<bodyx>`', '<bodyx>'],
    ['only in a comment', '<!-- <body> -->'],
    ['only in an unclosed comment', '<!-- <body> --'],
    ['only in a script', '<script>"<body>"'],
    ['only in a title', '<title><body>'],
    ['only in an attribute value', '<meta content="<body>">'],
    ['a tag not yet closed', '<body class="a>'],
  ])('is not found with %s', (_case, page) => {
    expect(bodyStartIn(page)).toBe(-1)
  })

  it('is found from where the last chunk left off', () => {
    const scanner = new HtmlHeadScanner()
    expect(scanner.scan(Buffer.from('<head><scr'))).toBe(-1)
    expect(scanner.scan(Buffer.from('ipt>"<body>"</sc'))).toBe(-1)
    expect(scanner.scan(Buffer.from('ript><BO'))).toBe(-1)
    expect(scanner.scan(Buffer.from('DY class="a>'))).toBe(-1)
    expect(scanner.scan(Buffer.from('b">x'))).toBe(3)
  })
})

describe('the Content-Security-Policy a page’s head declares', () => {
  function metaPoliciesIn(page: string): readonly string[] {
    const scanner = new HtmlHeadScanner()
    scanner.scan(Buffer.from(page, 'latin1'))
    return scanner.metaPolicies
  }

  it('is read from each `<meta http-equiv>` tag, in any spelling and quoting', () => {
    const page =
      `<meta http-equiv="Content-Security-Policy" content="default-src 'none'">` +
      `<META HTTP-EQUIV=content-security-policy CONTENT="style-src 'self'"/>` +
      `<meta content='img-src *' http-equiv='CONTENT-SECURITY-POLICY'>` +
      '<body>'
    expect(metaPoliciesIn(page)).toEqual(["default-src 'none'", "style-src 'self'", 'img-src *'])
  })

  it('is not read from other `<meta>` tags, a repeated attribute, or after the body started', () => {
    const page =
      '<meta http-equiv="refresh" content="5">' +
      '<meta name="Content-Security-Policy" content="not a header">' +
      '<meta http-equiv="x" http-equiv="Content-Security-Policy" content="repeated">' +
      '<body><meta http-equiv="Content-Security-Policy" content="too late">'
    expect(metaPoliciesIn(page)).toEqual([])
  })

  it('is an empty policy for a tag without content', () => {
    expect(metaPoliciesIn('<meta http-equiv="Content-Security-Policy"><body>')).toEqual([''])
  })
})
