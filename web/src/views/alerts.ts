import { get } from '../api.ts';
import { h } from '../dom.ts';
import { time } from '../format.ts';
import type { AlertView } from '../types.ts';
import { badge, errorMessage, href, loading, message, pager, type Route, select, table, title } from '../ui.ts';

/*
 * Alerts (`GET /alerts`): recent deliveries per subscription and channel with their status — sent, deferred to a
 * digest, parked (failed, can be re-driven with `wirewatch alerts retry`), failed for good, suppressed — and why.
 */

/** What a person calls an alert's state. */
export function alertState(a: AlertView): { label: string; kind: 'ok' | 'warn' | 'bad' | 'info' | 'muted' } {
  switch (a.status) {
    case 'sent':
      return {
        label: a.via === 'digest' ? 'sent in digest' : a.via === 'retry' ? 'sent on retry' : 'sent',
        kind: 'ok',
      };
    case 'deferred':
      return { label: a.reason === 'budget' ? 'deferred (over budget)' : 'deferred to digest', kind: 'info' };
    case 'failed':
      return a.parked ? { label: 'parked', kind: 'warn' } : { label: 'failed', kind: 'bad' };
    case 'suppressed':
      return { label: 'suppressed', kind: 'muted' };
    default:
      return { label: 'sending', kind: 'muted' };
  }
}

const REASONS: Record<string, string> = {
  digest: 'digest subscription',
  budget: 'over the hourly budget',
  too_old: 'item too old to alert',
  retag: 'topic added by a backtest re-tag',
};

/** Renders `#/alerts?status=&cursor=`. */
export async function alertsView(root: HTMLElement, route: Route): Promise<void> {
  const status = route.params.get('status') ?? '';
  const cursor = route.params.get('cursor') ?? '';
  const filter = h(
    'form',
    { class: 'filters', 'aria-label': 'Filters', onsubmit: (e: Event) => e.preventDefault() },
    select(
      'Status',
      'status',
      [
        ['', 'All'],
        ['sent', 'Sent'],
        ['deferred', 'Deferred'],
        ['failed', 'Parked or failed'],
        ['suppressed', 'Suppressed'],
        ['pending', 'Sending'],
      ],
      status,
      (v) => {
        location.hash = href('alerts', { status: v });
      },
    ),
  );
  const body = h('div', null, loading('Loading alerts…'));
  root.replaceChildren(title('Alerts', h('p', { class: 'sub' }, 'Deliveries, newest first')), filter, body);
  let page: { alerts: AlertView[]; nextCursor: string | null };
  try {
    page = await get('/alerts', { status, cursor, limit: 50 });
  } catch (err) {
    body.replaceChildren(errorMessage(err));
    throw err;
  }
  if (page.alerts.length === 0) {
    body.replaceChildren(message(cursor ? 'No older alerts.' : 'No alerts yet.'));
    return;
  }
  // Per subscription × channel: how this page's alerts went.
  type Kind = ReturnType<typeof alertState>['kind'];
  const groups = new Map<string, { sub: string; channel: string; counts: Map<string, { n: number; kind: Kind }> }>();
  for (const a of page.alerts) {
    const k = `${a.subscriptionId}\u0000${a.channelId}`;
    const g = groups.get(k) ?? {
      sub: a.subscriptionId,
      channel: `${a.channelId} (${a.channelType})`,
      counts: new Map(),
    };
    const st = alertState(a);
    g.counts.set(st.label, { n: (g.counts.get(st.label)?.n ?? 0) + 1, kind: st.kind });
    groups.set(k, g);
  }
  const summaryRows = [...groups.values()].map((g) =>
    h(
      'tr',
      null,
      h('td', null, g.sub),
      h('td', null, g.channel),
      h(
        'td',
        null,
        [...g.counts].map(([label, c]) => h('span', { class: 'count' }, badge(label, c.kind), ` ${c.n}`)),
      ),
    ),
  );
  const rows = page.alerts.map((a) => {
    const st = alertState(a);
    const why = a.lastError ?? (a.reason ? (REASONS[a.reason] ?? a.reason) : '');
    return h(
      'tr',
      { 'data-alert-key': a.key, 'data-state': st.label, 'data-nav-item': '', tabindex: '-1' },
      h('td', null, time(a.updatedAt)),
      h('td', null, a.subscriptionId),
      h('td', null, `${a.channelId} (${a.channelType})`),
      h('td', null, a.topicId),
      h(
        'td',
        null,
        h('a', { href: href(`story/${encodeURIComponent(a.storyId)}`) }, a.title || '(no headline)'),
        a.version ? h('span', { class: 'muted' }, ` · update v${a.version}`) : null,
        h('div', { class: 'small muted' }, a.outlet),
      ),
      h('td', null, badge(st.label, st.kind)),
      h(
        'td',
        { class: 'error-text' },
        why,
        a.attempts ? h('div', { class: 'small muted' }, `${a.attempts} attempt(s)`) : null,
      ),
    );
  });
  body.replaceChildren(
    h('h2', null, 'By subscription and channel'),
    table(['Subscription', 'Channel', 'This page'], summaryRows, 'summary'),
    h('h2', null, 'Deliveries'),
    table(['When', 'Subscription', 'Channel', 'Topic', 'Story', 'Status', 'Reason'], rows, 'alerts'),
    pager(
      cursor ? href('alerts', { status }) : null,
      page.nextCursor ? href('alerts', { status, cursor: page.nextCursor }) : null,
    ),
  );
}
