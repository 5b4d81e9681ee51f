/**
 * Topic matcher benchmark: classify 1,000 article-length texts against the shipped topic set.
 *
 * Input (read from its path, never copied): the expected body texts of `../shared/corpus/newspaper-fulltext/text`
 * and `../shared/corpus/newspaper4k-testdata/txt` (news articles, several languages), cycled to 1,000 documents;
 * every third document has one item of `../shared/corpus/topics/dev.jsonl` appended so the rules have
 * something to match. Reports ms per article (mean, p50, p95) and ratios against two baselines measured in the
 * same run on the same texts:
 *   - `analyse`: tokenising + sentence splitting alone (the floor: every matcher has to read the text);
 *   - `regex-any`: one case-insensitive alternation regex of every alias term, run over the text (what a
 *     plain keyword alert costs, with no structure, scoring or evidence).
 *
 * Usage: `npm run bench:topics [-- --docs 1000 --rounds 3]`
 */
import { readdirSync, readFileSync, existsSync } from 'node:fs';
import { join } from 'node:path';
import { cpus, loadavg } from 'node:os';
import { resolveConfig } from '../shared/config/load.ts';
import { analyse, compileTopics } from '../shared/topics/index.ts';

const CORPUS = new URL('../../shared/corpus/', import.meta.url).pathname;

function arg(name: string, dflt: number): number {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? Number(process.argv[i + 1]) : dflt;
}

function loadTexts(): string[] {
  const dirs = [join(CORPUS, 'newspaper-fulltext/text'), join(CORPUS, 'newspaper4k-testdata/txt')];
  const texts: string[] = [];
  for (const d of dirs) {
    if (!existsSync(d)) continue;
    for (const f of readdirSync(d).sort()) {
      if (!f.endsWith('.txt')) continue;
      const t = readFileSync(join(d, f), 'utf8');
      if (t.trim().length >= 500) texts.push(t);
    }
  }
  if (texts.length === 0) throw new Error(`no article texts under ${CORPUS}`);
  return texts;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
}

async function main(): Promise<void> {
  const load0 = loadavg();
  const nDocs = arg('docs', 1000);
  const rounds = arg('rounds', 3);
  const articles = loadTexts();
  const labelled = readFileSync(join(CORPUS, 'topics/dev.jsonl'), 'utf8')
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as { title: string | null; text: string });
  const docs = Array.from({ length: nDocs }, (_, i) => {
    const base = articles[i % articles.length]!;
    const extra = i % 3 === 0 ? labelled[i % labelled.length]! : null;
    return {
      title: extra?.title ?? base.split('\n', 1)[0]!.slice(0, 120),
      text: extra ? `${base}\n\n${extra.text}` : base,
    };
  });
  const chars = docs.reduce((s, d) => s + d.text.length, 0);

  const config = await resolveConfig({}, '<shipped>');
  const t0 = performance.now();
  const set = compileTopics(config.topics, config.aliases);
  const compileMs = performance.now() - t0;

  const terms = Object.values(config.aliases)
    .flat()
    .map((t) =>
      t
        .replace(/^=/, '')
        .replace(/\*$/, '')
        .replace(/[.*+?^${}()|[\]\\]/g, '\\$&'),
    );
  const anyRe = new RegExp(`\\b(?:${terms.join('|')})`, 'giu');

  const run = (
    fn: (d: { title: string; text: string }) => number,
  ): { mean: number; p50: number; p95: number; cpu: number; sink: number } => {
    let sink = 0;
    for (const d of docs.slice(0, 100)) sink += fn(d); // warm-up
    const per: number[] = [];
    const cpu0 = process.cpuUsage();
    for (let r = 0; r < rounds; r++) {
      for (const d of docs) {
        const s = performance.now();
        sink += fn(d);
        per.push(performance.now() - s);
      }
    }
    const used = process.cpuUsage(cpu0);
    const sorted = [...per].sort((a, b) => a - b);
    return {
      mean: per.reduce((a, b) => a + b, 0) / per.length,
      p50: percentile(sorted, 50),
      p95: percentile(sorted, 95),
      // CPU time of this process (user + system) per document: unaffected by other processes on the machine
      cpu: (used.user + used.system) / 1000 / per.length,
      sink,
    };
  };

  const base1 = run((d) => analyse(d.title).tokens.length + analyse(d.text).tokens.length);
  const base2 = run((d) => (d.text.match(anyRe)?.length ?? 0) + (d.title.match(anyRe)?.length ?? 0));
  let matched = 0;
  const cls = run((d) => {
    const m = set.classify(d);
    return m.length;
  });
  for (const d of docs) if (set.classify(d).length) matched++;

  const fmt = (x: number): string => x.toFixed(3);
  const lines = [
    `topics benchmark: ${nDocs} docs × ${rounds} rounds, ${set.topics.length} topics, mean ${Math.round(chars / nDocs)} chars/doc, node ${process.version}`,
    `compile (once): ${compileMs.toFixed(1)} ms`,
    `per article: wall mean / p50 / p95, and CPU time of this process (immune to other load), ms`,
    `classify   wall ${fmt(cls.mean)} / ${fmt(cls.p50)} / ${fmt(cls.p95)}  cpu ${fmt(cls.cpu)}  (${matched}/${nDocs} docs matched a topic)`,
    `analyse    wall ${fmt(base1.mean)} / ${fmt(base1.p50)} / ${fmt(base1.p95)}  cpu ${fmt(base1.cpu)}  classify/analyse = ${(cls.p50 / base1.p50).toFixed(2)}× (p50), ${(cls.cpu / base1.cpu).toFixed(2)}× (cpu)`,
    `regex-any  wall ${fmt(base2.mean)} / ${fmt(base2.p50)} / ${fmt(base2.p95)}  cpu ${fmt(base2.cpu)}  classify/regex-any = ${(cls.p50 / base2.p50).toFixed(2)}× (p50), ${(cls.cpu / base2.cpu).toFixed(2)}× (cpu)`,
    `load average at start: ${load0.map((x) => x.toFixed(1)).join(' ')} on ${cpus().length} cores`,
    `target < 2 ms per article for the whole topic set (CPU time): ${cls.cpu < 2 ? 'met' : 'NOT met'}`,
  ];
  process.stdout.write(`${lines.join('\n')}\n`);
  if (cls.sink < 0 || base1.sink < 0 || base2.sink < 0) process.stdout.write('');
}

await main();
