import { get } from '../api.ts';
import { h, sourceLink } from '../dom.ts';
import { duration, time } from '../format.ts';
import type { FeedHealth, ItemSummary } from '../types.ts';
import { isSilent, rhythmOf } from '../rhythm.ts';
import { badge, errorMessage, loading, message, table, title } from '../ui.ts';

/*
 * Feed health (`GET /feeds`): status, last success, last new entry, consecutive failures, next poll, last error —
 * and a warning for a feed silent longer than its rhythm. The rhythm is the median gap between the publication
 * times of the feed's latest items (`GET /items?feed=<id>&limit=20`: one bounded Query per feed, at most 4 at a
 * time); a feed is silent when its newest item is older than three such gaps (at least an hour).
 */

function statusBadge(f: FeedHealth): HTMLElement {
  if (f.status === null) return badge('not polled yet', 'muted');
  if (f.status === 'ok' || f.status === 'not_modified')
    return badge(f.consecutiveFailures > 0 ? 'recovering' : f.status === 'ok' ? 'ok' : 'not modified', 'ok');
  return badge(`failing: ${f.status.replace('_', ' ')}`, 'bad');
}

/** Fills `cell` with the silence warning of one feed (or nothing). */
async function rhythmCell(f: FeedHealth, cell: HTMLElement, now: number): Promise<void> {
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(f.id)) return;
  const page = await get<{ items: ItemSummary[] }>('/items', { feed: f.id, limit: 20 });
  const r = rhythmOf(page.items.map((i) => Date.parse(i.publishedAt ?? i.firstSeenAt)));
  if (!r) {
    cell.replaceChildren(h('span', { class: 'muted' }, 'too few items to tell'));
    return;
  }
  const silent = now - r.newest;
  cell.replaceChildren(
    isSilent(r, now)
      ? h(
          'span',
          { class: 'warning', role: 'note' },
          badge('silent', 'warn'),
          ` nothing new for ${duration(silent)}; usually every ${duration(r.medianGapMs)}`,
        )
      : h('span', { class: 'muted' }, `about every ${duration(r.medianGapMs)}`),
  );
}

/** Renders `#/feeds`. */
export async function feedsView(root: HTMLElement): Promise<void> {
  root.replaceChildren(title('Feeds'), loading('Loading feed health…'));
  let feeds: FeedHealth[];
  try {
    feeds = (await get<{ feeds: FeedHealth[] }>('/feeds')).feeds;
  } catch (err) {
    root.replaceChildren(title('Feeds'), errorMessage(err));
    throw err;
  }
  if (feeds.length === 0) {
    root.replaceChildren(title('Feeds'), message('No feeds are configured.'));
    return;
  }
  const now = Date.now();
  const cells = new Map<string, HTMLElement>();
  const rows = feeds.map((f) => {
    const rhythm = h('td', { class: 'rhythm' });
    cells.set(f.id, rhythm);
    const failing = f.status !== null && f.status !== 'ok' && f.status !== 'not_modified';
    return h(
      'tr',
      { class: failing ? 'failing' : '', 'data-feed-id': f.id, 'data-nav-item': '', tabindex: '-1' },
      h('td', null, h('div', { class: 'feed-name' }, f.name ?? f.id), h('div', { class: 'small' }, sourceLink(f.url))),
      h('td', null, statusBadge(f)),
      h('td', null, time(f.lastSuccessAt)),
      h('td', null, time(f.lastNewEntryAt)),
      h('td', { class: 'num' }, f.consecutiveFailures),
      h('td', null, time(f.nextPollAt)),
      h('td', { class: 'error-text' }, f.lastError ?? ''),
      rhythm,
    );
  });
  const failing = feeds.filter((f) => f.status !== null && f.status !== 'ok' && f.status !== 'not_modified').length;
  root.replaceChildren(
    title(
      'Feeds',
      h('p', { class: 'sub' }, `${feeds.length} feeds`, failing ? [' · ', badge(`${failing} failing`, 'bad')] : ''),
    ),
    table(
      ['Feed', 'Status', 'Last success', 'Last new entry', 'Failures', 'Next poll', 'Last error', 'Rhythm'],
      rows,
      'feeds',
    ),
  );
  // Rhythms, four feeds at a time.
  const queue = [...feeds];
  await Promise.all(
    Array.from({ length: Math.min(4, queue.length) }, async () => {
      for (let f = queue.shift(); f; f = queue.shift()) {
        const cell = cells.get(f.id)!;
        await rhythmCell(f, cell, now).catch(() => cell.replaceChildren());
      }
    }),
  );
}
