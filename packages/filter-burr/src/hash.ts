// hash64: XXH64 (xxHash, 64-bit variant, by Yann Collet) computed with 32-bit integer math,
// so it is fast in JavaScript (no BigInt) and bit-for-bit identical to every other XXH64
// implementation on every platform. Promise: hash64(data, seed) equals the reference
// XXH64(data, seed) for all inputs and seeds in [0, 2^53); the test suite pins known values
// so the function can never change silently (filters persisted on disk depend on it).

import { invalidArgument } from './errors.js';

/** A 64-bit hash as two unsigned 32-bit halves (no BigInt on the hot path). */
export interface Hash64 {
  readonly hi: number;
  readonly lo: number;
}

// XXH64 primes as (hi, lo) 32-bit halves.
const P1H = 0x9e3779b1, P1L = 0x85ebca87;
const P2H = 0xc2b2ae3d, P2L = 0x27d4eb4f;
const P3H = 0x165667b1, P3L = 0x9e3779f9;
const P4H = 0x85ebca77, P4L = 0xc2b2ae63;
const P5H = 0x27d4eb2f, P5L = 0x165667c5;

// Result registers of the 64-bit helpers below. Module-level scratch keeps the helpers
// allocation-free; every caller reads them immediately after the call. Values are kept as
// int32 (never `>>> 0`) so V8 stores them as small integers, not heap-allocated doubles.
let rh = 0;
let rl = 0;

/** (ah:al) * (bh:bl) mod 2^64 into rh:rl. */
function mul64(ah: number, al: number, bh: number, bl: number): void {
  const a0 = al & 0xffff, a1 = al >>> 16;
  const b0 = bl & 0xffff, b1 = bl >>> 16;
  const p00 = a0 * b0;
  // Sum of the middle partial products plus the carry out of p00: below 2^34, exact.
  const mid = a0 * b1 + a1 * b0 + (p00 >>> 16);
  const hi32 = a1 * b1 + ((mid / 65536) | 0); // high half of the 32x32 product, < 2^32
  rl = Math.imul(al, bl);
  rh = (hi32 + Math.imul(al, bh) + Math.imul(ah, bl)) | 0;
}

/** (ah:al) + (bh:bl) mod 2^64 into rh:rl. */
function add64(ah: number, al: number, bh: number, bl: number): void {
  const lo = (al >>> 0) + (bl >>> 0);
  rl = lo | 0;
  rh = (ah + bh + (lo > 0xffffffff ? 1 : 0)) | 0;
}

/** XXH64 round: acc = rotl(acc + input * P2, 31) * P1, into rh:rl. */
function round(acch: number, accl: number, inh: number, inl: number): void {
  mul64(inh, inl, P2H, P2L);
  add64(acch, accl, rh, rl);
  // rotl 31
  const h = rh, l = rl;
  const nh = (h << 31) | (l >>> 1);
  const nl = (l << 31) | (h >>> 1);
  mul64(nh, nl, P1H, P1L);
}

/** XXH64 mergeRound: acc = (acc ^ round(0, val)) * P1 + P4, into rh:rl. */
function mergeRound(acch: number, accl: number, vh: number, vl: number): void {
  round(0, 0, vh, vl);
  mul64(acch ^ rh, accl ^ rl, P1H, P1L);
  add64(rh, rl, P4H, P4L);
}

/** 32-bit little-endian read. */
function u32le(b: Uint8Array, p: number): number {
  return b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16) | (b[p + 3]! << 24);
}

/** Checks that a seed is a non-negative safe integer (it becomes XXH64's 64-bit seed). */
function checkSeed(seed: number): void {
  if (!Number.isSafeInteger(seed) || seed < 0) {
    invalidArgument(`hash seed must be a non-negative safe integer, got ${String(seed)}`);
  }
}

