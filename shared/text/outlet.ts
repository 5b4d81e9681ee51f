/**
 * The outlet (publisher) name people see for an article: the feed's configured `name` (how the desk knows it),
 * else the page's own site name (`og:site_name` and the like), else the URL's host without `www.`.
 * @returns a one-line name; `unknown outlet` when nothing gives one
 */
export function outletOf(parts: { feedName?: string | null; siteName?: string | null; url?: string | null }): string {
  const clean = (s: string | null | undefined) => (s ?? '').replace(/\s+/g, ' ').trim();
  const named = clean(parts.feedName) || clean(parts.siteName);
  if (named) return named;
  try {
    return new URL(parts.url ?? '').hostname.replace(/^www\./, '') || 'unknown outlet';
  } catch {
    return 'unknown outlet';
  }
}
