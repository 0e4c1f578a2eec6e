import type { IncomingMessage } from 'node:http'
import type { Transform } from 'node:stream'
import type { Config } from '../config/schema.ts'
import type { TapgateUrls } from '../http/tapgate-urls.ts'
import { InsertAfterBodyTag } from './insert-after-body-tag.ts'
import { allowsOwnStylesheet } from './stylesheet-policy.ts'
import type { UpstreamAnswer } from './upstream-answer.ts'

/** `ui.account_link: inject`: a "Sign-in security" link in the panel's pages, to tapgate's account page. */
export interface AccountLink {
  /**
   * Whether a verified user's request is a visit to a page: a browser's navigation (not a script's
   * fetch, a frame's page or a HEAD), by `Sec-Fetch-Dest`, else by `Accept` for a browser without it.
   */
  suits(incoming: IncomingMessage): boolean
  /**
   * What adds the link to the panel's answer to such a request, as its page streams to the browser
   * (relayResponse); null when the answer is no page the link can go in.
   */
  insertionFor(answer: UpstreamAnswer): Transform | null
}

/** The account link as `ui.account_link` sets it up; null when off, so panel traffic pays nothing. */
export function accountLink(setting: Config['ui']['account_link'], urls: TapgateUrls): AccountLink | null {
  if (setting === 'off') return null
  // The prefix is one path segment of letters, digits, `_` and `-` (config/schema.ts): nothing to escape.
  // A stylesheet rather than a style attribute: a policy that allows only 'self' still lets it load.
  const markup = Buffer.from(
    `<link rel="stylesheet" href="${urls.accountLinkStylesheet}">` +
      `<a class="tapgate-account-link" href="${urls.account.page}">Sign-in security</a>`,
  )
  return {
    suits(incoming) {
      if (incoming.method === 'HEAD') return false
      const destination = incoming.headers['sec-fetch-dest']
      if (destination !== undefined) return destination === 'document'
      return incoming.headers.accept?.includes('text/html') ?? false
    },
    insertionFor(answer) {
      // The page's `<meta>` policies are checked as it streams, as its headers are here.
      return isPlainPage(answer) && allowsOwnStylesheet(policiesOf(answer))
        ? new InsertAfterBodyTag(markup, allowsOwnStylesheet)
        : null
    },
  }
}

/**
 * A whole HTML page, shown as a page, whose bytes can be read as they come: a 200 (not a part of one),
 * `text/html` (XHTML would not take the markup), not a download, not compressed. A compressed page is
 * relayed as it is: undoing the panel's compression would cost tapgate a decompressor per page.
 */
function isPlainPage(answer: UpstreamAnswer): boolean {
  const { headers } = answer
  const mediaType = headers['content-type']?.split(';')[0]?.trim().toLowerCase()
  const encoding = headers['content-encoding']?.trim().toLowerCase() ?? 'identity'
  return (
    answer.statusCode === 200 &&
    mediaType === 'text/html' &&
    encoding === 'identity' &&
    !headers['content-disposition']?.trim().toLowerCase().startsWith('attachment')
  )
}

/**
 * The page's policies, Report-Only ones too: those would not block the link, but each page would send
 * the panel's operator a violation report for it.
 */
function policiesOf(answer: UpstreamAnswer): string[] {
  const { headers } = answer
  return [headers['content-security-policy'], headers['content-security-policy-report-only']].flatMap(
    (value) => value ?? [],
  )
}
