import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml, YAMLParseError } from 'yaml';
import type { z } from 'zod';
import { ConfigError } from '../errors.ts';
import type { FeedInterval, FeedSource } from '../types.ts';
import { cronPeriodMs, formatDuration, parseDuration } from '../feeds/interval.ts';
import { configSchema, type RawConfig } from './schema.ts';
import { knownKeysAt, nearestKey } from './strict.ts';
import type { AliasConfig, TopicConfig } from '../topics/config-schema.ts';
import type { ChannelConfig, SubscriptionConfig } from '../alerts/config-schema.ts';

/**
 * Path of the shipped topic set (data, not code). Bundled Lambdas set `WIREWATCH_SHIPPED_TOPICS` to the copy
 * placed beside the bundle, since `import.meta.url` then points into the bundle.
 */
export function shippedTopicsPath(): string {
  return process.env.WIREWATCH_SHIPPED_TOPICS ?? fileURLToPath(new URL('../topics/shipped.yaml', import.meta.url));
}

/**
 * Validated configuration with everything resolved: feed ids assigned, shipped topics merged,
 * the always-available console channel and default subscription added.
 */
export interface Config extends Omit<RawConfig, 'feeds' | 'topics' | 'aliases' | 'subscriptions'> {
  /** Where it came from (for messages); `<inline>` when built from an object. */
  source: string;
  feeds: FeedSource[];
  aliases: AliasConfig;
  topics: TopicConfig[];
  channels: ChannelConfig[];
  subscriptions: Array<SubscriptionConfig & { id: string }>;
}

/** Stable id for a feed URL: `f_` + the first 12 hex chars of sha256(url). */
export function feedIdFor(url: string): string {
  return `f_${createHash('sha256').update(url).digest('hex').slice(0, 12)}`;
}

/** Renders a zod issue path as `feeds[2].url`. */
export function formatPath(path: ReadonlyArray<PropertyKey>): string {
  let out = '';
  for (const part of path) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out ? `.${String(part)}` : String(part);
  }
  return out || '(root)';
}

/**
 * One line per problem: `<source>: <path>: <message>`. An unknown key gets its own line with its full path, and
 * the nearest known key when it looks like a typo (`http.allowHost: unknown key; did you mean \`allowHosts\`?`),
 * else the keys accepted there.
 */
