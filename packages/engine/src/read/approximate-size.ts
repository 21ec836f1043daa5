// Approximate size and entry count of a key range (Tree.approximateSize/approximateCount),
// from metadata only, never a data block: a table whose key range lies inside the range
// counts whole (its file size, the blob bytes its pointers reference, its entries); a
// table the range cuts counts the share of its data region between the index-block
// offsets of the range's bounds (the start of the data block holding each bound), applied
// to the same three figures; a memtable counts the share of its entries between the
// bounds' approximate ranks in its B+tree, applied to its byte and entry counters. Entries
// are versions (older versions, tombstones and operands count), as stored.

import { type TableMeta } from '@lsm/compaction';
import { type Comparator, InvalidArgumentError, MAX_SEQNO } from '@lsm/base';
import type { Bytes } from '../coerce.js';
import { type KeyBounds, keyBounds } from './read-options.js';
import type { Memtable } from '../memtable/memtable.js';
import type { ReadSources } from './read-sources.js';

/** A key range: at most one lower bound (gt or gte) and one upper bound (lt or lte); none means unbounded. */
export interface KeyRange {
  gt?: Bytes;
  gte?: Bytes;
  lt?: Bytes;
  lte?: Bytes;
}

/** A resolved key range. */
type Bounds = KeyBounds;

/** What a range holds, approximately. */
export interface RangeEstimate {
  /** Bytes on disk (tables and the blob bytes they reference) plus memtable bytes. */
  bytes: number;
  /** Entries (all versions, tombstones and merge operands). */
  count: number;
}

/**
 * Validates `range`: each bound a key, not both gt and gte (or lt and lte), the lower
 * bound not after the upper one (LSM_INVALID_ARGUMENT naming them). Returns undefined for
 * an empty range (equal bounds, one of them exclusive).
 */
export function resolveKeyRange(range: KeyRange | undefined, cmp: Comparator): Bounds | undefined {
  const r = range ?? {};
  if (typeof r !== 'object' || r === null) throw new InvalidArgumentError('the range must be an object with gt, gte, lt or lte');
  const b = keyBounds(r);
  if (b.lower !== undefined && b.upper !== undefined) {
    const c = cmp.compare(b.lower, b.upper);
    if (c > 0) {
      const lo = b.lowerInclusive ? 'gte' : 'gt';
      const hi = b.upperInclusive ? 'lte' : 'lt';
      throw new InvalidArgumentError(`the range's lower bound (${lo}) sorts after its upper bound (${hi})`);
    }
    if (c === 0 && !(b.lowerInclusive && b.upperInclusive)) return undefined;
  }
  return b;
}

/** Estimates what `bounds` holds in the store `src` reads from (memtables and the current version). */
export function estimateRange(src: ReadSources, bounds: Bounds | undefined): RangeEstimate {
  const est: RangeEstimate = { bytes: 0, count: 0 };
  if (bounds === undefined) return est;
  addMemtable(est, src.active(), bounds);
  for (const m of src.sealed()) addMemtable(est, m, bounds);
  const cmp = src.comparator;
  for (const level of src.version().levels) {
    for (const t of level) addTable(est, src, cmp, t, bounds);
  }
  est.bytes = Math.round(est.bytes);
  est.count = Math.round(est.count);
  return est;
}

function addMemtable(est: RangeEstimate, m: Memtable, b: Bounds): void {
  const n = m.size;
  if (n === 0) return;
  // Internal order is (key ascending, seqno descending): (k, MAX) sorts before every
  // version of k, (k, -1) after every version of it.
  const from = b.lower === undefined ? 0 : m.tree.approximateRank(b.lower, b.lowerInclusive ? MAX_SEQNO : -1);
  const to = b.upper === undefined ? n : m.tree.approximateRank(b.upper, b.upperInclusive ? -1 : MAX_SEQNO);
  if (to <= from) return;
  const share = (to - from) / n;
  est.bytes += share * m.approximateBytes;
  est.count += share * n;
}

function addTable(est: RangeEstimate, src: ReadSources, cmp: Comparator, t: TableMeta, b: Bounds): void {
  const exclusiveEnd = t.largestExclusive === true;
  // Entirely below or above the range: nothing.
  if (b.upper !== undefined) {
    const c = cmp.compare(b.upper, t.smallest);
    if (c < 0 || (c === 0 && !b.upperInclusive)) return;
  }
  if (b.lower !== undefined) {
    const c = cmp.compare(b.lower, t.largest);
    if (c > 0 || (c === 0 && (!b.lowerInclusive || exclusiveEnd))) return;
  }
  const cutsLow = b.lower !== undefined && cmp.compare(b.lower, t.smallest) > 0;
  let cutsHigh = false;
  if (b.upper !== undefined) {
    const c = cmp.compare(b.upper, t.largest);
    cutsHigh = c < 0 || (c === 0 && !b.upperInclusive && !exclusiveEnd);
  }
  let share = 1;
  if (cutsLow || cutsHigh) {
    const table = src.tableCache.acquire(t.id);
    try {
      const data = table.dataSize;
      if (data === 0) return; // range tombstones only: no entries to apportion
      // Index block only: the offset of the data block where each bound falls.
      const from = cutsLow ? table.approximateOffsetOf(b.lower!) : 0;
      const to = cutsHigh ? table.approximateOffsetOf(b.upper!) : data;
      if (to <= from) return;
      share = (to - from) / data;
    } finally {
      src.tableCache.release(t.id);
    }
  }
  let blobBytes = 0;
  if (t.blobRefs !== undefined) for (const bytes of t.blobRefs.values()) blobBytes += bytes;
  est.bytes += share * (t.size + blobBytes);
  est.count += share * t.entries;
}
