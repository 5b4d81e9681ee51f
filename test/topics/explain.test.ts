import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { runCli } from '../../local/cli.ts';
import { InputError } from '../../shared/errors.ts';
import { compileTopics } from '../../shared/topics/index.ts';

/*
 * Debuggable rules: `TopicSet.explain` and the reasons `topics eval` gives for each wrong decision (the failed
 * top-level clauses of the rule, or score vs threshold with the signals that held), `n/a` for ratios a data set
 * cannot define, through the real CLI entry on our own fixture (test/fixtures/topics/explain.{yaml,jsonl}).
 */

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/topics/${name}`, import.meta.url));

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

describe('TopicSet.explain', () => {
  const set = compileTopics(
    [
      {
        id: 'deal',
        name: 'Deal',
        rule: 'SENTENCE(@a, @b, deal) AND NOT title:(chess) AND lead:(@a)',
        threshold: 2,
        signals: [
          { name: 'signed', rule: 'signed', weight: 0.5, each: true, max: 2 },
          { rule: 'medal', weight: -1 },
        ],
      },
      { id: 'either', name: 'Either', rule: 'SENTENCE(@a, deal) OR title:(@b)' },
    ],
    { a: ['China', 'Beijing'], b: ['Russia', 'Moscow'] },
  );

  it('names the top-level clauses that failed, in the rule text, with the closest sentence of a SENTENCE clause', () => {
    const x = set.explain({ title: 'Chess news', text: 'China met Russia. A deal was near.' }, 'deal');
    expect(x).toMatchObject({ id: 'deal', matched: false, ruleHeld: false, score: null, threshold: 2, signals: [] });
    expect(x.failedClauses).toEqual([
      {
        clause: 'SENTENCE(@a, @b, deal)',
        closest: { field: 'lead', text: 'China met Russia.', held: ['@a', '@b'], missing: ['deal'] },
      },
      { clause: 'NOT title:(chess)', closest: null },
    ]);
    // the clause that held (lead:(@a)) is not listed
    expect(x.failedClauses.map((c) => c.clause)).not.toContain('lead:(@a)');
  });

  it('lists every branch of a top-level OR when none held', () => {
    const x = set.explain({ title: 'Markets', text: 'Beijing said nothing.' }, 'either');
    expect(x.failedClauses.map((c) => c.clause)).toEqual(['SENTENCE(@a, deal)', 'title:(@b)']);
    expect(x.failedClauses[0]!.closest).toEqual({
      field: 'lead',
      text: 'Beijing said nothing.',
      held: ['@a'],
      missing: ['deal'],
    });
  });

  it('gives score, threshold and the signals that held (with counts) when the rule held', () => {
    const below = set.explain({ title: '', text: 'China and Russia reached a deal. A medal was won.' }, 'deal');
    expect(below).toMatchObject({ matched: false, ruleHeld: true, failedClauses: [], score: 0, threshold: 2 });
    expect(below.signals).toEqual([{ name: null, clause: 'medal', weight: -1, count: 1 }]);
    const doc = { title: '', text: 'China and Russia signed a deal. Beijing signed more. Moscow signed too.' };
    const held = set.explain(doc, 'deal');
    // 1 for the rule + 0.5 for each of the first 2 of 3 "signed" sentences (max 2)
    expect(held).toMatchObject({ matched: true, ruleHeld: true, score: 2 });
    expect(held.signals).toEqual([{ name: 'signed', clause: 'signed', weight: 0.5, count: 2 }]);
    // explain agrees with classify
    expect(set.classify(doc).find((m) => m.id === 'deal')?.score).toBe(2);
  });

  it('throws InputError unknown_topic for a topic the set does not have', () => {
    expect(() => set.explain({ title: '', text: '' }, 'nope')).toThrow(InputError);
    expect(() => set.explain({ title: '', text: '' }, 'nope')).toThrow(/unknown topic "nope" \(known: deal, either\)/);
  });
});

describe('wirewatch topics eval explains each wrong decision', () => {
  const args = ['--config', fixture('explain.yaml'), 'topics', 'eval', '--data', fixture('explain.jsonl')];
  const topics = ['--topic', 'energy-deal', 'china-taiwan'];

  it('in JSON: failed clauses for a failed rule, score and signals for a miss below the threshold and a false match', async () => {
    const r = await cli([...args.slice(0, 2), '--json', ...args.slice(2), ...topics]);
    expect(r.err).toBe('');
    expect(r.code).toBe(0);
    const body = JSON.parse(r.out) as { topics: Record<string, unknown>; errors: Array<Record<string, any>> };
    const byId = Object.fromEntries(body.errors.map((e) => [e.id, e]));
    expect(Object.keys(byId)).toEqual(['e1', 'e2', 'e3', 'e4']);
    expect(byId.e1).toMatchObject({ expected: true, got: false, score: null });
    expect(byId.e1.why).toEqual({
      ruleHeld: false,
      failedClauses: [
        {
          clause: 'SENTENCE(@china, @russia, @energy_deal)',
          closest: {
            field: 'lead',
            text: 'Chinese and Russian officials held talks in Moscow on Monday.',
            held: ['@china', '@russia'],
            missing: ['@energy_deal'],
          },
        },
      ],
      threshold: 2,
      signals: [],
    });
    expect(byId.e2.why.failedClauses).toEqual([{ clause: 'NOT title:(chess OR olympic*)', closest: null }]);
    expect(byId.e3).toMatchObject({ expected: true, got: false, score: 0.5 });
    expect(byId.e3.why).toMatchObject({
      ruleHeld: true,
      failedClauses: [],
      threshold: 2,
      signals: [{ name: 'sport', clause: 'medal OR athletes', weight: -0.5, count: 1 }],
    });
    expect(byId.e4).toMatchObject({ expected: false, got: true, score: 2 });
    expect(byId.e4.why.signals).toEqual([
      { name: 'signed', clause: 'SENTENCE(@energy_deal, signed OR agreement)', weight: 1, count: 1 },
    ]);
  });

  it('prints n/a (JSON null), not 0.000, for ratios of a topic without labelled positives or matches', async () => {
    const json = JSON.parse((await cli([...args.slice(0, 2), '--json', ...args.slice(2), ...topics])).out);
    expect(json.topics['china-taiwan']).toEqual({
      tp: 0,
      fp: 0,
      fn: 0,
      tn: 5,
      precision: null,
      recall: null,
      f1: null,
    });
    // energy-deal: 0 tp, 1 fp, 3 fn → precision and F1 are 0 (defined), recall 0 (defined)
    expect(json.topics['energy-deal']).toMatchObject({ tp: 0, fp: 1, fn: 3, precision: 0, recall: 0, f1: 0 });
    const human = (await cli([...args, ...topics])).out;
    expect(human).toMatch(/^china-taiwan\s+0\s+0\s+0\s+5\s+n\/a\s+n\/a\s+n\/a$/m);
    expect(human).toMatch(/^energy-deal\s+0\s+1\s+3\s+1\s+0\.000\s+0\.000\s+0\.000$/m);
  });

  it('in the table: the clause that failed, or score < threshold with the signals that held', async () => {
    const r = await cli([...args, ...topics]);
    expect(r.code).toBe(0);
    const out = r.out;
    expect(out).toContain('e1  energy-deal  missed: the rule failed');
    expect(out).toContain('did not hold: SENTENCE(@china, @russia, @energy_deal)');
    expect(out).toContain(
      'closest sentence [lead] has @china, @russia; lacks @energy_deal: Chinese and Russian officials held talks in Moscow on Monday.',
    );
    expect(out).toContain(
      'e2  energy-deal  missed: the rule failed\n      did not hold: NOT title:(chess OR olympic*)',
    );
    expect(out).toContain(
      'e3  energy-deal  missed: the rule held but score 0.5 < threshold 2\n      signals: sport -0.5',
    );
    expect(out).toContain('e4  energy-deal  false match: score 2 >= threshold 2\n      signals: signed +1');
  });

  it('rejects an unknown --topic with exit 2', async () => {
    const r = await cli([...args, '--topic', 'nope']);
    expect(r.code).toBe(2);
    expect(r.err).toMatch(/--topic nope: no such topic/);
  });
});

describe('the fixture', () => {
  it('has the five documents the tests above describe', async () => {
    const lines = (await readFile(fixture('explain.jsonl'), 'utf8')).split('\n').filter(Boolean);
    expect(lines.map((l) => (JSON.parse(l) as { id: string }).id)).toEqual(['e1', 'e2', 'e3', 'e4', 'e5']);
  });
});
