import { readFile } from 'node:fs/promises';
import type { Command } from 'commander';
import { parse as parseYaml } from 'yaml';
import type { Config } from '../../shared/config/load.ts';
import { ConfigError, InputError, describeError } from '../../shared/errors.ts';
import {
  aliasesSchema,
  backtestTopic,
  compileTopics,
  evaluateTopics,
  parseLabelledJsonl,
  topicSchema,
  type AliasConfig,
  type BacktestReport,
  type EvalReport,
  type FailedClause,
  type SignalHit,
  type TopicConfig,
  type TopicCounts,
} from '../../shared/topics/index.ts';
import type { CliContext } from '../cli-context.ts';
import { formatElapsed, formatRate, NO_PROGRESS } from '../terminal.ts';
import { configOrShipped } from './classify.ts';

/**
 * The `topics eval --json` shape. `expected`/`got`: whether the topic was labelled / matched. precision,
 * recall and F1 are null when undefined (no match / no labelled positive / neither). `score` is the score
 * whenever the rule held (a miss below the threshold has one), else null; `why` explains the decision.
 */
export interface EvalJson {
  topics: Record<string, TopicCounts>;
  errors: Array<{
    id: string;
    topic: string;
    expected: boolean;
    got: boolean;
    score: number | null;
    evidence: Array<{ clause: string; field: string; text: string; start: number; end: number }>;
    why: {
      ruleHeld: boolean;
      failedClauses: FailedClause[];
      threshold: number;
      signals: SignalHit[];
    };
  }>;
}

/** Report → `--json` shape. */
export function evalJson(r: EvalReport): EvalJson {
  return {
    topics: r.topics,
    errors: r.errors.map((e) => ({
      id: e.id,
      topic: e.topic,
      expected: e.expected,
      got: e.got,
      score: e.score,
      evidence: e.evidence.map((x) => ({ clause: x.clause, field: x.field, text: x.text, start: x.start, end: x.end })),
      why: {
        ruleHeld: e.explanation.ruleHeld,
        failedClauses: e.explanation.failedClauses,
        threshold: e.explanation.threshold,
        signals: e.explanation.signals,
      },
    })),
  };
}

/** A ratio for the table: three decimals, or `n/a` when undefined. */
const fmtRatio = (x: number | null): string => (x === null ? 'n/a' : x.toFixed(3));

/** `+0.5 ×2` / `-2` */
const fmtSignal = (s: SignalHit): string =>
  `${s.name ?? s.clause} ${s.weight >= 0 ? '+' : ''}${s.weight}${s.count > 1 ? ` ×${s.count}` : ''}`;

/**
 * Human rendering of an evaluation: a table, then each wrong id with the reason. A miss whose rule failed
 * names the top-level clause(s) that did not hold (for a SENTENCE clause, the closest sentence and what it
 * lacked); a miss whose rule held gives score < threshold and the signals that held; a false match gives its
 * score, signals and evidence.
 */
export function formatEval(r: EvalJson): string {
  const pad = (s: string | number, n: number): string => String(s).padStart(n);
  const lines = [
    `${'topic'.padEnd(22)}${pad('tp', 5)}${pad('fp', 5)}${pad('fn', 5)}${pad('tn', 5)}${pad('prec', 8)}${pad('recall', 8)}${pad('F1', 8)}`,
  ];
  for (const [id, c] of Object.entries(r.topics)) {
    lines.push(
      `${id.padEnd(22)}${pad(c.tp, 5)}${pad(c.fp, 5)}${pad(c.fn, 5)}${pad(c.tn, 5)}${pad(fmtRatio(c.precision), 8)}${pad(fmtRatio(c.recall), 8)}${pad(fmtRatio(c.f1), 8)}`,
    );
  }
  if (r.errors.length) lines.push('', 'errors:');
  for (const e of r.errors) {
    const w = e.why;
    const signals = w.signals.length ? w.signals.map(fmtSignal).join('; ') : 'none';
    if (e.expected && !w.ruleHeld) {
      lines.push(`  ${e.id}  ${e.topic}  missed: the rule failed`);
      for (const f of w.failedClauses) {
        lines.push(`      did not hold: ${f.clause}`);
        if (f.closest)
          lines.push(
            `        closest sentence [${f.closest.field}] has ${f.closest.held.join(', ')}; lacks ${f.closest.missing.join(', ')}: ${f.closest.text}`,
          );
      }
    } else if (e.expected) {
      lines.push(`  ${e.id}  ${e.topic}  missed: the rule held but score ${e.score} < threshold ${w.threshold}`);
      lines.push(`      signals: ${signals}`);
    } else {
      lines.push(`  ${e.id}  ${e.topic}  false match: score ${e.score} >= threshold ${w.threshold}`);
      lines.push(`      signals: ${signals}`);
      for (const ev of e.evidence.slice(0, 3)) lines.push(`      ${ev.clause} [${ev.field}]: ${ev.text}`);
    }
  }
  return lines.join('\n');
}

