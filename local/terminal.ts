import { InputError } from '../shared/errors.ts';
import { LOG_FORMATS, type LogFormat } from '../shared/log.ts';

/*
 * What the CLI writes on stderr: log lines, and on a terminal one progress line that is redrawn in place. Logs
 * are JSON lines for machines (stderr piped or redirected, `--json`) and readable lines for people (a terminal);
 * `--log-format` or `WIREWATCH_LOG_FORMAT` overrides the choice. The progress line exists only on a terminal:
 * piped stderr never carries carriage returns or escape sequences.
 */

/** How the CLI writes to stderr. */
export interface TerminalOptions {
  logFormat: LogFormat;
  /** Draw a progress line for long commands (only ever on a terminal). */
  progress: boolean;
  /** ANSI colours in pretty log lines. */
  color: boolean;
}

/**
 * Decides how stderr is written. Pure.
 * - log format: `flag` (`--log-format`), else `env.WIREWATCH_LOG_FORMAT`, else `json` with `--json` or when stderr
 *   is not a terminal, else `pretty`;
 * - progress: only when stderr is a terminal, unless `--no-progress` or `WIREWATCH_PROGRESS=0`;
 * - colour: pretty lines on a terminal, unless `NO_COLOR` is set (no-color.org).
 * @param input.isTTY whether stderr is a terminal (`process.stderr.isTTY`)
 * @throws InputError `bad_option` when the flag or the environment variable names an unknown format
 */
export function resolveTerminal(input: {
  isTTY: boolean;
  json: boolean;
  flag?: string;
  progress?: boolean;
  env?: NodeJS.ProcessEnv;
}): TerminalOptions {
  const env = input.env ?? {};
  const pick = (value: string, where: string): LogFormat => {
    if ((LOG_FORMATS as readonly string[]).includes(value)) return value as LogFormat;
    throw new InputError('bad_option', `${where} must be ${LOG_FORMATS.join(' or ')}, not "${value}"`);
  };
  const logFormat =
    input.flag !== undefined
      ? pick(input.flag, '--log-format')
      : env.WIREWATCH_LOG_FORMAT
        ? pick(env.WIREWATCH_LOG_FORMAT, 'WIREWATCH_LOG_FORMAT')
        : input.json || !input.isTTY
          ? 'json'
          : 'pretty';
  const progressOff = input.progress === false || env.WIREWATCH_PROGRESS === '0';
  return {
    logFormat,
    progress: input.isTTY && !progressOff,
    color: input.isTTY && logFormat === 'pretty' && !env.NO_COLOR,
  };
}

/** A progress line being shown; `done` removes it (call it before printing the result). */
export interface Progress {
  done(): void;
}

/** A progress line that shows nothing (not a terminal, or progress switched off). */
export const NO_PROGRESS: Progress = { done() {} };

/** Erase the current line and return to its start (ECMA-48: CR, then EL with parameter 2). */
const CLEAR_LINE = '\r\x1b[2K';

/**
 * The CLI's stderr: `line` writes one line (a log line); `progress` keeps one status line at the bottom, redrawn
 * in place every `intervalMs` from `render()`, erased before each log line and drawn again after it. Without a
 * terminal (`tty: false`) `progress` draws nothing and never calls `render`.
 */
export class Terminal {
  private status: { render: () => string; timer: NodeJS.Timeout } | null = null;
  private shown = false;

  /**
   * @param write raw sink (stderr)
   * @param opts.tty stderr is a terminal and progress is wanted
   * @param opts.columns terminal width (the status line is cut to fit, so it never wraps); default 80
   */
  constructor(
    private readonly write: (s: string) => void,
    private readonly opts: { tty: boolean; columns?: () => number | undefined },
  ) {}

  /** Writes one line (without its newline); a progress line shown is erased first and drawn again after. */
  line(text: string): void {
    if (!this.shown) {
      this.write(`${text}\n`);
      return;
    }
    this.write(`${CLEAR_LINE}${text}\n`);
    this.draw();
  }

  /**
   * Shows a progress line rendered by `render` at once and then every `intervalMs` (ms), until `done`. One at a
   * time: a second call ends the first.
   */
  progress(render: () => string, intervalMs = 200): Progress {
    if (!this.opts.tty) return NO_PROGRESS;
    this.stop();
    const timer = setInterval(() => this.draw(), intervalMs);
    timer.unref();
    this.status = { render, timer };
    this.draw();
    const mine = this.status;
    return {
      done: () => {
        if (this.status === mine) this.stop();
      },
    };
  }

  private draw(): void {
    if (!this.status) return;
    const width = Math.max(20, (this.opts.columns?.() || 80) - 1);
    const text = this.status.render().replace(/\s+/g, ' ');
    this.write(`${CLEAR_LINE}${text.length > width ? `${text.slice(0, width - 1)}…` : text}`);
    this.shown = true;
  }

  private stop(): void {
    if (!this.status) return;
    clearInterval(this.status.timer);
    this.status = null;
    if (this.shown) this.write(CLEAR_LINE);
    this.shown = false;
  }
}

/** `m:ss` (or `h:mm:ss`) of a duration in ms. */
export function formatElapsed(ms: number): string {
  const total = Math.max(0, Math.floor(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** `12.3/s` for `count` things done in `ms`; `-/s` before a second has passed (a rate would be noise). */
export function formatRate(count: number, ms: number): string {
  if (ms < 1000) return '-/s';
  const r = count / (ms / 1000);
  return `${r >= 100 ? Math.round(r) : r.toFixed(1)}/s`;
}
