import { z } from 'zod';

/** `store:` and `api:` sections of wirewatch.yaml. Owned by shared/store and shared/api. */
export const storeConfigSchema = z
  .object({
    tableName: z.string().min(3).default('wirewatch'),
    /** Items expire (DynamoDB TTL `expiresAt`) this many days after first sight. */
    retentionDays: z.number().int().positive().default(90),
  })
  .prefault({});

export const apiConfigSchema = z
  .object({
    port: z.number().int().min(0).max(65535).default(8787),
    host: z.string().default('127.0.0.1'),
    /** Env var holding the HMAC key for cursors; a random per-process key is used when unset. */
    cursorKeyEnv: z.string().default('WIREWATCH_CURSOR_KEY'),
  })
  .prefault({});

export type StoreConfig = z.infer<typeof storeConfigSchema>;
export type ApiConfig = z.infer<typeof apiConfigSchema>;
