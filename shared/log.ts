/**
 * Structured JSON logging to stderr (stdout is reserved for `--json` machine output).
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

/**
 * Creates a logger writing one JSON object per line: `{"level","time"(ISO-8601 UTC),"message",...fields}`.
 * @param options.level minimum level (default from `WIREWATCH_LOG_LEVEL`, else `info`)
 * @param options.write sink (default: `process.stderr`)
 */
export function createLogger(
  options: { level?: LogLevel; write?: (line: string) => void; fields?: Record<string, unknown> } = {},
): Logger {
  const level = options.level ?? (process.env.WIREWATCH_LOG_LEVEL as LogLevel | undefined) ?? 'info';
  const write = options.write ?? ((line: string) => process.stderr.write(`${line}\n`));
  const base = options.fields ?? {};
  const emit = (lvl: LogLevel, message: string, fields?: Record<string, unknown>) => {
    if (order[lvl] < (order[level] ?? 20)) return;
    write(JSON.stringify({ level: lvl, time: new Date().toISOString(), message, ...base, ...fields }));
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warn', m, f),
    error: (m, f) => emit('error', m, f),
    child: (fields) => createLogger({ level, write, fields: { ...base, ...fields } }),
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
