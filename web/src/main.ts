import { clearToken, get, getToken, setToken, Unauthorized } from './api.ts';
import { h, replace } from './dom.ts';
import { currentRoute, message, type Route } from './ui.ts';
import { alertsView } from './views/alerts.ts';
import { feedsView } from './views/feeds.ts';
import { storiesView } from './views/stories.ts';
import { itemView, storyView } from './views/story.ts';
import { topicView, topicsView } from './views/topics.ts';

/*
 * The wirewatch dashboard: sign-in with an API token, then hash-routed views (deep links, Back works):
 *   #/stories?topic=&feed=&range=&since=&cursor=   #/story/<id>[?item=<itemId>]   #/item/<id>
 *   #/topics   #/topics/<id>?bucket=hour|day&days=7|30   #/feeds   #/alerts?status=&cursor=
 * Keyboard: j/k or ↓/↑ move through a list, Enter opens, / focuses the first filter, g then s/t/f/a switches view,
 * ? lists the keys.
 */

const app = document.getElementById('app')!;

const NAV: Array<[path: string, label: string, key: string]> = [
  ['stories', 'Stories', 's'],
  ['topics', 'Topics', 't'],
  ['feeds', 'Feeds', 'f'],
  ['alerts', 'Alerts', 'a'],
];

const views: Record<string, (root: HTMLElement, route: Route) => Promise<void>> = {
  stories: storiesView,
  story: storyView,
  item: itemView,
  topics: (root, route) => (route.parts[1] ? topicView(root, route) : topicsView(root)),
  feeds: (root) => feedsView(root),
  alerts: alertsView,
};

let rendering = 0;

/** The sign-in form. A refused token stays on this form with the reason; an accepted one goes to the route. */
function signIn(reason?: string): void {
  const input = h('input', {
    type: 'password',
    id: 'token',
    name: 'token',
    autocomplete: 'off',
    spellcheck: 'false',
    required: true,
    'aria-describedby': 'token-help',
  });
  const status = h('div', { class: 'status', 'aria-live': 'polite' }, reason ? message(reason, 'error') : null);
  const button = h('button', { type: 'submit' }, 'Sign in');
  const form = h(
    'form',
    {
      class: 'signin',
      method: 'post',
      'aria-labelledby': 'signin-h',
      onsubmit: (e: Event) => {
        // Handled here, never submitted: the token must not end up in a URL (the CSP's form-action 'none' agrees).
        e.preventDefault();
        const token = input.value.trim();
        if (!token) return;
        button.disabled = true;
        replace(status, message('Checking the token…'));
        get('/topics', {}, token).then(
          () => {
            setToken(token);
            void render();
          },
          (err: unknown) => {
            button.disabled = false;
            input.select();
            replace(
              status,
              message(
                err instanceof Unauthorized
                  ? 'That token was refused. Check it and try again.'
                  : `Could not reach the API: ${err instanceof Error ? err.message : String(err)}`,
                'error',
              ),
            );
          },
        );
      },
    },
    h('h1', { id: 'signin-h' }, 'wirewatch'),
    h('label', { for: 'token' }, 'API token'),
    input,
    h(
      'p',
      { id: 'token-help', class: 'muted small' },
      'The token `wirewatch serve` printed (or WIREWATCH_API_TOKEN). It is kept in this tab only and sent as an Authorization header.',
    ),
    button,
    status,
  );
  replace(app, h('main', { class: 'signin-page' }, form));
  input.focus();
}

/** The page frame: header with navigation and sign-out, the view area, the key hint. */
function frame(active: string): HTMLElement {
  const main = h('main', { id: 'view', tabindex: '-1' });
  replace(
    app,
    h(
      'a',
      {
        class: 'skip',
        href: '#view',
        onclick: (e: Event) => {
          e.preventDefault();
          main.focus();
        },
      },
      'Skip to content',
    ),
    h(
      'header',
      { class: 'top' },
      h('a', { class: 'brand', href: '#/stories' }, 'wirewatch'),
      h(
        'nav',
        { 'aria-label': 'Views' },
        NAV.map(([path, label]) =>
          h('a', { href: `#/${path}`, 'aria-current': path === active ? 'page' : undefined }, label),
        ),
      ),
      h(
        'button',
        {
          type: 'button',
          class: 'signout',
          onclick: () => {
            clearToken();
            signIn();
          },
        },
        'Sign out',
      ),
    ),
    main,
    h('footer', { class: 'keys muted small' }, 'Keys: j/k move · Enter open · / filter · g s/t/f/a views · ? help'),
  );
  return main;
}

/** Renders the current route (or sign-in without a token). */
async function render(): Promise<void> {
  const run = ++rendering;
  if (!getToken()) return signIn();
  const route = currentRoute();
  const name = route.parts[0] ?? 'stories';
  const view = views[name];
  if (!view) {
    location.replace('#/stories');
    return;
  }
  const active = name === 'story' || name === 'item' ? 'stories' : name;
  const main = frame(active);
  try {
    await view(main, route);
  } catch (err) {
    if (err instanceof Unauthorized) {
      if (run === rendering) signIn('The API refused the token (it may have been rotated). Sign in again.');
      return;
    }
    // Other failures are shown inside the view.
  }
  if (run !== rendering) return;
  const heading = document.getElementById('view-title');
  if (heading && !main.contains(document.activeElement)) heading.focus({ preventScroll: true });
}

/** Moves focus to the next/previous list entry of the view. */
function moveFocus(delta: 1 | -1): void {
  const items = [...document.querySelectorAll<HTMLElement>('#view [data-nav-item]')];
  if (items.length === 0) return;
  const at = items.indexOf(document.activeElement as HTMLElement);
  const next =
    items[at < 0 ? (delta > 0 ? 0 : items.length - 1) : Math.min(items.length - 1, Math.max(0, at + delta))]!;
  next.focus();
  next.scrollIntoView({ block: 'nearest' });
}

let pendingG = false;
document.addEventListener('keydown', (e) => {
  if (e.ctrlKey || e.metaKey || e.altKey) return;
  const t = e.target as HTMLElement | null;
  if (t && (t.tagName === 'INPUT' || t.tagName === 'SELECT' || t.tagName === 'TEXTAREA' || t.isContentEditable)) {
    if (e.key === 'Escape') t.blur();
    return;
  }
  if (!getToken()) return;
  if (pendingG) {
    pendingG = false;
    const target = NAV.find(([, , key]) => key === e.key);
    if (target) {
      e.preventDefault();
      location.hash = `#/${target[0]}`;
    }
    return;
  }
  switch (e.key) {
    case 'j':
    case 'ArrowDown':
      e.preventDefault();
      moveFocus(1);
      break;
    case 'k':
    case 'ArrowUp':
      e.preventDefault();
      moveFocus(-1);
      break;
    case '/': {
      const first = document.querySelector<HTMLElement>('#view .filters select, #view .filters input');
      if (first) {
        e.preventDefault();
        first.focus();
      }
      break;
    }
    case 'g':
      pendingG = true;
      setTimeout(() => {
        pendingG = false;
      }, 1500);
      break;
    case '?': {
      const keys = document.querySelector('footer.keys');
      keys?.classList.toggle('open');
      break;
    }
  }
});

window.addEventListener('hashchange', () => void render());
if (!location.hash) history.replaceState(null, '', '#/stories');
void render();
