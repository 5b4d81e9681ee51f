import { createHash } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { GetItemCommand } from '@aws-sdk/client-dynamodb';
import { startTestDynamo } from '../helpers/dynalite.ts';
import type { EmbeddedStore } from '../../local/embedded-store.ts';
import { MAX_TITLE_CHARS, SAFE_ITEM_BYTES, Store, fitText } from '../../shared/store/index.ts';
import type { TopicMatch } from '../../shared/types.ts';
import { itemInput, topic } from './factories.ts';

/*
 * 400 KB safety: text is gzip-compressed in a binary attribute, and cut at a paragraph
 * boundary only when even the compressed form would not fit in SAFE_ITEM_BYTES.
 */

/** Deterministic, poorly compressible prose: pseudo-random words from a large vocabulary (xorshift PRNG). */
function randomArticle(bytes: number, seed = 42): string {
  let x = seed;
  const rnd = () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    return (x >>> 0) / 4294967296;
  };
  const word = () => {
    const len = 2 + Math.floor(rnd() * 9);
    let w = '';
    for (let i = 0; i < len; i++) w += String.fromCharCode(97 + Math.floor(rnd() * 26));
    return w;
  };
  const paras: string[] = [];
  let size = 0;
  while (size < bytes) {
    const words = Array.from({ length: 40 + Math.floor(rnd() * 80) }, word);
    const p = `${words.join(' ')}.`;
    paras.push(p);
    size += p.length + 2;
  }
  return paras.join('\n\n');
}

let dynamo: EmbeddedStore;
let store: Store;

beforeAll(async () => {
  dynamo = await startTestDynamo();
  store = new Store({ client: dynamo.client, tableName: 'size-test', retentionDays: 90 });
  await store.ensureTable();
});
afterAll(async () => {
  await dynamo?.close();
});

describe('400 KB safety', () => {
  it('stores a 2 MB article, truncated at a paragraph boundary and flagged, and reads it back', async () => {
    const text = randomArticle(2 * 1024 * 1024);
    expect(Buffer.byteLength(text)).toBeGreaterThanOrEqual(2 * 1024 * 1024);
    const url = 'https://news.example/very-long';
    const saved = await store.saveItem(itemInput(url, { text, topics: [topic('china-russia')] }));
    expect(saved.outcome).toBe('created');
    const got = await store.getItem(saved.item.id);
    expect(got).not.toBeNull();
    expect(got!.textTruncated).toBe(true);
    expect(got!.contentHash).toBe(createHash('sha256').update(text).digest('hex'));
    expect(got!.text.length).toBeGreaterThan(100_000);
    expect(got!.text.length).toBeLessThan(text.length);
    // A prefix of whole paragraphs: the original continues with a paragraph break right after it.
    expect(text.startsWith(`${got!.text}\n\n`)).toBe(true);
    expect(got!.topics[0]?.id).toBe('china-russia');
    // The stored record itself stays under the safe size.
    const raw = await dynamo.client.send(
      new GetItemCommand({ TableName: 'size-test', Key: { pk: { S: `ITEM#${saved.item.id}` }, sk: { S: 'ITEM' } } }),
    );
    const bytes = Object.entries(raw.Item!).reduce(
      (n, [k, v]) => n + k.length + (v.B?.byteLength ?? Buffer.byteLength(v.S ?? v.N ?? '')),
      0,
    );
    expect(bytes).toBeLessThanOrEqual(SAFE_ITEM_BYTES);
    // Saving the same long article again is a replay, not an update.
    expect((await store.saveItem(itemInput(url, { text, topics: [topic('china-russia')] }))).outcome).toBe('unchanged');
  });

  it('keeps a 2 MB compressible article whole thanks to gzip', async () => {
    const para = 'Officials in Moscow and Beijing signed an energy agreement on Tuesday, the ministry said.';
    const text = Array.from({ length: 24_000 }, (_, i) => `${para} (${i})`).join('\n\n');
    expect(text.length).toBeGreaterThan(2_000_000);
    const saved = await store.saveItem(itemInput('https://news.example/compressible', { text }));
    const got = await store.getItem(saved.item.id);
    expect(got!.textTruncated).toBe(false);
    expect(got!.text).toBe(text);
  });

  it('cuts one giant paragraph at a space when no paragraph boundary fits', () => {
    const text = randomArticle(400_000).replace(/\n\n/g, ' ');
    const fitted = fitText(text, 50_000);
    expect(fitted.truncated).toBe(true);
    expect(fitted.gz.byteLength).toBeLessThanOrEqual(50_000);
    expect(text.startsWith(`${fitted.text} `)).toBe(true);
    expect(fitted.text.length).toBeGreaterThan(10_000);
  });

  it('trims oversized evidence and titles instead of failing the write', async () => {
    const sentence = 'Moscow and Beijing '.repeat(300);
    const heavy: TopicMatch = {
      id: 'china-russia',
      name: 'China–Russia',
      score: 9,
      evidence: Array.from({ length: 200 }, (_, i) => ({
        clause: `SENTENCE(@china, @russia) #${i}`,
        field: 'body' as const,
        text: sentence,
        start: 0,
        end: sentence.length,
        terms: [],
      })),
    };
    const longTitle = 'T'.repeat(10_000);
    const saved = await store.saveItem(
      itemInput('https://news.example/heavy-evidence', { topics: [heavy, topic('energy')], title: longTitle }),
    );
    const got = await store.getItem(saved.item.id);
    expect(got!.title).toHaveLength(MAX_TITLE_CHARS);
    expect(got!.title.endsWith('…')).toBe(true);
    expect(got!.topics.map((t) => [t.id, t.score])).toEqual([
      ['china-russia', 9],
      ['energy', 3],
    ]);
    const kept = got!.topics[0]!.evidence.length;
    expect(kept).toBeGreaterThan(0);
    expect(kept).toBeLessThan(200);
    expect(got!.topics[0]!.evidence[0]!.clause).toBe('SENTENCE(@china, @russia) #0');
    expect(got!.topics[1]!.evidence).toHaveLength(1);
  });
});
