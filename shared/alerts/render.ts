import { outletOf } from '../text/outlet.ts';
import type { Evidence, StoredItem, StoryUpdateNotice, TopicMatch } from '../types.ts';
import type { AlertContent, AlertEvidence } from './types.ts';

/**
 * Message rendering for every channel. All feed-derived strings (title, outlet, evidence, URLs) are untrusted:
 * each renderer escapes them for its target format. Pure functions, no I/O.
 */

/** Longest evidence sentence shown, UTF-16 code units (Slack section text is capped at 3000 chars). */
const MAX_EVIDENCE = 600;
/** Longest title shown. */
const MAX_TITLE = 300;
/** Most evidence sentences an alert carries and every channel shows. */
export const MAX_ALERT_EVIDENCE = 3;
/** Slack caps a section block's text at 3000 characters (api.slack.com/reference/block-kit/blocks#section). */
const SLACK_SECTION_MAX = 3000;

/**
 * Escapes text for Slack `mrkdwn` and plain `text` fields: `&` → `&amp;`, `<` → `&lt;`, `>` → `&gt;`, the three
 * characters Slack's message formatting reserves (api.slack.com "Formatting text: escaping text"). After this,
 * `<!channel>`, `<@U123>` and `<url|label>` arrive as literal text.
 */
