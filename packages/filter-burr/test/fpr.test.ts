// False-positive rate: about 2^-r for r-bit fingerprints. Bounds are wide (many standard
// deviations) so the test is deterministic in practice, yet a systematic error in the
// fingerprint derivation (a factor of 2 for one lost bit) is caught. Queries are random
// hashes that are not in the set with overwhelming probability (64-bit values).

import { describe, expect, it } from 'vitest';
import { build, hash64 } from '../src/index.js';
import { randomKeys, rng } from './helpers.js';

function measure(n: number, r: number, queries: number, seed: number): { fp: number; expected: number } {
  const filter = build(randomKeys(n, seed), { fingerprintBits: r, seed });
  const next = rng(seed ^ 0x51ed);
  let fp = 0;
  for (let i = 0; i < queries; i++) if (filter.mayContainHash(next(), next())) fp++;
  return { fp, expected: queries * 2 ** -r };
}

/** Passes when a Poisson/binomial count is within ~6 standard deviations of its mean. */
function expectNear(fp: number, expected: number, label: string): void {
  const tol = 6 * Math.sqrt(expected) + 3;
  expect(Math.abs(fp - expected), `${label}: ${fp} false positives, expected ${expected.toFixed(1)}`).toBeLessThan(tol);
}

describe('false-positive rate', () => {
  it('r = 1: about 1/2', () => {
    const { fp, expected } = measure(20_000, 1, 200_000, 1);
    expectNear(fp, expected, 'r=1');
  });

  it('r = 7 and r = 8 over multi-layer filters', () => {
    for (const r of [7, 8]) {
      const { fp, expected } = measure(100_000, r, 1_000_000, r);
      expectNear(fp, expected, `r=${r}`);
    }
  });

  it('r = 16: a few dozen false positives in 2 million queries', () => {
    const { fp, expected } = measure(50_000, 16, 2_000_000, 16);
    expectNear(fp, expected, 'r=16');
  });

  it('r = 32: no false positives in a million queries', () => {
    const { fp } = measure(10_000, 32, 1_000_000, 32);
    expect(fp).toBe(0);
  });

  it('small filters too (single final layer)', () => {
    let fp = 0, expected = 0;
    for (let seed = 1; seed <= 40; seed++) {
      const m = measure(200, 6, 20_000, seed);
      fp += m.fp;
      expected += m.expected;
    }
    expectNear(fp, expected, 'n=200 r=6 over 40 filters');
  });

  it('empty filter contains nothing', () => {
    const f = build([]);
    expect(f.keyCount).toBe(0);
    expect(f.bitsPerKey).toBe(0);
    const next = rng(3);
    for (let i = 0; i < 1000; i++) expect(f.mayContainHash(next(), next())).toBe(false);
  });

  it('fpRate and bitsPerKey options pick r accordingly', () => {
    const keys = randomKeys(1000, 5);
    expect(build(keys, { fpRate: 0.01 }).fingerprintBits).toBe(7);
    expect(build(keys, { fpRate: 2 ** -7 }).fingerprintBits).toBe(7);
    expect(build(keys, { fpRate: 0.001 }).fingerprintBits).toBe(10);
    expect(build(keys, { fpRate: 0.5 }).fingerprintBits).toBe(1);
    expect(build(keys, { fpRate: 0.9 }).fingerprintBits).toBe(1);
    expect(build(keys, { fpRate: 2 ** -32 }).fingerprintBits).toBe(32);
    expect(build(keys, { bitsPerKey: 10 }).fingerprintBits).toBe(9);
    expect(build(keys, { bitsPerKey: 7.05 }).fingerprintBits).toBe(7);
    expect(build(keys, { bitsPerKey: 100 }).fingerprintBits).toBe(32);
    expect(build(keys).fingerprintBits).toBe(7);
  });

  it('a bits-per-key budget is met for large key counts', () => {
    const f = build(randomKeys(200_000, 8), { bitsPerKey: 8 });
    expect(f.bitsPerKey).toBeLessThanOrEqual(8);
  });

  it('works end to end from key bytes through hash64', () => {
    const enc = new TextEncoder();
    const members = Array.from({ length: 5000 }, (_, i) => hash64(enc.encode(`user:${i}`)));
    const f = build(members, { fingerprintBits: 10 });
    for (const h of members) expect(f.mayContain(h)).toBe(true);
    let fp = 0;
    for (let i = 0; i < 100_000; i++) if (f.mayContain(hash64(enc.encode(`other:${i}`)))) fp++;
    expectNear(fp, 100_000 / 1024, 'string keys r=10');
  });
});
