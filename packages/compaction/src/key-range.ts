// User-key ranges and overlap queries over levels: which tables of a level a key range
// touches. Ranges are [smallest, largest], inclusive on both ends, unless
// `largestExclusive` says the upper end is exclusive (a table whose upper bound is a
// range-tombstone end): then [smallest, largest). Every helper here respects that, so a
// sorted level whose table ends exclusively at the next one's smallest key is disjoint.
// Promises: sorted levels (i > 0) are searched by binary search and results keep level
// order; L0 queries close over transitive overlap, because an L0 table left out of a
// compaction must not overlap anything that moves below it.

import type { Comparator } from '@lsm/base';
import type { TableMeta } from './table-meta.js';

/** A user-key range [smallest, largest], or [smallest, largest) when largestExclusive. */
export interface KeyRange {
  readonly smallest: Uint8Array;
  readonly largest: Uint8Array;
  /** The upper end is exclusive (absent: inclusive). */
  readonly largestExclusive?: boolean;
}

/** True when every key of `r` sorts before `key` (r ends before key). */
export function endsBefore(cmp: Comparator, r: KeyRange, key: Uint8Array): boolean {
  const c = cmp.compare(r.largest, key);
  return c < 0 || (c === 0 && r.largestExclusive === true);
}

/** Compares two upper ends: < 0 when a's covers less than b's (an exclusive end covers less than the same key inclusive). */
export function compareUpper(cmp: Comparator, a: KeyRange, b: KeyRange): number {
  const c = cmp.compare(a.largest, b.largest);
  if (c !== 0) return c;
  return (a.largestExclusive === true ? 0 : 1) - (b.largestExclusive === true ? 0 : 1);
}

/** The smallest range covering every table in `tables` (at least one). */
export function rangeOf(cmp: Comparator, tables: readonly KeyRange[]): KeyRange {
  let lo: KeyRange | undefined;
  let hi: KeyRange | undefined;
  for (const t of tables) {
    if (lo === undefined || cmp.compare(t.smallest, lo.smallest) < 0) lo = t;
    if (hi === undefined || compareUpper(cmp, t, hi) > 0) hi = t;
  }
  if (lo === undefined || hi === undefined) throw new RangeError('rangeOf needs at least one table');
  return makeRange(lo.smallest, hi);
}

/** The smallest range covering both. */
export function unionRange(cmp: Comparator, a: KeyRange, b: KeyRange): KeyRange {
  const smallest = cmp.compare(a.smallest, b.smallest) <= 0 ? a.smallest : b.smallest;
  return makeRange(smallest, compareUpper(cmp, a, b) >= 0 ? a : b);
}

function makeRange(smallest: Uint8Array, upper: KeyRange): KeyRange {
  return upper.largestExclusive === true ? { smallest, largest: upper.largest, largestExclusive: true } : { smallest, largest: upper.largest };
}

/** True when the two ranges share at least one key. */
export function rangesOverlap(cmp: Comparator, a: KeyRange, b: KeyRange): boolean {
  return !endsBefore(cmp, b, a.smallest) && !endsBefore(cmp, a, b.smallest);
}

/** True when `key` lies in the range. */
export function rangeContains(cmp: Comparator, r: KeyRange, key: Uint8Array): boolean {
  return cmp.compare(r.smallest, key) <= 0 && !endsBefore(cmp, r, key);
}

/** True when the range shares a key with the half-open span [start, end). */
export function overlapsSpan(cmp: Comparator, r: KeyRange, start: Uint8Array, end: Uint8Array): boolean {
  return cmp.compare(r.smallest, end) < 0 && !endsBefore(cmp, r, start);
}

/**
 * True when some table of a sorted, disjoint level shares a key with [start, end).
 * O(log tables).
 */
export function levelOverlapsSpan(cmp: Comparator, level: readonly KeyRange[], start: Uint8Array, end: Uint8Array): boolean {
  const i = firstTableEndingAtOrAfter(cmp, level, start);
  return i < level.length && cmp.compare(level[i]!.smallest, end) < 0;
}

/**
 * Index of the first table in a sorted, disjoint level that does not end before `key`
 * (its largest is >= key, or > key when exclusive): the only table that can hold `key`
 * (level.length when none).
 */
export function firstTableEndingAtOrAfter(cmp: Comparator, level: readonly KeyRange[], key: Uint8Array): number {
  let lo = 0;
  let hi = level.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (endsBefore(cmp, level[mid]!, key)) lo = mid + 1;
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
    if (endsBefore(cmp, range, t.smallest)) break;
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
      if (wider.smallest !== r.smallest || wider.largest !== r.largest || wider.largestExclusive !== r.largestExclusive) grew = true;
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
    if (!endsBefore(cmp, sorted[i - 1]!, sorted[i]!.smallest)) return false;
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
      while (c < level.length && endsBefore(cmp, level[c]!, key)) c++;
      cursors[i] = c;
      if (c < level.length && cmp.compare(level[c]!.smallest, key) <= 0) return true;
    }
    return false;
  };
}