export function escapeSlack(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/**
 * Feed text for a Slack `mrkdwn` field: escaped ({@link escapeSlack}), and the mrkdwn formatting characters
 * (`*` bold, `_` italic, `~` strike, `` ` `` code; api.slack.com "Formatting text: basic formatting") replaced by
 * look-alikes (∗ ＿ ∼ ˋ), because mrkdwn has no escape for them: feed text can then neither switch formatting on or
 * off nor close the bold around a matched term.
 */
export function slackText(text: string): string {
  return escapeSlack(text).replace(/\*/g, '∗').replace(/_/g, '＿').replace(/~/g, '∼').replace(/`/g, 'ˋ');
}

/** Escapes text for HTML element content and quoted attribute values (`& < > " '`), HTML Living Standard §13.1. */
export function escapeHtml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

// biome-ignore lint/suspicious/noControlCharactersInRegex: C0/C1 controls and line/paragraph separators are what this removes
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f\u2028\u2029]+/g;

/** Collapses whitespace and removes C0/C1 control characters, so a feed string renders on one line. */
export function oneLine(text: string): string {
  return text.replace(CONTROL_CHARS, ' ').replace(/\s+/g, ' ').trim();
}

function truncate(text: string, max: number): string {
  return text.length <= max ? text : `${text.slice(0, max - 1).trimEnd()}…`;
}

/** True for absolute http(s) URLs: only those are rendered as links. */
export function isWebUrl(url: string): boolean {
  try {
    const u = new URL(url);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}

/** `2026-11-29T10:05:00.000Z` → `2026-11-29 10:05 UTC`; null → `unknown time`. */
export function formatTime(iso: string | null): string {
  if (!iso) return 'unknown time';
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return 'unknown time';
  return `${d.toISOString().slice(0, 16).replace('T', ' ')} UTC`;
}

/**
 * Snapshot of what an alert says, from the stored item and its topic match (evidence offsets are converted from
 * field offsets to offsets within the sentence, and clipped to it).
 * @param topic the item's match for the alerted topic; null when the item no longer carries it
 * @param topicName fallback display name (config topic name, else the id)
 * @param feedName the configured `name` of the feed that brought the item, when it has one: the outlet as the
 *   desk named it (else the page's site name, else the URL's host)
 */
export function buildContent(
  item: StoredItem,
  topicId: string,
  topic: TopicMatch | null,
  topicName: string,
  feedName: string | null = null,
): AlertContent {
  const outlet = oneLine(outletOf({ feedName, siteName: item.siteName, url: item.url }));
  const evidenceAll = pickEvidence(topic?.evidence ?? []).map(alertEvidence);
  const first = evidenceAll[0];
  const evidence: AlertContent['evidence'] = first
    ? { clause: first.clause, text: first.text, terms: first.terms }
    : null;
  return {
    itemId: item.id,
    storyId: item.storyId,
    url: item.url,
    title: item.title || item.url,
    outlet,
    publishedAt: item.publishedAt,
    topicId,
    topicName: topic?.name ?? topicName,
    score: topic?.score ?? 0,
    evidence,
    evidenceAll,
  };
}

/**
 * The evidence an alert shows: the first sentence of each distinct clause (in the match's order: rule clauses,
 * then signals by weight), then further sentences, at most {@link MAX_ALERT_EVIDENCE}; a sentence repeated word
 * for word (a headline repeated as the first line of the text) is shown once.
 */
export function pickEvidence(list: Evidence[], max = MAX_ALERT_EVIDENCE): Evidence[] {
  const picked: Evidence[] = [];
  const sentences = new Set<string>();
  const clauses = new Set<string>();
  const key = (e: Evidence): string => oneLine(e.text).toLowerCase();
  for (const distinctClause of [true, false]) {
    for (const e of list) {
      if (picked.length >= max) return picked;
      if (sentences.has(key(e)) || (distinctClause && clauses.has(e.clause))) continue;
      picked.push(e);
      sentences.add(key(e));
      clauses.add(e.clause);
    }
  }
  return picked;
}

/** Field offsets → offsets within the sentence, clipped to it, sorted and merged where they overlap. */
function alertEvidence(ev: Evidence): AlertEvidence {
  const terms = ev.terms
    .map((t) => ({ start: t.start - ev.start, end: t.end - ev.start }))
    .filter((t) => t.start >= 0 && t.end <= ev.text.length && t.start < t.end)
    .sort((a, b) => a.start - b.start);
  const merged: Array<{ start: number; end: number }> = [];
  for (const t of terms) {
    const last = merged[merged.length - 1];
    if (last && t.start <= last.end) last.end = Math.max(last.end, t.end);
    else merged.push({ ...t });
  }
  return { clause: ev.clause, field: ev.field, text: ev.text, terms: merged };
}

/**
 * The evidence sentences of an alert (at most {@link MAX_ALERT_EVIDENCE}): `evidenceAll`, or for a snapshot taken
 * before it existed, the single `evidence` (field unknown).
 */
export function evidenceList(c: AlertContent): AlertEvidence[] {
  if (c.evidenceAll) return c.evidenceAll.slice(0, MAX_ALERT_EVIDENCE);
  return c.evidence ? [{ ...c.evidence, field: null }] : [];
}

/**
 * Splits an evidence sentence into runs `{text, term}` (term runs are the matched terms), truncated to `max`
 * characters (default 600) with `…`, control characters removed and whitespace collapsed inside runs.
 */
export function evidenceRuns(
  evidence: Pick<AlertEvidence, 'text' | 'terms'>,
  max = MAX_EVIDENCE,
): Array<{ text: string; term: boolean }> {
  const runs: Array<{ text: string; term: boolean }> = [];
  let pos = 0;
  const limit = Math.min(evidence.text.length, max);
  for (const t of evidence.terms) {
    if (t.start >= limit) break;
    if (t.start > pos) runs.push({ text: evidence.text.slice(pos, t.start), term: false });
    runs.push({ text: evidence.text.slice(t.start, Math.min(t.end, limit)), term: true });
    pos = Math.min(t.end, limit);
  }
  if (pos < limit) runs.push({ text: evidence.text.slice(pos, limit), term: false });
  if (limit < evidence.text.length) runs.push({ text: '…', term: false });
  return runs
    .map((r) => ({
      ...r,
      text: r.text.replace(CONTROL_CHARS, ' ').replace(/\s+/g, ' '),
    }))
    .filter((r) => r.text.length > 0);
}

function scoreText(score: number): string {
  return score.toFixed(2);
}

// ---------------------------------------------------------------- Slack (Block Kit, api.slack.com/block-kit)

/** A Slack incoming-webhook payload: `text` is the notification fallback, `blocks` the Block Kit layout. */
export interface SlackMessage {
  text: string;
  blocks: Array<Record<string, unknown>>;
  unfurl_links: false;
  unfurl_media: false;
}

/** `<url|label>` with both parts escaped; a non-web URL renders as plain escaped text (no link). */
function slackLink(url: string, label: string): string {
  const safeLabel = slackText(label).replace(/\|/g, '¦');
  if (!isWebUrl(url)) return safeLabel;
  const safeUrl = escapeSlack(url).replace(/\|/g, '%7C');
  return `<${safeUrl}|${safeLabel}>`;
}

/** One evidence sentence as a mrkdwn quote line: matched terms in `*bold*`, feed text neutralised. */
function slackEvidenceLine(e: AlertEvidence, max: number): string {
  const text = evidenceRuns(e, max)
    .map((r) => {
      const esc = slackText(r.text);
      const core = esc.trim();
      if (!r.term || !core) return esc;
      return `${/^\s/.test(esc) ? ' ' : ''}*${core}*${/\s$/.test(esc) ? ' ' : ''}`;
    })
    .join('');
  return `>${text}`;
}

/**
 * The evidence section text: one quote line per sentence. Escaping can grow a sentence up to fivefold (`&` →
 * `&amp;`), so sentences are shortened until the section fits Slack's 3000-character cap.
 */
function slackEvidence(c: AlertContent): string | null {
  const list = evidenceList(c);
  if (!list.length) return null;
  for (let max = MAX_EVIDENCE; ; max = Math.floor(max * 0.8)) {
    const text = list.map((e) => slackEvidenceLine(e, max)).join('\n');
    if (text.length <= SLACK_SECTION_MAX || max < 20) return text.slice(0, SLACK_SECTION_MAX);
  }
}

/**
 * Block Kit message for one realtime alert: linked title, outlet, published time, topic and score, and up to three
 * evidence sentences (one quote line each, matched terms in bold).
 */
export function slackAlert(c: AlertContent): SlackMessage {
  const title = truncate(oneLine(c.title), MAX_TITLE);
  const update = c.update ? `*Update* (version ${c.update.previousVersion} → ${c.update.version}): ` : '';
  const blocks: Array<Record<string, unknown>> = [
    { type: 'section', text: { type: 'mrkdwn', text: `${update}*${slackLink(c.url, title)}*` } },
    {
      type: 'context',
      elements: [
        {
          type: 'mrkdwn',
          text: `${slackText(c.outlet)} · ${formatTime(c.publishedAt)} · topic *${slackText(oneLine(c.topicName))}* (score ${scoreText(c.score)})`,
        },
      ],
    },
  ];
  if (c.update && c.update.summary.length > 0) {
    const changes = c.update.summary.map((l) => `• ${slackText(truncate(oneLine(l), 300))}`).join('\n');
    blocks.push({ type: 'section', text: { type: 'mrkdwn', text: `*What changed*\n${changes}`.slice(0, 2900) } });
  }
  const ev = slackEvidence(c);
  if (ev) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: ev } });
  return {
    text: escapeSlack(`${c.update ? 'Update: ' : ''}${oneLine(c.topicName)}: ${title} (${c.outlet})`),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

/** Groups alerts by topic id, preserving first-seen order. */
export function byTopic(alerts: AlertContent[]): Array<{ topicId: string; topicName: string; alerts: AlertContent[] }> {
  const groups = new Map<string, { topicId: string; topicName: string; alerts: AlertContent[] }>();
  for (const a of alerts) {
    let g = groups.get(a.topicId);
    if (!g) {
      g = { topicId: a.topicId, topicName: a.topicName, alerts: [] };
      groups.set(a.topicId, g);
    }
    g.alerts.push(a);
  }
  return [...groups.values()];
}

/** Block Kit digest: a header, then per topic a section listing linked titles (≤ 50 blocks, Slack's cap). */
export function slackDigest(alerts: AlertContent[], label: string): SlackMessage {
  const blocks: Array<Record<string, unknown>> = [
    {
      type: 'header',
      text: { type: 'plain_text', text: truncate(`wirewatch digest: ${alerts.length} alert(s) — ${label}`, 150) },
    },
  ];
  let omitted = 0;
  for (const g of byTopic(alerts)) {
    const lines = g.alerts.map(
      (a) =>
        `• *${slackLink(a.url, truncate(oneLine(a.title), 200))}* — ${slackText(a.outlet)}, ${formatTime(a.publishedAt)} (score ${scoreText(a.score)})`,
    );
    let chunk = `*${slackText(oneLine(g.topicName))}*`;
    const flush = () => {
      if (blocks.length < 48) blocks.push({ type: 'section', text: { type: 'mrkdwn', text: chunk } });
      else omitted += chunk.split('\n').filter((l) => l.startsWith('•')).length;
      chunk = '';
    };
    for (const line of lines) {
      if (chunk.length + line.length + 1 > 2900) flush();
      chunk += (chunk ? '\n' : '') + line;
    }
    if (chunk) flush();
  }
  if (omitted) blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `…and ${omitted} more` }] });
  return {
    text: escapeSlack(`wirewatch digest: ${alerts.length} alert(s)`),
    blocks,
    unfurl_links: false,
    unfurl_media: false,
  };
}

