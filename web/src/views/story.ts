import { ApiError, get } from '../api.ts';
import { h, sourceLink } from '../dom.ts';
import { time, utc } from '../format.ts';
import { type Located, locate, segments, sentenceRuns } from '../highlight.ts';
import type { Evidence, StoredItem, StoryChanges, StoryDetail, StoryMember, TopicMatch } from '../types.ts';
import { badge, chip, errorMessage, href, loading, message, type Route, table, title } from '../ui.ts';

/*
 * A story (`GET /stories/{id}`) and an item (`GET /items/{id}`): the text with every evidence term marked and each
 * supporting sentence tied to the clause that matched, the lineage (outlet, time, what changed), the versions with
 * their diff, and links to the sources. The story shows one member's text at a time (the original first); the
 * lineage table switches it.
 */

/** The item text with evidence: sentences underlined, terms marked, each sentence labelled with its clauses. */
function highlightedText(item: StoredItem): HTMLElement {
  const located = locate(item.text, item.topics, 'text');
  const parts = segments(item.text, located).map((seg) => {
    if (!seg.sentence) return document.createTextNode(seg.text);
    const label = seg.clauses.map((c) => `${c.topicId}: ${c.clause}`).join('\n');
    return h(
      seg.term ? 'mark' : 'span',
      {
        class: seg.term ? 'term' : 'sentence',
        title: label,
        ...(seg.sentenceStart !== null ? { id: `ev-${seg.sentenceStart}`, 'data-evidence': seg.sentenceStart } : {}),
      },
      seg.text,
    );
  });
  return h('div', { class: 'article-text', lang: item.lang ?? undefined }, parts);
}

/** The title with title-field evidence marked. */
function highlightedTitle(item: StoredItem): Node[] {
  const located = locate(item.title, item.topics, 'title');
  return segments(item.title, located).map((seg) =>
    seg.term ? h('mark', { class: 'term' }, seg.text) : document.createTextNode(seg.text),
  );
}

/** Per topic: score and each evidence entry — the clause, the field, the sentence with its terms marked. */
function evidenceList(topics: TopicMatch[], item: StoredItem | null): HTMLElement {
  if (topics.length === 0) return message('No topic matched.');
  const placed = item ? locate(item.text, item.topics, 'text') : [];
  return h(
    'div',
    { class: 'evidence' },
    topics.map((t) =>
      h(
        'section',
        { class: 'topic-evidence', 'data-topic': t.id },
        h('h3', null, chip(t.name, 'topic'), h('span', { class: 'score' }, `score ${t.score.toFixed(2)}`)),
        evidenceItems(t, item, placed),
      ),
    ),
  );
}

/** How many evidence sentences a topic shows before "more". */
const EVIDENCE_SHOWN = 3;

/** A topic's evidence entries: the first few, the rest behind a disclosure. */
function evidenceItems(t: TopicMatch, item: StoredItem | null, placed: Located[]): HTMLElement[] {
  const entries = t.evidence.map((e) => evidenceEntry(t, e, item, placed));
  const out: HTMLElement[] = [h('ol', null, entries.slice(0, EVIDENCE_SHOWN))];
  if (entries.length > EVIDENCE_SHOWN)
    out.push(
      h(
        'details',
        null,
        h('summary', null, `${entries.length - EVIDENCE_SHOWN} more evidence sentences`),
        h('ol', { start: EVIDENCE_SHOWN + 1 }, entries.slice(EVIDENCE_SHOWN)),
      ),
    );
  return out;
}

/** One evidence entry: clause and field, the sentence with its terms marked, a button to find it in the text. */
function evidenceEntry(t: TopicMatch, e: Evidence, item: StoredItem | null, placed: Located[]): HTMLElement {
  const idx = placed.findIndex((p) => p.topicId === t.id && p.evidence === e);
  const target = item && idx >= 0 ? `ev-${firstAnchor(placed, idx)}` : null;
  return h(
    'li',
    { class: 'evidence-item' },
    h('div', { class: 'clause' }, h('code', null, e.clause), ' ', badge(e.field, 'muted')),
    h(
      'blockquote',
      null,
      sentenceRuns(e).map((r) => (r.term ? h('mark', { class: 'term' }, r.text) : r.text)),
    ),
    target
      ? h(
          'button',
          {
            type: 'button',
            class: 'link',
            onclick: () => {
              const el = document.getElementById(target);
              el?.scrollIntoView({ block: 'center' });
              el?.classList.add('flash');
              setTimeout(() => el?.classList.remove('flash'), 1200);
            },
          },
          'Show in text',
        )
      : null,
  );
}

