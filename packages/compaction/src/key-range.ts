// User-key ranges and overlap queries over levels: which tables of a level a key range
// touches. Ranges are inclusive on both ends, like a table's [smallest, largest].
// Promises: sorted levels (i > 0) are searched by binary search and results keep level
// order; L0 queries close over transitive overlap, because an L0 table left out of a
// compaction must not overlap anything that moves below it.

import type { Comparator } from '@lsm/sstable';
import type { TableMeta } from './table-meta.js';

/** An inclusive user-key range [smallest, largest]. */
export interface KeyRange {
  readonly smallest: Uint8Array;
  readonly largest: Uint8Array;
}

/** The smallest range covering every table in `tables` (at least one). */
export function rangeOf(cmp: Comparator, tables: readonly KeyRange[]): KeyRange {
  let smallest: Uint8Array | undefined;
  let largest: Uint8Array | undefined;
  for (const t of tables) {
    if (smallest === undefined || cmp.compare(t.smallest, smallest) < 0) smallest = t.smallest;
    if (largest === undefined || cmp.compare(t.largest, largest) > 0) largest = t.largest;
  }
  if (smallest === undefined || largest === undefined) throw new RangeError('rangeOf needs at least one table');
  return { smallest, largest };
}

/** The smallest range covering both. */
export function unionRange(cmp: Comparator, a: KeyRange, b: KeyRange): KeyRange {
  return {
    smallest: cmp.compare(a.smallest, b.smallest) <= 0 ? a.smallest : b.smallest,
    largest: cmp.compare(a.largest, b.largest) >= 0 ? a.largest : b.largest,
  };
}

/** True when the two inclusive ranges share at least one key. */
export function rangesOverlap(cmp: Comparator, a: KeyRange, b: KeyRange): boolean {
  return cmp.compare(a.smallest, b.largest) <= 0 && cmp.compare(b.smallest, a.largest) <= 0;
}

/** True when `key` lies in the inclusive range. */
export function rangeContains(cmp: Comparator, r: KeyRange, key: Uint8Array): boolean {
  return cmp.compare(r.smallest, key) <= 0 && cmp.compare(key, r.largest) <= 0;
}

/**
 * Index of the first table in a sorted, disjoint level whose largest key is >= `key`
 * (level.length when none).
 */
export function firstTableEndingAtOrAfter(cmp: Comparator, level: readonly KeyRange[], key: Uint8Array): number {
  let lo = 0;
  let hi = level.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (cmp.compare(level[mid]!.largest, key) < 0) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/**
 * The tables of a sorted, disjoint level (i > 0) that overlap `range`, in level order.
 * They form one contiguous run of the level.
 */
export function overlappingInSortedLevel<T extends KeyRange>(cmp: Comparator, level: readonly T[], range: KeyRange): T[] {
  const out: T[] = [];
  for (let i = firstTableEndingAtOrAfter(cmp, level, range.smallest); i < level.length; i++) {
    const t = level[i]!;
    if (cmp.compare(t.smallest, range.largest) > 0) break;
    out.push(t);
  }
  return out;
}

/**
 * The L0 tables overlapping `range`, closed over transitive overlap: whenever a chosen
 * table widens the range, tables overlapping the wider range join too. The result is the
 * smallest set S containing every L0 table that overlaps `range` such that no L0 table
 * outside S overlaps rangeOf(S). Returned in the level's order (newest first).
 */
export function overlappingInL0(cmp: Comparator, level0: readonly TableMeta[], range: KeyRange): { tables: TableMeta[]; range: KeyRange } {
  let r = range;
  const chosen = new Array<boolean>(level0.length).fill(false);
  let grew = true;
  while (grew) {
    grew = false;
    for (let i = 0; i < level0.length; i++) {
      if (chosen[i]) continue;
      const t = level0[i]!;
      if (!rangesOverlap(cmp, t, r)) continue;
      chosen[i] = true;
      const wider = unionRange(cmp, r, t);
      // A table that widens the range can bring in tables we already passed: scan again.
      if (wider.smallest !== r.smallest || wider.largest !== r.largest) grew = true;
      r = wider;
    }
  }
  const tables = level0.filter((_, i) => chosen[i]);
  return { tables, range: r };
}

/** True when no two of `tables` overlap (any order). */
export function pairwiseDisjoint(cmp: Comparator, tables: readonly KeyRange[]): boolean {
  const sorted = [...tables].sort((a, b) => cmp.compare(a.smallest, b.smallest));
  for (let i = 1; i < sorted.length; i++) {
    if (cmp.compare(sorted[i - 1]!.largest, sorted[i]!.smallest) >= 0) return false;
  }
  return true;
}

/**
 * A predicate "can any of these tables hold `key`?" for keys asked in ascending order,
 * in amortized O(1) per key: one cursor per level only moves forward (LevelDB's
 * level_ptrs_ in IsBaseLevelForKey). Each level must be sorted and disjoint.
 */
export function ascendingKeyProbe(cmp: Comparator, levels: readonly (readonly KeyRange[])[]): (key: Uint8Array) => boolean {
  const cursors = new Array<number>(levels.length).fill(0);
  return (key) => {
    for (let i = 0; i < levels.length; i++) {
      const level = levels[i]!;
      let c = cursors[i]!;
      while (c < level.length && cmp.compare(level[c]!.largest, key) < 0) c++;
      cursors[i] = c;
      if (c < level.length && cmp.compare(level[c]!.smallest, key) <= 0) return true;
    }
    return false;
  };
}
