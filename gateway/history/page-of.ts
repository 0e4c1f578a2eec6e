/** One page of a list, and where it stands: pages are numbered from 1, the newest first. */
export interface Page<Item> {
  items: Item[]
  page: number
  /** At least 1: an empty list is one empty page. */
  pages: number
}

/**
 * The `requested` page of `items`, `perPage` to a page. A page before the first reads as the first
 * and one past the last as the last, so a stale or edited `?page=` still shows a page.
 */
export function pageOf<Item>(items: readonly Item[], requested: number, perPage: number): Page<Item> {
  if (!Number.isInteger(perPage) || perPage < 1) {
    throw new TypeError(`pageOf: expected a whole number of items per page, got ${perPage}`)
  }
  const pages = Math.max(1, Math.ceil(items.length / perPage))
  const page = Number.isNaN(requested) ? 1 : Math.min(Math.max(1, Math.trunc(requested)), pages)
  const start = (page - 1) * perPage
  return { items: items.slice(start, start + perPage), page, pages }
}
