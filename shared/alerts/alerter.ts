import { createHash } from 'node:crypto';
import { InputError, WirewatchError, describeError } from '../errors.ts';
import { silentLogger } from '../log.ts';
import type { AlertJob, StoredItem, TopicMatch } from '../types.ts';
import { createChannelSender, type ChannelSender, type OutgoingMessage } from './channels.ts';
import type { SubscriptionConfig } from './config-schema.ts';
import { AlertError } from './errors.ts';
import { AlertRepo, OutboxRepo, hourBucket } from './records.ts';
import { buildContent, emailDigest } from './render.ts';
import { nextOccurrence, requireDigestSchedule, type DigestSchedule } from './schedule.ts';
import {
  ALERT_STATUSES,
  type AlertDeps,
  type Alerter,
  type AlertRecord,
  type AlertStatus,
  type DeliverResult,
  type DigestPreview,
  type DigestRun,
} from './types.ts';

/** A `pending` record older than this is presumed orphaned by a crash and re-driven by `retryParked`, ms. */
export const STALE_PENDING_MS = 10 * 60_000;
/** Longest backoff between two attempts, ms. */
const MAX_BACKOFF_MS = 30_000;
/** Budget records live two days (TTL). */
const BUDGET_TTL_SEC = 2 * 24 * 3600;

const HOURLY: DigestSchedule = { kind: 'hourly', text: 'hourly' };

type Sub = SubscriptionConfig & { id: string; digest: DigestSchedule };
type Outcome = 'sent' | 'failed' | 'suppressed' | 'deferred' | 'duplicate';

/** Outcome of one message after the bounded retries of one call. */
interface SendResult {
  ok: boolean;
  attempts: number;
  error: AlertError | null;
}

function toAlertError(err: unknown): AlertError {
  if (err instanceof AlertError) return err;
  const retryable = err instanceof WirewatchError ? err.retryable : true;
  return new AlertError('channel_error', describeError(err), { retryable, cause: err });
}

/**
 * The dedupe key of story × topic × subscription (× version for an update alert); also the idempotency key every
 * delivery of the alert carries.
 */
export function alertKey(storyId: string, topicId: string, subscriptionId: string, version?: number): string {
  return `${storyId}#${topicId}#${subscriptionId}${version === undefined ? '' : `#v${version}`}`;
}

/**
 * The idempotency key of a digest: the subscription and a hash of the alert keys it carries, so a digest re-sent
 * after a crash carries the same key as the first attempt.
 */
export function digestKey(subscriptionId: string, alertKeys: string[]): string {
  const hash = createHash('sha256')
    .update([...alertKeys].sort().join('\n'))
    .digest('hex')
    .slice(0, 24);
  return `digest:${subscriptionId}:${hash}`;
}

/** Outbox intents younger than this are left to their queue message; older ones are delivered by the sweep, ms. */
export const OUTBOX_GRACE_MS = 15 * 60_000;

/**
 * Creates the alert fan-out. See `Alerter` for each operation's contract.
 * @throws ConfigError when a subscription's digest schedule is invalid (config validation normally catches it first)
 */