// ---------------------------------------------------------------- email (multipart/alternative, RFC 2046)

/** An email body: `subject` (one line), `text` (plain part) and `html` (HTML part), all escaped as needed. */
export interface EmailMessage {
  subject: string;
  text: string;
  html: string;
}

/** Evidence sentences as HTML: one `<blockquote>` each, matched terms in `<mark>`, every run HTML-escaped. */
function htmlEvidence(c: AlertContent): string {
  return evidenceList(c)
    .map(
      (e) =>
        `<blockquote>${evidenceRuns(e)
          .map((r) => (r.term ? `<mark>${escapeHtml(r.text)}</mark>` : escapeHtml(r.text)))
          .join('')}</blockquote>`,
    )
    .join('\n');
}

function htmlAlert(c: AlertContent): string {
  const title = escapeHtml(truncate(oneLine(c.title), MAX_TITLE));
  const link = isWebUrl(c.url) ? `<a href="${escapeHtml(c.url)}">${title}</a>` : title;
  const meta = `${escapeHtml(c.outlet)} · ${escapeHtml(formatTime(c.publishedAt))} · ${escapeHtml(oneLine(c.topicName))} (score ${scoreText(c.score)})`;
  return `<h3>${link}</h3>\n<p>${meta}</p>\n${htmlEvidence(c)}`;
}

