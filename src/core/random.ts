/**
 * Seeded randomness for the pure core. Nothing in the core calls `Math.random`: every
 * random choice comes from an {@link Rng} derived from the search seed and a purpose,
 * so any step can be replayed exactly on any machine (a Lambda, a worker, a test).
 */

/** A deterministic source of uniform numbers in [0, 1) with helpers. */
export interface Rng {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Uniform integer in [low, high] inclusive. */
  int(low: number, high: number): number;
  /** Standard normal sample. */
  normal(): number;
  /** One element chosen uniformly. */
  pick<T>(items: readonly T[]): T;
  /** A 32-bit integer, e.g. to seed a tfjs initializer. */
  seed(): number;
  /** Fisher-Yates shuffle in place; returns the same array. */
  shuffle<T>(items: T[]): T[];
}

/** 32-bit FNV-1a hash of a string; stable across platforms. */
export function hashString(text: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  return h >>> 0;
}

/**
 * An Rng for one purpose: `createRng(seed, 'trial', 7)` always yields the same stream,
 * and streams for different purposes are independent.
 */
export function createRng(seed: number, ...purpose: (string | number)[]): Rng {
  let state = (hashString(`${seed}|${purpose.join('|')}`) ^ 0x9e3779b9) >>> 0;
  // mulberry32: small, fast, passes common statistical batteries for this use.
  const next = (): number => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
  let spare: number | undefined;
  return {
    next,
    int: (low, high) => low + Math.floor(next() * (high - low + 1)),
    normal: () => {
      if (spare !== undefined) {
        const value = spare;
        spare = undefined;
        return value;
      }
      let u = 0;
      while (u === 0) u = next();
      const v = next();
      const r = Math.sqrt(-2 * Math.log(u));
      spare = r * Math.sin(2 * Math.PI * v);
      return r * Math.cos(2 * Math.PI * v);
    },
    pick: (items) => {
      if (items.length === 0) throw new RangeError('pick from an empty list');
      return items[Math.floor(next() * items.length)] as (typeof items)[number];
    },
    seed: () => Math.floor(next() * 2147483647),
    shuffle: (items) => {
      for (let i = items.length - 1; i > 0; i--) {
        const j = Math.floor(next() * (i + 1));
        const tmp = items[i] as (typeof items)[number];
        items[i] = items[j] as (typeof items)[number];
        items[j] = tmp;
      }
      return items;
    },
  };
}
