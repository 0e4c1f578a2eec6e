import type { Child } from 'hono/jsx'
import type { WaysIn } from '../../factors/last-way-in.ts'
import type { TapgateUrls } from '../../http/tapgate-urls.ts'

/** What the account page gives a factor's section. */
export interface AccountSectionProps<Data> {
  /** Its `id`, which the summary at the top links to. */
  sectionId: string
  urls: TapgateUrls
  csrfToken: string
  /** What the user has of it, as the section shows it (its keys, its number …). */
  data: Data
  /** How many ways in the user has of each factor: a section's hint may weigh the others. */
  ways: WaysIn
  /** False when removing one would leave the user no way to pass the second step. */
  canRemove: boolean
  /** A refused addition, at its form (which is then open). */
  error: string | undefined
}

/** A factor's section on the account page: what the user has of it, and adding or removing one. */
export interface AccountView<Data> {
  /** Its section's `id`: the summary's link to it. */
  sectionId: string
  Section(props: AccountSectionProps<Data>): Child
}
