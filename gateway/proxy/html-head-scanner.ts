/**
 * Where the HTML tokenizer is (HTML Living Standard §13.2.5), in the states the start of a page needs:
 * tags and their attributes, comments, and the text elements whose content is not markup.
 */
type State =
  | 'data'
  | 'tagOpen'
  | 'endTagOpen'
  | 'tagName'
  | 'beforeAttributeName'
  | 'attributeName'
  | 'afterAttributeName'
  | 'beforeAttributeValue'
  | 'doubleQuotedValue'
  | 'singleQuotedValue'
  | 'unquotedValue'
  | 'afterQuotedValue'
  | 'selfClosingStartTag'
  | 'markupDeclarationOpen'
  | 'commentStartDash'
  | 'comment'
  | 'bogusComment'
  | 'textElement'

/**
 * Elements whose content ends only at their own end tag (the tree builder reads them as RCDATA, raw
 * text or script data; noscript too, as browsers run scripts): a `<body>` in a script's string or a
 * title is text.
 */
const textElements = new Set([
  'script',
  'style',
  'title',
  'textarea',
  'xmp',
  'iframe',
  'noembed',
  'noframes',
  'noscript',
])

const tab = 0x09
const lineFeed = 0x0a
const formFeed = 0x0c
const carriageReturn = 0x0d
const space = 0x20
const exclamation = 0x21
const doubleQuote = 0x22
const singleQuote = 0x27
const dash = 0x2d
const slash = 0x2f
const lessThan = 0x3c
const equals = 0x3d
const greaterThan = 0x3e
const question = 0x3f

/** No tag this scanner tells apart is longer; a longer name only has to differ from them. */
const longestName = 16
/** In a comment, `--!` seen: `>` ends it too (the comment end bang state). */
const afterBang = -1

function isWhitespace(byte: number): boolean {
  return byte === space || byte === lineFeed || byte === tab || byte === formFeed || byte === carriageReturn
}

function isAsciiLetter(byte: number): boolean {
  return (byte >= 0x41 && byte <= 0x5a) || (byte >= 0x61 && byte <= 0x7a)
}

function lowerCase(byte: number): number {
  return byte >= 0x41 && byte <= 0x5a ? byte + 0x20 : byte
}

/**
 * Reads the start of an HTML page byte by byte, as it streams, up to the end of its `<body …>` start
 * tag: a `<body` in a comment, a script, a title or an attribute value is not taken for it, and a tag
 * split across chunks is still found. Along the way it keeps what `<meta http-equiv=
 * "Content-Security-Policy">` tags say, since they restrict the page as the header does. Bytes are
 * read as ASCII: the markup it looks for is ASCII in UTF-8 and the other ASCII-compatible charsets
 * panels use; in UTF-16 it finds nothing, and the page is left as it is.
 */
export class HtmlHeadScanner {
  readonly #metaPolicies: string[] = []
  #state: State = 'data'
  #tagName = ''
  #isEndTag = false
  /** Attributes are kept for `<meta>` tags only; the first of a name counts (attribute name state). */
  #attributes: Map<string, string> | null = null
  #attributeName = ''
  #attributeValue = ''
  #commentDashes = 0
  /** In a text element: how much of `</name` has been matched. */
  #endTagMatched = 0
  #textElement = ''

  /** The content of each Content-Security-Policy `<meta>` tag read so far. */
  get metaPolicies(): readonly string[] {
    return this.#metaPolicies
  }

