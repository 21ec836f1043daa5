// The filter's promises checked on small inputs, fast enough to re-run for every mutant of
// the builder, the bumping layers, the ribbon solver, the mixing and the reader
// (vitest.core-focus.config.ts): every key is a member, the false-positive rate is about
// 2^-r (two-sided: too many false positives and too few both mean the fingerprint is not
// r bits), multi-layer chains built from a few hundred keys by lowering the final-layer
// size, the layer sizes the builder promises, and a loaded filter answering exactly as the
// built one. The large-input versions of these checks are in no-false-negatives, fpr and
// serialize.

import { describe, expect, it } from 'vitest';
import { buildFilterBytes, DEFAULT_PARAMS, MAX_BUMPING_LAYERS, type BuildParams } from '../src/builder.js';
import { build, FilterReader, type Hash64 } from '../src/index.js';
import { keyWords, randomKeys } from './helpers.js';

/** Indices of keys the filter wrongly rejects. */
function falseNegatives(reader: FilterReader, keys: Uint32Array): number[] {
  const out: number[] = [];
  for (let i = 0; i < keys.length; i += 2) if (!reader.mayContainHash(keys[i]!, keys[i + 1]!)) out.push(i / 2);
  return out;
}

/** Share of `probes` random non-member hashes the filter accepts. */
function fpRate(reader: FilterReader, probes: number, seed: number): number {
  const q = randomKeys(probes, seed);
  let hits = 0;
  for (let i = 0; i < q.length; i += 2) if (reader.mayContainHash(q[i]!, q[i + 1]!)) hits++;
  return hits / probes;
}

/** Parameters that make a chain of bumping layers out of a few hundred keys. */
const SMALL_FINAL: BuildParams = { ...DEFAULT_PARAMS, finalLayerMaxKeys: 16 };

