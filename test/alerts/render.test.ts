import { describe, expect, it } from 'vitest';
import { parseRetryAfter } from '../../shared/alerts/channels.ts';
import { nextOccurrence, parseDigestSchedule } from '../../shared/alerts/index.ts';
import {
  consoleLine,
  emailAlert,
  escapeHtml,
  escapeSlack,
  evidenceRuns,
  slackAlert,
  slackDigest,
  snsSubject,
} from '../../shared/alerts/render.ts';
import type { AlertContent } from '../../shared/alerts/types.ts';
import { resolveConfig } from '../../shared/config/load.ts';
import { ConfigError } from '../../shared/errors.ts';

function content(over: Partial<AlertContent> = {}): AlertContent {
  return {
    itemId: 'i_1',
    storyId: 'i_1',
    url: 'https://news.example/a?x=1&y=2',
    title: 'Xi meets Putin',
    outlet: 'Example Wire',
    publishedAt: '2026-11-29T09:05:00.000Z',
    topicId: 'china-russia',
    topicName: 'China–Russia relations',
    score: 1.234,
    evidence: {
      clause: 'SENTENCE(@china, @russia)',
      text: 'Xi meets Putin in Moscow.',
      terms: [
        { start: 0, end: 2 },
        { start: 9, end: 14 },
      ],
    },
    ...over,
  };
}

describe('escaping', () => {
  it('escapes exactly Slack’s three control characters', () => {
    expect(escapeSlack('<!channel> & <@U1|x> "q"')).toBe('&lt;!channel&gt; &amp; &lt;@U1|x&gt; "q"');
    expect(escapeSlack('&amp;')).toBe('&amp;amp;');
  });

  it('escapes HTML text and attribute values', () => {
    expect(escapeHtml(`<a href="x" onclick='y'>&</a>`)).toBe(
      '&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;&amp;&lt;/a&gt;',
    );
  });

  it('does not let a URL or title break out of a Slack link', () => {
    const msg = slackAlert(content({ url: 'https://e.example/a|b>c', title: 'T|<x>' }));
    const first = (msg.blocks[0] as { text: { text: string } }).text.text;
    expect(first).toBe('*<https://e.example/a%7Cb&gt;c|T¦&lt;x&gt;>*');
    const js = slackAlert(content({ url: 'javascript:alert(1)' }));
    expect(JSON.stringify(js.blocks)).not.toContain('javascript:alert(1)|');
  });

  it('keeps each rendering on one line where it must', () => {
    const c = content({ title: 'Line one\nLine\u0000two\u2028three' });
    expect(consoleLine(c, 'realtime')).toBe(
      '[alert] china-russia 1.23 | Line one Line two three | Example Wire | 2026-11-29 09:05 UTC | https://news.example/a?x=1&y=2',
    );
    expect(emailAlert(c).subject).toBe('[wirewatch] China–Russia relations: Line one Line two three');
    expect(snsSubject(`[wirewatch] China–Russia: ${'x'.repeat(200)}`)).toMatch(/^\[wirewatch\] China\?Russia: x+\.$/);
    expect(snsSubject(`[wirewatch] China–Russia: ${'x'.repeat(200)}`).length).toBeLessThan(100);
  });
});

describe('evidence', () => {
  it('splits the sentence into term and plain runs, and marks terms in Slack (bold) and email (<mark>)', () => {
    const c = content();
    expect(evidenceRuns(c.evidence!)).toEqual([
      { text: 'Xi', term: true },
      { text: ' meets ', term: false },
      { text: 'Putin', term: true },
      { text: ' in Moscow.', term: false },
    ]);
    expect(JSON.stringify(slackAlert(c).blocks)).toContain('>*Xi* meets *Putin* in Moscow.');
    expect(emailAlert(c).html).toContain(
      '<blockquote><mark>Xi</mark> meets <mark>Putin</mark> in Moscow.</blockquote>',
    );
  });

  it('truncates very long sentences and neutralises feed asterisks in Slack', () => {
    const long = `${'a'.repeat(700)} Putin`;
    const runs = evidenceRuns({ text: long, terms: [{ start: 701, end: 706 }] });
    expect(runs.map((r) => r.text).join('').length).toBeLessThanOrEqual(601);
    expect(runs.at(-1)!.text).toBe('…');
    const star = slackAlert(content({ evidence: { clause: 'c', text: '*bold* Xi', terms: [{ start: 7, end: 9 }] } }));
    expect(JSON.stringify(star.blocks)).toContain('>∗bold∗ *Xi*');
  });
});

