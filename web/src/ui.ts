import { ApiError } from './api.ts';
import { h, type Child } from './dom.ts';

/*
 * Small building blocks shared by the views: headings, chips, badges, pagers, tables, messages. Hash routes carry
 * the state of each view (filters, cursor), so every view is a deep link and Back works.
 */

/** The current route: `#/<path>?<query>` split into path segments and parameters. */
export interface Route {
  parts: string[];
  params: URLSearchParams;
}

/** Parses `location.hash`. */
export function currentRoute(hash = location.hash): Route {
  const raw = hash.replace(/^#\/?/, '');
  const q = raw.indexOf('?');
  const path = q >= 0 ? raw.slice(0, q) : raw;
  const parts = path
    .split('/')
    .filter(Boolean)
    .map((p) => {
      try {
        return decodeURIComponent(p);
      } catch {
        return p;
      }
    });
  return { parts, params: new URLSearchParams(q >= 0 ? raw.slice(q + 1) : '') };
}

/** `#/stories?topic=x` from a path and parameters (empty values left out). */
export function href(path: string, params: Record<string, string | null | undefined> = {}): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const text = q.toString();
  return `#/${path}${text ? `?${text}` : ''}`;
}

/** The view's heading; focused after navigation so keyboard and screen-reader users start there. */
export function title(text: Child, ...rest: Child[]): HTMLElement {
  return h('header', { class: 'view-head' }, h('h1', { tabindex: '-1', id: 'view-title' }, text), rest);
}

/** A topic chip. */
export function chip(text: string, extra?: string): HTMLElement {
  return h('span', { class: `chip${extra ? ` ${extra}` : ''}` }, text);
}

/** A status badge: `kind` picks the colour (ok, warn, bad, info, muted). */
export function badge(text: string, kind: 'ok' | 'warn' | 'bad' | 'info' | 'muted'): HTMLElement {
  return h('span', { class: `badge ${kind}`, 'data-status': text }, text);
}

/** A message box (role=alert for errors). */
export function message(text: Child, kind: 'error' | 'info' = 'info'): HTMLElement {
  return h('div', { class: `message ${kind}`, role: kind === 'error' ? 'alert' : 'status' }, text);
}

/** A message for a failed request. */
export function errorMessage(err: unknown): HTMLElement {
  if (err instanceof ApiError) return message(`The API answered ${err.status} ${err.code}: ${err.message}`, 'error');
  return message(`Could not reach the API: ${err instanceof Error ? err.message : String(err)}`, 'error');
}

/** A loading placeholder. */
export function loading(what = 'Loading…'): HTMLElement {
  return h('p', { class: 'muted loading', 'aria-busy': 'true' }, what);
}

/** Paging links: first page (when on a later one) and the next page (when the API gave a cursor). */
export function pager(first: string | null, next: string | null): HTMLElement {
  return h(
    'nav',
    { class: 'pager', 'aria-label': 'Pages' },
    first ? h('a', { href: first, class: 'button' }, '← Newest') : null,
    next ? h('a', { href: next, class: 'button', rel: 'next' }, 'Older →') : null,
  );
}

/** A table inside a horizontally scrolling wrapper (narrow screens). */
export function table(head: string[], rows: HTMLTableRowElement[], cls = ''): HTMLElement {
  return h(
    'div',
    { class: 'table-wrap' },
    h(
      'table',
      { class: `data ${cls}` },
      h(
        'thead',
        null,
        h(
          'tr',
          null,
          head.map((c) => h('th', { scope: 'col' }, c)),
        ),
      ),
      h('tbody', null, rows),
    ),
  );
}

/** A labelled <select> whose change calls `onChange` with the value. */
export function select(
  label: string,
  name: string,
  options: Array<[value: string, text: string]>,
  value: string,
  onChange: (v: string) => void,
): HTMLElement {
  const el = h(
    'select',
    { name, id: `f-${name}`, onchange: (e: Event) => onChange((e.target as HTMLSelectElement).value) },
    options.map(([v, t]) => h('option', { value: v, selected: v === value }, t)),
  );
  return h('label', { class: 'field', for: `f-${name}` }, h('span', null, label), el);
}
