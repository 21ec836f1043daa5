// Building one layer of a BuRR filter. A bumping layer is overloaded on purpose (more keys
// than slots); keys are inserted bucket by bucket, and when a key cannot be inserted the
// bucket's 2-bit threshold is raised so that every key of the bucket whose start offset is
// below the chosen cut is "bumped" to the next layer (and undone here if it was already
// inserted). The final layer has no thresholds and must take every key it is given.
//
// Promises: every key given to buildBumpingLayer() is either consistently stored in the
// layer (its row equation holds after back-substitution) or returned in the bumped set,
// and the layer's thresholds say "bumped" for exactly the returned keys' (bucket, offset)
// positions. buildFinalLayer() stores every key or reports failure.

import { seedHighWord, fmix32, startOf } from './mixing.js';
import { BandingStorage, FAILED, REDUNDANT, RIBBON_WIDTH, backSubstitute, insert } from './ribbon-solver.js';

/** Parameters of one layer (FORMAT.md "Layer descriptor"). */
export interface LayerShape {
  /** Slots in the layer, a multiple of 32, >= 96. */
  readonly numSlots: number;
  /** Layer seed (uint32). */
  readonly seed: number;
  /** For bumping layers: offsets below cutA are bumped when the bucket's threshold is 1, below cutB when 2, all when 3. */
  readonly cutA: number;
  readonly cutB: number;
}

/** Keys as the two Feistel output words of the previous layer (or the raw hash halves). */
export interface KeyWords {
  hi: Int32Array;
  lo: Int32Array;
  count: number;
}

export interface BuiltLayer {
  readonly shape: LayerShape;
  /** 2-bit thresholds, 16 buckets per word (bumping layers only; empty for the final layer). */
  readonly meta: Int32Array;
  /** Interleaved solution words, (numSlots / 32) * r. */
  readonly solution: Int32Array;
  /** Keys passed on to the next layer (this layer's output words). */
  readonly bumped: KeyWords;
}

/** Number of possible start positions in a layer of numSlots slots. */
export function numStartsOf(numSlots: number): number {
  // Rows occupy start .. start+63; keeping start <= numSlots - 65 also keeps a probe's
  // three-word window (words q, q+1, q+2 with q = start >>> 5) inside the layer.
  return numSlots - RIBBON_WIDTH;
}

/** Computes every key's start position in a layer (mixing.ts). */
function computeStarts(keys: KeyWords, seed: number, numStarts: number, out: Int32Array): void {
  const sHi = seedHighWord(seed);
  const hi = keys.hi, lo = keys.lo;
  for (let i = 0, n = keys.count; i < n; i++) out[i] = startOf(hi[i]! ^ sHi, lo[i]! ^ seed, numStarts);
}

/**
 * Builds an overloaded bumping layer over `keys` with bucket size 2^logB and r-bit
 * fingerprints.
 */