/** The anchor index of located sentence `i`: the first located sentence with the same start. */
function firstAnchor(placed: Located[], i: number): number {
  const start = placed[i]!.start;
  return placed.findIndex((p) => p.start === start);
}

/** What an outlet changed against the original, in words. */
function changesText(c: StoryChanges | null): string {
  if (!c) return 'original';
  const out: string[] = [];
  if (c.headline.changed) out.push(`headline → “${c.headline.to}”`);
  if (c.paragraphsDropped.count)
    out.push(
      `${c.paragraphsDropped.count} paragraph(s) dropped${c.paragraphsDropped.fromBottom ? ' from the end' : ''}`,
    );
  if (c.paragraphsAdded.count)
    out.push(
      `${c.paragraphsAdded.count} added (${c.paragraphsAdded.paragraphs.map((p) => `${p.position}: “${p.firstWords}…”`).join('; ')})`,
    );
  if (c.paragraphsEdited) out.push(`${c.paragraphsEdited} edited`);
  return out.length ? out.join('; ') : 'unchanged copy';
}

/** The host of a URL, or the URL itself when it has none. */
function hostOf(url: string): string {
  try {
    return new URL(url).host || url;
  } catch {
    return url;
  }
}

/** The item panel: title, facts, evidence and text. */
function itemPanel(item: StoredItem, opts: { heading: 'h1' | 'h2' }): HTMLElement {
  const facts = h(
    'dl',
    { class: 'facts' },
    h('dt', null, 'Outlet'),
    h('dd', null, item.siteName ?? hostOf(item.url)),
    h('dt', null, 'Published'),
    h('dd', null, time(item.publishedAt), item.publishedAtSource ? ` (${item.publishedAtSource})` : ''),
    h('dt', null, 'First seen'),
    h('dd', null, time(item.firstSeenAt)),
    h('dt', null, 'Extraction'),
    h('dd', null, item.extraction.status, item.extraction.reason ? ` — ${item.extraction.reason}` : ''),
    item.byline ? [h('dt', null, 'Byline'), h('dd', null, item.byline)] : null,
    h('dt', null, 'Sources'),
    h(
      'dd',
      null,
      h(
        'ul',
        { class: 'plain' },
        item.urls.map((u) => h('li', null, sourceLink(u))),
      ),
    ),
  );
  return h(
    'article',
    { class: 'item', 'data-item-id': item.id },
    opts.heading === 'h1' ? title(highlightedTitle(item)) : h('h2', { class: 'item-title' }, highlightedTitle(item)),
    facts,
    h('h2', null, 'Why it matched'),
    evidenceList(item.topics, item),
    h('h2', null, 'Text'),
    item.textTruncated ? message('The stored text was cut to fit the store; the evidence may lie beyond it.') : null,
    item.text ? highlightedText(item) : message('No text was extracted.'),
  );
}

async function loadItem(id: string): Promise<StoredItem | null> {
  try {
    return await get<StoredItem>(`/items/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) return null;
    throw err;
  }
}

/** Renders `#/item/<id>`. */
export async function itemView(root: HTMLElement, route: Route): Promise<void> {
  const id = route.parts[1] ?? '';
  root.replaceChildren(loading('Loading the item…'));
  let item: StoredItem | null;
  try {
    item = await loadItem(id);
  } catch (err) {
    root.replaceChildren(errorMessage(err));
    throw err;
  }
  if (!item) {
    root.replaceChildren(title('Item not found'), message(`No item ${id} (it may have expired).`));
    return;
  }
  root.replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: href(`story/${encodeURIComponent(item.storyId)}`) }, '← Its story')),
    itemPanel(item, { heading: 'h1' }),
  );
}

