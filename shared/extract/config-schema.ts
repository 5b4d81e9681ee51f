import { z } from 'zod';

/** `extract:` section of wirewatch.yaml. Owned by shared/extract. */
export const extractConfigSchema = z
  .object({
    /** DOM engine for Readability: fast `linkedom` (jsdom kept as fallback) or always `jsdom`. */
    dom: z.enum(['linkedom', 'jsdom']).default('linkedom'),
    /**
     * With `dom: linkedom`, re-run a page on jsdom when linkedom throws or Readability finds no article there.
     * Off only to measure the fast path alone.
     */
    jsdomFallback: z.boolean().default(true),
    /** Largest decoded page handed to a DOM, bytes; larger pages are cut at this size (status `partial`). */
    maxHtmlBytes: z
      .number()
      .int()
      .positive()
      .default(5 * 1024 * 1024),
    /** Below this many words the page text is `partial` rather than `full` (CJK/Thai: characters count as words). */
    minFullWords: z.number().int().nonnegative().default(50),
    /** A paywall-marked page with fewer words than this is a teaser: status `paywalled`. */
    paywallTeaserWords: z.number().int().nonnegative().default(200),
  })
  .prefault({});

/** The validated `extract:` section (all defaults applied). */
export type ExtractConfig = z.infer<typeof extractConfigSchema>;
