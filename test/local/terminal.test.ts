/**
 * The CLI's stderr as pure parts: the pretty log line, the decision between JSON and pretty lines and whether a
 * progress line is drawn, and the progress line's redraw around log lines.
 */
import { describe, expect, it } from 'vitest';
import { createLogger, formatPretty, type LogRecord } from '../../shared/log.ts';
import { formatCycleProgress } from '../../local/commands/run.ts';
import { formatElapsed, formatRate, resolveTerminal, Terminal } from '../../local/terminal.ts';

const CLEAR = '\r\x1b[2K';

describe('formatPretty', () => {
  const record: LogRecord = {
    level: 'warn',
    time: '2026-12-04T09:05:07.123Z',
    message: 'feed failed: http_error: HTTP 503',
    stage: 'poll',
    correlationId: 'c_0123456789abcdef',
    feedUrl: 'https://feeds.example.org/world.rss',
    consecutiveFailures: 2,
    durationMs: 41,
    feedId: 'f_abc',
  };

  it('is one line: time of day, level, stage, message, the key fields first, no correlation id', () => {
    expect(formatPretty(record)).toBe(
      '09:05:07 WARN  poll     feed failed: http_error: HTTP 503  feedId=f_abc durationMs=41 ' +
        'feedUrl=https://feeds.example.org/world.rss consecutiveFailures=2',
    );
  });

  it('quotes values with spaces, shows objects as JSON, cuts long values, keeps line breaks out', () => {
    const line = formatPretty({
      level: 'info',
      time: '2026-12-04T23:59:59.000Z',
      message: 'two\nlines',
      reason: 'http 404',
      summary: { feeds: { total: 2 } },
      long: 'x'.repeat(300),
      missing: undefined,
    });
    expect(line).toBe(
      `23:59:59 INFO  two ⏎ lines  reason="http 404" summary={"feeds":{"total":2}} long=${'x'.repeat(119)}…`,
    );
    expect(line).not.toContain('\n');
  });

  it('colours level, time and keys only when asked', () => {
    expect(formatPretty(record)).not.toContain('\x1b[');
    const coloured = formatPretty(record, { color: true });
    expect(coloured).toContain('\x1b[33mWARN ');
    expect(coloured.replaceAll('\x1b[', '[').replace(/\[\d+m/g, '')).toBe(formatPretty(record));
  });

  it('createLogger writes pretty lines when the format says so, asked again at every line', () => {
    const lines: string[] = [];
    let format: 'json' | 'pretty' = 'json';
    const log = createLogger({ level: 'debug', write: (l) => lines.push(l), format: () => format }).child({
      stage: 'alerts',
    });
    log.info('alert sent', { topicId: 'china-russia' });
    format = 'pretty';
    log.info('alert sent', { topicId: 'china-russia' });
    expect(JSON.parse(lines[0]!)).toMatchObject({ level: 'info', message: 'alert sent', stage: 'alerts' });
    expect(lines[1]).toMatch(/^\d\d:\d\d:\d\d INFO {2}alerts {3}alert sent {2}topicId=china-russia$/);
  });
});

describe('resolveTerminal', () => {
  it('pretty lines and progress on a terminal; JSON and no progress when stderr is not one', () => {
    expect(resolveTerminal({ isTTY: true, json: false })).toEqual({ logFormat: 'pretty', progress: true, color: true });
    expect(resolveTerminal({ isTTY: false, json: false })).toEqual({
      logFormat: 'json',
      progress: false,
      color: false,
    });
  });

  it('--json keeps JSON logs on a terminal; the flag, then the environment, override the default', () => {
    expect(resolveTerminal({ isTTY: true, json: true }).logFormat).toBe('json');
    expect(resolveTerminal({ isTTY: false, json: false, flag: 'pretty' })).toEqual({
      logFormat: 'pretty',
      progress: false,
      color: false,
    });
    const env = { WIREWATCH_LOG_FORMAT: 'json' };
    expect(resolveTerminal({ isTTY: true, json: false, env }).logFormat).toBe('json');
    expect(resolveTerminal({ isTTY: true, json: false, env, flag: 'pretty' }).logFormat).toBe('pretty');
  });

  it('progress never without a terminal, and off by flag or WIREWATCH_PROGRESS=0; NO_COLOR drops colours', () => {
    expect(resolveTerminal({ isTTY: false, json: false, env: { WIREWATCH_PROGRESS: '1' } }).progress).toBe(false);
    expect(resolveTerminal({ isTTY: true, json: false, progress: false }).progress).toBe(false);
    expect(resolveTerminal({ isTTY: true, json: false, env: { WIREWATCH_PROGRESS: '0' } }).progress).toBe(false);
    expect(resolveTerminal({ isTTY: true, json: false, env: { NO_COLOR: '1' } })).toEqual({
      logFormat: 'pretty',
      progress: true,
      color: false,
    });
  });

  it('an unknown format is a usage error naming where it came from', () => {
    expect(() => resolveTerminal({ isTTY: true, json: false, flag: 'xml' })).toThrow(
      '--log-format must be json or pretty, not "xml"',
    );
    expect(() => resolveTerminal({ isTTY: true, json: false, env: { WIREWATCH_LOG_FORMAT: 'text' } })).toThrow(
      /WIREWATCH_LOG_FORMAT must be json or pretty/,
    );
  });
});

describe('Terminal', () => {
  it('without a terminal a progress line is never rendered nor written', () => {
    let out = '';
    let rendered = 0;
    const t = new Terminal((s) => (out += s), { tty: false });
    const p = t.progress(() => `frame ${++rendered}`);
    t.line('a log line');
    p.done();
    expect(rendered).toBe(0);
    expect(out).toBe('a log line\n');
  });

  it('on a terminal the progress line is erased before a log line and drawn again after it; done erases it', () => {
    let out = '';
    let n = 0;
    const t = new Terminal((s) => (out += s), { tty: true, columns: () => 30 });
    const p = t.progress(() => `step ${++n} ${'.'.repeat(40)}`, 60_000);
    t.line('log one');
    p.done();
    t.line('after');
    const frame = (k: number) => `${`step ${k} ${'.'.repeat(40)}`.slice(0, 28)}…`;
    expect(out).toBe(`${CLEAR}${frame(1)}${CLEAR}log one\n${CLEAR}${frame(2)}${CLEAR}after\n`);
  });

  it('elapsed and rate read as people read them', () => {
    expect(formatElapsed(0)).toBe('0:00');
    expect(formatElapsed(61_500)).toBe('1:01');
    expect(formatElapsed(3_723_000)).toBe('1:02:03');
    expect(formatRate(5, 500)).toBe('-/s');
    expect(formatRate(5, 2000)).toBe('2.5/s');
    expect(formatRate(1000, 2000)).toBe('500/s');
  });

  it('the cycle progress line counts feeds, articles processed and queued, alerts, and elapsed time', () => {
    const p = {
      startedAt: 1_000,
      feeds: { scheduled: 40, polled: 12, queued: 28 },
      articles: { processed: 30, queued: 12 },
      alerts: { sent: 1, deferred: 2 },
    };
    expect(formatCycleProgress(p, 13_000, 40)).toBe(
      'feeds 12/40 polled · articles 30 processed (2.5/s), 12 queued · alerts 1 sent, 2 to digest · 0:12',
    );
    // Before scheduling finished the total is the number of configured feeds.
    expect(formatCycleProgress({ ...p, feeds: { scheduled: 0, polled: 0, queued: 3 } }, 1_000, 7)).toMatch(
      /^feeds 0\/7 polled/,
    );
  });
});