export function buildBumpingLayer(keys: KeyWords, shape: LayerShape, logB: number, r: number): BuiltLayer {
  const n = keys.count;
  const numSlots = shape.numSlots;
  const numStarts = numStartsOf(numSlots);
  const seed = shape.seed | 0;
  const sHi = seedHighWord(seed);
  const B = 1 << logB;
  const bMask = B - 1;
  const numBuckets = Math.ceil(numStarts / B);
  const fpShift = 32 - r;

  // 1. Start positions.
  const s0 = new Int32Array(n);
  computeStarts(keys, seed, numStarts, s0);

  // 2. Sort keys by (bucket ascending, offset descending): an LSD radix sort, first by the
  //    reversed offset, then stably by bucket, moving (start, hi, lo) together.
  const s1 = new Int32Array(n), h1 = new Int32Array(n), l1 = new Int32Array(n);
  {
    const count = new Int32Array(B);
    for (let i = 0; i < n; i++) count[(s0[i]! & bMask) ^ bMask]!++;
    for (let v = 0, sum = 0; v < B; v++) {
      const c = count[v]!;
      count[v] = sum;
      sum += c;
    }
    const hi = keys.hi, lo = keys.lo;
    for (let i = 0; i < n; i++) {
      const st = s0[i]!;
      const d = count[(st & bMask) ^ bMask]!++;
      s1[d] = st;
      h1[d] = hi[i]!;
      l1[d] = lo[i]!;
    }
  }
  const bucketStart = new Int32Array(numBuckets + 1);
  for (let i = 0; i < n; i++) bucketStart[s1[i]! >>> logB]!++;
  let maxBucket = 0;
  for (let b = 0, sum = 0; b <= numBuckets; b++) {
    const c = bucketStart[b]!;
    if (c > maxBucket) maxBucket = c;
    bucketStart[b] = sum;
    sum += c;
  }
  const S = s0, H = new Int32Array(n), L = new Int32Array(n);
  {
    const fill = bucketStart.slice();
    for (let i = 0; i < n; i++) {
      const st = s1[i]!;
      const d = fill[st >>> logB]!++;
      S[d] = st;
      H[d] = h1[i]!;
      L[d] = l1[i]!;
    }
  }
  // h1/l1 are reused below for the bumped keys' next-layer words.
  const outH = h1, outL = l1;

  // 3. Insert bucket by bucket, highest offsets first, bumping on the first failure.
  const storage = new BandingStorage(numSlots);
  const meta = new Int32Array((numBuckets + 15) >>> 4);
  const undoSlot = new Int32Array(maxBucket);
  const undoOff = new Int32Array(maxBucket);
  const cutA = shape.cutA, cutB = shape.cutB;
  let bumpedCount = 0;
  for (let b = 0; b < numBuckets; b++) {
    const begin = bucketStart[b]!, end = bucketStart[b + 1]!;
    let top = 0;
    let level = 0;
    for (let j = begin; j < end; j++) {
      const a = H[j]! ^ sHi, bw = L[j]! ^ seed;
      const x2 = (bw + fmix32(a)) | 0;
      const x3 = (a + fmix32(x2)) | 0;
      const x4 = (x2 + fmix32(x3)) | 0;
      const start = S[j]!;
      const off = start & bMask;
      const res = insert(storage, start, x4 | 1, x3, x2 >>> fpShift);
      if (res !== FAILED) {
        undoSlot[top] = res;
        undoOff[top] = off;
        top++;
        continue;
      }
      // First failure in this bucket: take the smallest cut above this offset.
      const cut = off < cutA ? cutA : off < cutB ? cutB : B;
      level = off < cutA ? 1 : off < cutB ? 2 : 3;
      // Undo the most recent insertions whose offsets fall below the cut (LIFO).
      while (top > 0 && undoOff[top - 1]! < cut) {
        top--;
        const slot = undoSlot[top]!;
        if (slot !== REDUNDANT) storage.clear(slot);
      }
      break;
    }
    if (level !== 0) {
      meta[b >>> 4]! |= level << ((b & 15) << 1);
      // Bumped: every key of the bucket with offset < cut, a suffix of the bucket's range
      // (offsets descend) that starts at the first undone key. They enter the next layer
      // with this layer's Feistel output words.
      for (let k = begin + top; k < end; k++) {
        const a = H[k]! ^ sHi, bw = L[k]! ^ seed;
        const x2 = (bw + fmix32(a)) | 0;
        const x3 = (a + fmix32(x2)) | 0;
        outH[bumpedCount] = (x2 + fmix32(x3)) | 0;
        outL[bumpedCount] = x3;
        bumpedCount++;
      }
    }
  }

  const solution = backSubstitute(storage, r);
  return { shape, meta, solution, bumped: { hi: outH, lo: outL, count: bumpedCount } };
}

/**
 * Builds the final layer: a plain ribbon (no thresholds) that must store every key.
 * Returns undefined when some key cannot be stored (the caller retries with another seed
 * or more slots).
 */
export function buildFinalLayer(keys: KeyWords, shape: LayerShape, r: number): BuiltLayer | undefined {
  const n = keys.count;
  const numSlots = shape.numSlots;
  const numStarts = numStartsOf(numSlots);
  const seed = shape.seed | 0;
  const sHi = seedHighWord(seed);
  const storage = new BandingStorage(numSlots);
  const fpShift = 32 - r;
  const hi = keys.hi, lo = keys.lo;
  for (let i = 0; i < n; i++) {
    const a = hi[i]! ^ sHi, b = lo[i]! ^ seed;
    const x2 = (b + fmix32(a)) | 0;
    const x3 = (a + fmix32(x2)) | 0;
    const x4 = (x2 + fmix32(x3)) | 0;
    if (insert(storage, startOf(a, b, numStarts), x4 | 1, x3, x2 >>> fpShift) === FAILED) return undefined;
  }
  const solution = backSubstitute(storage, r);
  return { shape, meta: new Int32Array(0), solution, bumped: { hi: new Int32Array(0), lo: new Int32Array(0), count: 0 } };
}