/** Human rendering of a backtest. */
export function formatBacktest(r: BacktestReport): string {
  const lines = [
    `topic ${r.topic}: ${r.scanned} items scanned, matched before ${r.matchedBefore}, after ${r.matchedAfter}` +
      ` (+${r.gained.length} gained, -${r.lost.length} lost)${r.applied ? `, ${r.retagged} items re-tagged` : ''}`,
  ];
  for (const g of r.gained)
    lines.push(`  + ${g.id}  score ${g.score}  ${g.title}${g.evidence ? `\n      ${g.evidence}` : ''}`);
  for (const l of r.lost) lines.push(`  - ${l.id}  was ${l.previousScore}  ${l.title}`);
  if (!r.applied && (r.gained.length || r.lost.length)) lines.push('(dry run: add --apply to re-tag the stored items)');
  return lines.join('\n');
}

/**
 * Builds the topic list for a backtest: the configured topics with `topicId` replaced by the rule file's
 * content. The rule file is either a bare rule (text; the topic keeps its name, threshold and signals) or
 * YAML with a topic (`rule`, optional `name`, `threshold`, `signals`) and optional `aliases` merged over the
 * configured ones.
 * @throws InputError `unknown_topic` when the topic is unknown and no rule file is given;
 *   ConfigError `rule_invalid` when the rule file is invalid
 */
export function topicsWithRuleFile(
  config: Pick<Config, 'topics' | 'aliases'>,
  topicId: string,
  ruleFile: { path: string; content: string } | null,
): { topics: TopicConfig[]; aliases: AliasConfig } {
  const existing = config.topics.find((t) => t.id === topicId);
  if (!ruleFile) {
    if (!existing)
      throw new InputError(
        'unknown_topic',
        `unknown topic "${topicId}" (known: ${config.topics.map((t) => t.id).join(', ')}); give --rule-file for a new topic`,
      );
    return { topics: config.topics, aliases: config.aliases };
  }
  let doc: unknown;
  try {
    doc = parseYaml(ruleFile.content);
  } catch {
    doc = ruleFile.content;
  }
  let topic: TopicConfig;
  let aliases = config.aliases;
  if (typeof doc === 'string' || doc === null || doc === undefined) {
    const rule = ruleFile.content.trim();
    if (!rule) throw new ConfigError(`${ruleFile.path}: the rule file is empty`, { code: 'rule_invalid' });
    topic = existing ? { ...existing, rule } : { id: topicId, name: topicId, rule };
  } else {
    const o = doc as Record<string, unknown>;
    if (o.aliases !== undefined) {
      const a = aliasesSchema.safeParse(o.aliases);
      if (!a.success)
        throw new ConfigError(`${ruleFile.path}: aliases: ${a.error.issues[0]?.message ?? 'invalid'}`, {
          code: 'rule_invalid',
        });
      aliases = { ...config.aliases, ...a.data };
    }
    const { aliases: _a, ...rest } = o;
    const t = topicSchema.safeParse({ ...(existing ?? { name: topicId }), ...rest, id: topicId });
    if (!t.success) {
      const i = t.error.issues[0];
      throw new ConfigError(`${ruleFile.path}: ${i?.path.join('.') || '(root)'}: ${i?.message ?? 'invalid'}`, {
        code: 'rule_invalid',
      });
    }
    topic = t.data;
  }
  const topics = existing ? config.topics.map((t) => (t.id === topicId ? topic : t)) : [...config.topics, topic];
  return { topics, aliases };
}

/**
 * `wirewatch topics eval --data FILE.jsonl [--topic ID] [--json]` and
 * `wirewatch topics backtest --topic ID [--rule-file F] [--apply] [--json]`.
 * eval: per-topic confusion counts, precision, recall, F1 (n/a when undefined) and the wrong ids with the
 * reason (failed clauses, or score vs threshold and signals) and evidence; exit 0.
 * backtest: runs the (new) rule over the stored items, prints matches gained and lost; `--apply` re-tags
 * (re-tags never alert) and only for a topic of the configuration. Exit 2 for an invalid rule, an unknown
 * topic or `--apply` with a topic the configuration does not have; 3 when the store cannot start.
 */
