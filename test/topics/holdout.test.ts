import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { resolveConfig } from '../../shared/config/load.ts';
import { compileTopics, evaluateTopics, parseLabelledJsonl, type TopicSet } from '../../shared/topics/index.ts';

/*
 * Generalisation checks of the shipped topics on labelled sets in the format of ../shared/corpus/topics/dev.jsonl,
 * labelled by the guidelines of ../shared/corpus/topics/README.md:
 * - holdout.jsonl: 66 texts written before the first rule revision (ids ho-<n>), now effectively development data;
 * - holdout2.jsonl: 122 texts written by someone who never saw the rules (ids h2-<n>), more than half hard
 *   negatives (multilateral meetings, third countries, China–Ukraine, Russia–India, energy markets);
 * - hard-cases.jsonl: our own hard negatives and positives of the kinds that generalised badly (a third country's
 *   leader meeting Xi and Putin, China's Ukraine diplomacy with Kyiv and the West, conferences China skips because
 *   Russia is excluded, market reports, war backdrops; ids hc-, hv-, hd- by batch).
 * Floors are the figures recorded in BENCHMARKS.md ("Topics — held-out check") minus a small margin; backdrop
 * mentions (a Taiwan or US paragraph further down a China–Russia story) must not tag china-taiwan / china-us.
 */

const fixture = (name: string): string => fileURLToPath(new URL(`../fixtures/topics/${name}`, import.meta.url));
const SEED = fileURLToPath(new URL('../../../shared/seed/ap-xi-moscow-visit.txt', import.meta.url));
const LABELS = new Set(['china-russia', 'russia-ukraine-war', 'china-us', 'china-taiwan', 'none']);

interface LabelledRecord {
  id: string;
  url: string;
  outlet: string;
  date: string | null;
  title: string | null;
  text: string;
  labels: string[];
  why: string;
}

/** One labelled set: the file, its id pattern, its minimum size and hard negatives, and the F1 floors. */
const SETS: Array<{ file: string; ids: RegExp; min: number; hard: number; floors: Record<string, number> }> = [
  {
    // achieved 1.000, 0.933, 1.000, 1.000
    file: 'holdout.jsonl',
    ids: /^ho-\d+$/,
    min: 60,
    hard: 20,
    floors: { 'china-russia': 0.97, 'russia-ukraine-war': 0.9, 'china-taiwan': 0.97, 'china-us': 0.97 },
  },
  {
    // achieved 0.966, 0.976, 1.000, 0.957 (russia-ukraine-war 0.821 at the first run; see BENCHMARKS.md)
    file: 'holdout2.jsonl',
    ids: /^h2-\d{3}$/,
    min: 120,
    hard: 40,
    floors: { 'china-russia': 0.94, 'russia-ukraine-war': 0.95, 'china-taiwan': 0.97, 'china-us': 0.93 },
  },
  {
    // achieved 1.000, 0.889, 1.000, 0.857 (china-taiwan and china-us have 3 and 4 positives)
    file: 'hard-cases.jsonl',
    ids: /^h[cvd]-\d+$/,
    min: 100,
    hard: 50,
    floors: { 'china-russia': 0.97, 'russia-ukraine-war': 0.86, 'china-taiwan': 0.97, 'china-us': 0.8 },
  },
];

let set: TopicSet;
beforeAll(async () => {
  const config = await resolveConfig({});
  set = compileTopics(config.topics, config.aliases);
});

describe.each(SETS)('labelled set test/fixtures/topics/$file', ({ file, ids, min, hard, floors }) => {
  const raw = readFileSync(fixture(file), 'utf8');
  const records = raw
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as LabelledRecord);

  it('is well-formed: dev.jsonl fields in order, unique ids, known labels, `why` agreeing with the china-russia label', () => {
    expect(records.length).toBeGreaterThanOrEqual(min);
    expect(new Set(records.map((r) => r.id)).size).toBe(records.length);
    for (const r of records) {
      expect(Object.keys(r)).toEqual(['id', 'url', 'outlet', 'date', 'title', 'text', 'labels', 'why']);
      expect(r.id).toMatch(ids);
      expect(r.labels.length).toBeGreaterThan(0);
      for (const l of r.labels) expect(LABELS.has(l)).toBe(true);
      if (r.labels.includes('none')) expect(r.labels).toEqual(['none']);
      expect(r.why).toMatch(r.labels.includes('china-russia') ? /^Positive/ : /^Negative \((hard|other)\)/);
    }
    for (const l of LABELS) expect(records.some((r) => r.labels.includes(l))).toBe(true);
    expect(records.filter((r) => r.why.startsWith('Negative (hard)')).length).toBeGreaterThanOrEqual(hard);
  });

  it('meets the F1 floors with the shipped topics', () => {
    const report = evaluateTopics(set, parseLabelledJsonl(raw, file));
    expect(report.documents).toBe(records.length);
    for (const [id, floor] of Object.entries(floors)) {
      expect({ id, f1: report.topics[id]!.f1 }).toEqual({ id, f1: expect.toSatisfy((f: number) => f >= floor) });
    }
  });
});

