import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../../local/cli.ts';
import { DAM, UNRELATED, text } from './fixtures.ts';

/* `wirewatch stories eval` through the real CLI entry: JSON and human output, unlabelled input, errors. */

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await runCli(['node', 'wirewatch', ...args], {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
  });
  return { code, out, err };
}

let dir: string;
const line = (o: Record<string, unknown>): string => JSON.stringify(o);
const base = { url: 'https://x.example/', outlet: 'X', title: 'Dam fails' };

beforeAll(async () => {
  dir = await mkdtemp(join(tmpdir(), 'wirewatch-stories-'));
  await writeFile(
    join(dir, 'set.jsonl'),
    [
      line({ ...base, id: 'c', text: text(DAM.slice(0, 4)), publishedAt: '2026-11-03T09:00:00Z', story: 'dam' }),
      line({ ...base, id: 'a', text: text(DAM), publishedAt: '2026-11-03T07:00:00Z', story: 'dam' }),
      '',
      line({
        ...base,
        id: 'w',
        title: 'Whale',
        text: text(UNRELATED),
        publishedAt: '2026-11-03T08:00:00Z',
        story: 'whale',
      }),
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'unlabelled.jsonl'),
    [
      line({ ...base, id: 'a', text: text(DAM), publishedAt: '2026-11-03T07:00:00Z' }),
      line({ ...base, id: 'b', text: text(DAM.slice(0, 3)), publishedAt: '2026-11-03T07:30:00Z' }),
    ].join('\n'),
  );
  await writeFile(
    join(dir, 'bad-date.jsonl'),
    `${line({ id: 'a', text: 'x', publishedAt: '2026-11-03T07:00:00Z' })}\n${line({ id: 'b', text: 'x', publishedAt: 'yesterday' })}\n`,
  );
  await writeFile(join(dir, 'bad-text.jsonl'), `${line({ id: 'a', publishedAt: '2026-11-03T07:00:00Z' })}\n`);
  await writeFile(join(dir, 'bad-json.jsonl'), '{"id": "a",\n');
});

afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('wirewatch stories eval', () => {
  it('--json prints the assignments (in input order) and the metrics, with the baselines under their own key', async () => {
    const r = await cli(['stories', 'eval', '--data', join(dir, 'set.jsonl'), '--json']);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(Object.keys(body)).toEqual(['assignments', 'metrics', 'baselines']);
    expect(body.assignments).toEqual([
      { id: 'c', storyId: 'a' },
      { id: 'a', storyId: 'a' },
      { id: 'w', storyId: 'w' },
    ]);
    expect(body.metrics).toEqual({ precision: 1, recall: 1, f1: 1, ari: 1, stories: 2, labelled: 2 });
    expect(Object.keys(body.baselines)).toEqual(['exactUrl', 'headline', 'minhash']);
  });

  it('prints a human table with the baselines', async () => {
    const r = await cli(['stories', 'eval', '--data', join(dir, 'set.jsonl')]);
    expect(r.code).toBe(0);
    expect(r.out).toContain('3 documents, 3 labelled, 2 labelled stories');
    expect(r.out).toMatch(/wirewatch\s+1\.000\s+1\.000\s+1\.000\s+1\.000\s+2/);
    expect(r.out).toContain('baseline: MinHash J>=0.5');
    expect(r.out).toContain('same-event merges (different stories of one event put together): 0');
  });

  it('without labels: metrics are null, only assignments and story counts', async () => {
    const r = await cli(['--json', 'stories', 'eval', '--data', join(dir, 'unlabelled.jsonl')]);
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out);
    expect(body.metrics).toEqual({ precision: null, recall: null, f1: null, ari: null, stories: 1, labelled: null });
    const human = await cli(['stories', 'eval', '--data', join(dir, 'unlabelled.jsonl')]);
    expect(human.out).toBe('2 documents, 0 labelled\nwirewatch: 1 stories\na\ta\nb\ta\n');
  });

  it.each([
    ['bad-date.jsonl', ':2: "publishedAt" must be an ISO-8601 date-time (got "yesterday")'],
    ['bad-text.jsonl', ':1: "text" is missing'],
    ['bad-json.jsonl', ':1: not valid JSON'],
  ])('%s: exit 2 with the line and the field', async (name, message) => {
    const r = await cli(['stories', 'eval', '--data', join(dir, name)]);
    expect(r.code).toBe(2);
    expect(r.err).toContain(`${join(dir, name)}${message}`);
  });

  it('an unreadable file: exit 2', async () => {
    const r = await cli(['stories', 'eval', '--data', join(dir, 'missing.jsonl')]);
    expect(r.code).toBe(2);
    expect(r.err).toContain('cannot read file (ENOENT)');
  });
});

describe('parseStoriesJsonl', () => {
  it('accepts numeric ids and labels, dates and offset-less times (as UTC); rejects repeated ids', async () => {
    const { parseStoriesJsonl } = await import('../../shared/stories/index.ts');
    const docs = parseStoriesJsonl(
      [
        JSON.stringify({ id: 1, text: 'a', publishedAt: '2026-11-03', story: 7 }),
        JSON.stringify({ id: 'b', text: 'b', publishedAt: '2026-11-03T08:00:00', url: 'u' }),
        JSON.stringify({ id: 'c', text: 'c', publishedAt: '2026-11-03T10:00:00+02:00' }),
      ].join('\n'),
    );
    expect(docs.map((d) => [d.id, d.story, d.publishedAt])).toEqual([
      ['1', '7', '2026-11-03T00:00:00.000Z'],
      ['b', null, '2026-11-03T08:00:00.000Z'],
      ['c', null, '2026-11-03T08:00:00.000Z'],
    ]);
    expect(() =>
      parseStoriesJsonl(`${JSON.stringify({ id: 'a', text: '', publishedAt: '2026-11-03' })}\n`.repeat(2), 'f'),
    ).toThrow('f:2: "id" a repeats line 1');
    expect(() =>
      parseStoriesJsonl(JSON.stringify({ id: 'a', text: 'x', publishedAt: '2026-11-03', url: 5 }), 'f'),
    ).toThrow('f:1: "url" must be a string (got 5)');
  });
});
