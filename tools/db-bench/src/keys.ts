// Key and value streams: seeded, deterministic, and independent of the engine under test,
// so every engine gets byte-for-byte the same keys in the same order and the same values.
//
// Promises:
// - keys are `keySize` bytes in the layout of RocksDB's db_bench: the key index as a
//   big-endian integer in the first min(8, keySize - 1) bytes, then ASCII '0' padding; the
//   last byte is '0' for keys that are written and '.' for keys that never are
//   (readmissing), so absent keys interleave with present ones in key order (a table's
//   key range cannot reject them) and can never collide with a written key;
// - index order is key order (fillseq writes ascending keys);
// - random orders are seeded Fisher-Yates permutations: every key exactly once;
// - values are views into one seeded pool whose 100-byte pieces are 50 random bytes
//   followed by a copy of them (compressible about 2x, like db_bench's values);
// - nothing here allocates per key once built, except the view `key()` returns.

/** Byte that ends every written key ('0'). */
export const PRESENT_MARKER = 0x30;
/** Byte that ends every key guaranteed absent ('.'); sorts just below '0'. */
export const MISSING_MARKER = 0x2e;
/** Smallest supported key size: 7 bytes of index plus the marker byte. */
export const MIN_KEY_SIZE = 8;
/** Largest supported key size (LMDB's default key limit is 1978 bytes). */
export const MAX_KEY_SIZE = 1024;

/** A small, fast, seeded PRNG (mulberry32): uniform 32-bit integers. */
export class Rng {
  private state: number;

  constructor(seed: number) {
    this.state = seed >>> 0;
  }

  /** The next uniform 32-bit unsigned integer. */
  nextU32(): number {
    this.state = (this.state + 0x6d2b79f5) >>> 0;
    let t = this.state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }

  /** A uniform integer in [0, n), n <= 2^32. */
  below(n: number): number {
    return Math.floor((this.nextU32() / 4294967296) * n);
  }
}

/** Derives an independent seed for one stream (`role`) from the run's seed. */
export function streamSeed(seed: number, role: number): number {
  let h = (Math.imul(seed >>> 0, 0x9e3779b1) ^ Math.imul(role + 1, 0x85ebca77)) >>> 0;
  h ^= h >>> 16;
  h = Math.imul(h, 0x7feb352d) >>> 0;
  h ^= h >>> 15;
  return h >>> 0;
}

/** Seed roles: each key stream of a workload draws from its own seeded permutation. */
export const Role = { load: 0, read: 1, overwrite: 2, delete: 3, background: 4, values: 5 } as const;

