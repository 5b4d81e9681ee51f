/**
 * JSON Feed 1.0 / 1.1 (https://www.jsonfeed.org/version/1.1/) → normalised entries. rss-parser has no JSON
 * path, so this is a small dedicated reader. Unknown fields are ignored; wrong types are treated as absent.
 */
import type { FeedEntry, ParsedFeed } from '../types.ts';
import { cleanText, escapeHtml, htmlToText } from '../text/html.ts';
import { parseDate } from '../text/date.ts';
import { canonicalizeUrl, absoluteHttpUrl } from './url.ts';
import { FeedError } from './errors.ts';
import type { UnkeyedEntry } from './identity.ts';

type Json = Record<string, unknown>;

const str = (v: unknown): string | null => (typeof v === 'string' ? v : typeof v === 'number' ? String(v) : null);
const obj = (v: unknown): Json | null => (v && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null);

/**
 * Parses JSON Feed text.
 * @param text decoded document
 * @param url document URL (base for relative URLs)
 * @returns feed metadata and unkeyed entries
 * @throws FeedError `parse_error` (invalid JSON) or `not_a_feed` (JSON without a JSON Feed `version`/`items`)
 */
export function parseJsonFeed(text: string, url: string): { feed: ParsedFeed['feed']; entries: UnkeyedEntry[] } {
  let doc: unknown;
  try {
    doc = JSON.parse(text.replace(/^\ufeff/, ''));
  } catch (err) {
    throw new FeedError('parse_error', `${url}: invalid JSON: ${(err as Error).message}`, { cause: err });
  }
  const root = obj(doc);
  const version = str(root?.version) ?? '';
  if (!root || (!/jsonfeed\.org\/version\//i.test(version) && !Array.isArray(root.items))) {
    throw new FeedError('not_a_feed', `${url}: JSON document is not a JSON Feed (no version or items)`);
  }
  const home = str(root.home_page_url);
  const link = home ? canonicalizeUrl(home, url) : null;
  const feedAuthor = authorOf(root);
  const items = Array.isArray(root.items) ? root.items : [];
  const entries: UnkeyedEntry[] = [];
  for (const raw of items) {
    const it = obj(raw);
    if (!it) continue;
    const itemUrl = str(it.url) ?? str(it.external_url);
    const contentHtml = str(it.content_html);
    const contentText = str(it.content_text);
    const summaryRaw = str(it.summary);
    const published = parseDate(str(it.date_published));
    const modified = parseDate(str(it.date_modified));
    const categories: string[] = [];
    if (Array.isArray(it.tags)) {
      for (const t of it.tags) {
        const v = cleanText(str(t));
        if (v && !categories.includes(v)) categories.push(v);
      }
    }
    const enclosures: FeedEntry['enclosures'] = [];
    if (Array.isArray(it.attachments)) {
      for (const a of it.attachments) {
        const ao = obj(a);
        const u = absoluteHttpUrl(str(ao?.url), url);
        if (!ao || !u || enclosures.some((e) => e.url === u)) continue;
        const size = typeof ao.size_in_bytes === 'number' && ao.size_in_bytes > 0 ? Math.floor(ao.size_in_bytes) : null;
        enclosures.push({ url: u, type: str(ao.mime_type), length: size });
      }
    }
    entries.push({
      guid: cleanText(str(it.id)) || null,
      url: itemUrl ? canonicalizeUrl(itemUrl, url) : null,
      title: htmlToText(str(it.title)),
      summary: summaryRaw !== null ? htmlToText(summaryRaw) || null : null,
      contentHtml: contentHtml?.trim()
        ? contentHtml.trim()
        : contentText?.trim()
          ? escapeHtml(contentText.trim())
          : null,
      publishedAt: published ? published.toISOString() : null,
      updatedAt: modified ? modified.toISOString() : null,
      author: authorOf(it) ?? feedAuthor,
      categories,
      enclosures,
    });
  }
  return { feed: { title: cleanText(str(root.title)) || null, link, format: 'json' }, entries };
}

/** JSON Feed 1.1 `authors[]` or 1.0 `author` → first name. */
function authorOf(o: Json): string | null {
  const list = Array.isArray(o.authors) ? o.authors : o.author ? [o.author] : [];
  for (const a of list) {
    const name = cleanText(str(obj(a)?.name));
    if (name) return name;
  }
  return null;
}
