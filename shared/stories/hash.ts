/**
 * Small, fast, deterministic 32-bit hashing for fingerprints. Not cryptographic: the values only need to be
 * well mixed and identical in every process and release, because they are stored (index keys, shingle sets).
 *
 * - {@link fnv1a}: FNV-1a 32-bit over the UTF-16 code units of a string (Fowler–Noll–Vo, the `1a` variant).
 * - {@link mix32}: the MurmurHash3 `fmix32` finaliser (full avalanche), used to derive independent hash
 *   functions as `mix32(x ^ seed)`.
 */

/** FNV-1a 32-bit hash of a string's UTF-16 code units. @returns an unsigned 32-bit integer */
export function fnv1a(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/** MurmurHash3 fmix32: a bijective avalanche mix of a 32-bit integer. @returns an unsigned 32-bit integer */
export function mix32(x: number): number {
  let h = x | 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

/** Order-dependent combination of two 32-bit hashes (boost::hash_combine style, then mixed). */
export function combine(h: number, v: number): number {
  return mix32((h ^ (v + 0x9e3779b9 + (h << 6) + (h >>> 2))) >>> 0);
}

/** 8 lower-case hex digits of an unsigned 32-bit integer. */
export function hex8(x: number): string {
  return (x >>> 0).toString(16).padStart(8, '0');
}

/** Deterministic PRNG (mulberry32) for seeded generators and benchmarks. @returns numbers in [0, 1) */
export function mulberry32(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}
