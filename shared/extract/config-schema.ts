import { z } from 'zod';

/** `extract:` section of wirewatch.yaml (extraction issue). Owned by shared/extract. */
export const extractConfigSchema = z
  .object({
    /** DOM engine for Readability: fast `linkedom` (jsdom kept as fallback) or always `jsdom`. */
    dom: z.enum(['linkedom', 'jsdom']).default('linkedom'),
  })
  .prefault({});

export type ExtractConfig = z.infer<typeof extractConfigSchema>;
