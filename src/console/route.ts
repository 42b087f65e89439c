/** The console's pages. */
export const PAGES = ['overview', 'devices', 'frames', 'commands', 'management'] as const;
export type Page = (typeof PAGES)[number];

/** Where the page is: `#/frames?device=mcu-sensor/esp-01`. */
export interface Route {
  page: Page;
  params: URLSearchParams;
}

/** Reads the hash (`#/page?query`); anything unknown is the overview. */
export function parseRoute(hash: string): Route {
  const [path = '', query = ''] = hash.replace(/^#\/?/, '').split('?');
  const page = (PAGES as readonly string[]).includes(path) ? (path as Page) : 'overview';
  return { page, params: new URLSearchParams(query) };
}

/** The hash of a page with its query. */
export function href(page: Page, params: Record<string, string> = {}): string {
  const query = new URLSearchParams(params).toString();
  return `#/${page}${query ? `?${query}` : ''}`;
}