/** Evidence sentences as plain text: `> ` lines, matched terms in [brackets]. */
export function textEvidence(c: AlertContent): string[] {
  return evidenceList(c).map(
    (e) =>
      `> ${evidenceRuns(e)
        .map((r) => (r.term ? `[${r.text}]` : r.text))
        .join('')}`,
  );
}

function textAlert(c: AlertContent): string {
  const lines = [
    truncate(oneLine(c.title), MAX_TITLE),
    `${c.outlet} · ${formatTime(c.publishedAt)} · ${oneLine(c.topicName)} (score ${scoreText(c.score)})`,
    c.url,
    ...textEvidence(c),
  ];
  return lines.join('\n');
}

const HTML_HEAD = '<!doctype html><html><head><meta charset="utf-8"></head><body>';

/** Email for one realtime alert. */
export function emailAlert(c: AlertContent): EmailMessage {
  const changes = c.update?.summary ?? [];
  const textChanges = changes.length
    ? `\n\nWhat changed (version ${c.update!.previousVersion} → ${c.update!.version}):\n${changes.map((l) => `- ${oneLine(l)}`).join('\n')}`
    : '';
  const htmlChanges = changes.length
    ? `\n<h3>What changed (version ${c.update!.previousVersion} → ${c.update!.version})</h3>\n<ul>${changes
        .map((l) => `<li>${escapeHtml(oneLine(l))}</li>`)
        .join('')}</ul>`
    : '';
  return {
    subject: truncate(`[wirewatch] ${c.update ? 'Update: ' : ''}${oneLine(c.topicName)}: ${oneLine(c.title)}`, 200),
    text: `${textAlert(c)}${textChanges}\n`,
    html: `${HTML_HEAD}\n${htmlAlert(c)}${htmlChanges}\n</body></html>\n`,
  };
}

