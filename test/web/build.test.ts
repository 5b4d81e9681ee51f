import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { BUDGET_GZIP_BYTES, buildDashboard } from '../../web/build.mjs';
import { locate, segments, sentenceRuns } from '../../web/src/highlight.ts';
import type { TopicMatch } from '../../shared/types.ts';

/*
 * The dashboard build (web/build.mjs, esbuild): within its size budget, no inline script or style in the page, and
 * the pure parts of the app — evidence highlighting — on its own.
 */

describe('the dashboard build', () => {
  it('stays within the budget: JS + CSS < 150 KB gzipped', async () => {
    const { files, sizes } = await buildDashboard();
    const assets = [...files].filter(([name]) => /\.(js|css)$/.test(name));
    expect(assets).toHaveLength(2);
    const gzipped = assets.reduce((n, [, text]) => n + gzipSync(Buffer.from(text), { level: 9 }).length, 0);
    expect(gzipped).toBe(sizes.jsGzip + sizes.cssGzip);
    expect(BUDGET_GZIP_BYTES).toBe(150 * 1024);
    expect(gzipped).toBeLessThan(BUDGET_GZIP_BYTES);
  });

  it('writes a page with no inline script or style, naming content-hashed assets', async () => {
    const { files } = await buildDashboard();
    const page = files.get('index.html')!;
    const scripts = [...page.matchAll(/<script\b([^>]*)>([\s\S]*?)<\/script>/g)];
    expect(scripts).toHaveLength(1);
    expect(scripts[0]![2]).toBe('');
    expect(scripts[0]![1]).toMatch(/src="\/assets\/app-[0-9a-f]{10}\.js"/);
    expect(page).not.toMatch(/<style|style=|\son[a-z]+=/i);
    for (const [, name] of page.matchAll(/(?:src|href)="\/assets\/([^"]+)"/g))
      expect(files.has(`assets/${name}`)).toBe(true);
    // The app never parses HTML strings.
    const js = [...files].find(([n]) => n.endsWith('.js'))![1];
    expect(js).not.toMatch(/innerHTML|outerHTML|insertAdjacentHTML|document\.write|eval\(/);
  });
});

const text = 'Xi Jinping met Vladimir Putin in Moscow.\n\nThey held talks on trade. Other news.';
const match: TopicMatch = {
  id: 'china-russia',
  name: 'China–Russia',
  score: 3,
  evidence: [
    {
      clause: 'SENTENCE(@china, @russia)',
      field: 'lead',
      text: 'Xi Jinping met Vladimir Putin in Moscow.',
      start: 0,
      end: 40,
      terms: [
        { text: 'Xi Jinping', start: 0, end: 10 },
        { text: 'Vladimir Putin', start: 15, end: 29 },
        { text: 'Moscow', start: 33, end: 39 },
      ],
    },
    {
      clause: 'talks OR summit',
      field: 'body',
      text: 'They held talks on trade.',
      start: 42,
      end: 67,
      terms: [{ text: 'talks', start: 52, end: 57 }],
    },
  ],
};

describe('evidence highlighting', () => {
  it('marks every term inside its sentence, with the clause, and keeps the text whole', () => {
    const segs = segments(text, locate(text, [match], 'text'));
    expect(segs.map((s) => s.text).join('')).toBe(text);
    expect(segs.filter((s) => s.term).map((s) => s.text)).toEqual(['Xi Jinping', 'Vladimir Putin', 'Moscow', 'talks']);
    const talks = segs.find((s) => s.text === 'talks')!;
    expect(talks.clauses).toEqual([{ topicId: 'china-russia', clause: 'talks OR summit' }]);
    expect(segs.find((s) => s.text === ' Other news.')).toMatchObject({ sentence: false, term: false });
    expect(segs.filter((s) => s.sentenceStart !== null).map((s) => s.start)).toEqual([0, 42]);
  });

  it('finds a sentence whose offsets moved (a cut text) and drops one that is not there', () => {
    const shifted = `Intro.\n\n${text}`;
    const placed = locate(shifted, [match], 'text');
    expect(placed.map((p) => shifted.slice(p.start, p.end))).toEqual([
      'Xi Jinping met Vladimir Putin in Moscow.',
      'They held talks on trade.',
    ]);
    expect(placed[1]!.terms.map((t) => shifted.slice(t.start, t.end))).toEqual(['talks']);
    expect(locate('Nothing of it.', [match], 'text')).toEqual([]);
    expect(locate(text, [match], 'title')).toEqual([]);
  });

  it('cuts an evidence sentence into plain and matched runs', () => {
    expect(sentenceRuns(match.evidence[1]!)).toEqual([
      { text: 'They held ', term: false },
      { text: 'talks', term: true },
      { text: ' on trade.', term: false },
    ]);
  });
});
