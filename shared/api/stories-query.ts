import { InputError } from '../errors.ts';
import type { StoreReader } from '../store/index.ts';
import type { StorySummary } from '../types.ts';
import { encodeCursor } from './cursor.ts';
import { parseItemsParams } from './items-query.ts';

/*
 * "List stories", shared by `GET /stories` and `wirewatch stories`: the same filters, validation and signed cursors
 * as items (topic, feed, since/until on the story's last activity, limit, cursor).
 */

/** Query parameters of `GET /stories`, as strings (absent = undefined). */
export interface StoriesParams {
  topic?: string;
  feed?: string;
  since?: string;
  until?: string;
  limit?: string;
  cursor?: string;
}

/** Names accepted by `GET /stories`; anything else is a 400. */
export const STORIES_PARAMS = ['topic', 'feed', 'since', 'until', 'limit', 'cursor'] as const;

/** A story id as the store makes them (the id of the story's first item). */
export const STORY_ID_RE = /^i_[0-9a-f]{24}$/;

/**
 * Lists one page of stories, newest activity first.
 * @returns `{stories, nextCursor}` — the body of `GET /stories` and of `wirewatch stories --json`
 * @throws InputError for bad parameters; StoreError from the store
 */
export async function listStories(
  store: StoreReader,
  params: StoriesParams,
  opts: { topics: ReadonlySet<string>; cursorKey: Buffer },
): Promise<{ stories: StorySummary[]; nextCursor: string | null }> {
  // The same validation as items; the cursor fingerprint is scoped to stories so an items cursor cannot be reused.
  const { query, fingerprint } = parseItemsParams({ ...params, q: undefined }, { ...opts, scope: 'stories' });
  const page = await store.queryStories({
    topic: query.topic,
    feed: query.feed,
    since: query.since,
    until: query.until,
    limit: query.limit,
    after: query.after,
  });
  return {
    stories: page.stories,
    nextCursor: page.last ? encodeCursor(opts.cursorKey, page.last, fingerprint) : null,
  };
}

/** Validates a story id path parameter. @throws InputError `invalid_parameter` */
export function checkStoryId(id: string): string {
  if (!STORY_ID_RE.test(id))
    throw new InputError('invalid_parameter', 'parameter id: must be i_ followed by 24 lower-case hex digits');
  return id;
}
