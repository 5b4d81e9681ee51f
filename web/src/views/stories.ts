import { get } from '../api.ts';
import { h } from '../dom.ts';
import { time } from '../format.ts';
import type { FeedHealth, StorySummary, TopicsResponse } from '../types.ts';
import { chip, errorMessage, href, loading, message, pager, type Route, select, title } from '../ui.ts';

/*
 * Stories, newest activity first (`GET /stories`): headline, outlets carrying it, first seen, last update, topic
 * chips; filters topic, feed and time range; paging with the API's cursor. The filters live in the hash route;
 * a time range is turned into a fixed `since` when chosen, so the cursor (bound to the filters) stays valid.
 */

const RANGES: Array<[string, string, number | null]> = [
  ['', 'Any time', null],
  ['24h', 'Last 24 hours', 86_400_000],
  ['7d', 'Last 7 days', 7 * 86_400_000],
  ['30d', 'Last 30 days', 30 * 86_400_000],
];

/** Renders the stories view into `root`. */
export async function storiesView(root: HTMLElement, route: Route): Promise<void> {
  const p = route.params;
  const topic = p.get('topic') ?? '';
  const feed = p.get('feed') ?? '';
  const range = p.get('range') ?? '';
  const since = p.get('since') ?? '';
  const cursor = p.get('cursor') ?? '';
  const base = { topic, feed, range, since };

  const go = (next: Record<string, string>) => {
    const merged = { ...base, ...next };
    if ('range' in next) {
      const ms = RANGES.find((r) => r[0] === next.range)?.[2] ?? null;
      merged.since = ms ? new Date(Date.now() - ms).toISOString() : '';
    }
    location.hash = href('stories', merged);
  };

  const list = h('div', { class: 'list-area' }, loading('Loading stories…'));
  const filters = h('form', { class: 'filters', 'aria-label': 'Filters', onsubmit: (e: Event) => e.preventDefault() });
  root.replaceChildren(title('Stories', h('p', { class: 'sub' }, 'Newest activity first')), filters, list);

  const [topics, feeds] = await Promise.all([
    get<TopicsResponse>('/topics').catch(() => ({ topics: [] })),
    get<{ feeds: FeedHealth[] }>('/feeds').catch(() => ({ feeds: [] })),
  ]);
  const topicName = new Map(topics.topics.map((t) => [t.id, t.name]));
  const feedName = new Map(feeds.feeds.map((f) => [f.id, f.name ?? f.url]));
  filters.append(
    select(
      'Topic',
      'topic',
      [['', 'All topics'], ...topics.topics.map((t) => [t.id, t.name] as [string, string])],
      topic,
      (v) => go({ topic: v }),
    ),
    select(
      'Feed',
      'feed',
      [['', 'All feeds'], ...feeds.feeds.map((f) => [f.id, f.name ?? f.url] as [string, string])],
      feed,
      (v) => go({ feed: v }),
    ),
    select(
      'Time',
      'range',
      RANGES.map(([v, t]) => [v, t] as [string, string]),
      range,
      (v) => go({ range: v }),
    ),
  );

  let page: { stories: StorySummary[]; nextCursor: string | null };
  try {
    page = await get('/stories', { topic, feed, since, limit: 25, cursor });
  } catch (err) {
    list.replaceChildren(errorMessage(err));
    throw err;
  }
  if (page.stories.length === 0) {
    list.replaceChildren(message(cursor ? 'No older stories.' : 'No stories match these filters yet.'));
    return;
  }
  list.replaceChildren(
    h(
      'ol',
      { class: 'rows', 'aria-label': 'Stories' },
      page.stories.map((st) => {
        const outlets = st.members;
        const feedsText = st.feedIds.map((f) => feedName.get(f) ?? f).join(', ');
        return h(
          'li',
          null,
          h(
            'a',
            {
              class: 'row',
              href: href(`story/${encodeURIComponent(st.id)}`),
              'data-nav-item': '',
              'data-story-id': st.id,
            },
            h('span', { class: 'headline' }, st.title || '(no headline)'),
            h(
              'span',
              { class: 'meta' },
              h(
                'span',
                { class: 'outlets', title: 'Outlets and versions carrying the story' },
                `${outlets} ${outlets === 1 ? 'outlet' : 'outlets'}`,
              ),
              ' · first seen ',
              time(st.firstSeenAt),
              ' · last update ',
              time(st.lastActivityAt),
              st.version > 1 ? ` · version ${st.version}` : '',
              st.original.agency ? ` · ${st.original.agency}` : '',
            ),
            h(
              'span',
              { class: 'chips' },
              st.topics.map((t) => chip(topicName.get(t.id) ?? t.name, 'topic')),
              feedsText ? h('span', { class: 'feeds muted' }, feedsText) : null,
            ),
          ),
        );
      }),
    ),
    pager(
      cursor ? href('stories', base) : null,
      page.nextCursor ? href('stories', { ...base, cursor: page.nextCursor }) : null,
    ),
  );
}