function zodToConfigError(
  source: string,
  err: z.ZodError,
  doc: unknown,
  schema: z.ZodType = configSchema,
): ConfigError {
  const lines = err.issues.flatMap((i) => {
    if (i.code !== 'unrecognized_keys') return [`${source}: ${formatPath(i.path)}: ${i.message}`];
    const known = knownKeysAt(schema, doc, i.path) ?? [];
    return i.keys.map((key) => {
      const near = nearestKey(key, known);
      const hint = near
        ? `did you mean \`${near}\`?`
        : known.length
          ? `expected one of ${known.map((k) => `\`${k}\``).join(', ')}`
          : '';
      return `${source}: ${formatPath([...i.path, key])}: unknown key${hint ? `; ${hint}` : ''}`;
    });
  });
  return new ConfigError(lines.join('\n'));
}

/**
 * A YAML syntax error as `<file>:<line>:<col>: not valid YAML: <reason>`, followed by the line before, the
 * offending line and a caret under the column (tabs kept, so the caret lines up).
 */
function yamlErrorMessage(file: string, text: string, err: unknown): string {
  const reason = ((err as Error).message.split('\n')[0] ?? '').replace(/ at line \d+, column \d+:?$/, '');
  if (!(err instanceof YAMLParseError) || !err.linePos) return `${file}: not valid YAML: ${reason}`;
  const { line, col } = err.linePos[0];
  const lines = text.split(/\r\n|\r|\n/);
  const width = String(line).length;
  const frame: string[] = [];
  if (line >= 2) frame.push(`  ${String(line - 1).padStart(width)} | ${lines[line - 2] ?? ''}`);
  const src = lines[line - 1] ?? '';
  frame.push(`  ${String(line).padStart(width)} | ${src}`);
  const pad = src.slice(0, Math.max(0, col - 1)).replace(/[^\t]/g, ' ');
  frame.push(`  ${' '.repeat(width)} | ${pad}^`);
  return `${file}:${line}:${col}: not valid YAML: ${reason}\n${frame.join('\n')}`;
}

/** Ceiling of an adaptive interval when neither the feed nor `polling:` sets one, ms. */
export const DEFAULT_MAX_INTERVAL_MS = 6 * 3600_000;

/**
 * A feed's interval from its own keys, else `polling:`'s, else the schedule's period (`tickMs`). Durations were
 * validated by the schema.
 * @throws ConfigError naming `where` for `minInterval`/`maxInterval` on a fixed interval, or a floor above the ceiling
 */
function resolveInterval(
  feed: { interval?: string; minInterval?: string; maxInterval?: string },
  polling: { interval?: string; minInterval?: string; maxInterval?: string },
  tickMs: number,
  where: string,
): FeedInterval {
  const ms = (text: string) => parseDuration(text) as number;
  const interval = feed.interval ?? polling.interval;
  if (interval !== 'adaptive') {
    const fixedMs = interval === undefined ? tickMs : ms(interval);
    const stray =
      feed.minInterval !== undefined ? 'minInterval' : feed.maxInterval !== undefined ? 'maxInterval' : null;
    if (stray)
      throw new ConfigError(
        `${where}.${stray}: only with interval: adaptive (this feed polls every ${formatDuration(fixedMs)})`,
      );
    return { mode: 'fixed', ms: fixedMs, tickMs };
  }
  const min = feed.minInterval ?? polling.minInterval;
  const max = feed.maxInterval ?? polling.maxInterval;
  const minMs = min !== undefined ? ms(min) : tickMs;
  const maxMs = max !== undefined ? ms(max) : Math.max(DEFAULT_MAX_INTERVAL_MS, minMs);
  if (minMs > maxMs)
    throw new ConfigError(
      `${where}: minInterval ${formatDuration(minMs)} is longer than maxInterval ${formatDuration(maxMs)}`,
    );
  return { mode: 'adaptive', minMs, maxMs, tickMs };
}

let shippedCache: { aliases: AliasConfig; topics: TopicConfig[] } | undefined;

/** Loads the shipped aliases and topics (`shared/topics/shipped.yaml`). @throws ConfigError if it is invalid. */
export async function loadShippedTopics(): Promise<{ aliases: AliasConfig; topics: TopicConfig[] }> {
  if (shippedCache) return shippedCache;
  const path = shippedTopicsPath();
  const text = await readFile(path, 'utf8');
  const doc = parseYaml(text) as unknown;
  const parsed = configSchema.pick({ aliases: true, topics: true }).safeParse(doc);
  if (!parsed.success) throw zodToConfigError(path, parsed.error, doc);
  shippedCache = { aliases: parsed.data.aliases ?? {}, topics: parsed.data.topics ?? [] };
  return shippedCache;
}

/**
 * Validates a config object and resolves it (defaults, feed ids, shipped topics merged by id, console channel).
 * @param doc the parsed YAML document (any shape)
 * @param source file name used in error messages
 * @throws ConfigError naming `source`, the path (`feeds[2].url`) and the problem
 */
export async function resolveConfig(doc: unknown, source = '<inline>'): Promise<Config> {
  const parsed = configSchema.safeParse(doc ?? {});
  if (!parsed.success) throw zodToConfigError(source, parsed.error, doc ?? {});
  const raw = parsed.data;
  const shipped = await loadShippedTopics();

  const tickMs = cronPeriodMs(raw.schedule);
  const feeds: FeedSource[] = raw.feeds.map((f, i) => ({
    id: f.id ?? feedIdFor(f.url),
    url: f.url,
    name: f.name ?? null,
    interval: resolveInterval(f, raw.polling ?? {}, tickMs, `${source}: feeds[${i}]`),
  }));
  const seen = new Map<string, number>();
  feeds.forEach((f, i) => {
    const prev = seen.get(f.id);
    if (prev !== undefined) throw new ConfigError(`${source}: feeds[${i}]: duplicate of feeds[${prev}] (id ${f.id})`);
    seen.set(f.id, i);
  });

  const aliases: AliasConfig = { ...shipped.aliases, ...(raw.aliases ?? {}) };
  const topicsById = new Map(shipped.topics.map((t) => [t.id, t] as const));
  for (const t of raw.topics ?? []) topicsById.set(t.id, t);
  const topics = [...topicsById.values()];

  const channels: ChannelConfig[] = raw.channels.some((c) => c.id === 'console')
    ? raw.channels
    : [{ id: 'console', type: 'console' }, ...raw.channels];
  const channelIds = new Set(channels.map((c) => c.id));
  const topicIds = new Set(topics.map((t) => t.id));
  const subsIn: SubscriptionConfig[] = raw.subscriptions ?? [
    { topics: ['*'], channel: 'console', mode: 'realtime', minScore: 0, updates: 'material' },
  ];
  const subscriptions = subsIn.map((s, i) => {
    if (!channelIds.has(s.channel)) {
      throw new ConfigError(`${source}: subscriptions[${i}].channel: unknown channel "${s.channel}"`);
    }
    s.topics.forEach((t, j) => {
      if (t !== '*' && !topicIds.has(t)) {
        throw new ConfigError(`${source}: subscriptions[${i}].topics[${j}]: unknown topic "${t}"`);
      }
    });
    return { ...s, id: s.id ?? `${s.channel}:${s.topics.join('+')}:${s.mode}` };
  });

  const { feeds: _f, topics: _t, aliases: _a, subscriptions: _s, ...rest } = raw;
  return { ...rest, source, feeds, aliases, topics, channels, subscriptions };
}

/**
 * Reads and validates `wirewatch.yaml`.
 * @param file path to the YAML file
 * @throws ConfigError when the file is missing (`config_missing`), is not YAML (message: `file:line:col`, the line
 *   and a caret under the column), or fails validation (message names file and path; unknown keys at any depth
 *   are errors, with the nearest known key suggested)
 */
export async function loadConfig(file: string): Promise<Config> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`${file}: cannot read config file (${(err as NodeJS.ErrnoException).code ?? String(err)})`, {
      code: 'config_missing',
      cause: err,
    });
  }
  let doc: unknown;
  try {
    doc = parseYaml(text);
  } catch (err) {
    throw new ConfigError(yamlErrorMessage(file, text, err), { cause: err });
  }
  return resolveConfig(doc, file);
}
