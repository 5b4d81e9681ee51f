import type { SQSRecord } from 'aws-lambda';
import { z } from 'zod';
import { InputError } from '../../shared/errors.ts';
import type { AlertJob, ArticleJob, FeedEntry, PageJobMarker, StoryUpdateNotice } from '../../shared/types.ts';

/**
 * Parses an SQS record's JSON body with a zod schema.
 * @throws InputError `bad_message` naming the message id and the first problem (the record then fails, is
 *   retried, and lands in the queue's dead-letter queue after maxReceiveCount — never silently dropped)
 */
export function parseRecord<T>(record: Pick<SQSRecord, 'body' | 'messageId'>, schema: z.ZodType<T>): T {
  let json: unknown;
  try {
    json = JSON.parse(record.body);
  } catch {
    throw new InputError('bad_message', `message ${record.messageId}: body is not JSON`);
  }
  const parsed = schema.safeParse(json);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new InputError(
      'bad_message',
      `message ${record.messageId}: ${issue?.path.join('.') || '(body)'}: ${issue?.message}`,
    );
  }
  return parsed.data;
}

const nullableString = z.string().nullable();
/** A correlation id as the scheduler makes them (`c_` + hex); bounded so a bad message cannot bloat logs. */
const correlationId = z.string().regex(/^[A-Za-z0-9_:-]{1,80}$/);

/** Schema of `FeedMessage` (feed queue): a feed to poll, or a catalog to complete. */
export const feedMessageSchema = z.union([
  z.strictObject({ feedId: z.string().min(1), force: z.boolean().optional(), correlationId: correlationId.optional() }),
  z.strictObject({ catalog: z.string().regex(/^[0-9a-f]{64}$/) }),
]);

/** Schema of `FeedEntry` as carried in article jobs. */
export const feedEntrySchema = z.object({
  key: z.string().min(1),
  guid: nullableString,
  url: nullableString,
  title: z.string(),
  summary: nullableString,
  contentHtml: nullableString,
  publishedAt: nullableString,
  publishedAtSource: z.enum(['published', 'updated']).nullable().optional(),
  updatedAt: nullableString,
  author: nullableString,
  categories: z.array(z.string()),
  enclosures: z.array(z.object({ url: z.string(), type: nullableString, length: z.number().nullable() })),
});

/** Schema of `PageJobMarker`: a page job the scheduler enqueued from a page schedule (retry or recheck). */
export const pageJobMarkerSchema = z.strictObject({
  mode: z.enum(['retry', 'recheck']),
  itemId: z.string().regex(/^i_[0-9a-f]{24}$/),
  due: z.string().min(1),
});

/** Schema of `ArticleJob` (article queue). */
export const articleJobSchema = z.object({
  feedId: z.string().min(1),
  feedUrl: z.string().min(1),
  entry: feedEntrySchema,
  discoveredAt: z.string().min(1),
  correlationId: correlationId.optional(),
  page: pageJobMarkerSchema.optional(),
});

/** Schema of `AlertJob` (alert queue). */
export const alertJobSchema = z.object({
  itemId: z.string().min(1),
  topicId: z.string().min(1),
  storyId: z.string().min(1),
  retag: z.boolean().optional(),
  correlationId: correlationId.optional(),
  update: z
    .strictObject({
      version: z.number().int().min(2),
      previousVersion: z.number().int().min(1),
      summary: z.array(z.string().max(2_000)).max(10),
    })
    .optional(),
});

// Compile-time guarantees that the queue schemas carry every field of the message types: zod objects drop keys they
// do not know, so a field added to a type but not here would vanish between two stages (keys match both ways).
type SameKeys<A, B> = [Exclude<keyof A, keyof B>, Exclude<keyof B, keyof A>] extends [never, never] ? true : false;
const _entryKeys: SameKeys<z.infer<typeof feedEntrySchema>, FeedEntry> = true;
const _articleKeys: SameKeys<z.infer<typeof articleJobSchema>, ArticleJob> = true;
const _alertKeys: SameKeys<z.infer<typeof alertJobSchema>, AlertJob> = true;
const _updateKeys: SameKeys<NonNullable<z.infer<typeof alertJobSchema>['update']>, StoryUpdateNotice> = true;
const _pageKeys: SameKeys<z.infer<typeof pageJobMarkerSchema>, PageJobMarker> = true;
void _pageKeys;
void _entryKeys;
void _articleKeys;
void _alertKeys;
void _updateKeys;
