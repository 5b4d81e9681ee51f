/**
 * Structured logging to stderr (stdout is reserved for `--json` machine output): JSON lines, or on a terminal one
 * readable line per record (`formatPretty`; the CLI decides which, see local/terminal.ts).
 * Fixed key vocabulary (STYLE.md): feedId, feedUrl, entryUrl, itemId, topicId, stage, durationMs, errorCode.
 * In Lambda the handlers use Powertools Logger, which writes the same shape to stdout for CloudWatch.
 */
export type LogLevel = 'debug' | 'info' | 'warn' | 'error';

export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger whose lines all carry `fields` as well. */
  child(fields: Record<string, unknown>): Logger;
}

const order: Record<LogLevel, number> = { debug: 10, info: 20, warn: 30, error: 40 };

/** How a log line is written: one JSON object (machines, CloudWatch) or one readable line (a terminal). */
export type LogFormat = 'json' | 'pretty';

/** The formats `createLogger` writes. */
export const LOG_FORMATS: readonly LogFormat[] = ['json', 'pretty'];

/** One log record as the JSON format writes it: `level`, `time` (ISO-8601 UTC), `message`, then the fields. */
export interface LogRecord {
  level: LogLevel;
  time: string;
  message: string;
  [field: string]: unknown;
}

/** Fields the pretty format shows first, in this order (the rest follow in the order they were given). */
const PRETTY_FIRST = ['feedId', 'itemId', 'topicId', 'entryUrl', 'errorCode', 'durationMs'];
/** Fields the pretty format leaves out: the correlation id only matters when lines are searched by machine. */
const PRETTY_HIDDEN = new Set(['correlationId']);
/** Longest value the pretty format shows, characters (longer ones end in `…`). */
const PRETTY_VALUE_MAX = 120;

const SGR = { reset: '\x1b[0m', dim: '\x1b[2m', red: '\x1b[31m', yellow: '\x1b[33m', cyan: '\x1b[36m' };
const levelColor: Record<LogLevel, string> = { debug: SGR.dim, info: SGR.cyan, warn: SGR.yellow, error: SGR.red };

/** A field value for the pretty format: bare when it has no spaces, quotes or `=`; else JSON (quoted, escaped). */
function prettyValue(value: unknown): string {
  let text: string;
  if (typeof value === 'string') text = /^[^\s"'=]+$/u.test(value) ? value : JSON.stringify(value);
  else if (value === undefined) text = 'undefined';
  else if (value instanceof Error) text = JSON.stringify(value.message);
  else text = typeof value === 'object' && value !== null ? JSON.stringify(value) : String(value);
  return text.length > PRETTY_VALUE_MAX ? `${text.slice(0, PRETTY_VALUE_MAX - 1)}…` : text;
}

/**
 * Renders one record as one readable line: `HH:MM:SS LEVEL stage message key=value …` (time of day in UTC from
 * `time`; level upper case, padded to 5; `stage` padded to 8 when present; `feedId`, `itemId`, `topicId`,
 * `entryUrl`, `errorCode`, `durationMs` first, then the other fields; `correlationId` left out). A line break in the
 * message is shown as `⏎`, so a record is always one line. Pure.
 * @param opts.color ANSI colours (SGR) for the level, time and keys
 */
export function formatPretty(record: LogRecord, opts: { color?: boolean } = {}): string {
  const { level, time, message, stage, ...fields } = record;
  const paint = (code: string, text: string) => (opts.color ? `${code}${text}${SGR.reset}` : text);
  const clock = /T(\d\d:\d\d:\d\d)/.exec(time)?.[1] ?? time;
  const parts = [paint(SGR.dim, clock), paint(levelColor[level] ?? '', level.toUpperCase().padEnd(5))];
  if (stage !== undefined && stage !== null && stage !== '') parts.push(String(stage).padEnd(8));
  parts.push(message.replace(/\r?\n/g, ' ⏎ '));
  const keys = [
    ...PRETTY_FIRST.filter((k) => k in fields),
    ...Object.keys(fields).filter((k) => !PRETTY_FIRST.includes(k)),
  ].filter((k) => !PRETTY_HIDDEN.has(k) && fields[k] !== undefined);
  const kv = keys.map((k) => `${paint(SGR.dim, `${k}=`)}${prettyValue(fields[k])}`);
  return kv.length > 0 ? `${parts.join(' ')}  ${kv.join(' ')}` : parts.join(' ');
}

/**
 * Creates a logger writing one line per record: JSON `{"level","time"(ISO-8601 UTC),"message",...fields}` by
 * default, or `formatPretty` lines.
 * @param options.level minimum level (default from `WIREWATCH_LOG_LEVEL`, else `info`)
 * @param options.write sink (default: `process.stderr`)
 * @param options.format `json` (default) or `pretty`; a function is asked at every line (the CLI decides once its
 *   options are parsed)
 * @param options.color ANSI colours in the pretty format (default false)
 */
export function createLogger(
  options: {
    level?: LogLevel;
    write?: (line: string) => void;
    fields?: Record<string, unknown>;
    format?: LogFormat | (() => LogFormat);
    color?: boolean | (() => boolean);
  } = {},
): Logger {
  const level = options.level ?? (process.env.WIREWATCH_LOG_LEVEL as LogLevel | undefined) ?? 'info';
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const base = options.fields ?? {};
  const { format, color } = options;
  const emit = (lvl: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < (order[level] ?? 20)) return;
    const record: LogRecord = { level: lvl, time: new Date().toISOString(), message, ...base, ...fields };
    const fmt = typeof format === 'function' ? format() : (format ?? 'json');
    if (fmt === 'pretty') write(formatPretty(record, { color: typeof color === 'function' ? color() : color }));
    else write(JSON.stringify(record));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ level, write, format, color, fields: { ...base, ...fields } }),
  };
}

/** A logger that drops everything (tests, library defaults). */
export const silentLogger: Logger = {
  debug() {},
  info() {},
  warn() {},
  error() {},
  child() {
    return silentLogger;
  },
};
