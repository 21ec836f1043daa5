// hash64 must be XXH64 exactly and must never change: filters on disk were built from it.
// Known values come from published XXH64 test vectors; a slow BigInt reference
// implementation of the XXH64 specification checks every code path (lengths 0..200,
// seeds above 2^32) against the 32-bit-math implementation.

import { describe, expect, it } from 'vitest';
import { FilterError, hash64, hash64Into } from '../src/index.js';
import { rng } from './helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);
const hex = (h: { hi: number; lo: number }): string =>
  h.hi.toString(16).padStart(8, '0') + h.lo.toString(16).padStart(8, '0');

// Reference XXH64 with BigInt, written from the xxHash specification.
const M = (1n << 64n) - 1n;
const P1 = 0x9e3779b185ebca87n, P2 = 0xc2b2ae3d27d4eb4fn, P3 = 0x165667b19e3779f9n;
const P4 = 0x85ebca77c2b2ae63n, P5 = 0x27d4eb2f165667c5n;
const rotl = (x: bigint, r: bigint): bigint => ((x << r) | (x >> (64n - r))) & M;
const round = (acc: bigint, v: bigint): bigint => (rotl((acc + v * P2) & M, 31n) * P1) & M;
const merge = (acc: bigint, v: bigint): bigint => (((acc ^ round(0n, v)) * P1) + P4) & M;
function refXxh64(data: Uint8Array, seed: bigint): bigint {
  const dv = new DataView(data.buffer, data.byteOffset, data.byteLength);
  const len = data.length;
  let p = 0;
  let h: bigint;
  if (len >= 32) {
    let v1 = (seed + P1 + P2) & M, v2 = (seed + P2) & M, v3 = seed, v4 = (seed - P1) & M;
    while (p + 32 <= len) {
      v1 = round(v1, dv.getBigUint64(p, true));
      v2 = round(v2, dv.getBigUint64(p + 8, true));
      v3 = round(v3, dv.getBigUint64(p + 16, true));
      v4 = round(v4, dv.getBigUint64(p + 24, true));
      p += 32;
    }
    h = (rotl(v1, 1n) + rotl(v2, 7n) + rotl(v3, 12n) + rotl(v4, 18n)) & M;
    h = merge(merge(merge(merge(h, v1), v2), v3), v4);
  } else {
    h = (seed + P5) & M;
  }
  h = (h + BigInt(len)) & M;
  for (; p + 8 <= len; p += 8) h = (rotl(h ^ round(0n, dv.getBigUint64(p, true)), 27n) * P1 + P4) & M;
  if (p + 4 <= len) {
    h = (rotl(h ^ ((BigInt(dv.getUint32(p, true)) * P1) & M), 23n) * P2 + P3) & M;
    p += 4;
  }
  for (; p < len; p++) h = (rotl(h ^ ((BigInt(data[p]!) * P5) & M), 11n) * P1) & M;
  h ^= h >> 33n;
  h = (h * P2) & M;
  h ^= h >> 29n;
  h = (h * P3) & M;
  h ^= h >> 32n;
  return h;
}

