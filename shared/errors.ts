/**
 * The one error family of wirewatch. Every failure the pipeline can meet is a `WirewatchError`
 * with a stable machine `code` and a `retryable` flag; retry policy reads `retryable`, never the message.
 * Modelled on Powertools' per-package error module (a base class, a subclass per family, `cause` kept).
 */
export class WirewatchError extends Error {
  /** Stable snake_case code, e.g. `blocked_address`, `config_invalid`. Part of the public interface. */
  readonly code: string;
  /** True when trying the same operation later may succeed (timeouts, 429, 5xx, throttling). */
  readonly retryable: boolean;

  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'WirewatchError';
    this.code = code;
    this.retryable = options.retryable ?? false;
  }

  /** `{code, message}` as API responses and `--json` error output show it (no stack, no internals). */
  toJSON(): { code: string; message: string } {
    return { code: this.code, message: this.message };
  }
}

/** Thrown at load when `wirewatch.yaml` (or a rule inside it) is invalid. Never retryable. */
export class ConfigError extends WirewatchError {
  constructor(message: string, options: { code?: string; cause?: unknown } = {}) {
    super(options.code ?? 'config_invalid', message, { retryable: false, cause: options.cause });
    this.name = 'ConfigError';
  }
}

/** Thrown for bad caller input (CLI arguments, API parameters, queue message bodies). */
export class InputError extends WirewatchError {
  constructor(code: string, message: string, options: { cause?: unknown } = {}) {
    super(code, message, { retryable: false, cause: options.cause });
    this.name = 'InputError';
  }
}

/** Thrown when the store (DynamoDB or the embedded dynalite) cannot be reached or refuses a request. */
export class StoreError extends WirewatchError {
  constructor(code: string, message: string, options: { retryable?: boolean; cause?: unknown } = {}) {
    super(code, message, options);
    this.name = 'StoreError';
  }
}

/** Human-readable one-line description of any thrown value, for logs and `lastError` fields. */
export function describeError(err: unknown): string {
  if (err instanceof WirewatchError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