describe('the three china-russia false-positive kinds and their positive twins (test/fixtures/topics/hard-cases.jsonl)', () => {
  const byId = new Map(
    readFileSync(fixture('hard-cases.jsonl'), 'utf8')
      .split('\n')
      .filter((l) => l.trim())
      .map((l) => JSON.parse(l) as LabelledRecord)
      .map((r) => [r.id, r]),
  );
  const tagged = (id: string): boolean => {
    const r = byId.get(id)!;
    return set.classify({ title: r.title ?? '', text: r.text }).some((m) => m.id === 'china-russia');
  };
  it.each([
    [
      'a third country’s leader meets Xi and Putin at a summit',
      ['hc-1', 'hc-2', 'hc-4', 'hc-5', 'hv-11'],
      ['hc-36', 'hc-44'],
    ],
    [
      'China’s stance on the war addressed to Kyiv and the West',
      ['hc-11', 'hc-12', 'hc-49', 'hv-14'],
      ['hc-46', 'hv-7'],
    ],
    ['a conference China skips because Russia is excluded', ['hc-18', 'hc-19', 'hc-50', 'hd-9'], ['hc-37']],
  ])('%s: not china-russia; the relation between the two still is', (_kind, negatives, positives) => {
    for (const id of [...negatives, ...positives]) expect(byId.has(id)).toBe(true);
    expect(negatives.filter(tagged)).toEqual([]);
    expect(positives.filter((id) => !tagged(id))).toEqual([]);
  });
});

describe('backdrop mentions', () => {
  it.skipIf(!existsSync(SEED))(
    'tag the seed story china-russia (the Xi–Putin meeting sentence in its evidence) and not china-taiwan / china-us',
    () => {
      const text = readFileSync(SEED, 'utf8');
      const ids = set.classify({ title: '', text }).map((m) => m.id);
      expect(ids).toContain('china-russia');
      expect(ids).not.toContain('china-taiwan');
      expect(ids).not.toContain('china-us');
      const cr = set.classify({ title: '', text }).find((m) => m.id === 'china-russia')!;
      const meeting = cr.evidence.find((e) =>
        e.text.startsWith("Chinese leader Xi Jinping's visit to Moscow to meet with Russian President Vladimir Putin"),
      );
      expect(meeting).toBeDefined();
      expect(text.slice(meeting!.start, meeting!.end)).toBe(meeting!.text);
    },
  );

  const p1 = 'Chinese leader Xi Jinping met Russian President Vladimir Putin in Moscow for talks on trade and energy.';
  const p2 = 'The two leaders signed agreements on gas supplies and agreed to expand payments in yuan and rubles.';
  const p3 =
    'Beijing has stepped up military pressure on Taiwan, flying jets near the island. ' +
    'China claims Taiwan as its territory and holds drills near Taiwan. ' +
    "Taiwan's government rejects Beijing's push for unification.";

  it('count a cross-strait paragraph below the lead as backdrop, and the same paragraph in the lead as a subject', () => {
    const below = set.classify({ title: '', text: [p1, p2, p3].join('\n\n') }).map((m) => m.id);
    expect(below).toContain('china-russia');
    expect(below).not.toContain('china-taiwan');
    const lead = set.classify({ title: '', text: [p3, p1, p2].join('\n\n') }).map((m) => m.id);
    expect(lead).toContain('china-taiwan');
    const headline = set
      .classify({ title: 'Beijing steps up pressure on Taiwan', text: [p1, p2, p3].join('\n\n') })
      .map((m) => m.id);
    expect(headline).toContain('china-taiwan');
  });

  it('do not count China–US sentences marked as backdrop (meanwhile / amid / at a time of) as China–US substance', () => {
    const ids = (sentences: string[]): string[] =>
      set.classify({ title: '', text: [p1, sentences.join(' ')].join('\n\n') }).map((m) => m.id);
    const backdrop = [
      "Meanwhile, Beijing's relations with Washington remain strained.",
      'The visit came amid tensions between China and the United States.',
      'It took place at a time of rivalry between Beijing and Washington.',
    ];
    const subject = [
      "Beijing's relations with Washington remain strained.",
      'The visit followed tensions between China and the United States.',
      'It showed the rivalry between Beijing and Washington.',
    ];
    expect(ids(backdrop)).not.toContain('china-us');
    expect(ids(subject)).toContain('china-us');
  });
});

describe('hard-negative kinds from the labelling guidelines (synthetic probes, not part of the held-out figures)', () => {
  it('leave an Indian oil story about yuan payments, with China as the other buyer, untagged china-russia', () => {
    const text =
      'Indian state refiners have started paying for some Russian crude in yuan, according to people familiar with the deals. ' +
      'Indian Oil Corp made at least two payments in the Chinese currency last month. ' +
      'Russian exporters have asked buyers to settle in yuan since Western sanctions cut Moscow off from the dollar system. ' +
      'Russian companies hold large yuan balances and use them for imports. ' +
      'China, the largest buyer of Russian oil, settles most of its purchases in yuan and roubles. ' +
      'New Delhi has discouraged yuan payments because of its tense relations with Beijing.';
    const ids = set
      .classify({ title: 'Indian refiners pay for Russian oil in yuan as dollar routes close', text })
      .map((m) => m.id);
    expect(ids).not.toContain('china-russia');
    // the same yuan story without the third country is a China–Russia finance story
    const bilateral = text
      .replace(/Indian state refiners/, 'Russian exporters')
      .replace(/Indian Oil Corp/, 'Rosneft')
      .replace(/New Delhi has discouraged/, 'Moscow has encouraged')
      .replace(/its tense relations/, 'its close relations');
    expect(
      set.classify({ title: 'Russia moves its oil trade with China into yuan', text: bilateral }).map((m) => m.id),
    ).toContain('china-russia');
  });

  it('leave a sports result with Chinese and Russian competitors untagged china-russia', () => {
    const text =
      "Chinese swimmers won gold in the men's medley relay on Saturday, edging the Russian team by a fraction of a second. " +
      "China's anchor overtook Russia's swimmer in the final metres. Russian athletes competed as neutrals. " +
      "The Chinese women's team later beat Russia and Australia in the freestyle relay. Coaches from both China and Russia praised the organisers.";
    expect(
      set.classify({ title: 'Chinese and Russian swimmers dominate relay finals', text }).map((m) => m.id),
    ).not.toContain('china-russia');
  });
});
