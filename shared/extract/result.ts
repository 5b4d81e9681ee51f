/// <reference lib="dom" />
/**
 * Building blocks of an `Extraction` shared by the in-process path (index.ts) and the worker pool (pool.ts): the
 * empty result, the feed-fallback result and excerpts. Kept apart so the pool never imports the extractor itself.
 */
import { parseHTML } from 'linkedom';
import type { Extraction } from '../types.ts';
import type { DomEngine } from './dom.ts';
import { collapseWhitespace, countWords, domToParagraphs, joinParagraphs, textToParagraphs } from './text.ts';

/** Name recorded in `Extraction.extractor.name`. */
export const EXTRACTOR_NAME = 'wirewatch-extract';
/** Version recorded in `Extraction.extractor.version`: our pipeline version + the pinned Readability.js version. */
export const EXTRACTOR_VERSION = '1.0.0+readability.0.6.0';

/** The feed entry's own text, used when the page gives none (`FeedEntry.title`/`summary`/`contentHtml`). */
export interface ExtractFallback {
  title?: string | null;
  summary?: string | null;
  /** HTML from the feed (content:encoded, atom:content); converted to text, never executed or kept. */
  contentHtml?: string | null;
}

/** Paragraphs of the feed fallback: the longer of `contentHtml` (as text) and `summary`. */
export function fallbackParagraphs(fallback: ExtractFallback | undefined): string[] {
  if (!fallback) return [];
  let fromHtml: string[] = [];
  if (fallback.contentHtml?.trim()) {
    try {
      const { document } = parseHTML(
        `<!DOCTYPE html><html><head></head><body>${fallback.contentHtml}</body></html>`,
      ) as unknown as { document: Document };
      fromHtml = domToParagraphs(document.body);
    } catch {
      fromHtml = textToParagraphs(fallback.contentHtml.replace(/<[^>]*>/g, ' '));
    }
  }
  const fromSummary = fallback.summary ? textToParagraphs(fallback.summary) : [];
  return countWords(joinParagraphs(fromHtml)) >= countWords(joinParagraphs(fromSummary)) ? fromHtml : fromSummary;
}

/** An empty extraction of `url` (status `failed`, no text, no reason) that callers fill in. */
export function emptyExtraction(url: string, dom: DomEngine | null): Extraction {
  return {
    url,
    canonicalUrl: null,
    title: null,
    byline: null,
    siteName: null,
    lang: null,
    dir: null,
    publishedAt: null,
    modifiedAt: null,
    text: '',
    excerpt: null,
    wordCount: 0,
    status: 'failed',
    reason: null,
    paywalled: false,
    leadImage: null,
    extractor: { name: EXTRACTOR_NAME, version: EXTRACTOR_VERSION, dom },
  };
}

/**
 * The result when the page itself could not be used (transport error, HTTP error, not HTML, parse failure):
 * the feed's text with status `feed_only`, or `failed` when there is no feed text. `reason` says why.
 */
export function fallbackOnly(url: string, fallback: ExtractFallback | undefined, reason: string): Extraction {
  const paragraphs = fallbackParagraphs(fallback);
  const text = joinParagraphs(paragraphs);
  const x = emptyExtraction(url, null);
  x.title = fallback?.title ? collapseWhitespace(fallback.title) || null : null;
  x.text = text;
  x.wordCount = countWords(text);
  x.excerpt = excerptOf(fallback?.summary ?? null, paragraphs);
  x.status = text ? 'feed_only' : 'failed';
  x.reason = reason;
  return x;
}

/** The excerpt: the declared description (≤ 500 characters), else the first paragraph (≤ 300 characters). */
export function excerptOf(declared: string | null | undefined, paragraphs: string[]): string | null {
  const d = declared ? collapseWhitespace(declared) : '';
  if (d) return d.length > 500 ? `${d.slice(0, 497)}...` : d;
  const first = paragraphs[0];
  if (!first) return null;
  return first.length > 300 ? `${first.slice(0, 297)}...` : first;
}
