// Test helpers: a seeded PRNG (so every randomized test replays from its printed seed),
// key generators, and an assertion that a function throws a FilterError with a given code.

import { expect } from 'vitest';
import { rng } from '../bench/prng.js';
import { FilterError, type Hash64 } from '../src/index.js';

/** The benchmark's seeded generator (xoshiro128**): tests and bench draw from one source. */
export { rng };

/** n random key hashes as an interleaved Uint32Array. */
export function randomKeys(n: number, seed: number): Uint32Array {
  const next = rng(seed);
  const out = new Uint32Array(2 * n);
  for (let i = 0; i < out.length; i++) out[i] = next();
  return out;
}

/** Interleaved hashes as the builder's key words (hi and lo halves in two arrays). */
export function keyWords(keys: Uint32Array): { hi: Int32Array; lo: Int32Array; count: number } {
  const n = keys.length / 2;
  const hi = new Int32Array(n), lo = new Int32Array(n);
  for (let i = 0; i < n; i++) {
    hi[i] = keys[2 * i]!;
    lo[i] = keys[2 * i + 1]!;
  }
  return { hi, lo, count: n };
}

/** The i-th hash of an interleaved array. */
export function at(keys: Uint32Array, i: number): Hash64 {
  return { hi: keys[2 * i]!, lo: keys[2 * i + 1]! };
}

/** Runs fn and returns the FilterError it threw, failing the test otherwise. */
export function expectFilterError(fn: () => unknown, code: 'LSM_CORRUPTION' | 'LSM_INVALID_ARGUMENT', context = ''): FilterError {
  let thrown: unknown;
  try {
    fn();
  } catch (err) {
    thrown = err;
  }
  expect(thrown, `expected FilterError ${code} ${context}`).toBeInstanceOf(FilterError);
  expect((thrown as FilterError).code, context).toBe(code);
  return thrown as FilterError;
}