/** A seeded permutation of 0..n-1 (Fisher-Yates). */
export function permutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  const rng = new Rng(seed);
  for (let i = n - 1; i > 0; i--) {
    const j = rng.below(i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

/** The identity order 0..n-1 (fillseq, and the load order of nothing else). */
export function sequential(n: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  return p;
}

/** Writes key `index` at `dst[off..off+keySize)`, ending with `marker`. */
export function encodeKey(dst: Uint8Array, off: number, index: number, keySize: number, marker: number): void {
  const intBytes = Math.min(8, keySize - 1);
  let v = index;
  for (let b = intBytes - 1; b >= 0; b--) {
    dst[off + b] = v % 256;
    v = Math.floor(v / 256);
  }
  for (let b = intBytes; b < keySize - 1; b++) dst[off + b] = 0x30;
  dst[off + keySize - 1] = marker;
}

/**
 * The keys 0..num-1 of a run, laid out back to back in one buffer; `key(i)` is a view.
 * The absent twin of every key (same index, MISSING_MARKER) is built on first use.
 */
export class KeySpace {
  /** All present keys, key i at i * keySize. */
  readonly present: Uint8Array;
  private missingKeys: Uint8Array | undefined;

  constructor(
    readonly num: number,
    readonly keySize: number,
  ) {
    if (!Number.isSafeInteger(num) || num < 1) throw new RangeError(`num must be an integer >= 1, got ${num}`);
    if (!Number.isInteger(keySize) || keySize < MIN_KEY_SIZE || keySize > MAX_KEY_SIZE) {
      throw new RangeError(`keySize must be in [${MIN_KEY_SIZE}, ${MAX_KEY_SIZE}], got ${keySize}`);
    }
    this.present = KeySpace.build(num, keySize, PRESENT_MARKER);
  }

  private static build(num: number, keySize: number, marker: number): Uint8Array {
    const buf = new Uint8Array(num * keySize);
    for (let i = 0; i < num; i++) encodeKey(buf, i * keySize, i, keySize, marker);
    return buf;
  }

  /** A view of written key `index`. */
  key(index: number): Uint8Array {
    const off = index * this.keySize;
    return this.present.subarray(off, off + this.keySize);
  }

  /** A view of the key guaranteed absent next to key `index`. */
  missingKey(index: number): Uint8Array {
    this.missingKeys ??= KeySpace.build(this.num, this.keySize, MISSING_MARKER);
    const off = index * this.keySize;
    return this.missingKeys.subarray(off, off + this.keySize);
  }
}

/** How value sizes are drawn. */
export type ValueDist = { kind: 'fixed'; size: number } | { kind: 'uniform'; min: number; max: number };

/** Bytes in a piece of the value pool: half random, half a copy of that half. */
export const PIECE = 100;
/** Distinct value views a run cycles through. */
export const VALUE_VIEWS = 4096;
const POOL_BYTES = 10_000 * PIECE;

/**
 * Values: VALUE_VIEWS views into a seeded, ~2x compressible pool, with seeded sizes drawn
 * from the distribution. `value(j)` is the value of the j-th write of a stream.
 */
export class ValueSource {
  private readonly views: Uint8Array[] = [];
  /** Mean value size of the views (exact, not the distribution's nominal mean). */
  readonly meanSize: number;

  constructor(dist: ValueDist, seed: number) {
    const rng = new Rng(streamSeed(seed, Role.values));
    const maxSize = dist.kind === 'fixed' ? dist.size : dist.max;
    const pool = new Uint8Array(POOL_BYTES + maxSize);
    const half = PIECE / 2;
    for (let off = 0; off < pool.length; off += PIECE) {
      for (let i = 0; i < half && off + i < pool.length; i++) pool[off + i] = rng.nextU32() & 0xff;
      for (let i = half; i < PIECE && off + i < pool.length; i++) pool[off + i] = pool[off + i - half]!;
    }
    let total = 0;
    for (let v = 0; v < VALUE_VIEWS; v++) {
      const size = dist.kind === 'fixed' ? dist.size : dist.min + rng.below(dist.max - dist.min + 1);
      // Aligned to a piece, as db_bench's generator hands out consecutive slices: a value
      // of PIECE bytes is then exactly half random, half repeat.
      const off = rng.below(POOL_BYTES / PIECE) * PIECE;
      this.views.push(pool.subarray(off, off + size));
      total += size;
    }
    this.meanSize = total / VALUE_VIEWS;
  }

  /** The value of write number `j` of a stream (no allocation). */
  value(j: number): Uint8Array {
    return this.views[j & (VALUE_VIEWS - 1)]!;
  }
}

/** FNV-1a (32-bit) over the keys of `order` (absent twins if `missing`), as 8 hex digits. */
export function streamDigest(space: KeySpace, order: Uint32Array, count: number, missing: boolean): string {
  let h = 0x811c9dc5;
  for (let j = 0; j < count; j++) {
    const k = missing ? space.missingKey(order[j % order.length]!) : space.key(order[j % order.length]!);
    for (let b = 0; b < k.length; b++) h = Math.imul(h ^ k[b]!, 0x01000193);
  }
  return (h >>> 0).toString(16).padStart(8, '0');
}