describe('small filters', () => {
  it('every key is a member: one layer, a bumping layer and a final one, and long chains', () => {
    for (const n of [1, 2, 3, 31, 32, 33, 64, 65, 300, 2048, 2049, 3000]) {
      for (const r of [1, 7, 8, 13, 32]) {
        const keys = randomKeys(n, 1000 + n + r);
        for (const params of [DEFAULT_PARAMS, SMALL_FINAL]) {
          const reader = FilterReader.from(buildFilterBytes(keyWords(keys), r, n * 7 + r, params));
          expect(falseNegatives(reader, keys), `n=${n} r=${r} final<=${params.finalLayerMaxKeys}`).toEqual([]);
          expect(reader.keyCount).toBe(n);
          expect(reader.fingerprintBits).toBe(r);
        }
      }
    }
  });

  it('an empty key set is a filter that contains nothing', () => {
    const f = build([], { fingerprintBits: 8 });
    expect(f.keyCount).toBe(0);
    expect(f.bitsPerKey).toBe(0);
    expect(fpRate(FilterReader.from(f.toBytes()), 200, 5)).toBe(0);
  });

  it('the false-positive rate is about 2^-r, on one layer and on a chain', () => {
    // 6,000 probes: at r = 4 the expected 375 false positives have a standard deviation of
    // about 19, so [5%, 7.5%] is more than three of them either side of 6.25%.
    const keys = randomKeys(600, 77);
    for (const params of [DEFAULT_PARAMS, SMALL_FINAL]) {
      const r4 = FilterReader.from(buildFilterBytes(keyWords(keys), 4, 3, params));
      const rate4 = fpRate(r4, 6000, 78);
      expect(rate4, `r=4 final<=${params.finalLayerMaxKeys}`).toBeGreaterThan(0.05);
      expect(rate4).toBeLessThan(0.075);
      // r = 1: about one probe in two.
      const rate1 = fpRate(FilterReader.from(buildFilterBytes(keyWords(keys), 1, 3, params)), 4000, 79);
      expect(rate1).toBeGreaterThan(0.45);
      expect(rate1).toBeLessThan(0.55);
      // r = 10: about 1 in 1,024 (expected 5.9 of 6,000).
      const rate10 = fpRate(FilterReader.from(buildFilterBytes(keyWords(keys), 10, 3, params)), 6000, 80);
      expect(rate10).toBeLessThan(0.004);
    }
  });

  it('a chain of bumping layers: each takes what the one before bumped, sized as promised', () => {
    const n = 900;
    const keys = randomKeys(n, 91);
    const reader = FilterReader.from(buildFilterBytes(keyWords(keys), 7, 11, SMALL_FINAL));
    const info = reader.layerInfo();
    expect(info.length).toBeGreaterThanOrEqual(2);
    expect(info.reduce((s, l) => s + l.keys, 0)).toBe(n);
    // A bumping layer is overloaded: ceil(keys * (1 + eps)) slots rounded up to 32, at
    // least the format's minimum; it stores most of its keys and passes on the rest.
    const bumpingSlots = (k: number): number => Math.max(96, Math.ceil(Math.ceil(k * (1 + DEFAULT_PARAMS.loadEps)) / 32) * 32);
    let arriving = n;
    for (let i = 0; i < info.length - 1; i++) {
      expect(info[i]!.slots).toBe(bumpingSlots(arriving));
      expect(info[i]!.keys).toBeGreaterThan(arriving / 2);
      expect(info[i]!.keys).toBeLessThan(arriving);
      expect(info[i]!.thresholdBytes).toBeGreaterThan(0);
      arriving -= info[i]!.keys;
    }
    // The last layer takes every key that reached it: a final layer (for at most
    // finalLayerMaxKeys keys), or a bumping layer that happened to bump none.
    const last = info[info.length - 1]!;
    expect(last.keys).toBe(arriving);
    expect(last.thresholdBytes).toBe(0);
    if (arriving > SMALL_FINAL.finalLayerMaxKeys) expect(last.slots).toBe(bumpingSlots(arriving));
    else expect(last.slots).toBeGreaterThanOrEqual(last.keys);
    expect(last.solutionBytes).toBe((last.slots / 32) * 7 * 4);
  });

  it('an overloaded chain stops at the layer limit with a final layer that takes the rest', () => {
    const keys = randomKeys(3000, 92);
    const reader = FilterReader.from(buildFilterBytes(keyWords(keys), 6, 4, { ...SMALL_FINAL, loadEps: -0.5, finalLayerMaxKeys: 0 }));
    const info = reader.layerInfo();
    expect(info.length).toBe(MAX_BUMPING_LAYERS + 1);
    expect(falseNegatives(reader, keys)).toEqual([]);
    expect(info.reduce((s, l) => s + l.keys, 0)).toBe(3000);
  });

  it('duplicates and near-duplicates: every copy counts as a key and all are members', () => {
    const one: Hash64 = { hi: 0x12345678, lo: 0x9abcdef0 };
    const f = build(Array.from({ length: 100 }, () => one), { fingerprintBits: 9 });
    expect(f.keyCount).toBe(100);
    expect(f.mayContain(one)).toBe(true);
    // Hashes that differ in one bit of either half: distinct keys, all members.
    const near: Hash64[] = [];
    for (let b = 0; b < 32; b++) near.push({ hi: (one.hi ^ (1 << b)) >>> 0, lo: one.lo }, { hi: one.hi, lo: (one.lo ^ (1 << b)) >>> 0 });
    const g = FilterReader.from(buildFilterBytes(keyWords(Uint32Array.from(near.flatMap((h) => [h.hi, h.lo]))), 12, 0, SMALL_FINAL));
    for (const h of near) expect(g.mayContainHash(h.hi, h.lo)).toBe(true);
  });

  it('a loaded filter answers exactly as the built one; the seed picks the filter, and builds repeat', () => {
    const keys = randomKeys(500, 93);
    const hashes: Hash64[] = [];
    for (let i = 0; i < keys.length; i += 2) hashes.push({ hi: keys[i]!, lo: keys[i + 1]! });
    const a = build(hashes, { fingerprintBits: 5, seed: 1 });
    const again = build(hashes, { fingerprintBits: 5, seed: 1 });
    const other = build(hashes, { fingerprintBits: 5, seed: 2 });
    expect(again.toBytes()).toEqual(a.toBytes());
    expect(other.toBytes()).not.toEqual(a.toBytes());
    const loaded = FilterReader.from(a.toBytes());
    const q = randomKeys(3000, 94);
    let differ = 0;
    for (let i = 0; i < q.length; i += 2) {
      expect(loaded.mayContainHash(q[i]!, q[i + 1]!)).toBe(a.mayContainHash(q[i]!, q[i + 1]!));
      if (other.mayContainHash(q[i]!, q[i + 1]!) !== a.mayContainHash(q[i]!, q[i + 1]!)) differ++;
    }
    // Independent filters at r = 5 disagree on about 2 * 2^-5 of non-members.
    expect(differ).toBeGreaterThan(100);
  });
});