describe('hash64 (XXH64)', () => {
  it('matches published XXH64 test vectors', () => {
    const vectors: [string, number, string][] = [
      ['', 0, 'ef46db3751d8e999'],
      ['a', 0, 'd24ec4f1a98c6e5b'],
      ['abc', 0, '44bc2cf5ad770999'],
      ['xxhash', 0, '32dd38952c4bc720'],
      ['xxhash', 20141025, 'b559b98d844e0635'],
      ['I want an unsigned 64-bit seed!', 0, 'd4cb0a70a2b8c7c1'],
      ['I want an unsigned 64-bit seed!', 1, 'ce5087f12470d961'],
      ['Nobody inspects the spammish repetition', 0, 'fbcea83c8a378bf1'],
      ['The quick brown fox jumps over the lazy dog', 0, '0b242d361fda71bc'],
    ];
    for (const [s, seed, want] of vectors) expect(hex(hash64(enc(s), seed)), `${JSON.stringify(s)} seed ${seed}`).toBe(want);
  });

  it('pins values for inputs of every code path (regression guard)', () => {
    // Computed once with this implementation and cross-checked with the BigInt reference
    // below; if these ever change, persisted filters no longer match their keys.
    const bytes = new Uint8Array(100).map((_, i) => (i * 31 + 7) & 0xff);
    const got = [0, 1, 3, 4, 7, 8, 15, 31, 32, 33, 63, 64, 100].map((n) => hex(hash64(bytes.subarray(0, n), 0x12345678)));
    const ref = [0, 1, 3, 4, 7, 8, 15, 31, 32, 33, 63, 64, 100].map((n) =>
      refXxh64(bytes.subarray(0, n), 0x12345678n).toString(16).padStart(16, '0'),
    );
    expect(got).toEqual(ref);
    expect(got).toEqual([
      '30b93d611716104a', 'e35b2d43ee1b2030', 'f6fbe215ff3e754e', '93b1f4654acb839e', '6e161d8e94cd96a5',
      'ac26e080c9836660', '872472928deb07b7', '51a5bd2b70e8b538', '05ad1da84c86f709', '483dbc52c0bce635',
      '5b03a8d59101475e', '2abca40959d30d54', '3a448a9934857cb2',
    ]);
  });

  it('equals the BigInt reference for lengths 0..200 and many seeds', () => {
    const seed = 0x5eed;
    const next = rng(seed);
    const data = new Uint8Array(200);
    for (let i = 0; i < data.length; i++) data[i] = next() & 0xff;
    const seeds = [0, 1, 0xffffffff, 2 ** 32, 2 ** 32 + 5, Number.MAX_SAFE_INTEGER, 20141025];
    for (let len = 0; len <= 200; len++) {
      for (const s of seeds) {
        const sub = data.subarray(200 - len); // also exercises a non-zero byteOffset
        const want = refXxh64(sub, BigInt(s)).toString(16).padStart(16, '0');
        expect(hex(hash64(sub, s)), `len ${len} seed ${s} (data seed ${seed})`).toBe(want);
      }
    }
  });

  it('hash64Into writes the same halves without allocating a result', () => {
    const out = new Uint32Array(6);
    const data = enc('hello world');
    hash64Into(data, out, 2, 42);
    const h = hash64(data, 42);
    expect([out[2], out[3]]).toEqual([h.hi, h.lo]);
    expect(out[0]).toBe(0);
    expect(() => hash64Into(data, out, 5)).toThrow(FilterError);
    expect(() => hash64Into(data, out, -1)).toThrow(FilterError);
  });

  it('rejects invalid seeds and non-byte input', () => {
    for (const s of [-1, 1.5, Number.NaN, 2 ** 60]) {
      expect(() => hash64(enc('x'), s), String(s)).toThrow(FilterError);
    }
    expect(() => hash64('abc' as unknown as Uint8Array)).toThrow(FilterError);
    expect(() => hash64Into('abc' as unknown as Uint8Array, new Uint32Array(2), 0)).toThrow(FilterError);
    expect(() => hash64Into(enc('x'), [0, 0] as unknown as Uint32Array, 0)).toThrow(FilterError);
  });

  it('returns unsigned 32-bit halves', () => {
    const next = rng(7);
    for (let i = 0; i < 1000; i++) {
      const h = hash64(new Uint8Array([next() & 0xff, next() & 0xff, next() & 0xff]));
      expect(Number.isInteger(h.hi) && h.hi >= 0 && h.hi < 2 ** 32).toBe(true);
      expect(Number.isInteger(h.lo) && h.lo >= 0 && h.lo < 2 ** 32).toBe(true);
    }
  });

  it('distributes sequential keys evenly and avalanches single-bit changes', () => {
    // Every output bit is set for about half of 20,000 sequential 8-byte keys, and
    // flipping one input bit flips each output bit about half of the time.
    const N = 20000;
    const ones = new Array<number>(64).fill(0);
    const flips = new Array<number>(64).fill(0);
    const key = new Uint8Array(8);
    const dv = new DataView(key.buffer);
    for (let i = 0; i < N; i++) {
      dv.setUint32(0, i, true);
      dv.setUint32(4, 0, true);
      const h = hash64(key);
      key[(i % 8)]! ^= 1 << ((i >>> 3) % 8);
      const g = hash64(key);
      for (let b = 0; b < 32; b++) {
        ones[b]! += (h.lo >>> b) & 1;
        ones[32 + b]! += (h.hi >>> b) & 1;
        flips[b]! += ((h.lo ^ g.lo) >>> b) & 1;
        flips[32 + b]! += ((h.hi ^ g.hi) >>> b) & 1;
      }
    }
    // 6 standard deviations of a fair coin over N trials.
    const tol = 6 * Math.sqrt(N / 4);
    for (let b = 0; b < 64; b++) {
      expect(Math.abs(ones[b]! - N / 2), `bit ${b} balance`).toBeLessThan(tol);
      expect(Math.abs(flips[b]! - N / 2), `bit ${b} avalanche`).toBeLessThan(tol);
    }
  });
});