/** XXH64 of `data` with a 64-bit seed given as halves, into rh:rl (the core of hash64 and hash64Into). */
function xxh64(data: Uint8Array, seedH: number, seedL: number): void {
  const len = data.length;
  let p = 0;
  let hh: number, hl: number;
  if (len >= 32) {
    // v1 = seed + P1 + P2, v2 = seed + P2, v3 = seed, v4 = seed - P1
    add64(seedH, seedL, P1H, P1L);
    add64(rh, rl, P2H, P2L);
    let v1h = rh, v1l = rl;
    add64(seedH, seedL, P2H, P2L);
    let v2h = rh, v2l = rl;
    let v3h = seedH, v3l = seedL;
    // seed - P1 = seed + (2^64 - P1)
    add64(seedH, seedL, ~P1H | 0, ((~P1L | 0) + 1) | 0);
    let v4h = rh, v4l = rl;
    const limit = len - 32;
    do {
      round(v1h, v1l, u32le(data, p + 4), u32le(data, p));
      v1h = rh; v1l = rl;
      round(v2h, v2l, u32le(data, p + 12), u32le(data, p + 8));
      v2h = rh; v2l = rl;
      round(v3h, v3l, u32le(data, p + 20), u32le(data, p + 16));
      v3h = rh; v3l = rl;
      round(v4h, v4l, u32le(data, p + 28), u32le(data, p + 24));
      v4h = rh; v4l = rl;
      p += 32;
    } while (p <= limit);
    // h = rotl(v1,1) + rotl(v2,7) + rotl(v3,12) + rotl(v4,18)
    hh = ((v1h << 1) | (v1l >>> 31)) | 0;
    hl = ((v1l << 1) | (v1h >>> 31)) | 0;
    add64(hh, hl, ((v2h << 7) | (v2l >>> 25)) | 0, ((v2l << 7) | (v2h >>> 25)) | 0);
    add64(rh, rl, ((v3h << 12) | (v3l >>> 20)) | 0, ((v3l << 12) | (v3h >>> 20)) | 0);
    add64(rh, rl, ((v4h << 18) | (v4l >>> 14)) | 0, ((v4l << 18) | (v4h >>> 14)) | 0);
    mergeRound(rh, rl, v1h, v1l);
    mergeRound(rh, rl, v2h, v2l);
    mergeRound(rh, rl, v3h, v3l);
    mergeRound(rh, rl, v4h, v4l);
    hh = rh; hl = rl;
  } else {
    add64(seedH, seedL, P5H, P5L);
    hh = rh; hl = rl;
  }
  // h += len (len < 2^53; its high half is floor(len / 2^32))
  add64(hh, hl, Math.floor(len / 4294967296) | 0, len | 0);
  hh = rh; hl = rl;
  while (p + 8 <= len) {
    round(0, 0, u32le(data, p + 4), u32le(data, p));
    // h ^= k1; h = rotl(h, 27) * P1 + P4
    const xh = (hh ^ rh) | 0, xl = (hl ^ rl) | 0;
    mul64(((xh << 27) | (xl >>> 5)) | 0, ((xl << 27) | (xh >>> 5)) | 0, P1H, P1L);
    add64(rh, rl, P4H, P4L);
    hh = rh; hl = rl;
    p += 8;
  }
  if (p + 4 <= len) {
    // h ^= u32 * P1; h = rotl(h, 23) * P2 + P3
    mul64(0, u32le(data, p), P1H, P1L);
    const xh = (hh ^ rh) | 0, xl = (hl ^ rl) | 0;
    mul64(((xh << 23) | (xl >>> 9)) | 0, ((xl << 23) | (xh >>> 9)) | 0, P2H, P2L);
    add64(rh, rl, P3H, P3L);
    hh = rh; hl = rl;
    p += 4;
  }
  while (p < len) {
    // h ^= byte * P5; h = rotl(h, 11) * P1
    mul64(0, data[p]!, P5H, P5L);
    const xh = (hh ^ rh) | 0, xl = (hl ^ rl) | 0;
    mul64(((xh << 11) | (xl >>> 21)) | 0, ((xl << 11) | (xh >>> 21)) | 0, P1H, P1L);
    hh = rh; hl = rl;
    p++;
  }
  // Avalanche: h ^= h >> 33; h *= P2; h ^= h >> 29; h *= P3; h ^= h >> 32
  hl = (hl ^ (hh >>> 1)) | 0;
  mul64(hh, hl, P2H, P2L);
  hh = rh; hl = (rl ^ ((rl >>> 29) | (rh << 3))) | 0;
  hh = (hh ^ (hh >>> 29)) | 0;
  mul64(hh, hl, P3H, P3L);
  rl = (rl ^ rh) | 0;
}

/**
 * Fast, deterministic, platform-independent 64-bit hash of bytes: exactly XXH64
 * (xxHash64) with the given seed, computed with 32-bit integer math.
 *
 * Hash each key once and reuse the result: a reader probing many filters (one per table)
 * should compute `hash64(key)` a single time and pass it to every `mayContain` call.
 *
 * @param data the bytes to hash (any length).
 * @param seed optional non-negative safe integer (default 0); used as the 64-bit XXH64 seed.
 */
export function hash64(data: Uint8Array, seed = 0): Hash64 {
  if (!(data instanceof Uint8Array)) invalidArgument('hash64: data must be a Uint8Array');
  if (seed !== 0) checkSeed(seed);
  xxh64(data, Math.floor(seed / 4294967296) | 0, seed | 0);
  return { hi: rh >>> 0, lo: rl >>> 0 };
}

/**
 * Allocation-free variant of {@link hash64}: writes the hash's high half to `out[index]`
 * and its low half to `out[index + 1]`, the interleaved layout `build` accepts as a
 * Uint32Array. Useful when hashing all keys of a table before building its filter.
 */
export function hash64Into(data: Uint8Array, out: Uint32Array, index: number, seed = 0): void {
  if (!(data instanceof Uint8Array)) invalidArgument('hash64Into: data must be a Uint8Array');
  if (!(out instanceof Uint32Array)) invalidArgument('hash64Into: out must be a Uint32Array');
  if (seed !== 0) checkSeed(seed);
  if (!(Number.isInteger(index) && index >= 0 && index + 1 < out.length)) {
    invalidArgument(`hash64Into: index ${String(index)} out of range for an array of length ${out.length}`);
  }
  xxh64(data, Math.floor(seed / 4294967296) | 0, seed | 0);
  out[index] = rh;
  out[index + 1] = rl;
}
