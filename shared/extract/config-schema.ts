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
    /**
     * Most elements a page may have (start tags counted in the markup before any DOM is built); a page with more is
     * refused (`page too complex`) and its item keeps the feed text. The largest corpus page has ~10,000.
     */
    maxElements: z.number().int().positive().default(100_000),
    /**
     * Worker threads that parse and extract pages (node:worker_threads), so one page can never block the event
     * loop or take the process down. Null = one per core (`os.availableParallelism()`); 0 = extract in-process.
     */
    workers: z.number().int().nonnegative().nullable().default(null),
    /** Wall-clock limit of one page's extraction in a worker, ms; the worker is ended and replaced past it. */
    pageTimeoutMs: z.number().int().positive().default(20_000),
    /** V8 old-generation heap limit of each worker, MB (`resourceLimits.maxOldGenerationSizeMb`). */
    workerHeapMb: z.number().int().min(32).default(512),
  })
  .prefault({});

/** The validated `extract:` section (all defaults applied). */
export type ExtractConfig = z.infer<typeof extractConfigSchema>;
