// Shared test helpers: a seeded PRNG, key/value encoding, fake table metadata, and a
// wrapper that names the seed of a failing randomized case.

import type { TableMeta } from '../src/index.js';

/** mulberry32: small, fast, good enough for test data. */
export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  /** Uniform in [0, 1). */
  float(): number {
    this.s = (this.s + 0x6d2b79f5) >>> 0;
    let t = this.s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor(this.float() * n);
  }
  /** Integer in [lo, hi]. */
  range(lo: number, hi: number): number {
    return lo + this.int(hi - lo + 1);
  }
  bool(p = 0.5): boolean {
    return this.float() < p;
  }
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Base seed for randomized tests: LSM_TEST_SEED overrides it to replay a run. */
export const BASE_SEED = Number(process.env.LSM_TEST_SEED ?? 0x5eed);

/** Runs `fn`; a failure is rethrown with the seed in its message, so it can be replayed. */
export function withSeed<T>(seed: number, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof Error) {
      err.message = `[seed ${seed}] ${err.message}`;
      throw err;
    }
    throw new Error(`[seed ${seed}] ${String(err)}`);
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** UTF-8 bytes of a string. */
export function b(s: string): Uint8Array {
  return enc.encode(s);
}

/** String of UTF-8 bytes. */
export function s(x: Uint8Array): string {
  return dec.decode(x);
}

/** A fixed-width key: key(7) = "k000007". Sorts numerically under bytewise order. */
export function key(n: number, width = 6): Uint8Array {
  return b(`k${String(n).padStart(width, '0')}`);
}

let nextId = 1;

/** Fake table metadata covering [lo, hi] (strings), for picker tests. */
export function meta(lo: string, hi: string, size: number, extra: Partial<TableMeta> = {}): TableMeta {
  const id = extra.id ?? nextId++;
  return {
    id,
    size,
    smallest: b(lo),
    largest: b(hi),
    smallestSeqno: extra.smallestSeqno ?? id * 10,
    largestSeqno: extra.largestSeqno ?? id * 10 + 9,
    entries: extra.entries ?? Math.max(1, Math.floor(size / 100)),
    tombstones: extra.tombstones ?? 0,
    rangeTombstones: extra.rangeTombstones ?? 0,
    ...(extra.creationTime !== undefined ? { creationTime: extra.creationTime } : {}),
    ...(extra.largestExclusive !== undefined ? { largestExclusive: extra.largestExclusive } : {}),
  };
}

export const MiB = 1024 * 1024;
