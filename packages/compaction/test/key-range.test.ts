import { describe, expect, it } from 'vitest';
import { bytewiseComparator as cmp } from '@lsm/base';
import {
  ascendingKeyProbe,
  overlappingInL0,
  overlappingInSortedLevel,
  pairwiseDisjoint,
  rangeContains,
  rangeOf,
  rangesOverlap,
  type KeyRange,
  type TableMeta,
} from '../src/index.js';
import { BASE_SEED, key, Rng, s, withSeed } from './helpers.js';

const r = (lo: number, hi: number): KeyRange => ({ smallest: key(lo), largest: key(hi) });
const t = (id: number, lo: number, hi: number): TableMeta => ({ ...r(lo, hi), id, size: 1, smallestSeqno: 0, largestSeqno: id, entries: 1, tombstones: 0, rangeTombstones: 0 });
const overlaps = (a: KeyRange, b: KeyRange) => rangesOverlap(cmp, a, b);

/** A random sorted, disjoint level over keys [0, 1000). */
function sortedLevel(rng: Rng): TableMeta[] {
  const out: TableMeta[] = [];
  let k = rng.int(20);
  for (let id = 1; k < 1000 && rng.bool(0.9); id++) {
    const hi = k + rng.int(30);
    out.push(t(id, k, hi));
    k = hi + 1 + rng.int(30);
  }
  return out;
}

describe('key ranges', () => {
  it('basic predicates', () => {
    expect(overlaps(r(1, 5), r(5, 9))).toBe(true);
    expect(overlaps(r(1, 5), r(6, 9))).toBe(false);
    expect(rangeContains(cmp, r(1, 5), key(5))).toBe(true);
    expect(rangeContains(cmp, r(1, 5), key(6))).toBe(false);
    expect(s(rangeOf(cmp, [r(4, 6), r(1, 2), r(5, 9)]).smallest)).toBe(s(key(1)));
    expect(s(rangeOf(cmp, [r(4, 6), r(1, 2), r(5, 9)]).largest)).toBe(s(key(9)));
    expect(() => rangeOf(cmp, [])).toThrow();
    expect(pairwiseDisjoint(cmp, [r(5, 6), r(1, 2), r(3, 4)])).toBe(true);
    expect(pairwiseDisjoint(cmp, [r(5, 6), r(1, 2), r(2, 4)])).toBe(false);
  });

  it('overlappingInSortedLevel equals a linear scan (randomized)', () => {
    for (let i = 0; i < 300; i++) {
      withSeed(BASE_SEED + i, () => {
        const rng = new Rng(BASE_SEED + i);
        const level = sortedLevel(rng);
        for (let q = 0; q < 20; q++) {
          const lo = rng.int(1050);
          const range = r(lo, lo + rng.int(80));
          expect(overlappingInSortedLevel(cmp, level, range).map((x) => x.id)).toEqual(level.filter((x) => overlaps(x, range)).map((x) => x.id));
        }
      });
    }
  });

  it('overlappingInL0 is the smallest set closed under overlap (randomized)', () => {
    for (let i = 0; i < 300; i++) {
      withSeed(BASE_SEED + i, () => {
        const rng = new Rng(BASE_SEED + i);
        const l0 = Array.from({ length: rng.range(0, 12) }, (_, j) => {
          const lo = rng.int(200);
          return t(j + 1, lo, lo + rng.int(40));
        });
        const start = r(rng.int(200), 0);
        const seed = { smallest: start.smallest, largest: key(Number(s(start.smallest).slice(1)) + rng.int(10)) };
        const { tables, range } = overlappingInL0(cmp, l0, seed);
        // Closed: nothing outside overlaps the result's range; the range covers the seed and the tables.
        for (const x of l0) if (!tables.includes(x)) expect(overlaps(x, range)).toBe(false);
        if (tables.length > 0) {
          expect(rangeContains(cmp, range, seed.smallest) && rangeContains(cmp, range, seed.largest)).toBe(true);
          for (const x of tables) expect(rangeContains(cmp, range, x.smallest) && rangeContains(cmp, range, x.largest)).toBe(true);
        }
        // Smallest: every chosen table is reachable from the seed through overlapping tables.
        const reach = new Set<TableMeta>();
        let frontier: KeyRange[] = [seed];
        while (frontier.length > 0) {
          const next: KeyRange[] = [];
          for (const f of frontier) for (const x of l0) if (!reach.has(x) && overlaps(x, f)) (reach.add(x), next.push(x));
          frontier = next;
        }
        // Closure over the widened range can also take tables lying in gaps between reached ones.
        for (const x of reach) expect(tables).toContain(x);
        expect(tables.map((x) => x.id)).toEqual(l0.filter((x) => tables.includes(x)).map((x) => x.id)); // level order kept
      });
    }
  });

  it('ascendingKeyProbe answers "some table holds this key" for ascending keys', () => {
    for (let i = 0; i < 100; i++) {
      withSeed(BASE_SEED + i, () => {
        const rng = new Rng(BASE_SEED + i);
        const levels = [sortedLevel(rng), sortedLevel(rng), []];
        const probe = ascendingKeyProbe(cmp, levels);
        for (let k = 0; k < 1100; k += 1 + rng.int(5)) {
          const expected = levels.some((l) => l.some((x) => rangeContains(cmp, x, key(k))));
          expect(probe(key(k))).toBe(expected);
        }
      });
    }
  });
});
