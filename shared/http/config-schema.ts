import { z } from 'zod';

/**
 * `http:` section of wirewatch.yaml — settings of the outbound HTTP chokepoint.
 * Owned by shared/http; extend here, not in shared/config/schema.ts.
 */
export const httpConfigSchema = z
  .object({
    /** Exact `host:port` entries that may be fetched although they resolve to private/loopback addresses. */
    allowHosts: z
      .array(z.string().regex(/^(\[[0-9a-fA-F:.]+\]|[^\s:/]+):\d{1,5}$/, 'must be host:port, e.g. 127.0.0.1:8080'))
      .default([]),
    /**
     * URL (or `mailto:`) put in the User-Agent so publishers can reach the operator. No default: wirewatch does
     * not invent a contact the operator does not control; set one before polling at scale.
     */
    contactUrl: z
      .string()
      .url()
      .regex(/^[^\s()]+$/, 'must not contain spaces or parentheses (it goes inside the User-Agent comment)')
      .optional(),
    timeouts: z
      .object({
        connectMs: z.number().int().positive().default(10_000),
        headersMs: z.number().int().positive().default(10_000),
        bodyMs: z.number().int().positive().default(20_000),
      })
      .prefault({}),
    maxBytes: z
      .object({
        feed: z
          .number()
          .int()
          .positive()
          .default(10 * 1024 * 1024),
        page: z
          .number()
          .int()
          .positive()
          .default(5 * 1024 * 1024),
      })
      .prefault({}),
    /** Minimum gap between two requests to the same host, ms. */
    hostGapMs: z.number().int().nonnegative().default(1_000),
  })
  .prefault({});

export type HttpConfig = z.infer<typeof httpConfigSchema>;
