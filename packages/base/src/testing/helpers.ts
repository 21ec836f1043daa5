// Test helpers the @lsm packages' tests share: a seeded PRNG (seed printed on failure,
// LSM_TEST_SEED replays), key/value makers, and an assertion for typed LSM errors.
// Promises: the same seed gives the same sequence on every machine; nothing here touches
// storage.

import { expect } from 'vitest';
import { LsmError, type LsmErrorCode } from '../errors.js';
import { ValueType } from '../internal-key.js';
import type { Entry } from '../iterator.js';

/** Seed from LSM_TEST_SEED, or the given default. */
export function testSeed(defaultSeed: number): number {
  const env = process.env['LSM_TEST_SEED'];
  return env !== undefined ? Number(env) >>> 0 : defaultSeed >>> 0;
}

/** mulberry32: small, fast, deterministic. */
export class Rng {
  private s: number;
  constructor(readonly seed: number) {
    this.s = seed >>> 0;
  }
  /** The next 32-bit unsigned value. */
  u32(): number {
    let t = (this.s = (this.s + 0x6d2b79f5) >>> 0);
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return (t ^ (t >>> 14)) >>> 0;
  }
  /** Integer in [0, n). */
  int(n: number): number {
    return Math.floor((this.u32() / 4294967296) * n);
  }
  /** True with probability `p`. */
  bool(p = 0.5): boolean {
    return this.u32() / 4294967296 < p;
  }
  /** `n` random bytes. */
  bytes(n: number): Uint8Array {
    const b = new Uint8Array(n);
    for (let i = 0; i < n; i++) b[i] = this.u32() & 0xff;
    return b;
  }
  /** A random element of `xs` (non-empty). */
  pick<T>(xs: readonly T[]): T {
    return xs[this.int(xs.length)]!;
  }
}

/** Runs `fn` with a seeded Rng; on failure the error message gains the seed. */
export function withSeed<T>(seed: number, fn: (rng: Rng) => T): T {
  const rng = new Rng(seed);
  try {
    return fn(rng);
  } catch (err) {
    if (err instanceof Error) err.message = `[seed ${seed}; rerun with LSM_TEST_SEED=${seed}] ${err.message}`;
    throw err;
  }
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** UTF-8 bytes of `s`. */
export function b(s: string): Uint8Array {
  return enc.encode(s);
}

/** `u` decoded as UTF-8. */
export function s(u: Uint8Array): string {
  return dec.decode(u);
}

/** Fixed-width decimal key: "k00000042". */
export function numKey(i: number, width = 8, prefix = 'k'): Uint8Array {
  return enc.encode(prefix + String(i).padStart(width, '0'));
}

/** An Entry from its parts. */
export function entry(userKey: Uint8Array, seqno: number, type: ValueType, value: Uint8Array): Entry {
  return { userKey, seqno, type, value };
}

/** A Value entry with string key and value. */
export function put(key: string, seqno: number, value: string): Entry {
  return entry(b(key), seqno, ValueType.Value, b(value));
}

/** Asserts `fn` throws an LsmError with `code`; returns it. */
export function expectLsmError(fn: () => unknown, code: LsmErrorCode): LsmError {
  let caught: unknown;
  try {
    fn();
  } catch (err) {
    caught = err;
  }
  expect(caught, `expected ${code}`).toBeInstanceOf(LsmError);
  expect((caught as LsmError).code).toBe(code);
  return caught as LsmError;
}

/** Lowercase hex of `u` (for messages and comparisons). */
export function hex(u: Uint8Array): string {
  return Buffer.from(u).toString('hex');
}