  /** The offset in `chunk` just past the `<body …>` start tag, or -1 when it does not end in this chunk. */
  scan(chunk: Buffer): number {
    for (let i = 0; i < chunk.length; i++) {
      if (this.#step(chunk[i]!)) return i + 1
    }
    return -1
  }

  /** Takes one byte; true when it ended the body's start tag. */
  #step(byte: number): boolean {
    switch (this.#state) {
      case 'data':
        if (byte === lessThan) this.#state = 'tagOpen'
        return false
      case 'tagOpen':
        if (byte === exclamation) this.#state = 'markupDeclarationOpen'
        else if (byte === slash) this.#state = 'endTagOpen'
        else if (isAsciiLetter(byte)) this.#startTag(String.fromCharCode(lowerCase(byte)), false)
        else if (byte === question) this.#state = 'bogusComment'
        else return this.#reconsumeIn('data', byte)
        return false
      case 'endTagOpen':
        if (isAsciiLetter(byte)) this.#startTag(String.fromCharCode(lowerCase(byte)), true)
        else if (byte === greaterThan) this.#state = 'data'
        else this.#state = 'bogusComment'
        return false
      case 'tagName':
        if (isWhitespace(byte)) this.#readAttributesIn('beforeAttributeName')
        else if (byte === slash) this.#readAttributesIn('selfClosingStartTag')
        else if (byte === greaterThan) return this.#endOfTag()
        else if (this.#tagName.length <= longestName) this.#tagName += String.fromCharCode(lowerCase(byte))
        return false
      case 'beforeAttributeName':
        if (isWhitespace(byte)) return false
        if (byte === slash || byte === greaterThan) return this.#reconsumeIn('afterAttributeName', byte)
        this.#startAttribute(byte)
        return false
      case 'attributeName':
        if (isWhitespace(byte) || byte === slash || byte === greaterThan) {
          return this.#reconsumeIn('afterAttributeName', byte)
        }
        if (byte === equals) this.#state = 'beforeAttributeValue'
        else this.#attributeName += String.fromCharCode(lowerCase(byte))
        return false
      case 'afterAttributeName':
        if (isWhitespace(byte)) return false
        if (byte === slash) this.#state = 'selfClosingStartTag'
        else if (byte === equals) this.#state = 'beforeAttributeValue'
        else if (byte === greaterThan) return this.#endOfTag()
        else this.#startAttribute(byte)
        return false
      case 'beforeAttributeValue':
        if (isWhitespace(byte)) return false
        if (byte === doubleQuote) this.#state = 'doubleQuotedValue'
        else if (byte === singleQuote) this.#state = 'singleQuotedValue'
        else if (byte === greaterThan) return this.#endOfTag()
        else return this.#reconsumeIn('unquotedValue', byte)
        return false
      case 'doubleQuotedValue':
        if (byte === doubleQuote) this.#state = 'afterQuotedValue'
        else this.#attributeValue += String.fromCharCode(byte)
        return false
      case 'singleQuotedValue':
        if (byte === singleQuote) this.#state = 'afterQuotedValue'
        else this.#attributeValue += String.fromCharCode(byte)
        return false
      case 'unquotedValue':
        if (isWhitespace(byte)) this.#state = 'beforeAttributeName'
        else if (byte === greaterThan) return this.#endOfTag()
        else this.#attributeValue += String.fromCharCode(byte)
        return false
      case 'afterQuotedValue':
        if (isWhitespace(byte)) this.#state = 'beforeAttributeName'
        else if (byte === slash) this.#state = 'selfClosingStartTag'
        else if (byte === greaterThan) return this.#endOfTag()
        else return this.#reconsumeIn('beforeAttributeName', byte)
        return false
      case 'selfClosingStartTag':
        if (byte === greaterThan) return this.#endOfTag()
        return this.#reconsumeIn('beforeAttributeName', byte)
      case 'markupDeclarationOpen':
        if (byte === dash) this.#state = 'commentStartDash'
        else return this.#reconsumeIn('bogusComment', byte)
        return false
      case 'commentStartDash':
        if (byte !== dash) return this.#reconsumeIn('bogusComment', byte)
        // The opening dashes count toward the close: `<!-->` and `<!--->` are whole comments (comment start states).
        this.#commentDashes = 2
        this.#state = 'comment'
        return false
      case 'comment':
        if (byte === greaterThan && (this.#commentDashes >= 2 || this.#commentDashes === afterBang)) {
          this.#state = 'data'
        } else if (byte === dash) {
          this.#commentDashes = this.#commentDashes === afterBang ? 1 : this.#commentDashes + 1
        } else {
          this.#commentDashes = byte === exclamation && this.#commentDashes >= 2 ? afterBang : 0
        }
        return false
      case 'bogusComment':
        if (byte === greaterThan) this.#state = 'data'
        return false
      case 'textElement':
        this.#matchTextElementEnd(byte)
        return false
    }
  }

  #reconsumeIn(state: State, byte: number): boolean {
    this.#state = state
    return this.#step(byte)
  }

  #startTag(name: string, isEndTag: boolean): void {
    this.#state = 'tagName'
    this.#tagName = name
    this.#isEndTag = isEndTag
    this.#attributes = null
  }

  /** Past the tag's name: only a `<meta>` start tag's attributes are worth keeping. */
  #readAttributesIn(state: State): void {
    this.#state = state
    if (!this.#isEndTag && this.#tagName === 'meta') this.#attributes = new Map()
  }

  #startAttribute(byte: number): void {
    this.#keepAttribute()
    this.#state = 'attributeName'
    this.#attributeName = String.fromCharCode(lowerCase(byte))
  }

  #keepAttribute(): void {
    const attributes = this.#attributes
    if (attributes !== null && this.#attributeName !== '' && !attributes.has(this.#attributeName)) {
      attributes.set(this.#attributeName, this.#attributeValue)
    }
    this.#attributeName = ''
    this.#attributeValue = ''
  }

  /** At a tag's `>`: true when it was the body's start tag. */
  #endOfTag(): boolean {
    this.#keepAttribute()
    this.#state = 'data'
    if (this.#isEndTag) return false
    if (this.#tagName === 'body') return true
    const attributes = this.#attributes
    if (attributes?.get('http-equiv')?.trim().toLowerCase() === 'content-security-policy') {
      this.#metaPolicies.push(attributes.get('content') ?? '')
    }
    if (textElements.has(this.#tagName)) {
      this.#state = 'textElement'
      this.#textElement = this.#tagName
      this.#endTagMatched = 0
    }
    return false
  }

  /** In a text element, only `</name` followed by whitespace, `/` or `>` ends it (an appropriate end tag). */
  #matchTextElementEnd(byte: number): void {
    const matched = this.#endTagMatched
    const name = this.#textElement
    if (matched === 0) this.#endTagMatched = byte === lessThan ? 1 : 0
    else if (matched === 1) this.#endTagMatched = byte === slash ? 2 : byte === lessThan ? 1 : 0
    else if (matched - 2 < name.length) {
      this.#endTagMatched =
        lowerCase(byte) === name.charCodeAt(matched - 2) ? matched + 1 : byte === lessThan ? 1 : 0
    } else if (isWhitespace(byte) || byte === slash || byte === greaterThan) {
      // The end tag, read on from its name like any other (its attributes too, should it have any).
      this.#startTag(name, true)
      this.#step(byte)
    } else this.#endTagMatched = byte === lessThan ? 1 : 0
  }
}
