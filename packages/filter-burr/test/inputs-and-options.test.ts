// What build() and the hash functions accept, what they make of it, and the exact message
// of each refusal: the three input forms give the same filter, every half in the 32-bit
// range (signed or unsigned) is a half and nothing else is, each option value maps to the
// documented fingerprint width, and hash64Into agrees with hash64 for every seed. A user
// reads these messages to fix a call, so each one is pinned.

import { describe, expect, it } from 'vitest';
import { build, FilterError, hash64, hash64Into, type BuildOptions, type Hash64 } from '../src/index.js';
import { randomKeys } from './helpers.js';

/** The message of the FilterError `fn` throws (fails the test otherwise). */
function refusal(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FilterError);
    expect((err as FilterError).code).toBe('LSM_INVALID_ARGUMENT');
    return (err as Error).message.replace(/^LSM_INVALID_ARGUMENT: /, '');
  }
  throw new Error('did not throw');
}

describe('build() input forms', () => {
  const keys = randomKeys(400, 31);
  const objects: Hash64[] = [];
  for (let i = 0; i < keys.length; i += 2) objects.push({ hi: keys[i]!, lo: keys[i + 1]! });
  const big = new BigUint64Array(objects.map((h) => (BigInt(h.hi) << 32n) | BigInt(h.lo)));

  it('Hash64 objects, an interleaved Uint32Array and a BigUint64Array give the same filter', () => {
    const a = build(objects, { fingerprintBits: 9, seed: 4 }).toBytes();
    expect(build(keys, { fingerprintBits: 9, seed: 4 }).toBytes()).toEqual(a);
    expect(build(big, { fingerprintBits: 9, seed: 4 }).toBytes()).toEqual(a);
    // Views at an offset read their own elements.
    const padded = new BigUint64Array(big.length + 3);
    padded.set(big, 3);
    expect(build(padded.subarray(3), { fingerprintBits: 9, seed: 4 }).toBytes()).toEqual(a);
    const f = build(big, { fingerprintBits: 9, seed: 4 });
    for (const h of objects) expect(f.mayContain(h)).toBe(true);
    expect(f.keyCount).toBe(400);
  });

  it('a half may be written signed or unsigned: both name the same 32 bits', () => {
    const unsigned = build([{ hi: 0xffffffff, lo: 0x80000000 }, { hi: 0, lo: 1 }], { fingerprintBits: 12 });
    const signed = build([{ hi: -1, lo: -0x80000000 }, { hi: 0, lo: 1 }], { fingerprintBits: 12 });
    expect(signed.toBytes()).toEqual(unsigned.toBytes());
    expect(signed.mayContain({ hi: 0xffffffff, lo: 0x80000000 })).toBe(true);
  });

  it('refuses anything else, naming it', () => {
    expect(refusal(() => build(new Uint32Array(3)))).toBe('an interleaved Uint32Array of hashes must have even length, got 3');
    expect(refusal(() => build('keys' as unknown as Hash64[]))).toBe('hashes must be an array of Hash64, an interleaved Uint32Array or a BigUint64Array');
    expect(refusal(() => build(new Int32Array(4) as unknown as Uint32Array))).toBe('hashes must be an array of Hash64, an interleaved Uint32Array or a BigUint64Array');
    for (const [h, i] of [
      [{ hi: 2 ** 32, lo: 0 }, 1],
      [{ hi: 0, lo: -0x80000001 }, 1],
      [{ hi: 1.5, lo: 0 }, 1],
      [{ hi: '1', lo: 0 }, 1],
      [{ hi: 1 }, 1],
      [null, 1],
    ] as const) {
      expect(refusal(() => build([{ hi: 1, lo: 2 }, h as unknown as Hash64]))).toBe(`hashes[${i}] is not a Hash64 (hi and lo must be 32-bit integers)`);
    }
  });
});

