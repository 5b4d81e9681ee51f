/**
 * Strict config validation: an unknown key anywhere in wirewatch.yaml is an error, never silently dropped (a
 * typo such as `http.allowHost` would otherwise leave the default in force without a word), and the error
 * suggests the nearest known key.
 *
 * Each module owns its section's schema (`shared/<module>/config-schema.ts`) and writes plain `z.object`s;
 * `strictDeep` turns every object of the composed schema into its strict form (zod's `.strict()`: unknown keys
 * are `unrecognized_keys` issues) once, at composition, so no section can forget it.
 */
import { z } from 'zod';

type AnySchema = z.ZodType;

/**
 * Returns a copy of `schema` in which every object, at any depth (inside arrays, optional/default/prefault
 * wrappers, nullable, records, unions and discriminated unions, pipes), rejects unknown keys like
 * `z.strictObject`. Defaults, refinements and descriptions are kept (each node is cloned with its own
 * definition, only children and the object catch-all replaced). Schemas of other kinds are returned as they are.
 * @param schema any zod 4 schema
 * @returns the strict copy, of the same type
 */
export function strictDeep<T extends AnySchema>(schema: T): T {
  return strictNode(schema) as T;
}

function strictNode(s: AnySchema): AnySchema {
  // biome-ignore lint/suspicious/noExplicitAny: zod 4 definitions differ per schema kind; each branch reads its own
  const def = (s as any)._zod.def as Record<string, any>;
  const cloneWith = (patch: Record<string, unknown>) => s.clone({ ...def, ...patch } as never);
  if (s instanceof z.ZodObject) {
    const shape: Record<string, AnySchema> = {};
    for (const [k, v] of Object.entries(s.shape as Record<string, AnySchema>)) shape[k] = strictNode(v);
    return cloneWith({ shape, catchall: z.never() });
  }
  if (s instanceof z.ZodArray) return cloneWith({ element: strictNode(def.element) });
  if (
    s instanceof z.ZodOptional ||
    s instanceof z.ZodNullable ||
    s instanceof z.ZodDefault ||
    s instanceof z.ZodPrefault ||
    s instanceof z.ZodCatch ||
    s instanceof z.ZodReadonly
  ) {
    return cloneWith({ innerType: strictNode(def.innerType) });
  }
  if (s instanceof z.ZodUnion) return cloneWith({ options: (def.options as AnySchema[]).map(strictNode) });
  if (s instanceof z.ZodRecord) return cloneWith({ valueType: strictNode(def.valueType) });
  if (s instanceof z.ZodPipe) return cloneWith({ in: strictNode(def.in), out: strictNode(def.out) });
  return s;
}

/**
 * The keys the object schema at `path` accepts, following the document `doc` where the schema branches (a
 * discriminated union picks the option whose discriminator matches the value found there), or null when the
 * path leads to no object schema.
 * @param schema the composed config schema
 * @param doc the parsed document the path points into
 * @param path an issue path (`['subscriptions', 0]`)
 */
export function knownKeysAt(schema: AnySchema, doc: unknown, path: ReadonlyArray<PropertyKey>): string[] | null {
  let s: AnySchema | undefined = schema;
  let value: unknown = doc;
  for (let i = 0; i <= path.length && s; i++) {
    s = unwrap(s, value);
    if (!s) return null;
    if (i === path.length) break;
    const part = path[i]!;
    // biome-ignore lint/suspicious/noExplicitAny: see strictNode
    const def = (s as any)._zod.def as Record<string, any>;
    if (s instanceof z.ZodObject) s = (s.shape as Record<string, AnySchema>)[String(part)];
    else if (s instanceof z.ZodArray) s = def.element as AnySchema;
    else if (s instanceof z.ZodRecord) s = def.valueType as AnySchema;
    else return null;
    value = value !== null && typeof value === 'object' ? (value as Record<PropertyKey, unknown>)[part] : undefined;
  }
  return s instanceof z.ZodObject ? Object.keys(s.shape) : null;
}

/** Strips wrappers; picks the union option that fits `value` (by discriminator, else the first object option). */
function unwrap(s: AnySchema, value: unknown): AnySchema | undefined {
  for (let guard = 0; guard < 32; guard++) {
    // biome-ignore lint/suspicious/noExplicitAny: see strictNode
    const def = (s as any)._zod.def as Record<string, any>;
    if (def.innerType) s = def.innerType as AnySchema;
    else if (s instanceof z.ZodPipe) s = def.in as AnySchema;
    else if (s instanceof z.ZodUnion) {
      const options = def.options as AnySchema[];
      const disc = def.discriminator as string | undefined;
      const tag =
        disc && value !== null && typeof value === 'object' ? (value as Record<string, unknown>)[disc] : undefined;
      const match = options.find((o) => {
        if (!disc || !(o instanceof z.ZodObject)) return false;
        const lit = (o.shape as Record<string, AnySchema>)[disc];
        return lit instanceof z.ZodLiteral && lit.values.has(tag as never);
      });
      const next = match ?? (disc ? undefined : options.find((o) => o instanceof z.ZodObject));
      if (!next) return undefined;
      s = next;
    } else return s;
  }
  return s;
}

/**
 * Optimal string alignment distance (Damerau–Levenshtein with adjacent transpositions, each edit costing 1).
 * @returns the number of insertions, deletions, substitutions and adjacent swaps turning `a` into `b`
 */
export function editDistance(a: string, b: string): number {
  const m = a.length;
  const n = b.length;
  const d: number[][] = Array.from({ length: m + 1 }, (_, i) =>
    Array.from({ length: n + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)),
  );
  for (let i = 1; i <= m; i++) {
    for (let j = 1; j <= n; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let v = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) v = Math.min(v, d[i - 2]![j - 2]! + 1);
      d[i]![j] = v;
    }
  }
  return d[m]![n]!;
}

/**
 * The known key closest to an unknown one, when it is close enough to be a typo: same letters in another case,
 * or at most 2 edits (1 for keys of up to 3 characters), compared case-insensitively. Ties go to the first
 * known key.
 * @param unknown the key as written
 * @param known the keys accepted at that place
 * @returns the suggestion, or null
 */
export function nearestKey(unknown: string, known: readonly string[]): string | null {
  const u = unknown.toLowerCase();
  const limit = u.length <= 3 ? 1 : 2;
  let best: string | null = null;
  let bestD = Number.POSITIVE_INFINITY;
  for (const k of known) {
    const dist = editDistance(u, k.toLowerCase());
    if (dist < bestD) {
      best = k;
      bestD = dist;
    }
  }
  return best !== null && bestD <= limit ? best : null;
}
