// FilterReader: answers membership probes straight from a filter's serialized bytes. It
// keeps a DataView over the caller's buffer (no copy; any byteOffset and alignment, and
// the same answers on big-endian hosts) plus a few per-layer numbers decoded once by
// from(). Promises: from() throws only FilterError('LSM_CORRUPTION') for bad bytes; after
// it succeeds, probes never read outside the validated sections, never allocate, never
// throw, and take at most one pass over the layers. Mutating the bytes afterwards changes
// answers (a view, not a copy) but cannot make a probe read out of bounds, because sizes
// and offsets are decoded once here. (Detaching or shrinking the underlying ArrayBuffer is
// the caller's error and makes probes throw.)

import type { Hash64 } from './hash.js';
import { fmix32, seedHighWord, START_MULTIPLIER, TWO_POW_M32 } from './mixing.js';
import { parse, type ParsedFilter } from './format.js';

/** Public description of one layer, for diagnostics and benchmarks. */
export interface LayerInfo {
  readonly slots: number;
  readonly keys: number;
  readonly seed: number;
  /** Threshold bytes (0 for the last layer). */
  readonly thresholdBytes: number;
  readonly solutionBytes: number;
}

/** Probes a serialized BuRR filter in place. Create with {@link FilterReader.from}. */
export class FilterReader {
  /** Number of key hashes the filter was built from (duplicates counted). */
  readonly keyCount: number;
  /** Fingerprint bits r: the false-positive rate is about 2^-r. */
  readonly fingerprintBits: number;
  /** Size of the serialized filter in bytes. */
  readonly byteLength: number;

  private readonly dv: DataView;
  private readonly numLayers: number;
  private readonly logB: number;
  private readonly bMask: number;
  /** Cuts of threshold values 1, 2 and 3: keys at offsets below them were bumped (value 0 bumps none). */
  private readonly cut1: number;
  private readonly cut2: number;
  private readonly cut3: number;
  private readonly seedLo: Int32Array;
  private readonly seedHi: Int32Array;
  private readonly numStarts: Float64Array;
  private readonly metaOff: Float64Array;
  private readonly solOff: Float64Array;
  private readonly parsed: ParsedFilter;

  private constructor(bytes: Uint8Array, parsed: ParsedFilter) {
    this.parsed = parsed;
    this.keyCount = parsed.keyCount;
    this.fingerprintBits = parsed.fingerprintBits;
    this.byteLength = parsed.byteLength;
    this.dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    const n = parsed.layers.length;
    this.numLayers = n;
    this.logB = parsed.logBucketSize;
    this.bMask = 2 ** parsed.logBucketSize - 1;
    this.cut1 = parsed.cutA;
    this.cut2 = parsed.cutB;
    this.cut3 = 2 ** parsed.logBucketSize;
    this.seedLo = new Int32Array(n);
    this.seedHi = new Int32Array(n);
    this.numStarts = new Float64Array(n);
    this.metaOff = new Float64Array(n);
    this.solOff = new Float64Array(n);
    for (let i = 0; i < n; i++) {
      const l = parsed.layers[i]!;
      this.seedLo[i] = l.seed | 0;
      this.seedHi[i] = seedHighWord(l.seed | 0);
      this.numStarts[i] = l.numSlots - 64;
      this.metaOff[i] = parsed.metaOffsets[i]!;
      this.solOff[i] = parsed.solutionOffsets[i]!;
    }
  }

  /**
   * Validates the header and section sizes of `bytes` and returns a reader that probes
   * them in place (the bytes are not copied; keep them alive and unchanged).
   * @throws FilterError with code 'LSM_CORRUPTION' if the bytes are not a valid filter.
   */
  static from(bytes: Uint8Array): FilterReader {
    return new FilterReader(bytes, parse(bytes));
  }

  /** May the key with this hash be in the set? false means definitely not. */
  mayContain(hash: Hash64): boolean {
    return this.mayContainHash(hash.hi, hash.lo);
  }

  /**
   * Same as {@link mayContain} with the hash given as its two 32-bit halves (no object
   * needed). Values are taken modulo 2^32, so signed and unsigned forms are equivalent.
   */
  mayContainHash(hi: number, lo: number): boolean {
    const last = this.numLayers - 1;
    let h = hi | 0, l = lo | 0;
    for (let k = 0; k <= last; k++) {
      // Key derivation: mixing.ts, FORMAT.md "Key derivation". The start hash comes
      // first and is short so the memory loads can begin while the row is computed.
      const a = h ^ this.seedHi[k]!;
      const b = l ^ this.seedLo[k]!;
      // start < numStarts < 2^31 (checked by parse), so `| 0` is floor here.
      const start = ((fmix32((a + Math.imul(b, START_MULTIPLIER)) | 0) >>> 0) * this.numStarts[k]! * TWO_POW_M32) | 0;
      const x2 = (b + fmix32(a)) | 0;
      const x3 = (a + fmix32(x2)) | 0;
      const x4 = (x2 + fmix32(x3)) | 0;
      if (k !== last) {
        const bucket = start >>> this.logB;
        const m = (this.dv.getInt32(this.metaOff[k]! + (bucket >>> 4) * 4, true) >>> ((bucket & 15) << 1)) & 3;
        if (m !== 0 && (start & this.bMask) < (m === 1 ? this.cut1 : m === 2 ? this.cut2 : this.cut3)) {
          // Bumped here: continue in the next layer from this layer's output words.
          h = x4;
          l = x3;
          continue;
        }
      }
      return this.retrieve(this.solOff[k]!, start, x4 | 1, x3, x2);
    }
    return false;
  }

  /** Compares the r bits retrieved for the row (start, lo:hi) with the fingerprint in x2. */
  private retrieve(solOff: number, start: number, lo: number, hi: number, x2: number): boolean {
    const dv = this.dv;
    const r = this.fingerprintBits;
    const fp = x2 >>> (32 - r);
    // Align the 64 coefficient bits with the three solution words they overlap.
    const sh = start & 31;
    const a0 = lo << sh;
    const a1 = (hi << sh) | ((lo >>> 1) >>> (31 - sh));
    const a2 = (hi >>> 1) >>> (31 - sh);
    const stride = r * 4;
    let p = solOff + (start >>> 5) * stride;
    for (let b = 0; b < r; b++, p += 4) {
      let x = (dv.getInt32(p, true) & a0) ^ (dv.getInt32(p + stride, true) & a1) ^ (dv.getInt32(p + 2 * stride, true) & a2);
      x ^= x >>> 16;
      x ^= x >>> 8;
      x ^= x >>> 4;
      if ((((0x6996 >>> (x & 15)) ^ (fp >>> b)) & 1) !== 0) return false;
    }
    return true;
  }

  /** Per-layer sizes, for diagnostics. */
  layerInfo(): LayerInfo[] {
    const p = this.parsed;
    return p.layers.map((l, i) => ({
      slots: l.numSlots,
      keys: l.keyCount,
      seed: l.seed,
      thresholdBytes: p.solutionOffsets[i]! - p.metaOffsets[i]!,
      solutionBytes: (l.numSlots / 32) * p.fingerprintBits * 4,
    }));
  }
}
