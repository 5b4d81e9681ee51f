/**
 * Secrets named in the config, checked before anything runs. wirewatch.yaml never holds a secret: a channel names
 * the environment variable that does (`webhookUrlEnv`, `secretEnv`, `topicArnEnv`). Without this check a missing
 * variable shows up only when the first alert is due — hours after start, as a parked alert — so `serve` and `run`
 * refuse to start instead.
 */
import { DEFAULT_SNS_TOPIC_ENV } from '../alerts/channels.ts';
import { ConfigError } from '../errors.ts';
import type { Config } from './load.ts';

/** One environment variable a channel needs. */
export interface SecretRef {
  channelId: string;
  /** The config key that names it: `webhookUrlEnv`, `secretEnv` or `topicArnEnv` (also when defaulted). */
  key: 'webhookUrlEnv' | 'secretEnv' | 'topicArnEnv';
  /** The environment variable, e.g. `SLACK_WEBHOOK_URL`. */
  envName: string;
}

/**
 * Every environment variable the configured channels read at delivery time (all channels, whether a subscription
 * uses them yet or not: a channel in the file is meant to work). The console channel and email (SMTP without
 * authentication) need none; `api.cursorKeyEnv` is optional (a random per-process key is used without it).
 * @param config a resolved config
 * @returns the references, in channel order
 */
export function secretRefs(config: Pick<Config, 'channels'>): SecretRef[] {
  const refs: SecretRef[] = [];
  for (const c of config.channels) {
    if (c.type === 'slack') refs.push({ channelId: c.id, key: 'webhookUrlEnv', envName: c.webhookUrlEnv });
    else if (c.type === 'webhook') refs.push({ channelId: c.id, key: 'secretEnv', envName: c.secretEnv });
    else if (c.type === 'sns') {
      refs.push({ channelId: c.id, key: 'topicArnEnv', envName: c.topicArnEnv ?? DEFAULT_SNS_TOPIC_ENV });
    }
  }
  return refs;
}

/**
 * The secrets the config names that `env` does not hold (unset or empty), one sentence each:
 * `wirewatch.yaml: channel team-slack: webhookUrlEnv names SLACK_WEBHOOK_URL, which is not set in the environment`.
 * @param config a resolved config (its `source` names the file)
 * @param env the environment to check (default `process.env`)
 * @returns the problems; empty when every secret is present
 */
export function missingSecrets(
  config: Pick<Config, 'channels' | 'source'>,
  env: NodeJS.ProcessEnv = process.env,
): string[] {
  return secretRefs(config)
    .filter((r) => !env[r.envName])
    .map(
      (r) =>
        `${config.source}: channel ${r.channelId}: ${r.key} names ${r.envName}, which is not set in the environment`,
    );
}

/**
 * Throws when a secret the config names is missing — for commands that poll and alert (`serve`, `run`), before
 * they start. The CLI maps the error to exit code 2 (bad config).
 * @throws ConfigError `config_secret_missing`, one line per missing variable
 */
export function assertSecretsPresent(
  config: Pick<Config, 'channels' | 'source'>,
  env: NodeJS.ProcessEnv = process.env,
): void {
  const missing = missingSecrets(config, env);
  if (missing.length > 0) {
    throw new ConfigError(
      `${missing.join('\n')}\nset ${missing.length === 1 ? 'it' : 'them'} before starting (secrets are never read from the file)`,
      {
        code: 'config_secret_missing',
      },
    );
  }
}
