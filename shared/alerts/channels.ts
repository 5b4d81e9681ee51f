import { PublishCommand, type SNSClient } from '@aws-sdk/client-sns';
import { SendEmailCommand, type SESv2Client } from '@aws-sdk/client-sesv2';
import { GetSecretValueCommand, type SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import nodemailer, { type Transporter } from 'nodemailer';
import { WirewatchError, describeError } from '../errors.ts';
import type { ChannelConfig } from './config-schema.ts';
import { AlertError } from './errors.ts';
import {
  consoleAlert,
  emailAlert,
  emailDigest,
  jsonPayload,
  oneLine,
  slackAlert,
  slackDigest,
  snsSubject,
  type EmailMessage,
} from './render.ts';
import { IDEMPOTENCY_HEADER, SIGNATURE_HEADER, TIMESTAMP_HEADER, signWebhook } from './signature.ts';
import type { AlertContent, AlertHttp, AlertHttpResponse } from './types.ts';

/** One message to send on one channel: a single alert, or a digest of several. */
export interface OutgoingMessage {
  kind: 'alert' | 'digest';
  /** One element for `alert`; one or more for `digest`. */
  alerts: AlertContent[];
  subscriptionId: string;
  /** Stable across re-deliveries: the alert key for alerts, `digest:<subscriptionId>:<hash>` for digests. */
  idempotencyKey: string;
  /** For an update alert: the key of the story's first alert, so email threads under it (In-Reply-To). */
  threadKey?: string;
  /** How it goes out (console prefix): `realtime`, `digest` or `retry`. */
  via: 'realtime' | 'digest' | 'retry';
  /** Human label of a digest (its schedule); empty for alerts. */
  label: string;
  /** ISO-8601 UTC send time. */
  sentAt: string;
}

/** A configured channel, ready to send. */
export interface ChannelSender {
  id: string;
  type: ChannelConfig['type'];
  /**
   * Sends one message (one attempt, no retry: see `deliverWithRetry`).
   * @throws AlertError `channel_misconfigured` | `channel_rejected` | `rate_limited` | `channel_unavailable` | `channel_error`
   */
  send(msg: OutgoingMessage): Promise<void>;
  /** Releases pooled connections (SMTP). Idempotent. */
  close(): void;
}

/** What channel senders use from the alerter's deps. */
export interface ChannelDeps {
  http: AlertHttp;
  sns?: SNSClient;
  ses?: SESv2Client;
  env: NodeJS.ProcessEnv;
  consoleWrite: (line: string) => void;
  /** Resolves env values that are Secrets Manager ARNs (AWS runtime). */
  secrets?: SecretsManagerClient;
  now: () => Date;
}

/** How long a secret fetched from Secrets Manager is reused, ms. */
const SECRET_TTL_MS = 5 * 60_000;

/** Default SNS topic env var (set on the fan-out Lambda by the CDK stack). */
export const DEFAULT_SNS_TOPIC_ENV = 'WIREWATCH_ALERTS_TOPIC_ARN';

/**
 * Parses `Retry-After` (RFC 9110 §10.2.3): delay-seconds or an HTTP-date.
 * @returns ms to wait (≥ 0), or null when absent/unparseable
 */
export function parseRetryAfter(value: string | string[] | undefined, now: Date = new Date()): number | null {
  const v = (Array.isArray(value) ? value[0] : value)?.trim();
  if (!v) return null;
  if (/^\d+$/.test(v)) return Number(v) * 1000;
  const t = Date.parse(v);
  if (Number.isNaN(t)) return null;
  return Math.max(0, t - now.getTime());
}

/**
 * Maps a non-2xx HTTP answer to an AlertError: 429 → `rate_limited` (with Retry-After), 408/5xx →
 * `channel_unavailable` (retryable; 503's Retry-After kept), other → `channel_rejected` (not retryable).
 */
export function httpStatusError(where: string, res: AlertHttpResponse): AlertError {
  const snippet = oneLine(res.body.subarray(0, 200).toString('utf8'));
  const detail = `${where} answered HTTP ${res.status}${snippet ? `: ${snippet}` : ''}`;
  const retryAfterMs = parseRetryAfter(res.headers['retry-after']);
  if (res.status === 429) return new AlertError('rate_limited', detail, { retryable: true, retryAfterMs });
  if (res.status === 408 || res.status >= 500) {
    return new AlertError('channel_unavailable', detail, { retryable: true, retryAfterMs });
  }
  return new AlertError('channel_rejected', detail, { retryable: false });
}

/** Wraps a transport failure (HttpError, socket error, SMTP error) as `channel_error`, keeping retryability. */
function transportError(where: string, err: unknown, retryable?: boolean): AlertError {
  if (err instanceof AlertError) return err;
  const r = retryable ?? (err instanceof WirewatchError ? err.retryable : true);
  return new AlertError('channel_error', `${where}: ${describeError(err)}`, { retryable: r, cause: err });
}

/** Classifies an AWS SDK v3 error (SNS, SES): throttling and server faults are retryable. */
function awsError(where: string, err: unknown): AlertError {
  const e = err as { name?: string; $fault?: string; $retryable?: unknown; $metadata?: { httpStatusCode?: number } };
  const throttled = /throttl|toomanyrequests|limitexceeded/i.test(e?.name ?? '');
  const retryable =
    throttled || e?.$fault === 'server' || Boolean(e?.$retryable) || (e?.$metadata?.httpStatusCode ?? 0) >= 500;
  const code = throttled ? 'rate_limited' : retryable ? 'channel_unavailable' : 'channel_rejected';
  return new AlertError(code, `${where}: ${e?.name ?? 'Error'}: ${describeError(err)}`, { retryable, cause: err });
}

function requireEnv(env: NodeJS.ProcessEnv, name: string, channelId: string): string {
  const v = env[name];
  if (!v) {
    throw new AlertError('channel_misconfigured', `channel ${channelId}: environment variable ${name} is not set`, {
      retryable: false,
    });
  }
  return v;
}

const secretCache = new WeakMap<SecretsManagerClient, Map<string, { value: string; until: number }>>();

/**
 * Reads a secret-bearing env var (`webhookUrlEnv`, `secretEnv`). A value that is a Secrets Manager ARN
 * (`arn:aws:secretsmanager:…`) is resolved with GetSecretValue (SecretString; cached 5 minutes per client), so the
 * secret itself never sits in the Lambda configuration; any other value is used as is.
 * @throws AlertError `channel_misconfigured` (unset, or an ARN without a Secrets Manager client), or the AWS error class
 */
async function readSecretEnv(deps: ChannelDeps, name: string, channelId: string): Promise<string> {
  const v = requireEnv(deps.env, name, channelId);
  if (!v.startsWith('arn:aws:secretsmanager:')) return v;
  if (!deps.secrets) {
    throw new AlertError(
      'channel_misconfigured',
      `channel ${channelId}: ${name} names a Secrets Manager secret but no client is available`,
    );
  }
  let cache = secretCache.get(deps.secrets);
  if (!cache) {
    cache = new Map();
    secretCache.set(deps.secrets, cache);
  }
  const hit = cache.get(v);
  const now = deps.now().getTime();
  if (hit && hit.until > now) return hit.value;
  let value: string | undefined;
  try {
    value = (await deps.secrets.send(new GetSecretValueCommand({ SecretId: v }))).SecretString;
  } catch (err) {
    throw awsError(`channel ${channelId}: secret ${name}`, err);
  }
  if (!value) throw new AlertError('channel_misconfigured', `channel ${channelId}: secret ${name} has no SecretString`);
  cache.set(v, { value, until: now + SECRET_TTL_MS });
  return value;
}

async function postJson(
  http: AlertHttp,
  where: string,
  url: string,
  body: Buffer,
  headers: Record<string, string>,
): Promise<AlertHttpResponse> {
  let res: AlertHttpResponse;
  try {
    res = await http.request(url, {
      kind: 'webhook',
      method: 'POST',
      headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
      body,
    });
  } catch (err) {
    throw transportError(where, err);
  }
  if (res.status < 200 || res.status >= 300) throw httpStatusError(where, res);
  return res;
}

/** Error classification of nodemailer failures: SMTP 4xx replies and socket errors retry, 5xx replies do not. */
function smtpError(where: string, err: unknown): AlertError {
  const e = err as { responseCode?: number; code?: string };
  const rc = e?.responseCode;
  const retryable = rc === undefined ? true : rc < 500;
  return new AlertError(
    rc !== undefined && rc >= 500 ? 'channel_rejected' : 'channel_error',
    `${where}: ${describeError(err)}`,
    {
      retryable,
      cause: err,
    },
  );
}

/** A Message-ID (RFC 5322 §3.6.4) derived from the idempotency key, so re-sends can be recognised. */
function messageId(key: string): string {
  return `<${key.replace(/[^A-Za-z0-9._-]/g, '.')}@wirewatch.invalid>`;
}

/**
 * Builds the sender of one configured channel. Secrets (env vars) are read on each send, so fixing an env var and
 * running `alerts retry` works without a restart.
 */
export function createChannelSender(channel: ChannelConfig, deps: ChannelDeps): ChannelSender {
  const where = `channel ${channel.id} (${channel.type})`;
  switch (channel.type) {
    case 'console':
      return {
        id: channel.id,
        type: channel.type,
        async send(msg) {
          // one write per alert: the summary line and its evidence lines
          for (const a of msg.alerts) deps.consoleWrite(consoleAlert(a, msg.via));
        },
        close() {},
      };

    case 'slack':
      return {
        id: channel.id,
        type: channel.type,
        async send(msg) {
          const url = await readSecretEnv(deps, channel.webhookUrlEnv, channel.id);
          const first = msg.alerts[0];
          const payload = msg.kind === 'digest' || !first ? slackDigest(msg.alerts, msg.label) : slackAlert(first);
          await postJson(deps.http, where, url, Buffer.from(JSON.stringify(payload)), {});
        },
        close() {},
      };

    case 'webhook':
      return {
        id: channel.id,
        type: channel.type,
        async send(msg) {
          const secret = await readSecretEnv(deps, channel.secretEnv, channel.id);
          const body = Buffer.from(
            JSON.stringify(jsonPayload(msg.kind, msg.idempotencyKey, msg.subscriptionId, msg.sentAt, msg.alerts)),
          );
          const ts = String(Math.floor(Date.parse(msg.sentAt) / 1000));
          await postJson(deps.http, where, channel.url, body, {
            [TIMESTAMP_HEADER]: ts,
            [SIGNATURE_HEADER]: signWebhook(secret, ts, body),
            [IDEMPOTENCY_HEADER]: msg.idempotencyKey,
            'idempotency-key': msg.idempotencyKey,
          });
        },
        close() {},
      };

    case 'sns':
      return {
        id: channel.id,
        type: channel.type,
        async send(msg) {
          if (!deps.sns) {
            throw new AlertError(
              'channel_misconfigured',
              `${where}: no SNS client (SNS channels work in the AWS runtime only)`,
            );
          }
          const topicArn = requireEnv(deps.env, channel.topicArnEnv ?? DEFAULT_SNS_TOPIC_ENV, channel.id);
          const topics = [...new Set(msg.alerts.map((a) => a.topicId))];
          const first = msg.alerts[0];
          const subject =
            msg.kind === 'alert' && first
              ? `[wirewatch] ${first.topicName}: ${first.title}`
              : `[wirewatch] digest: ${msg.alerts.length} alert(s)`;
          try {
            await deps.sns.send(
              new PublishCommand({
                TopicArn: topicArn,
                Subject: snsSubject(subject),
                Message: JSON.stringify(
                  jsonPayload(msg.kind, msg.idempotencyKey, msg.subscriptionId, msg.sentAt, msg.alerts),
                ),
                MessageAttributes: {
                  topic:
                    topics.length === 1
                      ? { DataType: 'String', StringValue: topics[0] }
                      : { DataType: 'String.Array', StringValue: JSON.stringify(topics) },
                  kind: { DataType: 'String', StringValue: msg.kind },
                  // Stable across re-deliveries of the same alert: subscribers drop repeats on it.
                  idempotencyKey: { DataType: 'String', StringValue: msg.idempotencyKey },
                },
              }),
            );
          } catch (err) {
            throw awsError(where, err);
          }
        },
        close() {},
      };

    case 'email': {
      let transport: Transporter | null = null;
      return {
        id: channel.id,
        type: channel.type,
        async send(msg) {
          const first = msg.alerts[0];
          const mail: EmailMessage =
            msg.kind === 'digest' || !first ? emailDigest(msg.alerts, msg.label) : emailAlert(first);
          if (channel.smtp) {
            transport ??= nodemailer.createTransport({
              host: channel.smtp.host,
              port: channel.smtp.port,
              secure: channel.smtp.secure,
              connectionTimeout: 10_000,
              greetingTimeout: 10_000,
              socketTimeout: 20_000,
            });
            try {
              await transport.sendMail({
                from: channel.from,
                to: channel.to,
                subject: mail.subject,
                text: mail.text,
                html: mail.html,
                messageId: messageId(msg.idempotencyKey),
                // An update threads under the story's first alert (RFC 5322 §3.6.4).
                ...(msg.threadKey
                  ? { inReplyTo: messageId(msg.threadKey), references: [messageId(msg.threadKey)] }
                  : {}),
                headers: { 'X-Wirewatch-Idempotency-Key': msg.idempotencyKey },
              });
            } catch (err) {
              throw smtpError(where, err);
            }
            return;
          }
          if (!deps.ses) {
            throw new AlertError(
              'channel_misconfigured',
              `${where}: neither smtp: {host, port} nor an SES client is available`,
            );
          }
          try {
            await deps.ses.send(
              new SendEmailCommand({
                FromEmailAddress: channel.from,
                Destination: { ToAddresses: channel.to },
                Content: {
                  Simple: {
                    Subject: { Data: mail.subject, Charset: 'UTF-8' },
                    Body: { Text: { Data: mail.text, Charset: 'UTF-8' }, Html: { Data: mail.html, Charset: 'UTF-8' } },
                    Headers: [
                      { Name: 'X-Wirewatch-Idempotency-Key', Value: msg.idempotencyKey },
                      ...(msg.threadKey
                        ? [
                            { Name: 'In-Reply-To', Value: messageId(msg.threadKey) },
                            { Name: 'References', Value: messageId(msg.threadKey) },
                          ]
                        : []),
                    ],
                  },
                },
              }),
            );
          } catch (err) {
            throw awsError(where, err);
          }
        },
        close() {
          transport?.close();
          transport = null;
        },
      };
    }
  }
}
