/**
 * Entry identity. An entry's key is its canonical URL (`url:<canonical url>`); the GUID
 * (`guid:<guid>`) is a fallback only when the entry has no URL and the GUID is not reused for different links
 * in the same document; with neither, `hash:<sha256 hex>` of feed URL + title + date (+ summary when the title
 * is empty). Editing a title or adding tracking parameters therefore never changes a URL-keyed entry's key.
 */
import { createHash } from 'node:crypto';
import type { FeedEntry } from '../types.ts';

/** A normalised entry before its key is assigned. */
export type UnkeyedEntry = Omit<FeedEntry, 'key'>;

/** sha256 hex of a UTF-8 string. */
export function sha256Hex(s: string | Buffer): string {
  return createHash('sha256').update(s).digest('hex');
}

/**
 * The `hash:` key of an entry with neither a URL nor a usable GUID.
 * @param feedUrl the URL the document was fetched from (or the `--base-url` of a file)
 */
export function hashKey(
  feedUrl: string,
  e: Pick<UnkeyedEntry, 'title' | 'publishedAt' | 'updatedAt' | 'summary'>,
): string {
  const parts = [feedUrl, e.title, e.publishedAt ?? e.updatedAt ?? ''];
  if (!e.title) parts.push(e.summary ?? '');
  return `hash:${sha256Hex(parts.join('\n'))}`;
}

/**
 * Assigns `key` to every entry of one document and drops later duplicates of a key (first occurrence wins).
 * @param entries entries in document order
 * @param feedUrl document URL, part of `hash:` keys
 * @returns keyed entries and one warning per dropped duplicate
 */
export function assignKeys(entries: UnkeyedEntry[], feedUrl: string): { entries: FeedEntry[]; warnings: string[] } {
  // Which GUIDs are reused for different links (or for entries with and without a link) in this document?
  const linksByGuid = new Map<string, Set<string>>();
  for (const e of entries) {
    if (!e.guid) continue;
    let set = linksByGuid.get(e.guid);
    if (!set) {
      set = new Set();
      linksByGuid.set(e.guid, set);
    }
    set.add(e.url ?? `\u0000${e.title}\u0000${e.publishedAt ?? ''}`);
  }
  const out: FeedEntry[] = [];
  const warnings: string[] = [];
  const seen = new Set<string>();
  entries.forEach((e, i) => {
    let key: string;
    if (e.url) key = `url:${e.url}`;
    else if (e.guid && (linksByGuid.get(e.guid)?.size ?? 0) <= 1) key = `guid:${e.guid}`;
    else key = hashKey(feedUrl, e);
    if (seen.has(key) && key.startsWith('url:') && e.guid && (linksByGuid.get(e.guid)?.size ?? 0) <= 1) {
      // Two entries of one document on the same page (e.g. blog anchors `#item1`, `#item2` that canonicalise
      // alike) but with distinct GUIDs: keep the later one under its GUID instead of losing it.
      key = `guid:${e.guid}`;
    }
    if (seen.has(key)) {
      warnings.push(`entry ${i + 1} duplicates an earlier entry (${key.slice(0, 120)}); dropped`);
      return;
    }
    seen.add(key);
    out.push({ key, ...e });
  });
  return { entries: out, warnings };
}
