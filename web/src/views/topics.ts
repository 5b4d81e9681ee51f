import { get } from '../api.ts';
import { timelineChart } from '../chart.ts';
import { h } from '../dom.ts';
import { time } from '../format.ts';
import type { ItemSummary, TopicTimeline, TopicsResponse } from '../types.ts';
import { errorMessage, href, loading, message, type Route, title } from '../ui.ts';

/*
 * Topics: the list with 24 h / 7 d counts and a 7-day sparkline each; a topic's page with its timeline per hour or
 * day over 7 or 30 days (`GET /topics/{id}/timeline`), its rule, and its latest matches (`GET /items?topic=`).
 */

/** Renders `#/topics`. */
export async function topicsView(root: HTMLElement): Promise<void> {
  root.replaceChildren(title('Topics'), loading('Loading topics…'));
  let topics: TopicsResponse;
  try {
    topics = await get<TopicsResponse>('/topics');
  } catch (err) {
    root.replaceChildren(title('Topics'), errorMessage(err));
    throw err;
  }
  if (topics.topics.length === 0) {
    root.replaceChildren(title('Topics'), message('No topics are configured.'));
    return;
  }
  const cards = topics.topics.map((t) => {
    const spark = h('div', { class: 'spark' });
    void get<TopicTimeline>(`/topics/${encodeURIComponent(t.id)}/timeline`, { bucket: 'day', days: 7 }).then(
      (tl) => spark.replaceChildren(timelineChart(tl, { compact: true })),
      () => spark.replaceChildren(),
    );
    return h(
      'li',
      null,
      h(
        'a',
        {
          class: 'row topic-row',
          href: href(`topics/${encodeURIComponent(t.id)}`),
          'data-nav-item': '',
          'data-topic': t.id,
        },
        h('span', { class: 'headline' }, t.name),
        h(
          'span',
          { class: 'meta' },
          `${t.counts.last24h} in 24 h · ${t.counts.last7d} in 7 days · `,
          h('code', null, t.id),
        ),
        spark,
      ),
    );
  });
  root.replaceChildren(
    title('Topics', h('p', { class: 'sub' }, 'Matches per topic')),
    h('ol', { class: 'rows' }, cards),
  );
}

/** Renders `#/topics/<id>?bucket=hour|day&days=7|30`. */
export async function topicView(root: HTMLElement, route: Route): Promise<void> {
  const id = route.parts[1] ?? '';
  const bucket = route.params.get('bucket') === 'hour' ? 'hour' : 'day';
  const days = route.params.get('days') === '30' ? '30' : '7';
  root.replaceChildren(loading('Loading the timeline…'));
  let tl: TopicTimeline;
  let latest: { items: ItemSummary[] };
  try {
    [tl, latest] = await Promise.all([
      get<TopicTimeline>(`/topics/${encodeURIComponent(id)}/timeline`, { bucket, days }),
      get<{ items: ItemSummary[] }>('/items', { topic: id, limit: 10 }),
    ]);
  } catch (err) {
    root.replaceChildren(errorMessage(err));
    throw err;
  }
  const toggle = (label: string, params: Record<string, string>, on: boolean) =>
    h(
      'a',
      {
        class: on ? 'button on' : 'button',
        href: href(`topics/${encodeURIComponent(id)}`, { bucket, days, ...params }),
        'aria-current': on ? 'true' : undefined,
      },
      label,
    );
  root.replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/topics' }, '← Topics')),
    title(
      tl.topic.name,
      h('p', { class: 'sub' }, h('code', null, tl.topic.id), ` · ${tl.total} matches in ${tl.days} days`),
    ),
    h(
      'div',
      { class: 'toggles', role: 'group', 'aria-label': 'Timeline' },
      h(
        'span',
        { class: 'group' },
        toggle('Per day', { bucket: 'day' }, bucket === 'day'),
        toggle('Per hour', { bucket: 'hour' }, bucket === 'hour'),
      ),
      h(
        'span',
        { class: 'group' },
        toggle('7 days', { days: '7' }, days === '7'),
        toggle('30 days', { days: '30' }, days === '30'),
      ),
    ),
    timelineChart(tl),
    h('h2', null, 'Rule'),
    tl.topic.rule ? h('pre', { class: 'rule' }, h('code', null, tl.topic.rule)) : message('The server did not say.'),
    h('p', { class: 'muted' }, `Matches when the rule holds and the score is at least ${tl.topic.threshold}.`),
    h('h2', null, 'Latest matches'),
    latest.items.length
      ? h(
          'ol',
          { class: 'rows' },
          latest.items.map((it) =>
            h(
              'li',
              null,
              h(
                'a',
                { class: 'row', href: href(`item/${encodeURIComponent(it.id)}`), 'data-nav-item': '' },
                h('span', { class: 'headline' }, it.title || '(no headline)'),
                h(
                  'span',
                  { class: 'meta' },
                  time(it.publishedAt ?? it.firstSeenAt),
                  ` · score ${(it.topics.find((t) => t.id === id)?.score ?? 0).toFixed(2)}`,
                ),
              ),
            ),
          ),
        )
      : message('No matches yet.'),
  );
}