export function createAlerter(deps: AlertDeps): Alerter {
  const { config } = deps;
  const settings = config.alerts;
  const log = deps.logger ?? silentLogger;
  const clock = deps.now ?? (() => new Date());
  const sleep = deps.sleep ?? ((ms: number) => new Promise<void>((r) => setTimeout(r, ms)));
  const repo = new AlertRepo(deps.table);
  const outbox = new OutboxRepo(deps.table);
  const consoleWrite = deps.consoleWrite ?? ((line: string) => void process.stderr.write(`${line}\n`));
  const channelDeps = {
    http: deps.http,
    sns: deps.sns,
    ses: deps.ses,
    secrets: deps.secrets,
    env: deps.env ?? process.env,
    consoleWrite,
    now: clock,
  };
  const channels = new Map<string, ChannelSender>(
    config.channels.map((c) => [c.id, createChannelSender(c, channelDeps)]),
  );
  const topicNames = new Map(config.topics.map((t) => [t.id, t.name] as const));
  const subs: Sub[] = config.subscriptions.map((s) => ({
    ...s,
    digest: s.schedule ? requireDigestSchedule(s.schedule, `subscriptions[${s.id}].schedule`) : HOURLY,
  }));
  const subsById = new Map(subs.map((s) => [s.id, s] as const));
  const feedNames = new Map(config.feeds.map((f) => [f.id, f.name] as const));
  /** The configured name of the first named feed that brought the item, or null. */
  const feedNameOf = (item: StoredItem): string | null => {
    for (const id of item.feedIds) {
      const name = feedNames.get(id);
      if (name) return name;
    }
    return null;
  };

  /** Sends with at most `maxAttempts` tries: 429 waits `Retry-After` (≤ maxRetryAfterMs), others back off 2^n. */
  async function sendWithRetry(
    sender: ChannelSender,
    msg: OutgoingMessage,
    where: Record<string, unknown>,
  ): Promise<SendResult> {
    let attempts = 0;
    for (;;) {
      attempts++;
      try {
        await sender.send(msg);
        return { ok: true, attempts, error: null };
      } catch (err) {
        const error = toAlertError(err);
        log.warn('alert send attempt failed', {
          ...where,
          attempt: attempts,
          errorCode: error.code,
          error: error.message,
        });
        if (!error.retryable || attempts >= settings.maxAttempts) return { ok: false, attempts, error };
        if (error.retryAfterMs !== null && error.retryAfterMs > settings.maxRetryAfterMs)
          return { ok: false, attempts, error };
        const backoff = Math.min(MAX_BACKOFF_MS, settings.backoffBaseMs * 2 ** (attempts - 1));
        await sleep(error.retryAfterMs ?? backoff);
      }
    }
  }

  function applyResult(
    rec: AlertRecord,
    res: SendResult,
    via: 'realtime' | 'digest' | 'retry',
    at: string,
  ): AlertRecord {
    return {
      ...rec,
      status: res.ok ? 'sent' : 'failed',
      attempts: rec.attempts + res.attempts,
      lastError: res.error ? `${res.error.code}: ${res.error.message}` : rec.lastError,
      lastErrorCode: res.error ? res.error.code : rec.lastErrorCode,
      retryable: res.error ? res.error.retryable : rec.retryable,
      via: res.ok ? via : rec.via,
      sentAt: res.ok ? at : rec.sentAt,
      updatedAt: at,
    };
  }

  function tooOld(item: StoredItem, now: Date): boolean {
    if (!(settings.maxItemAgeHours > 0)) return false;
    const ref = Date.parse(item.publishedAt ?? item.firstSeenAt);
    if (Number.isNaN(ref)) return false;
    return now.getTime() - ref > settings.maxItemAgeHours * 3600_000;
  }

  async function deliverToSub(
    job: AlertJob,
    item: StoredItem,
    topic: TopicMatch,
    sub: Sub,
    result: DeliverResult,
  ): Promise<Outcome> {
    const now = clock();
    const at = now.toISOString();
    const sender = channels.get(sub.channel);
    const content = {
      ...buildContent(item, job.topicId, topic, topicNames.get(job.topicId) ?? job.topicId, feedNameOf(item)),
      storyId: job.storyId,
      update: job.update ?? null,
    };
    const version = job.update?.version;
    if (job.update) {
      // An update alert goes only where the story's first alert went (and was sent), and only when asked for.
      if (sub.updates === 'none') return 'duplicate';
      const first = await repo.get(job.storyId, job.topicId, sub.id);
      if (first?.status !== 'sent') return 'duplicate';
    }
    const suppressReason = job.retag ? 'retag' : tooOld(item, now) ? 'too_old' : null;
    const status: AlertStatus = suppressReason ? 'suppressed' : sub.mode === 'digest' ? 'deferred' : 'pending';
    const key = alertKey(job.storyId, job.topicId, sub.id, version);
    let rec: AlertRecord = {
      key,
      ...(version !== undefined ? { version } : {}),
      itemId: job.itemId,
      storyId: job.storyId,
      topicId: job.topicId,
      subscriptionId: sub.id,
      channelId: sub.channel,
      channelType: sender?.type ?? 'unknown',
      mode: sub.mode,
      status,
      reason: suppressReason ?? (status === 'deferred' ? 'digest' : null),
      attempts: 0,
      lastError: null,
      lastErrorCode: null,
      retryable: null,
      via: null,
      createdAt: at,
      updatedAt: at,
      sentAt: null,
      content,
    };
    const fields = {
      itemId: job.itemId,
      topicId: job.topicId,
      subscriptionId: sub.id,
      channel: sub.channel,
      correlationId: job.correlationId,
    };
    if (!(await repo.claim(rec, item.expiresAt ?? null))) {
      log.debug('alert already recorded; nothing sent', fields);
      return 'duplicate';
    }
    if (status === 'suppressed' || status === 'deferred') {
      log.info(`alert ${status}`, { ...fields, reason: rec.reason });
      return status;
    }
    // A subscription without its own budget gets the default, so a new feed's first poll cannot flood a channel.
    const budget = sub.budgetPerHour ?? settings.budgetPerHour;
    if (budget > 0) {
      const within = await repo.consumeBudget(
        sub.id,
        hourBucket(now),
        budget,
        Math.floor(now.getTime() / 1000) + BUDGET_TTL_SEC,
      );
      if (!within) {
        const deferred: AlertRecord = {
          ...rec,
          status: 'deferred',
          reason: 'budget',
          updatedAt: clock().toISOString(),
        };
        await repo.transition(deferred, 'pending');
        log.info('alert over hourly budget; deferred to the next digest', {
          ...fields,
          budgetPerHour: budget,
        });
        return 'deferred';
      }
    }
    if (!sender) {
      // Config validation rejects unknown channels; kept for configs built by hand.
      const error = new AlertError('channel_misconfigured', `subscription ${sub.id}: unknown channel ${sub.channel}`);
      rec = applyResult(rec, { ok: false, attempts: 0, error }, 'realtime', at);
    } else {
      const msg: OutgoingMessage = {
        kind: 'alert',
        alerts: [content],
        subscriptionId: sub.id,
        idempotencyKey: key,
        ...(version !== undefined ? { threadKey: alertKey(job.storyId, job.topicId, sub.id) } : {}),
        via: 'realtime',
        label: '',
        sentAt: at,
      };
      rec = applyResult(rec, await sendWithRetry(sender, msg, fields), 'realtime', clock().toISOString());
    }
    await repo.transition(rec, 'pending');
    if (rec.status === 'sent') {
      log.info('alert sent', { ...fields, attempts: rec.attempts });
      return 'sent';
    }
    log.error('alert parked after its retry budget', { ...fields, errorCode: rec.lastErrorCode, error: rec.lastError });
    result.failures.push({ key, code: rec.lastErrorCode ?? 'channel_error', retryable: rec.retryable ?? true });
    return 'failed';
  }

  /**
   * Claims `records` (expected status → pending), sends them as one message (digest) or one each, and records the
   * outcome. Returns alert counts.
   */
  async function redrive(
    records: Array<{ rec: AlertRecord; expected: AlertStatus }>,
    sub: Sub,
    mode: 'digest' | 'single',
    via: 'digest' | 'retry',
  ): Promise<{ sent: number; failed: number }> {
    const sender = channels.get(sub.channel);
    const counts = { sent: 0, failed: 0 };
    if (!sender) return counts;
    const claimed: AlertRecord[] = [];
    for (const { rec, expected } of records) {
      const mine: AlertRecord = { ...rec, status: 'pending', updatedAt: clock().toISOString() };
      if (await repo.transition(mine, expected)) claimed.push(mine);
    }
    if (claimed.length === 0) return counts;
    const fields = { subscriptionId: sub.id, channel: sub.channel };
    const batches = mode === 'digest' ? [claimed] : claimed.map((r) => [r]);
    for (const batch of batches) {
      const at = clock().toISOString();
      const first = batch[0]!;
      const msg: OutgoingMessage =
        mode === 'digest'
          ? {
              kind: 'digest',
              alerts: batch.map((r) => r.content),
              subscriptionId: sub.id,
              idempotencyKey: digestKey(
                sub.id,
                batch.map((r) => r.key),
              ),
              via,
              label: sub.mode === 'digest' ? sub.digest.text : `${sub.digest.text} (over budget)`,
              sentAt: at,
            }
          : {
              kind: 'alert',
              alerts: [first.content],
              subscriptionId: sub.id,
              idempotencyKey: first.key,
              via,
              label: '',
              sentAt: at,
            };
      const res = await sendWithRetry(sender, msg, { ...fields, alerts: batch.length });
      const done = clock().toISOString();
      for (const r of batch) {
        const next = applyResult(r, res, via, done);
        await repo.transition(next, 'pending');
        if (next.status === 'sent') counts.sent++;
        else counts.failed++;
      }
      if (res.ok) log.info(`${via === 'digest' ? 'digest' : 'parked alert'} sent`, { ...fields, alerts: batch.length });
      else
        log.error(`${via === 'digest' ? 'digest' : 'parked alert'} failed`, {
          ...fields,
          alerts: batch.length,
          errorCode: res.error?.code,
        });
    }
    return counts;
  }

  /**
   * The next digest of every subscription that has one coming: each digest-mode subscription, and each realtime one
   * with budget overflow deferred; `records` oldest first, `dueAt` the first occurrence of its schedule after its
   * last digest (else after its oldest deferred alert, else after `now`), `due` when that is not after `now`.
   * Read-only. Deferred alerts of a subscription no longer configured are logged and left.
   */
  async function nextDigests(
    now: Date,
    only?: string,
  ): Promise<Array<{ sub: Sub; records: AlertRecord[]; dueAt: Date; due: boolean }>> {
    if (only !== undefined && !subsById.has(only)) {
      throw new InputError(
        'unknown_subscription',
        `subscription "${only}" is not in the configuration (configured: ${subs.map((s) => s.id).join(', ')})`,
      );
    }
    const groups = groupBySub(await repo.listByStatus('deferred'));
    for (const [subId, records] of groups) {
      if (!subsById.has(subId) && only === undefined) {
        log.warn('deferred alerts of a subscription no longer configured', {
          subscriptionId: subId,
          alerts: records.length,
        });
      }
    }
    const out: Array<{ sub: Sub; records: AlertRecord[]; dueAt: Date; due: boolean }> = [];
    for (const sub of subs) {
      if (only !== undefined && sub.id !== only) continue;
      const records = [...(groups.get(sub.id) ?? [])].sort((a, b) => a.createdAt.localeCompare(b.createdAt));
      if (records.length === 0 && sub.mode !== 'digest') continue;
      // Realtime subscriptions digest their budget overflow on their own schedule when given, else hourly.
      const state = await repo.getDigestState(sub.id);
      const ref = state?.lastRunAt ?? records[0]?.createdAt ?? now.toISOString();
      const dueAt = nextOccurrence(sub.digest, new Date(ref));
      out.push({ sub, records, dueAt, due: dueAt.getTime() <= now.getTime() });
    }
    return out;
  }

  function groupBySub(records: AlertRecord[]): Map<string, AlertRecord[]> {
    const groups = new Map<string, AlertRecord[]>();
    for (const r of records) {
      const g = groups.get(r.subscriptionId);
      if (g) g.push(r);
      else groups.set(r.subscriptionId, [r]);
    }
    return groups;
  }

  const alerter: Alerter = {
    planAlerts(item, newTopics, opts = {}) {
      const seen = new Set<string>();
      const jobs: AlertJob[] = [];
      for (const t of newTopics) {
        if (seen.has(t.id)) continue;
        seen.add(t.id);
        jobs.push({
          itemId: item.id,
          topicId: t.id,
          storyId: item.storyId || item.id,
          ...(opts.retag ? { retag: true } : {}),
        });
      }
      return jobs;
    },

    async deliver(job) {
      const result: DeliverResult = { sent: 0, failed: 0, suppressed: 0, deferred: 0, failures: [] };
      const item = await deps.items.getItem(job.itemId);
      if (!item) {
        throw new AlertError(
          'item_not_found',
          `alert job ${job.itemId}/${job.topicId}: item ${job.itemId} is not in the store`,
          {
            retryable: true,
          },
        );
      }
      // Alerts are keyed on the story as it is now: a story merged after a race alerts under the one it joined.
      if (deps.resolveStory) job = { ...job, storyId: await deps.resolveStory(job.storyId) };
      const topic = item.topics.find((t) => t.id === job.topicId);
      if (!topic) {
        log.info('item no longer carries the topic; no alert', { itemId: job.itemId, topicId: job.topicId });
        return result;
      }
      const matching = subs.filter(
        (s) => (s.topics.includes('*') || s.topics.includes(job.topicId)) && topic.score >= s.minScore,
      );
      // Subscriptions run side by side: a slow or failing channel never holds up the others.
      const settled = await Promise.allSettled(matching.map((s) => deliverToSub(job, item, topic, s, result)));
      let storeFailure: unknown = null;
      for (const s of settled) {
        if (s.status === 'rejected') storeFailure ??= s.reason;
        else if (s.value !== 'duplicate') result[s.value]++;
      }
      // Only store failures reject; the queue redelivers the job and the records already written dedupe it.
      if (storeFailure) throw storeFailure;
      return result;
    },

    async runDigests(now, opts = {}) {
      const totals: DigestRun = { sent: 0, failed: 0, digests: [] };
      for (const next of await nextDigests(now, opts.subscriptionId)) {
        if (next.records.length === 0 || !(opts.force || next.due)) continue;
        const { sub } = next;
        const c = await redrive(
          next.records.map((rec) => ({ rec, expected: 'deferred' as const })),
          sub,
          'digest',
          'digest',
        );
        await repo.putDigestState(sub.id, now.toISOString());
        totals.sent += c.sent;
        totals.failed += c.failed;
        totals.digests.push({ subscriptionId: sub.id, channelId: sub.channel, alerts: next.records.length, ...c });
      }
      return totals;
    },

    async previewDigests(now, opts = {}) {
      const out: DigestPreview[] = [];
      for (const { sub, records, dueAt, due } of await nextDigests(now, opts.subscriptionId)) {
        const label = sub.mode === 'digest' ? sub.digest.text : `${sub.digest.text} (over budget)`;
        const message =
          records.length > 0
            ? emailDigest(
                records.map((r) => r.content),
                label,
              )
            : null;
        out.push({
          subscriptionId: sub.id,
          channelId: sub.channel,
          channelType: channels.get(sub.channel)?.type ?? 'unknown',
          mode: sub.mode,
          schedule: sub.digest.text,
          dueAt: dueAt.toISOString(),
          due,
          alerts: records,
          message: message && { subject: message.subject, text: message.text },
        });
      }
      return out;
    },

    async retryParked(opts = {}) {
      const totals = { sent: 0, failed: 0 };
      const nowMs = clock().getTime();
      const staleMs = opts.stalePendingMs ?? STALE_PENDING_MS;
      const failed = await repo.listByStatus('failed');
      const stale = (await repo.listByStatus('pending')).filter((r) => nowMs - Date.parse(r.updatedAt) >= staleMs);
      const candidates = [
        ...failed.map((rec) => ({ rec, expected: 'failed' as const })),
        ...stale.map((rec) => ({ rec, expected: 'pending' as const })),
      ];
      const bySub = new Map<string, typeof candidates>();
      for (const c of candidates) {
        const g = bySub.get(c.rec.subscriptionId);
        if (g) g.push(c);
        else bySub.set(c.rec.subscriptionId, [c]);
      }
      for (const [subId, group] of bySub) {
        const sub = subsById.get(subId);
        if (!sub || !channels.has(sub.channel)) {
          log.warn('parked alerts of a subscription or channel no longer configured; left parked', {
            subscriptionId: subId,
          });
          totals.failed += group.length;
          continue;
        }
        // Alerts that were headed for a digest are re-driven as one digest; realtime ones one message each.
        const viaDigest = group.filter((c) => c.rec.reason === 'digest' || c.rec.reason === 'budget');
        const single = group.filter((c) => !(c.rec.reason === 'digest' || c.rec.reason === 'budget'));
        for (const [part, mode] of [
          [viaDigest, 'digest'],
          [single, 'single'],
        ] as const) {
          if (part.length === 0) continue;
          const c = await redrive(part, sub, mode, 'retry');
          totals.sent += c.sent;
          totals.failed += c.failed;
        }
      }
      return totals;
    },

    async recordIntents(jobs, item) {
      if (jobs.length === 0) return;
      await outbox.put(jobs, clock(), item.expiresAt ?? null);
    },

    async completeIntent(job) {
      await outbox.remove(job);
    },

    async sweepOutbox(opts = {}) {
      const totals = { intents: 0, sent: 0, failed: 0, suppressed: 0, deferred: 0 };
      const olderThan = new Date(clock().getTime() - (opts.olderThanMs ?? OUTBOX_GRACE_MS)).toISOString();
      for (const { job } of await outbox.listOlderThan(olderThan, opts.limit ?? 1000)) {
        totals.intents++;
        try {
          const res = await alerter.deliver(job);
          totals.sent += res.sent;
          totals.failed += res.failed;
          totals.suppressed += res.suppressed;
          totals.deferred += res.deferred;
          await outbox.remove(job);
        } catch (err) {
          // The item is gone (expired) or the store failed: a missing item can never alert, so drop its intent;
          // anything else stays for the next sweep.
          if (err instanceof AlertError && err.code === 'item_not_found') await outbox.remove(job);
          else throw err;
        }
      }
      return totals;
    },

    async listAlerts(opts = {}) {
      const limit = Math.max(1, Math.min(1000, Math.floor(opts.limit ?? 50)));
      if (opts.status !== undefined) {
        if (!(ALERT_STATUSES as readonly string[]).includes(opts.status)) {
          throw new InputError(
            'bad_status',
            `alert status "${opts.status}" is not one of ${ALERT_STATUSES.join(', ')}`,
          );
        }
        return repo.listByStatus(opts.status as AlertStatus, limit);
      }
      const all = (await Promise.all(ALERT_STATUSES.map((s) => repo.listByStatus(s, limit)))).flat();
      return all.sort((a, b) => b.updatedAt.localeCompare(a.updatedAt) || a.key.localeCompare(b.key)).slice(0, limit);
    },
  };
  return alerter;
}
