// Test helpers: a seeded PRNG (so every randomized test replays from its printed seed),
// key generators, and an assertion that a function throws a FilterError with a given code.

import { expect } from 'vitest';
import { FilterError, type Hash64 } from '../src/index.js';

/**
 * xoshiro128** seeded through splitmix32: deterministic int32 values. (A 32-bit-state
 * generator such as mulberry32 would make the streams of different seeds shifted copies of
 * one sequence, so "absent" query streams could replay member keys.)
 */
export function rng(seed: number): () => number {
  let x = seed | 0;
  const split = (): number => {
    x = (x + 0x9e3779b9) | 0;
    let z = x;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b);
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35);
    return z ^ (z >>> 16);
  };
  let a = split(), b = split(), c = split(), d = split();
  if ((a | b | c | d) === 0) a = 1;
  return () => {
    const t = b << 9;
    let r = Math.imul(b, 5);
    r = Math.imul((r << 7) | (r >>> 25), 9);
    c ^= a;
    d ^= b;
    b ^= c;
    a ^= d;
    c ^= t;
    d = (d << 11) | (d >>> 21);
    return r;
  };
}

/** n random key hashes as an interleaved Uint32Array. */
export function randomKeys(n: number, seed: number): Uint32Array {
  const next = rng(seed);
  const out = new Uint32Array(2 * n);
  for (let i = 0; i < out.length; i++) out[i] = next();
  return out;
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
