import { z } from 'zod';

/**
 * `aliases:` and `topics:` sections of wirewatch.yaml. Owned by shared/topics.
 * Rules are compiled (and their syntax checked) by shared/topics `compileTopics` at config load; the rule
 * language is documented in README.md#topic-rules.
 */
/** `aliases:` — name → terms (`Beijing`, `"Xi Jinping"`, `=PRC`, `Sino*`), reused in rules as `@name`. */
export const aliasesSchema = z.record(
  z.string().regex(/^[a-z][a-z0-9_-]*$/i, 'alias names are letters, digits, - and _'),
  z.array(z.string().min(1)).min(1, 'an alias group needs at least one term'),
);

/** A weighted signal: when its rule holds (and the topic rule holds), `weight` is added to the score. */
export const signalSchema = z
  .object({
    /** Short label for people reading the config; evidence shows the rule text. */
    name: z.string().optional(),
    rule: z.string().min(1),
    /** Added to the score (may be negative to demote, e.g. multilateral-summit wording). */
    weight: z.number(),
    /** Count once per supporting sentence instead of once per document. Default false. */
    each: z.boolean().optional(),
    /** With `each`: most sentences counted (and shown as evidence). Default 3. */
    max: z.number().int().positive().optional(),
  })
  .strict();

/** One topic of `topics:`: id, name, rule (must hold), optional threshold and weighted signals. */
export const topicSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9-]*$/, 'topic ids are lower-case letters, digits and -'),
    name: z.string().min(1),
    /** What the topic is about, for people (not used in matching). */
    description: z.string().optional(),
    /** Must hold for the topic to match. */
    rule: z.string().min(1),
    /** Score needed to match (score = 1 when the rule holds + signal weights). Default 1. */
    threshold: z.number().nonnegative().optional(),
    /** Weighted signals added to the score when the rule holds. */
    signals: z.array(signalSchema).optional(),
  })
  .strict();

/** A validated topic (see {@link topicSchema}). */
export type TopicConfig = z.infer<typeof topicSchema>;
/** Validated alias groups (see {@link aliasesSchema}). */
export type AliasConfig = z.infer<typeof aliasesSchema>;
/** A validated signal (see {@link signalSchema}). */
export type SignalConfig = z.infer<typeof signalSchema>;