export function register(program: Command, ctx: CliContext): void {
  const topics = program.command('topics').description('evaluate and backtest topic rules');

  topics
    .command('list')
    .description('list the configured topics (validating every rule)')
    .action(async () => {
      const config = await configOrShipped(ctx);
      const set = compileTopics(config.topics, config.aliases);
      const rows = config.topics.map((t) => ({
        id: t.id,
        name: t.name,
        rule: t.rule,
        threshold: t.threshold ?? 1,
        signals: t.signals?.length ?? 0,
      }));
      ctx.output({ topics: rows }, () => set.topics.map((t) => `${t.id.padEnd(22)}${t.name}`).join('\n'));
    });

  topics
    .command('eval')
    .description('score the topics on labelled JSON Lines ({"id","title","text","labels"})')
    .requiredOption('--data <file>', 'labelled JSONL file (label "none" = no topic)')
    .option('--topic <id...>', 'evaluate only these topics')
    .action(async (o: { data: string; topic?: string[] }) => {
      const config = await configOrShipped(ctx);
      const set = compileTopics(config.topics, config.aliases);
      let text: string;
      try {
        text = await readFile(o.data, 'utf8');
      } catch (err) {
        throw new InputError(
          'input_unreadable',
          `${o.data}: cannot read file (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`,
        );
      }
      const docs = parseLabelledJsonl(text, o.data);
      const ids = o.topic;
      if (ids) {
        const known = new Set(set.topics.map((t) => t.id));
        const bad = ids.find((id) => !known.has(id));
        if (bad)
          throw new InputError('unknown_topic', `--topic ${bad}: no such topic (known: ${[...known].join(', ')})`);
      }
      const report = evaluateTopics(set, docs, ids);
      ctx.output(evalJson(report), (v) => formatEval(v as EvalJson));
    });

  topics
    .command('backtest')
    .description('run a (new) rule over the stored items and show matches gained and lost')
    .requiredOption('--topic <id>', 'topic to test (a new id needs --rule-file)')
    .option('--rule-file <file>', 'the new rule: bare rule text, or YAML {rule, threshold?, signals?, aliases?}')
    .option('--apply', 're-tag the stored items (no alerts are sent for re-tags)', false)
    .action(async (o: { topic: string; ruleFile?: string; apply: boolean }) => {
      let ruleFile: { path: string; content: string } | null = null;
      if (o.ruleFile) {
        try {
          ruleFile = { path: o.ruleFile, content: await readFile(o.ruleFile, 'utf8') };
        } catch (err) {
          throw new InputError(
            'input_unreadable',
            `${o.ruleFile}: cannot read file (${(err as NodeJS.ErrnoException).code ?? describeError(err)})`,
          );
        }
      }
      // compile before opening the store: a bad rule fails fast with exit 2
      const config = await ctx.loadConfig();
      // A re-tag with a topic the configuration does not define would leave stored items tagged with a topic
      // that classification never produces again, the API does not list and no subscription can name.
      if (o.apply && !config.topics.some((t) => t.id === o.topic))
        throw new InputError(
          'unknown_topic',
          `--apply: topic "${o.topic}" is not in the configuration (configured: ${config.topics.map((t) => t.id).join(', ')}); ` +
            'add it to topics: in the config first, or run without --apply to try a new topic',
        );
      const { topics: list, aliases } = topicsWithRuleFile(config, o.topic, ruleFile);
      const set = compileTopics(list, aliases);
      const report = await ctx.withStore(
        async ({ store }) => {
          // Progress on a terminal: items scanned, rate, elapsed (the scan is counted as it streams).
          const started = Date.now();
          let scanned = 0;
          const progress =
            ctx.progress?.(() => {
              const ms = Date.now() - started;
              return `backtest ${o.topic}: ${scanned} items scanned · ${formatRate(scanned, ms)} · ${formatElapsed(ms)}`;
            }) ?? NO_PROGRESS;
          const counted = {
            async *scanItems() {
              for await (const item of store.scanItems()) {
                scanned++;
                yield item;
              }
            },
            retagItem: store.retagItem.bind(store),
          };
          try {
            return await backtestTopic(counted, set, o.topic, { apply: o.apply });
          } finally {
            progress.done();
          }
        },
        { access: o.apply ? 'write' : 'read' },
      );
      ctx.output(report, (v) => formatBacktest(v as BacktestReport));
    });
}
