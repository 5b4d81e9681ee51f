import type { Command } from 'commander';
import type { Config } from '../shared/config/load.ts';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { Logger } from '../shared/log.ts';
import type { Store } from '../shared/store/index.ts';
import type { StoreAccess } from './embedded-store.ts';
import type { Progress } from './terminal.ts';

/** Global CLI options. */
export interface GlobalOptions {
  /** Path to wirewatch.yaml (default `./wirewatch.yaml`, env `WIREWATCH_CONFIG`). */
  config: string;
  /** Embedded store directory (default `.wirewatch/data`). */
  dataDir: string;
  /** Machine output on stdout; logs stay on stderr as JSON. */
  json: boolean;
  /** Throwaway in-memory store instead of `dataDir`. */
  memory: boolean;
}

/**
 * What every command module gets. Commands live in `local/commands/<name>.ts` and export
 * `register(program, ctx)`; `local/cli.ts` lists them.
 */
export interface CliContext {
  globals(): GlobalOptions;
  /** Loads and validates the config named by `--config`. @throws ConfigError */
  loadConfig(): Promise<Config>;
  /**
   * Like `loadConfig`, for commands that need no feeds (`feed`, `extract`, `classify`): when no config was named
   * (no `--config`, no `WIREWATCH_CONFIG`) and `./wirewatch.yaml` does not exist, the defaults and shipped topics.
   * A config that was named but is missing is still an error. @throws ConfigError
   */
  loadConfigOrDefaults(): Promise<Config>;
  logger: Logger;
  /**
   * Shows a progress line on stderr, redrawn from `render()` while the command works, when stderr is a terminal
   * (else nothing: `render` is never called). Call `done()` before writing the result. Absent in hand-built test
   * contexts (no progress).
   */
  progress?(render: () => string): Progress;
  /**
   * Writes one line on stderr (without its newline) around the progress line, e.g. console-channel alerts during
   * `run`. Absent in hand-built test contexts (then write to stderr directly).
   */
  note?(line: string): void;
  /** Writes a result: JSON on stdout with `--json`, else `human(value)` (or pretty JSON). */
  output(value: unknown, human?: (value: unknown) => string): void;
  /**
   * Opens the embedded store (dynalite under `--data-dir`, or in memory with `--memory`), runs `fn`, closes it.
   * The table is created (with its indexes) if missing before `fn` runs; `store` is the store layer on it, built
   * from the config's `store:` section.
   * `opts.access`: `write` (default) takes the data dir's lock; `read` never writes to the data dir (it serves a
   * snapshot, and writes through the client are refused) — for commands that only read.
   * @throws StoreError `store_unavailable` when the store cannot start, is locked by a live process, or its data dir
   *   does not open cleanly (exit 3)
   */
  withStore<T>(
    fn: (deps: { client: DynamoDBClient; config: Config; store: Store }) => Promise<T>,
    opts?: { access?: StoreAccess },
  ): Promise<T>;
  /** Sets the exit code for a failed command without throwing. */
  fail(code: number): void;
}

/** The shape of a command module. */
export type RegisterCommand = (program: Command, ctx: CliContext) => void;
