// FragmentedRangeTombstones against a brute-force model: for random tombstone sets and
// random probes, maxCoveringSeqno must equal the newest covering tombstone at or below
// the read seqno, and the fragments must be sorted, disjoint and exactly cover the inputs.

import { describe, expect, it } from 'vitest';
import { bytewiseComparator as cmp } from '../src/comparator.js';
import { FragmentedRangeTombstones, newestAtOrBelow } from '../src/fragmented-range-tombstones.js';
import type { RangeTombstone } from '../src/fragmented-range-tombstones.js';
import { numKey, testSeed, withSeed } from '../src/testing/index.js';

function model(list: readonly RangeTombstone[], key: Uint8Array, readSeqno: number): number {
  let best = -1;
  for (const t of list) {
    if (t.seqno <= readSeqno && cmp.compare(t.start, key) <= 0 && cmp.compare(key, t.end) < 0) best = Math.max(best, t.seqno);
  }
  return best;
}

describe('FragmentedRangeTombstones', () => {
  it('is empty without tombstones and ignores empty ranges', () => {
    const f = FragmentedRangeTombstones.build([{ start: numKey(5), end: numKey(5), seqno: 3 }], cmp);
    expect(f.isEmpty).toBe(true);
    expect(f.maxCoveringSeqno(numKey(5), 100)).toBe(-1);
  });

  it('splits overlapping tombstones and answers per fragment', () => {
    const f = FragmentedRangeTombstones.build(
      [
        { start: numKey(10), end: numKey(30), seqno: 5 },
        { start: numKey(20), end: numKey(40), seqno: 9 },
      ],
      cmp,
    );
    expect(f.fragments.map((x) => [x.seqnos.join(',')])).toEqual([['5'], ['9,5'], ['9']]);
    expect(f.maxCoveringSeqno(numKey(9), 100)).toBe(-1);
    expect(f.maxCoveringSeqno(numKey(10), 100)).toBe(5);
    expect(f.maxCoveringSeqno(numKey(25), 100)).toBe(9);
    expect(f.maxCoveringSeqno(numKey(25), 8)).toBe(5);
    expect(f.maxCoveringSeqno(numKey(25), 4)).toBe(-1);
    expect(f.maxCoveringSeqno(numKey(39), 100)).toBe(9);
    expect(f.maxCoveringSeqno(numKey(40), 100)).toBe(-1);
  });

  it('newestAtOrBelow picks the largest seqno at or below the read seqno', () => {
    expect(newestAtOrBelow([9, 7, 3], 10)).toBe(9);
    expect(newestAtOrBelow([9, 7, 3], 8)).toBe(7);
    expect(newestAtOrBelow([9, 7, 3], 3)).toBe(3);
    expect(newestAtOrBelow([9, 7, 3], 2)).toBe(-1);
  });

  // The bytewise comparator takes the packed search; another comparator object the generic one.
  for (const [label, order] of [['packed', cmp], ['generic', { name: 'test.bytewise-copy', compare: cmp.compare }]] as const) {
    it(`matches a brute-force model on random sets (seeded, ${label} search)`, () => {
      const seed = testSeed(7711);
      withSeed(seed, (rng) => {
        for (let round = 0; round < 300; round++) {
          const n = rng.int(round < 20 ? 4 : 40);
          const list: RangeTombstone[] = [];
          for (let i = 0; i < n; i++) {
            const a = rng.int(100);
            const len = rng.int(4) === 0 ? rng.int(60) : rng.int(8);
            list.push({ start: numKey(a), end: numKey(a + len), seqno: 1 + rng.int(50) });
          }
          const f = FragmentedRangeTombstones.build(list, order);
          for (let i = 1; i < f.fragments.length; i++) {
            expect(cmp.compare(f.fragments[i - 1]!.end, f.fragments[i]!.start)).toBeLessThanOrEqual(0);
          }
          for (const fr of f.fragments) {
            expect(cmp.compare(fr.start, fr.end)).toBeLessThan(0);
            expect(fr.seqnos.length).toBeGreaterThan(0);
          }
          for (let k = 0; k < 170; k++) {
            const key = numKey(k);
            for (const rs of [0, 10, 25, 49, 1000]) {
              expect(f.maxCoveringSeqno(key, rs), `seed ${seed} round ${round} key ${k} read ${rs}`).toBe(model(list, key, rs));
            }
          }
          // Round trip through toTombstones: the same coverage.
          const again = FragmentedRangeTombstones.build(f.toTombstones(), order);
          for (let k = 0; k < 170; k += 3) expect(again.maxCoveringSeqno(numKey(k), 1000)).toBe(model(list, numKey(k), 1000));
        }
      });
    });
  }
});
