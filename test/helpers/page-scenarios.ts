/**
 * The page retry and recheck scenarios, run once per runtime (test/pipeline/pages.test.ts: the local runtime;
 * test/functions/pages.test.ts: the Lambda handlers). Each scenario builds its own world: a scripted publisher on
 * 127.0.0.1, a fresh in-memory dynalite, a clock that only moves when the scenario moves it.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { articleHtml, SURVEY, SURVEY_UPDATE, T0, type PageWorld } from './page-world.ts';

const MIN = 60_000;
const HOUR = 60 * MIN;
const ok = (paragraphs = SURVEY, headers: Record<string, string> = {}) => ({
  status: 200,
  headers,
  body: articleHtml('Wildlife survey finds forest species holding on', paragraphs),
});
const okapiAlerts = (w: PageWorld) => w.alerts.filter((l) => /^\[alert\] okapi /.test(l));
const updateAlerts = (w: PageWorld) => w.alerts.filter((l) => /^\[update v\d+\] okapi /.test(l));
const iso = (t: number) => new Date(t).toISOString();

/** Registers the scenarios for worlds made by `make`. */
export function pageScenarios(make: (over?: Record<string, unknown>) => Promise<PageWorld>): void {
  let w: PageWorld;
  afterEach(async () => {
    await w?.close();
  });

  describe('retries of failed page fetches', () => {
    it('a page answering 500 and then 200 is retried after the backoff; its body-only topic alerts once', async () => {
      w = await make();
      w.pub.page('a', (n) => (n === 0 ? { status: 500, body: 'busy' } : ok()));
      await w.cycle({ force: true });
      let item = await w.item('a');
      expect(item.extraction).toMatchObject({ status: 'feed_only', reason: expect.stringContaining('http 500') });
      expect(item.topics).toEqual([]);
      expect(item.fetch).toEqual({
        state: 'retrying',
        attempts: 1,
        maxAttempts: 8,
        lastAttemptAt: iso(T0),
        lastError: 'http 500',
        nextRetryAt: iso(T0 + 15 * MIN),
        gaveUpAt: null,
        recheck: null,
      });
      expect(okapiAlerts(w)).toHaveLength(0);

      // Not due yet: no request to the page.
      w.advance(14 * MIN);
      await w.cycle();
      expect(w.pub.hitsOf('a')).toHaveLength(1);

      w.advance(1 * MIN);
      await w.cycle();
      expect(w.pub.hitsOf('a').map((h) => h.status)).toEqual([500, 200]);
      item = await w.item('a');
      expect(item.extraction.status).toBe('full');
      expect(item.text).toContain('okapi');
      expect(item.topics.map((t) => t.id)).toEqual(['okapi']);
      expect(okapiAlerts(w)).toHaveLength(1);
      expect(updateAlerts(w)).toHaveLength(0); // feed text → page text is not a new version of the story
      expect(item.fetch).toMatchObject({
        state: 'rechecking',
        attempts: 2,
        lastError: 'http 500',
        nextRetryAt: null,
        recheck: { checks: 0, of: 5, nextAt: iso(T0 + HOUR), lastOutcome: null },
      });

      // Later cycles before the first recheck fetch nothing and alert nothing more.
      w.advance(10 * MIN);
      await w.cycle({ force: true });
      expect(w.pub.hitsOf('a')).toHaveLength(2);
      expect(okapiAlerts(w)).toHaveLength(1);
    });

    it('a connection reset is retried like a 5xx', async () => {
      w = await make();
      w.pub.page('r', (n) => (n === 0 ? { reset: true } : ok()));
      await w.cycle({ force: true });
      const first = await w.item('r');
      expect(first.fetch).toMatchObject({
        state: 'retrying',
        attempts: 1,
        lastError: expect.stringMatching(/network_error/),
      });
      w.advanceTo(first.fetch!.nextRetryAt!);
      await w.cycle();
      expect((await w.item('r')).topics.map((t) => t.id)).toEqual(['okapi']);
      expect(okapiAlerts(w)).toHaveLength(1);
    });

    it('429 with Retry-After waits as long as the server asked (from the injected clock), capped at maxBackoff', async () => {
      w = await make();
      w.pub.page('t', (n) =>
        n === 0
          ? { status: 429, headers: { 'retry-after': '7200' } }
          : n === 1
            ? { status: 429, headers: { 'retry-after': '86400' } }
            : ok(),
      );
      await w.cycle({ force: true });
      expect((await w.item('t')).fetch).toMatchObject({
        state: 'retrying',
        lastError: 'http 429',
        nextRetryAt: iso(T0 + 2 * HOUR),
      });
      // The backoff alone would retry after 15 minutes; the server asked for two hours.
      w.advance(HOUR);
      await w.cycle();
      expect(w.pub.hitsOf('t')).toHaveLength(1);
      w.advance(HOUR);
      await w.cycle();
      expect(w.pub.hitsOf('t')).toHaveLength(2);
      // A day asked for: capped at pages.retry.maxBackoff (6 h).
      expect((await w.item('t')).fetch).toMatchObject({ attempts: 2, nextRetryAt: iso(T0 + 8 * HOUR) });
      w.advance(6 * HOUR);
      await w.cycle();
      expect((await w.item('t')).fetch?.state).toBe('rechecking');
      expect(okapiAlerts(w)).toHaveLength(1);
    });

    it("a feed's changed entry whose page now fails keeps the stored page text and retries the page", async () => {
      w = await make();
      let down = false;
      w.pub.page('edit', () => (down ? { status: 503 } : ok()));
      await w.cycle({ force: true });
      expect(okapiAlerts(w)).toHaveLength(1);
      down = true;
      w.pub.summary('edit', 'A wildlife survey was published on Monday; corrected.');
      w.advance(10 * MIN);
      await w.cycle();
      const item = await w.item('edit');
      expect(w.pub.hitsOf('edit').map((h) => h.status)).toEqual([200, 503]);
      expect(item.version).toBe(1);
      expect(item.extraction.status).toBe('full');
      expect(item.text).toContain('okapi');
      expect(item.fetch).toMatchObject({ state: 'retrying', attempts: 1, lastError: 'http 503' });
      // Back up, with the edit the entry announced: the retry stores it as a new version of the page.
      down = false;
      w.pub.page('edit', () => ok([...SURVEY, ...SURVEY_UPDATE]));
      w.advanceTo(item.fetch!.nextRetryAt!);
      await w.cycle();
      const after = await w.item('edit');
      expect(after.fetch).toMatchObject({ state: 'rechecking', attempts: 2 });
      expect(after.version).toBe(2);
      expect(okapiAlerts(w)).toHaveLength(1);
      expect(updateAlerts(w)).toHaveLength(1);
    });

    it('404 is not retried: the item records the permanent failure', async () => {
      w = await make();
      w.pub.page('gone', () => ({ status: 404, body: 'not here' }));
      await w.cycle({ force: true });
      const item = await w.item('gone');
      expect(item.extraction.reason).toContain('http 404');
      expect(item.fetch).toEqual({
        state: 'failed',
        attempts: 1,
        maxAttempts: 8,
        lastAttemptAt: iso(T0),
        lastError: 'http 404',
        nextRetryAt: null,
        gaveUpAt: null,
        recheck: null,
      });
      for (let i = 0; i < 6; i++) {
        w.advance(4 * HOUR);
        await w.cycle();
      }
      expect(w.pub.hitsOf('gone')).toHaveLength(1);
    });

    it('attempts stop at pages.retry.maxAttempts with a recorded give-up; the item keeps its feed text', async () => {
      w = await make();
      w.pub.page('down', () => ({ status: 503, body: 'maintenance' }));
      await w.cycle({ force: true });
      const times: string[] = [];
      for (let guard = 0; guard < 20; guard++) {
        const f = (await w.item('down')).fetch!;
        if (f.state !== 'retrying') break;
        times.push(f.nextRetryAt!);
        w.advanceTo(f.nextRetryAt!);
        await w.cycle();
      }
      // 15m, then doubling to the 6 h cap: every retry within a day of the first failure.
      expect(times.map((t) => (Date.parse(t) - T0) / MIN)).toEqual([15, 45, 105, 225, 465, 825, 1185]);
      expect(w.pub.hitsOf('down')).toHaveLength(8);
      const item = await w.item('down');
      expect(item.fetch).toMatchObject({
        state: 'gave_up',
        attempts: 8,
        maxAttempts: 8,
        lastError: 'http 503',
        nextRetryAt: null,
        gaveUpAt: iso(T0 + 1185 * MIN),
      });
      expect(item.extraction.status).toBe('feed_only');
      expect(item.text).toContain('A wildlife survey was published on Monday.');
      w.advance(48 * HOUR);
      await w.cycle();
      expect(w.pub.hitsOf('down')).toHaveLength(8);
    });
  });

  describe('rechecks of pages that matched a topic', () => {
    it('a recheck answered 304 costs one request and schedules the next step', async () => {
      w = await make();
      w.pub.page('still', (_n, req) =>
        req.headers['if-none-match'] === '"v1"'
          ? { status: 304, headers: { etag: '"v1"' } }
          : ok(SURVEY, { etag: '"v1"', 'last-modified': 'Mon, 30 Nov 2026 09:00:00 GMT' }),
      );
      await w.cycle({ force: true });
      expect(okapiAlerts(w)).toHaveLength(1);
      expect((await w.item('still')).fetch).toMatchObject({
        state: 'rechecking',
        recheck: { checks: 0, of: 5, nextAt: iso(T0 + HOUR) },
      });
      w.advance(HOUR);
      await w.cycle();
      const hits = w.pub.hitsOf('still');
      expect(hits).toHaveLength(2);
      expect(hits[1]).toMatchObject({
        status: 304,
        ifNoneMatch: '"v1"',
        ifModifiedSince: 'Mon, 30 Nov 2026 09:00:00 GMT',
      });
      const item = await w.item('still');
      expect(item.version).toBe(1);
      expect(item.fetch).toMatchObject({
        state: 'rechecking',
        recheck: {
          checks: 1,
          of: 5,
          nextAt: iso(T0 + 3 * HOUR),
          lastCheckedAt: iso(T0 + HOUR),
          lastOutcome: 'not_modified',
        },
      });
      expect(okapiAlerts(w)).toHaveLength(1);
      expect(updateAlerts(w)).toHaveLength(0);
    });

    it('a recheck that finds two added paragraphs makes a new version and sends one update alert', async () => {
      w = await make();
      let updated = false;
      w.pub.page('live', (_n, req) => {
        const etag = updated ? '"v2"' : '"v1"';
        if (req.headers['if-none-match'] === etag) return { status: 304, headers: { etag } };
        return ok(updated ? [...SURVEY, ...SURVEY_UPDATE] : SURVEY, { etag });
      });
      await w.cycle({ force: true });
      expect(okapiAlerts(w)).toHaveLength(1);
      const before = await w.item('live');

      updated = true; // the publisher edits the page; the feed entry stays as it was
      w.advance(HOUR);
      await w.cycle();
      const item = await w.item('live');
      expect(item.id).toBe(before.id);
      expect(item.version).toBe(2);
      expect(item.text).toContain('1,240 animals');
      expect(item.fetch).toMatchObject({
        state: 'rechecking',
        recheck: { checks: 1, nextAt: iso(T0 + 3 * HOUR), lastOutcome: 'changed' },
      });
      expect(updateAlerts(w)).toHaveLength(1);
      expect(updateAlerts(w)[0]).toMatch(/^\[update v2\] okapi /);
      expect(okapiAlerts(w)).toHaveLength(1);
      const story = await w.ctx.store.getStory(item.storyId);
      expect(story?.versions.map((v) => [v.version, v.verdict])).toEqual([[2, 'material']]);
      expect(story?.versions[0]?.diff.added.join(' ')).toContain('1,240 animals');

      // The next step finds the page unchanged (304 to the new ETag): nothing more is sent.
      w.advance(2 * HOUR);
      await w.cycle();
      expect(w.pub.hitsOf('live').at(-1)).toMatchObject({ status: 304, ifNoneMatch: '"v2"' });
      expect(updateAlerts(w)).toHaveLength(1);
    });

    it('after the last step nothing more is fetched; unchanged text (no validators) counts as a check', async () => {
      w = await make({ stories: { recheck: ['1h', '2h'] } });
      w.pub.page('plain', () => ok());
      await w.cycle({ force: true });
      for (const step of [1, 2]) {
        w.advanceTo(iso(T0 + step * HOUR));
        await w.cycle();
      }
      const item = await w.item('plain');
      expect(item.version).toBe(1);
      expect(item.fetch).toMatchObject({
        state: 'fetched',
        recheck: { checks: 2, of: 2, nextAt: null, lastOutcome: 'unchanged' },
      });
      expect(w.pub.hitsOf('plain')).toHaveLength(3);
      w.advance(24 * HOUR);
      await w.cycle();
      expect(w.pub.hitsOf('plain')).toHaveLength(3);
      expect(okapiAlerts(w)).toHaveLength(1);
    });

    it('a page that did not match a topic is not re-checked and has no fetch state', async () => {
      w = await make();
      w.pub.page('quiet', () => ok(SURVEY.filter((p) => !p.includes('okapi'))));
      await w.cycle({ force: true });
      expect((await w.item('quiet')).fetch).toBeNull();
      w.advance(2 * HOUR);
      await w.cycle();
      expect(w.pub.hitsOf('quiet')).toHaveLength(1);
    });

    it('a recheck that fails keeps the page text and moves on to the next step', async () => {
      w = await make();
      w.pub.page('flaky', (n) => (n === 1 ? { status: 502 } : ok()));
      await w.cycle({ force: true });
      w.advance(HOUR);
      await w.cycle();
      const item = await w.item('flaky');
      expect(item.extraction.status).toBe('full');
      expect(item.version).toBe(1);
      expect(item.fetch).toMatchObject({
        state: 'rechecking',
        lastError: 'http 502',
        recheck: { checks: 1, nextAt: iso(T0 + 3 * HOUR), lastOutcome: 'failed' },
      });
      expect(updateAlerts(w)).toHaveLength(0);
    });
  });
}