/** Renders `#/story/<id>`. */
export async function storyView(root: HTMLElement, route: Route): Promise<void> {
  const id = route.parts[1] ?? '';
  root.replaceChildren(loading('Loading the story…'));
  let story: StoryDetail;
  try {
    story = await get<StoryDetail>(`/stories/${encodeURIComponent(id)}`);
  } catch (err) {
    if (err instanceof ApiError && err.status === 404) {
      root.replaceChildren(title('Story not found'), message(`No story ${id} (it may have expired).`));
      return;
    }
    root.replaceChildren(errorMessage(err));
    throw err;
  }
  const shownId = route.params.get('item') ?? story.original.itemId;
  const textPanel = h('div', { class: 'text-panel' }, loading('Loading the text…'));
  const lineageRows = [...story.lineage]
    .sort((a, b) => a.firstSeenAt.localeCompare(b.firstSeenAt))
    .map((m: StoryMember) =>
      h(
        'tr',
        { class: m.itemId === shownId ? 'current' : '' },
        h('td', null, m.outlet),
        h('td', null, badge(m.role, m.role === 'original' ? 'info' : 'muted')),
        h('td', null, time(m.publishedAt ?? m.firstSeenAt)),
        h('td', { class: 'num' }, `${Math.round(m.similarity * 100)}%`),
        h('td', { class: 'changes' }, changesText(m.changes)),
        h(
          'td',
          null,
          h('a', { href: href(`story/${encodeURIComponent(story.id)}`, { item: m.itemId }) }, 'text'),
          ' · ',
          sourceLink(m.url, 'source ↗'),
        ),
      ),
    );
  const versions = story.versions.length
    ? h(
        'ol',
        { class: 'versions' },
        [...story.versions]
          .sort((a, b) => b.version - a.version)
          .map((v) =>
            h(
              'li',
              { class: 'version' },
              h(
                'h3',
                null,
                `Version ${v.version} `,
                badge(v.verdict, v.verdict === 'material' ? 'warn' : 'muted'),
                ' ',
                h('time', { datetime: v.at, title: utc(v.at) }, utc(v.at)),
              ),
              h('p', null, v.title),
              v.reasons.length ? h('p', { class: 'muted' }, v.reasons.join('; ')) : null,
              h(
                'div',
                { class: 'diff' },
                v.diff.added.map((t) =>
                  h('p', { class: 'added' }, h('span', { class: 'sign', 'aria-label': 'added' }, '+'), t),
                ),
                v.diff.removed.map((t) =>
                  h('p', { class: 'removed' }, h('span', { class: 'sign', 'aria-label': 'removed' }, '−'), t),
                ),
                v.diff.changed.map((c) =>
                  h(
                    'div',
                    { class: 'changed' },
                    h('p', { class: 'removed' }, h('span', { class: 'sign', 'aria-label': 'before' }, '−'), c.from),
                    h('p', { class: 'added' }, h('span', { class: 'sign', 'aria-label': 'after' }, '+'), c.to),
                  ),
                ),
              ),
            ),
          ),
      )
    : message('No later version was recorded.');

  root.replaceChildren(
    h('p', { class: 'crumbs' }, h('a', { href: '#/stories' }, '← Stories')),
    title(
      story.title || '(no headline)',
      h(
        'p',
        { class: 'sub' },
        `${story.members} ${story.members === 1 ? 'outlet' : 'outlets'} · first seen `,
        time(story.firstSeenAt),
        ' · last update ',
        time(story.lastActivityAt),
        ` · version ${story.version} · original: ${story.original.outlet}`,
        story.original.agency ? ` (${story.original.agency})` : '',
      ),
      h(
        'p',
        { class: 'chips' },
        story.topics.map((t) => chip(t.name, 'topic')),
      ),
    ),
    h(
      'section',
      { 'aria-labelledby': 'lineage-h' },
      h('h2', { id: 'lineage-h' }, 'Lineage'),
      table(['Outlet', 'Role', 'Time', 'Similar', 'What changed', ''], lineageRows, 'lineage'),
    ),
    h('section', { 'aria-labelledby': 'versions-h' }, h('h2', { id: 'versions-h' }, 'Versions'), versions),
    h('section', { 'aria-label': 'Text and evidence' }, textPanel),
  );
  try {
    const item = await loadItem(shownId);
    textPanel.replaceChildren(
      item
        ? itemPanel(item, { heading: 'h2' })
        : h(
            'div',
            null,
            message('The text of this member is no longer stored.'),
            evidenceList(story.topicMatches, null),
          ),
    );
  } catch (err) {
    textPanel.replaceChildren(errorMessage(err));
    throw err;
  }
}
