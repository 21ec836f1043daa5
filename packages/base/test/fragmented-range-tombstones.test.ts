// FragmentedRangeTombstones against a brute-force model: for random tombstone sets and
// random probes, maxCoveringSeqno must equal the newest covering tombstone at or below
// the read seqno, and the fragments must be sorted, disjoint and exactly cover the inputs.

import { describe, expect, it } from 'vitest';
import { bytewiseComparator as cmp } from '../src/comparator.js';
import { FragmentedRangeTombstones, newestAtOrBelow } from '../src/fragmented-range-tombstones.js';
import type { RangeTombstone } from '../src/fragmented-range-tombstones.js';
import { b, numKey, s, testSeed, withSeed } from '../src/testing/index.js';

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

  it('joins abutting pieces with the same seqnos, keeps gaps and distinct seqnos apart, and drops duplicate seqnos', () => {
    const f = FragmentedRangeTombstones.build(
      [
        { start: numKey(10), end: numKey(20), seqno: 5 },
        { start: numKey(20), end: numKey(30), seqno: 5 },
        { start: numKey(40), end: numKey(50), seqno: 5 },
        { start: numKey(50), end: numKey(60), seqno: 6 },
        { start: numKey(55), end: numKey(60), seqno: 6 },
      ],
      cmp,
    );
    expect(f.isEmpty).toBe(false);
    expect(f.fragments.map((x) => `${s(x.start)}..${s(x.end)}:${x.seqnos.join(',')}`)).toEqual([
      'k00000010..k00000030:5',
      'k00000040..k00000050:5',
      'k00000050..k00000060:6',
    ]);
    expect(f.maxCoveringSeqno(numKey(35), 100)).toBe(-1);
    expect(f.maxCoveringSeqno(numKey(29), 100)).toBe(5);
    expect(f.maxCoveringSeqno(numKey(57), 100)).toBe(6);
    expect(f.maxCoveringSeqno(numKey(57), 5)).toBe(-1);
  });

  it('toTombstones lists each fragment once per seqno, newest first', () => {
    const f = FragmentedRangeTombstones.build(
      [
        { start: numKey(1), end: numKey(3), seqno: 4 },
        { start: numKey(2), end: numKey(4), seqno: 8 },
      ],
      cmp,
    );
    expect(f.toTombstones().map((t) => `${s(t.start)}..${s(t.end)}@${t.seqno}`)).toEqual([
      'k00000001..k00000002@4',
      'k00000002..k00000003@8',
      'k00000002..k00000003@4',
      'k00000003..k00000004@8',
    ]);
    expect(FragmentedRangeTombstones.empty(cmp).toTombstones()).toEqual([]);
    expect(FragmentedRangeTombstones.empty(cmp).isEmpty).toBe(true);
  });

  it('finds fragments of keys of different lengths (packed search compares whole keys)', () => {
    const f = FragmentedRangeTombstones.build(
      [
        { start: b('b'), end: b('bb'), seqno: 3 },
        { start: b('c'), end: b('ca\xff'), seqno: 4 },
      ],
      cmp,
    );
    expect(f.maxCoveringSeqno(b(''), 10)).toBe(-1);
    expect(f.maxCoveringSeqno(b('a'), 10)).toBe(-1);
    expect(f.maxCoveringSeqno(b('b'), 10)).toBe(3);
    expect(f.maxCoveringSeqno(b('ba'), 10)).toBe(3);
    expect(f.maxCoveringSeqno(b('bb'), 10)).toBe(-1);
    expect(f.maxCoveringSeqno(b('c'), 10)).toBe(4);
    expect(f.maxCoveringSeqno(b('ca'), 10)).toBe(4);
    expect(f.maxCoveringSeqno(b('cb'), 10)).toBe(-1);
    expect(f.maxCoveringSeqno(b('d'), 10)).toBe(-1);
    expect(f.fragmentIndex(b('ba'))).toBe(0);
    expect(f.fragmentIndex(b('c'))).toBe(1);
    expect(f.fragmentIndex(b('bc'))).toBe(-1);
  });

  it('works under a comparator of another order (generic search)', () => {
    const reverse = { name: 'test.reverse', compare: (x: Uint8Array, y: Uint8Array) => cmp.compare(y, x) };
    // In reverse order a range runs from the larger key down to the smaller one.
    const f = FragmentedRangeTombstones.build(
      [
        { start: numKey(30), end: numKey(10), seqno: 5 },
        { start: numKey(20), end: numKey(0), seqno: 9 },
        { start: numKey(10), end: numKey(30), seqno: 7 }, // empty in this order
      ],
      reverse,
    );
    expect(f.fragments.map((x) => `${s(x.start)}..${s(x.end)}:${x.seqnos.join(',')}`)).toEqual([
      'k00000030..k00000020:5',
      'k00000020..k00000010:9,5',
      'k00000010..k00000000:9',
    ]);
    expect(f.maxCoveringSeqno(numKey(31), 100)).toBe(-1);
    expect(f.maxCoveringSeqno(numKey(30), 100)).toBe(5);
    expect(f.maxCoveringSeqno(numKey(15), 100)).toBe(9);
    expect(f.maxCoveringSeqno(numKey(15), 6)).toBe(5);
    expect(f.maxCoveringSeqno(numKey(5), 6)).toBe(-1);
    expect(f.maxCoveringSeqno(numKey(0), 100)).toBe(-1);
  });

  it('newestAtOrBelow on one-element and long lists', () => {
    expect(newestAtOrBelow([4], 4)).toBe(4);
    expect(newestAtOrBelow([4], 3)).toBe(-1);
    const long = [90, 80, 70, 60, 50, 40, 30, 20, 10];
    for (let rs = 0; rs <= 100; rs++) expect(newestAtOrBelow(long, rs), `read ${rs}`).toBe(rs < 10 ? -1 : Math.min(90, Math.floor(rs / 10) * 10));
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
