// Normalizes the three accepted key-hash inputs (Hash64 objects, interleaved Uint32Array,
// BigUint64Array) into two Int32Arrays of high and low halves, validating as it goes.
// Promise: either returns exactly one (hi, lo) pair per input hash, in input order, or
// throws FilterError('LSM_INVALID_ARGUMENT') naming the offending element.

import { invalidArgument } from './errors.js';
import type { Hash64 } from './hash.js';
import type { KeyWords } from './bumping.js';

/**
 * Largest key count build() accepts: slot indices then stay below 2^31, so the builder can
 * keep them in Int32Arrays (the format itself records counts as u32).
 */
export const MAX_KEYS = 0x7fffffff;

const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;

function isHalf(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= -0x80000000 && v <= 0xffffffff;
}

/** Converts build() input into key words. */
export function toKeyWords(hashes: readonly Hash64[] | Uint32Array | BigUint64Array): KeyWords {
  if (hashes instanceof Uint32Array) {
    if (hashes.length % 2 !== 0) {
      invalidArgument(`an interleaved Uint32Array of hashes must have even length, got ${hashes.length}`);
    }
    const n = hashes.length / 2;
    const hi = new Int32Array(n), lo = new Int32Array(n);
    for (let i = 0; i < n; i++) {
      hi[i] = hashes[2 * i]!;
      lo[i] = hashes[2 * i + 1]!;
    }
    return { hi, lo, count: n };
  }
  if (typeof BigUint64Array !== 'undefined' && hashes instanceof BigUint64Array) {
    const n = hashes.length;
    const hi = new Int32Array(n), lo = new Int32Array(n);
    if (LITTLE_ENDIAN) {
      // Read the 64-bit values through a 32-bit view: no BigInt arithmetic per key.
      const w = new Int32Array(hashes.buffer, hashes.byteOffset, 2 * n);
      for (let i = 0; i < n; i++) {
        lo[i] = w[2 * i]!;
        hi[i] = w[2 * i + 1]!;
      }
    } else {
      for (let i = 0; i < n; i++) {
        const v = hashes[i]!;
        hi[i] = Number(v >> 32n) | 0;
        lo[i] = Number(v & 0xffffffffn) | 0;
      }
    }
    return { hi, lo, count: n };
  }
  if (!Array.isArray(hashes)) {
    invalidArgument('hashes must be an array of Hash64, an interleaved Uint32Array or a BigUint64Array');
  }
  const arr = hashes as readonly unknown[];
  const n = arr.length;
  const hi = new Int32Array(n), lo = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    const h = arr[i] as Partial<Hash64> | null | undefined;
    const a = h?.hi, b = h?.lo;
    if (!isHalf(a) || !isHalf(b)) {
      invalidArgument(`hashes[${i}] is not a Hash64 (hi and lo must be 32-bit integers)`);
    }
    hi[i] = a;
    lo[i] = b;
  }
  return { hi, lo, count: n };
}