/** One digest email with a section (`<h2>` / underlined heading) per topic. */
export function emailDigest(alerts: AlertContent[], label: string): EmailMessage {
  const groups = byTopic(alerts);
  const html = groups
    .map(
      (g) => `<h2>${escapeHtml(oneLine(g.topicName))} (${g.alerts.length})</h2>\n${g.alerts.map(htmlAlert).join('\n')}`,
    )
    .join('\n');
  const text = groups
    .map((g) => {
      const head = `${oneLine(g.topicName)} (${g.alerts.length})`;
      return `${head}\n${'='.repeat(Math.min(head.length, 72))}\n\n${g.alerts.map(textAlert).join('\n\n')}`;
    })
    .join('\n\n');
  return {
    subject: truncate(`[wirewatch] digest: ${alerts.length} alert(s) — ${label}`, 200),
    text: `${text}\n`,
    html: `${HTML_HEAD}\n<h1>wirewatch digest — ${escapeHtml(label)}</h1>\n${html}\n</body></html>\n`,
  };
}

// ---------------------------------------------------------------- webhook / SNS JSON

/** The JSON body of webhook POSTs and SNS messages (documented in README.md#alerts). */
export interface AlertPayload {
  type: 'alert' | 'digest';
  /**
   * What happened: `story.new` (a story matched a topic), `story.updated` (a story that already alerted has a
   * materially new version: see each alert's `update`), or `digest`.
   */
  event: 'story.new' | 'story.updated' | 'digest';
  /** Idempotency key: the alert key `<storyId>#<topicId>#<subscriptionId>`, or `digest:<subscriptionId>:<hash>`. */
  id: string;
  subscription: string;
  sentAt: string;
  alerts: Array<{
    itemId: string;
    storyId: string;
    url: string;
    title: string;
    outlet: string;
    publishedAt: string | null;
    topic: { id: string; name: string; score: number };
    /** The first evidence sentence (kept for receivers written against the single object). */
    evidence: AlertContent['evidence'];
    /** Up to three evidence sentences, distinct clauses first; `terms` are offsets into each `text`. */
    evidenceAll: AlertEvidence[];
    /** For an update: the new `version`, the `previousVersion` the receiver was told about, what changed. */
    update: StoryUpdateNotice | null;
  }>;
}

/** Builds the JSON payload (strings are carried verbatim; JSON encoding is the receiver's escaping). */
export function jsonPayload(
  type: 'alert' | 'digest',
  id: string,
  subscription: string,
  sentAt: string,
  alerts: AlertContent[],
): AlertPayload {
  return {
    type,
    event: type === 'digest' ? 'digest' : alerts.some((a) => a.update) ? 'story.updated' : 'story.new',
    id,
    subscription,
    sentAt,
    alerts: alerts.map((a) => ({
      itemId: a.itemId,
      storyId: a.storyId,
      url: a.url,
      title: a.title,
      outlet: a.outlet,
      publishedAt: a.publishedAt,
      topic: { id: a.topicId, name: a.topicName, score: a.score },
      evidence: a.evidence,
      evidenceAll: evidenceList(a),
      update: a.update ?? null,
    })),
  };
}

/** SNS `Subject`: ASCII printable only, one line, < 100 chars (SNS Publish API reference). */
export function snsSubject(text: string): string {
  const ascii = oneLine(text).replace(/[^\x20-\x7e]/g, '?');
  return truncate(ascii || 'wirewatch alert', 99).replace(/…$/, '.');
}

/**
 * The console rendering of one alert: {@link consoleLine}, then one indented `> ` line per evidence sentence with
 * the matched terms in [brackets] (control characters removed, so feed text cannot add lines or move the cursor).
 */
export function consoleAlert(c: AlertContent, via: string): string {
  return [consoleLine(c, via), ...textEvidence(c).map((l) => `    ${l}`)].join('\n');
}

/** One console line: `[alert] <topic> <score> | <title> | <outlet> | <published> | <url>`, control chars removed. */
export function consoleLine(c: AlertContent, via: string): string {
  return oneLine(
    `[${c.update ? `update v${c.update.version}` : 'alert'}${via === 'realtime' ? '' : ` ${via}`}] ${c.topicId} ${scoreText(c.score)} | ${truncate(oneLine(c.title), MAX_TITLE)} | ${c.outlet} | ${formatTime(c.publishedAt)} | ${c.url}`,
  );
}