describe('slack digest', () => {
  it('stays within Slack’s 50-block cap and says how many were left out', () => {
    const many = Array.from({ length: 400 }, (_, i) =>
      content({
        itemId: `i_${i}`,
        title: `Story ${i} ${'word '.repeat(30)}`,
        topicId: `t${i % 3}`,
        topicName: `Topic ${i % 3}`,
      }),
    );
    const msg = slackDigest(many, 'hourly');
    expect(msg.blocks.length).toBeLessThanOrEqual(50);
    for (const b of msg.blocks) {
      const t = (b as { text?: { text: string } }).text?.text;
      if (t) expect(t.length).toBeLessThanOrEqual(3000);
    }
    const listed = JSON.stringify(msg.blocks).match(/• /g)!.length;
    const more = /…and (\d+) more/.exec(JSON.stringify(msg.blocks));
    expect(listed + Number(more?.[1] ?? 0)).toBe(400);
  });
});

describe('digest schedules', () => {
  it('parses hourly and daily HH:MM with an optional IANA zone', () => {
    expect(parseDigestSchedule('hourly')).toEqual({ kind: 'hourly', text: 'hourly' });
    expect(parseDigestSchedule('daily 08:00 Europe/Berlin')).toMatchObject({
      kind: 'daily',
      hour: 8,
      minute: 0,
      timeZone: 'Europe/Berlin',
    });
    expect(parseDigestSchedule('daily 23:59')).toMatchObject({ timeZone: 'UTC' });
    expect(parseDigestSchedule('daily 24:00')).toMatch(/not "hourly"/);
    expect(parseDigestSchedule('weekly')).toMatch(/not "hourly"/);
    expect(parseDigestSchedule('daily 08:00 Mars/Olympus')).toMatch(/unknown time zone "Mars\/Olympus"/);
  });

  it('computes the next occurrence across a DST change', () => {
    const berlin = parseDigestSchedule('daily 08:00 Europe/Berlin');
    if (typeof berlin === 'string') throw new Error(berlin);
    // 2026-03-29: Berlin switches to CEST (UTC+2).
    expect(nextOccurrence(berlin, new Date('2026-03-28T07:00:00Z')).toISOString()).toBe('2026-03-29T06:00:00.000Z');
    expect(nextOccurrence(berlin, new Date('2026-03-28T06:59:00Z')).toISOString()).toBe('2026-03-28T07:00:00.000Z');
    expect(nextOccurrence({ kind: 'hourly', text: 'hourly' }, new Date('2026-03-28T10:00:00Z')).toISOString()).toBe(
      '2026-03-28T11:00:00.000Z',
    );
  });

  it('rejects a bad schedule at config load, naming the path', async () => {
    const err = await resolveConfig(
      { subscriptions: [{ topics: ['china-russia'], channel: 'console', mode: 'digest', schedule: 'daily 8am' }] },
      'wirewatch.yaml',
    ).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(/wirewatch\.yaml: subscriptions\[0\]\.schedule: schedule "daily 8am"/);
  });
});

describe('Retry-After', () => {
  it('reads delay-seconds and HTTP-dates (RFC 9110 §10.2.3)', () => {
    const now = new Date('2026-11-29T10:00:00Z');
    expect(parseRetryAfter('7', now)).toBe(7000);
    expect(parseRetryAfter(['3'], now)).toBe(3000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 10:00:30 GMT', now)).toBe(30_000);
    expect(parseRetryAfter('Sun, 29 Nov 2026 09:00:00 GMT', now)).toBe(0);
    expect(parseRetryAfter('soon', now)).toBeNull();
    expect(parseRetryAfter(undefined, now)).toBeNull();
  });
});
