import { get } from '../api.ts';
import { h, sourceLink } from '../dom.ts';
import { duration, time } from '../format.ts';
import type { FeedHealth } from '../types.ts';
import { badge, errorMessage, loading, message, table, title } from '../ui.ts';

/*
 * Feed health (`GET /feeds`): status, last success, last new entry, consecutive failures, next poll, last error —
 * and a warning for a feed silent longer than its rhythm (the median gap between its entries, kept with the feed's
 * state): one request for the whole view.
 */

function statusBadge(f: FeedHealth): HTMLElement {
  if (f.status === null) return badge('not polled yet', 'muted');
  if (f.status === 'ok' || f.status === 'not_modified')
    return badge(f.consecutiveFailures > 0 ? 'recovering' : f.status === 'ok' ? 'ok' : 'not modified', 'ok');
  return badge(`failing: ${f.status.replace('_', ' ')}`, 'bad');
}

/**
 * The rhythm cell of one feed, from the API's own judgement (`rhythmMs`, `silent`, `lastEntryAt` of `GET /feeds`,
 * the same figures `wirewatch feeds` prints), so the dashboard and the CLI never disagree about a feed.
 */
function rhythmCell(f: FeedHealth, now: number): HTMLElement {
  if (f.rhythmMs === null) return h('td', { class: 'rhythm' }, h('span', { class: 'muted' }, 'too few items to tell'));
  const quiet = f.lastEntryAt ? now - Date.parse(f.lastEntryAt) : 0;
  return h(
    'td',
    { class: 'rhythm' },
    f.silent
      ? h(
          'span',
          { class: 'warning', role: 'note' },
          badge('silent', 'warn'),
          ` nothing new for ${duration(quiet)}; usually every ${duration(f.rhythmMs)}`,
        )
      : h('span', { class: 'muted' }, `about every ${duration(f.rhythmMs)}`),
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
  const rows = feeds.map((f) => {
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
      rhythmCell(f, now),
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
}
