import type { Extraction, FeedEntry, TopicMatch } from '../../shared/types.ts';
import type { ItemInput } from '../../shared/store/index.ts';

/** A feed entry for `url` with overridable fields. */
export function entryFor(url: string, over: Partial<FeedEntry> = {}): FeedEntry {
  return {
    key: `url:${url}`,
    guid: null,
    url,
    title: `Title of ${url}`,
    summary: 'A summary.',
    contentHtml: null,
    publishedAt: '2026-11-20T10:00:00.000Z',
    updatedAt: null,
    author: null,
    categories: [],
    enclosures: [],
    ...over,
  };
}

/** An extraction of `url` with `text`. */
export function extractionFor(url: string, text: string, over: Partial<Extraction> = {}): Extraction {
  return {
    url,
    canonicalUrl: url,
    title: `Page title of ${url}`,
    byline: 'A. Reporter',
    siteName: 'Example Wire',
    lang: 'en',
    dir: 'ltr',
    publishedAt: null,
    modifiedAt: null,
    text,
    excerpt: null,
    wordCount: text.split(/\s+/).filter(Boolean).length,
    status: 'full',
    reason: null,
    paywalled: false,
    leadImage: null,
    extractor: { name: 'readability', version: '0.6.0', dom: 'jsdom' },
    ...over,
  };
}

/** A topic match with one evidence sentence. */
export function topic(id: string, score = 3): TopicMatch {
  return {
    id,
    name: `Topic ${id}`,
    score,
    evidence: [
      {
        clause: `SENTENCE(@${id})`,
        field: 'lead',
        text: `A sentence about ${id}.`,
        start: 0,
        end: 20,
        terms: [{ text: id, start: 18, end: 18 + id.length }],
      },
    ],
  };
}

/** A complete `saveItem` input. */
export function itemInput(
  url: string,
  opts: {
    feedId?: string;
    text?: string;
    topics?: TopicMatch[];
    publishedAt?: string | null;
    title?: string;
    seenAt?: string;
    aliasUrls?: string[];
  } = {},
): ItemInput {
  const entry = entryFor(url, {
    ...(opts.publishedAt !== undefined ? { publishedAt: opts.publishedAt } : {}),
    ...(opts.title !== undefined ? { title: opts.title } : {}),
  });
  return {
    canonicalUrl: url,
    aliasUrls: opts.aliasUrls ?? [],
    feedId: opts.feedId ?? 'feed-a',
    entry,
    extraction: extractionFor(url, opts.text ?? `First paragraph of ${url}.\n\nSecond paragraph.`),
    topics: opts.topics ?? [],
    seenAt: opts.seenAt ?? '2026-11-20T10:05:00.000Z',
  };
}
