// Per-layer key derivation: how a 64-bit key hash becomes a ribbon row in one layer of
// the filter. This file defines part of the on-disk format (FORMAT.md, "Key derivation"):
// the builder and every reader must compute exactly these values, so changing anything
// here requires a new format version.
//
// Each layer keys its hashing with a 32-bit layer seed. The start position comes from a
// short, separate hash of both input words, so a probe can issue its memory loads early
// while the row is still being computed; the 64 coefficient bits and the r-bit fingerprint
// come from a 3-round Feistel permutation (32-bit halves, murmur3's fmix32 as the round
// function). The permutation is a bijection on 64 bits, so distinct key hashes stay
// distinct in every layer; a key bumped from layer k enters layer k+1 with the Feistel
// output words of layer k, so a probe that falls through continues where it stopped.

/** murmur3's 32-bit finalizer: a bijective avalanche mix of one 32-bit word (int32 in, int32 out). */
export function fmix32(x: number): number {
  x ^= x >>> 16;
  x = Math.imul(x, 0x85ebca6b);
  x ^= x >>> 13;
  x = Math.imul(x, 0xc2b2ae35);
  return x ^ (x >>> 16);
}

/**
 * The layer seed's contribution to the high word. Stored seeds are 32-bit; this spreads
 * them over the second half of the 64-bit input. Computed once per layer.
 */
export function seedHighWord(seed: number): number {
  return fmix32(seed ^ 0x9e3779b9);
}

/** Odd multiplier folding the low word into the start hash (2^32 / golden ratio). */
export const START_MULTIPLIER = 0x9e3779b1;

/** 2^-32, exact as a double. */
export const TWO_POW_M32 = 2.3283064365386963e-10;

/**
 * Start position of a key in a layer with numStarts start positions:
 * fastRange(fmix32(a + b * START_MULTIPLIER), numStarts) with a = hi ^ seedHigh, b = lo ^ seed.
 */
export function startOf(a: number, b: number, numStarts: number): number {
  return fastRange(fmix32((a + Math.imul(b, START_MULTIPLIER)) | 0), numStarts);
}

/**
 * Maps a 32-bit word uniformly onto [0, numStarts): floor(x * numStarts / 2^32)
 * ("fastrange"). Exact for numStarts < 2^21; above that the double rounding can move a
 * value across a boundary but never out of range, and IEEE-754 makes the result identical
 * on every platform, which is all a filter needs.
 */
export function fastRange(x: number, numStarts: number): number {
  return Math.floor((x >>> 0) * numStarts * TWO_POW_M32);
}

// The derivation, spelled out (all arithmetic mod 2^32, words as int32):
//   a  = hi ^ seedHighWord(seed)     b  = lo ^ seed
//   start = fastRange(fmix32(a + b * 0x9e3779b1), numStarts)
//   x2 = b + fmix32(a)               x3 = a + fmix32(x2)          x4 = x2 + fmix32(x3)
//   coefficients: low word x4 | 1, high word x3   (bit j <-> slot start + j; bit 0 always set)
//   fingerprint:  x2 >>> (32 - r)                  (the r high bits of x2)
//   next layer's input: hi = x4, lo = x3
