import { z } from 'zod';

/**
 * `aliases:` and `topics:` sections of wirewatch.yaml (topics issue §4). Owned by shared/topics.
 * Rules are compiled (and their syntax checked) by shared/topics at config load.
 */
export const aliasesSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_-]*$/i, 'alias names are letters, digits, - and _'),
  z.array(z.string().min(1)).min(1, 'an alias group needs at least one term'),
);

export const topicSchema = z.object({
  id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'topic ids are lower-case letters, digits and -'),
  name: z.string().min(1),
  rule: z.string().min(1),
  /** Score needed to match. */
  threshold: z.number().nonnegative().optional(),
  /** Weighted signals added to the score when the rule holds. */
  signals: z
    .array(z.object({ name: z.string().optional(), rule: z.string().min(1), weight: z.number() }))
    .optional(),
});

export type TopicConfig = z.infer<typeof topicSchema>;
export type AliasConfig = z.infer<typeof aliasesSchema>;
