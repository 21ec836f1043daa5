// The one property a filter must never break: every key it was built from answers true.
// Checked over many seeds, sizes (including the edges of one 64-slot ribbon window and
// one bucket), fingerprint widths, duplicate-heavy inputs, badly distributed "hashes" and
// all three input forms. Failure messages carry the seed so any failure replays.

import { describe, expect, it } from 'vitest';
import { build, FilterReader, type Hash64 } from '../src/index.js';
import { at, randomKeys, rng } from './helpers.js';

function checkAllPresent(keys: Uint32Array, r: number, seed: number, label: string): void {
  const n = keys.length / 2;
  const filter = build(keys, { fingerprintBits: r, seed });
  const reader = FilterReader.from(filter.toBytes());
  expect(filter.keyCount, label).toBe(n);
  for (let i = 0; i < n; i++) {
    const hi = keys[2 * i]!, lo = keys[2 * i + 1]!;
    if (!filter.mayContainHash(hi, lo) || !reader.mayContainHash(hi, lo) || !filter.mayContain({ hi, lo })) {
      expect.fail(`false negative: ${label}, key #${i} {hi: ${hi}, lo: ${lo}}`);
    }
  }
}

describe('no false negatives', () => {
  const sizes = [0, 1, 2, 3, 31, 32, 33, 63, 64, 65, 127, 128, 129, 1000, 1025, 5000];
  it('random keys: every size, several seeds and fingerprint widths', () => {
    for (const n of sizes) {
      for (const seed of [1, 2, 3]) {
        for (const r of [1, 7, 13, 32]) {
          checkAllPresent(randomKeys(n, seed * 1000 + n), r, seed, `n=${n} r=${r} seed=${seed}`);
        }
      }
    }
  });

  it('100,000 random keys (multi-layer), several seeds', () => {
    for (const seed of [11, 12]) {
      for (const r of [7, 16]) checkAllPresent(randomKeys(100_000, seed), r, seed, `n=1e5 r=${r} seed=${seed}`);
    }
  });

  it('many small random builds (seeds 1..300)', () => {
    for (let seed = 1; seed <= 300; seed++) {
      const next = rng(seed);
      const n = (next() >>> 0) % 3000;
      const r = 1 + ((next() >>> 0) % 32);
      checkAllPresent(randomKeys(n, seed), r, seed, `n=${n} r=${r} seed=${seed}`);
    }
  });

  it('duplicates: repeated keys, all-identical input, and mixtures', () => {
    for (const seed of [5, 6]) {
      // every key three times, shuffled
      const base = randomKeys(20_000, seed);
      const n = base.length / 2;
      const dup = new Uint32Array(6 * n);
      const order = Array.from({ length: 3 * n }, (_, i) => i % n);
      const next = rng(seed);
      for (let i = order.length - 1; i > 0; i--) {
        const j = (next() >>> 0) % (i + 1);
        [order[i], order[j]] = [order[j]!, order[i]!];
      }
      order.forEach((k, i) => {
        dup[2 * i] = base[2 * k]!;
        dup[2 * i + 1] = base[2 * k + 1]!;
      });
      checkAllPresent(dup, 7, seed, `3x duplicates seed=${seed}`);
      // one key 5000 times
      const same = new Uint32Array(10_000);
      for (let i = 0; i < 5000; i++) {
        same[2 * i] = 0xdeadbeef;
        same[2 * i + 1] = 0x12345678;
      }
      checkAllPresent(same, 8, seed, `5000 identical keys seed=${seed}`);
      // 90% of the input is one of 10 keys
      const mix = randomKeys(10_000, seed + 100);
      for (let i = 0; i < 9000; i++) {
        mix[2 * i] = base[2 * (i % 10)]!;
        mix[2 * i + 1] = base[2 * (i % 10) + 1]!;
      }
      checkAllPresent(mix, 7, seed, `duplicate-heavy mixture seed=${seed}`);
    }
  });

  it('poorly distributed hashes (sequential halves, zero halves) still work and stay compact', () => {
    const n = 50_000;
    const seqLo = new Uint32Array(2 * n);
    const seqHi = new Uint32Array(2 * n);
    const strided = new Uint32Array(2 * n);
    for (let i = 0; i < n; i++) {
      seqLo[2 * i + 1] = i;
      seqHi[2 * i] = i;
      strided[2 * i] = i << 16;
      strided[2 * i + 1] = i * 1024;
    }
    for (const [keys, label] of [[seqLo, 'hi=0, lo=i'], [seqHi, 'hi=i, lo=0'], [strided, 'strided']] as const) {
      checkAllPresent(keys, 7, 1, label);
      expect(build(keys, { fingerprintBits: 7 }).bitsPerKey, label).toBeLessThan(7 * 1.02);
    }
  });

  it('all input forms give the same filter', () => {
    const keys = randomKeys(3000, 99);
    const n = keys.length / 2;
    const objects: Hash64[] = Array.from({ length: n }, (_, i) => at(keys, i));
    const big = new BigUint64Array(n);
    for (let i = 0; i < n; i++) big[i] = (BigInt(keys[2 * i]!) << 32n) | BigInt(keys[2 * i + 1]!);
    const a = build(keys, { seed: 3 }).toBytes();
    const b = build(objects, { seed: 3 }).toBytes();
    const c = build(big, { seed: 3 }).toBytes();
    expect(b).toEqual(a);
    expect(c).toEqual(a);
    // Signed halves (e.g. results of `| 0`) mean the same 32 bits.
    const signed: Hash64[] = objects.map((h) => ({ hi: h.hi | 0, lo: h.lo | 0 }));
    expect(build(signed, { seed: 3 }).toBytes()).toEqual(a);
    const f = build(objects, { seed: 3 });
    for (const h of signed) expect(f.mayContain(h)).toBe(true);
  });
});