describe('build() options', () => {
  const keys = randomKeys(50, 32);
  const r = (options: BuildOptions | null | undefined): number => build(keys, options as BuildOptions).fingerprintBits;

  it('no options, null, or an empty object: 7-bit fingerprints, seed 0', () => {
    const d = build(keys).toBytes();
    expect(r(undefined)).toBe(7);
    expect(build(keys, null as unknown as BuildOptions).toBytes()).toEqual(d);
    expect(build(keys, {}).toBytes()).toEqual(d);
    expect(build(keys, { seed: 0 }).toBytes()).toEqual(d);
  });

  it('fpRate picks the smallest r whose rate 2^-r is at most the target', () => {
    expect(r({ fpRate: 0.99 })).toBe(1);
    expect(r({ fpRate: 0.5 })).toBe(1);
    expect(r({ fpRate: 0.4 })).toBe(2);
    expect(r({ fpRate: 0.01 })).toBe(7);
    expect(r({ fpRate: 2 ** -7 })).toBe(7); // exact powers of two stay exact
    expect(r({ fpRate: 2 ** -32 })).toBe(32);
    expect(refusal(() => build(keys, { fpRate: 2 ** -33 }))).toBe(`fpRate ${2 ** -33} is below 2^-32, the smallest rate with 32-bit fingerprints`);
  });

  it('bitsPerKey picks the largest r that fits the budget', () => {
    expect(r({ bitsPerKey: 1.005 })).toBe(1);
    expect(r({ bitsPerKey: 2 })).toBe(1);
    expect(r({ bitsPerKey: 7.035 })).toBe(7); // 7 * 1.005 exactly: 7 fits
    expect(r({ bitsPerKey: 7.03 })).toBe(6);
    expect(r({ bitsPerKey: 10 })).toBe(9);
    expect(r({ bitsPerKey: 32.16 })).toBe(32);
    expect(r({ bitsPerKey: 1000 })).toBe(32);
    expect(refusal(() => build(keys, { bitsPerKey: 1 }))).toBe('bitsPerKey 1 is too small: at least 1.005 bits per key are needed');
    expect(refusal(() => build(keys, { bitsPerKey: -3 }))).toBe('bitsPerKey -3 is too small: at least 1.005 bits per key are needed');
  });

  it('refusals name the option and show the value as given', () => {
    expect(refusal(() => build(keys, 7 as unknown as BuildOptions))).toBe('options must be an object');
    expect(refusal(() => build(keys, { fpRate: 0 }))).toBe('fpRate must be a number in (0, 1), got 0');
    expect(refusal(() => build(keys, { fpRate: Number.NaN }))).toBe('fpRate must be a number in (0, 1), got NaN');
    expect(refusal(() => build(keys, { bitsPerKey: Number.POSITIVE_INFINITY }))).toBe('bitsPerKey must be a finite number, got Infinity');
    expect(refusal(() => build(keys, { seed: -1 }))).toBe('seed must be an integer in [0, 2^32), got -1');
    expect(refusal(() => build(keys, { seed: 0.5 }))).toBe('seed must be an integer in [0, 2^32), got 0.5');
    expect(refusal(() => build(keys, { fingerprintBits: 0 }))).toBe('fingerprintBits must be an integer in 1..32, got 0');
  });
});

describe('BurrFilter', () => {
  it('reports its size per key, and toBytes() hands out a copy', () => {
    const f = build(randomKeys(300, 33), { fingerprintBits: 8 });
    expect(f.bitsPerKey).toBe((f.byteLength * 8) / 300);
    expect(f.bitsPerKey).toBeGreaterThan(8);
    const bytes = f.toBytes();
    expect(bytes.length).toBe(f.byteLength);
    bytes.fill(0);
    expect(f.toBytes()).not.toEqual(bytes);
    const k = randomKeys(300, 33);
    expect(f.mayContainHash(k[0]!, k[1]!)).toBe(true);
  });
});

describe('hash64Into', () => {
  const data = new TextEncoder().encode('hash64Into and hash64 agree');

  it('writes hash64 of every seed at any index, the high half first', () => {
    for (const seed of [0, 1, 0xffffffff, 2 ** 32 + 5, 2 ** 40 + 7, Number.MAX_SAFE_INTEGER]) {
      const h = hash64(data, seed);
      const out = new Uint32Array(4);
      hash64Into(data, out, 0, seed);
      hash64Into(data, out, 2, seed);
      expect([...out], `seed ${seed}`).toEqual([h.hi, h.lo, h.hi, h.lo]);
    }
    // Two seeds that differ only above bit 32 give different hashes.
    expect(hash64(data, 2 ** 32)).not.toEqual(hash64(data, 0));
  });

  it('refuses a bad seed, a bad index and the wrong array types, naming them', () => {
    const out = new Uint32Array(4);
    expect(refusal(() => hash64Into(data, out, 3))).toBe('hash64Into: index 3 out of range for an array of length 4');
    expect(refusal(() => hash64Into(data, out, -1))).toBe('hash64Into: index -1 out of range for an array of length 4');
    expect(refusal(() => hash64Into(data, out, 0.5))).toBe('hash64Into: index 0.5 out of range for an array of length 4');
    expect(refusal(() => hash64Into(data, out, 0, -1))).toBe('hash seed must be a non-negative safe integer, got -1');
    expect(refusal(() => hash64Into(data, out, 0, 2 ** 53))).toBe(`hash seed must be a non-negative safe integer, got ${2 ** 53}`);
    expect(refusal(() => hash64Into('x' as unknown as Uint8Array, out, 0))).toBe('hash64Into: data must be a Uint8Array');
    expect(refusal(() => hash64Into(data, new Int32Array(4) as unknown as Uint32Array, 0))).toBe('hash64Into: out must be a Uint32Array');
    expect(refusal(() => hash64('x' as unknown as Uint8Array))).toBe('hash64: data must be a Uint8Array');
    expect(refusal(() => hash64(data, -1))).toBe('hash seed must be a non-negative safe integer, got -1');
    expect(refusal(() => hash64(data, 1.5))).toBe('hash seed must be a non-negative safe integer, got 1.5');
  });
});
