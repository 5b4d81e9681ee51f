import type { SQSEvent } from 'aws-lambda';
import { describe, expect, it } from 'vitest';
import { LocalQueue } from '../../local/queue.ts';

describe('LocalQueue (the local stand-in for SQS + event source mapping)', () => {
  it('delivers SQS-shaped batches and drains', async () => {
    const seen: number[] = [];
    const q = new LocalQueue<{ n: number }>(
      't',
      async (event: SQSEvent) => {
        for (const r of event.Records) {
          expect(r.eventSource).toBe('aws:sqs');
          seen.push(JSON.parse(r.body).n);
        }
        return { batchItemFailures: [] };
      },
      { batchSize: 3 },
    );
    await q.send([1, 2, 3, 4, 5, 6, 7].map((n) => ({ n })));
    await q.idle();
    expect(seen.sort()).toEqual([1, 2, 3, 4, 5, 6, 7]);
    expect(q.depth).toBe(0);
  });

  it('redelivers partial batch failures and parks a poison message after maxReceives', async () => {
    const attempts = new Map<number, number>();
    const kept: string[] = [];
    const q = new LocalQueue<{ n: number }>(
      'articles',
      async (event) => {
        const failures = [];
        for (const r of event.Records) {
          const n = JSON.parse(r.body).n as number;
          attempts.set(n, (attempts.get(n) ?? 0) + 1);
          // n=1 succeeds on its second receive; n=2 never succeeds.
          if ((n === 1 && attempts.get(n)! < 2) || n === 2) failures.push({ itemIdentifier: r.messageId });
          expect(Number(r.attributes.ApproximateReceiveCount)).toBe(attempts.get(n));
        }
        return { batchItemFailures: failures };
      },
      { maxReceives: 3, retryDelayMs: 1, onDeadLetter: (l) => void kept.push(l.body) },
    );
    await q.send([{ n: 1 }, { n: 2 }, { n: 3 }]);
    await q.idle();
    expect(attempts.get(1)).toBe(2);
    expect(attempts.get(3)).toBe(1);
    expect(attempts.get(2)).toBe(3);
    expect(q.deadLetters).toHaveLength(1);
    expect(JSON.parse(q.deadLetters[0]!.body)).toEqual({ n: 2 });
    expect(kept).toEqual([q.deadLetters[0]!.body]); // handed to the runtime, which keeps it in the data dir
  });

  it('treats a thrown handler error as a failure of every record in the batch', async () => {
    let calls = 0;
    const q = new LocalQueue<string>(
      'x',
      async () => {
        calls++;
        if (calls === 1) throw new Error('cold start failed');
        return { batchItemFailures: [] };
      },
      { retryDelayMs: 1 },
    );
    await q.send(['a', 'b']);
    await q.idle();
    expect(calls).toBe(2);
    expect(q.deadLetters).toHaveLength(0);
  });

  it('holds a backlog of 300,000 messages: delivered in arrival order, retries after their delay, nothing lost', async () => {
    const seen: number[] = [];
    let failedOnce = false;
    const q = new LocalQueue<{ n: number }>(
      'big',
      async (event) => {
        const failures: Array<{ itemIdentifier: string }> = [];
        for (const r of event.Records) {
          const n = JSON.parse(r.body).n as number;
          // Message 5 fails once: it comes back after the others that were visible before it.
          if (n === 5 && !failedOnce) {
            failedOnce = true;
            failures.push({ itemIdentifier: r.messageId });
          } else seen.push(n);
        }
        return { batchItemFailures: failures };
      },
      { batchSize: 10, retryDelayMs: 1 },
    );
    const total = 300_000;
    await q.send(Array.from({ length: total }, (_, n) => ({ n })));
    await q.idle();
    expect(seen).toHaveLength(total);
    expect(new Set(seen).size).toBe(total);
    // FIFO among visible messages: everything but the retried 5 arrives in order.
    const withoutFive = seen.filter((n) => n !== 5);
    expect(withoutFive.every((n, i) => i === 0 || n > withoutFive[i - 1]!)).toBe(true);
    expect(seen.indexOf(5)).toBeGreaterThan(10);
  });

  it('takePending returns waiting messages in delivery order and empties the queue', async () => {
    const q = new LocalQueue<{ n: number }>('p', async () => ({ batchItemFailures: [] }));
    await q.pause();
    await q.send([3, 1, 2].map((n) => ({ n })));
    expect(q.takePending().map((b) => JSON.parse(b).n)).toEqual([3, 1, 2]);
    expect(q.depth).toBe(0);
  });
});
