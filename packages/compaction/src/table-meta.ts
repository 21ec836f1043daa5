// What compaction knows about a table file and about the tree's shape. These are the
// records the engine keeps in its manifest; strategies decide from them alone (no file
// is opened to pick a compaction). Promises: plain data, no I/O; helpers never mutate.

import { InvalidArgumentError, type Comparator } from '@lsm/base';
import { type TableProperties } from '@lsm/sstable';

/**
 * What the engine knows about one table file (also what it records in its manifest).
 *
 * Key bounds with range tombstones (the engine-facing contract). A table's bounds cover
 * its point entries AND its range tombstones:
 * - `smallest` = the smaller of the first point key and the first tombstone start
 *   (inclusive either way);
 * - `largest` = the larger of the last point key (inclusive) and the largest tombstone end
 *   (exclusive); when the tombstone end is the larger one (or the table holds no point
 *   entries), `largest` is that end and `largestExclusive` is true: the table covers
 *   exactly the user keys in [smallest, largest). When the last point key equals the
 *   largest tombstone end, `largest` is that key, inclusive.
 * `tableMetaFromProperties` derives exactly this from a finished table's properties.
 *
 * What follows for the engine: a point read or seek in a sorted level must skip a table
 * for key === largest when largestExclusive (firstTableEndingAtOrAfter does), and a sorted
 * level stays disjoint when one table's exclusive largest equals the next one's smallest.
 * Bounds must include the tombstones, or a compaction could move a tombstone below data
 * it deletes; runCompaction checks every input tombstone against its table's bounds
 * (LSM_CORRUPTION when one sticks out).
 */
export interface TableMeta {
  /** File number, unique in the database. */
  readonly id: number;
  /** File size in bytes. */
  readonly size: number;
  /** Smallest user key of the table: of its point entries and range-tombstone starts (inclusive). */
  readonly smallest: Uint8Array;
  /**
   * Largest user key of the table: inclusive when it is a point key, exclusive (see
   * `largestExclusive`) when it is a range-tombstone end beyond every point key.
   */
  readonly largest: Uint8Array;
  /**
   * True when `largest` is a range-tombstone end (exclusive): the table covers keys
   * < largest only. Absent means false. The engine records it in its manifest.
   */
  readonly largestExclusive?: boolean;
  /** Smallest / largest sequence number of any entry or range tombstone in the table. */
  readonly smallestSeqno: number;
  readonly largestSeqno: number;
  /** Point entries, all types. */
  readonly entries: number;
  /** Point deletions (Tombstone and WeakTombstone). */
  readonly tombstones: number;
  /** Range deletions, as stored in the table (runCompaction reads them via CompactionEnv.openInputTombstones). */
  readonly rangeTombstones: number;
  /**
   * When the table was written, ms since the epoch (the table property
   * `creationTime`; the engine fills it from the table or its manifest). Fifo's TTL uses
   * it; a table without it is never dropped for age.
   */
  readonly creationTime?: number;
  /**
   * K/V separation: for each blob file this table's Indirection entries point at, the
   * record bytes they reference (the engine's bookkeeping, recorded in its manifest).
   * Compaction carries it with the table and never reads it. Absent: no pointers.
   */
  readonly blobRefs?: ReadonlyMap<number, number>;
}

/** The subset of @lsm/sstable's TableProperties that tableMetaFromProperties reads. */
export type TableBoundsProperties = Pick<
  TableProperties,
  | 'entryCount'
  | 'tombstoneCount'
  | 'weakTombstoneCount'
  | 'rangeTombstoneCount'
  | 'smallestKey'
  | 'largestKey'
  | 'smallestRangeTombstoneStart'
  | 'largestRangeTombstoneEnd'
  | 'smallestSeqno'
  | 'largestSeqno'
> &
  Partial<Pick<TableProperties, 'creationTime'>>;

/**
 * The TableMeta of a finished table (id, file size, properties), with bounds that cover
 * its range tombstones as the TableMeta contract says. For the engine's flush and for
 * compaction outputs alike. Throws InvalidArgumentError for a table with neither point
 * entries nor range tombstones (it has no key range).
 */
export function tableMetaFromProperties(cmp: Comparator, id: number, size: number, p: TableBoundsProperties): TableMeta {
  let smallest = p.smallestKey;
  let largest = p.largestKey;
  let largestExclusive = false;
  const rs = p.smallestRangeTombstoneStart;
  const re = p.largestRangeTombstoneEnd;
  if (rs !== undefined && (smallest === undefined || cmp.compare(rs, smallest) < 0)) smallest = rs;
  if (re !== undefined && (largest === undefined || cmp.compare(re, largest) > 0)) {
    largest = re;
    largestExclusive = true;
  }
  if (smallest === undefined || largest === undefined) {
    throw new InvalidArgumentError(`table ${id} holds neither point entries nor range tombstones: it has no key range`);
  }
  const meta: TableMeta = {
    id,
    size,
    smallest,
    largest,
    ...(largestExclusive ? { largestExclusive: true } : {}),
    smallestSeqno: p.smallestSeqno,
    largestSeqno: p.largestSeqno,
    entries: p.entryCount,
    tombstones: p.tombstoneCount + p.weakTombstoneCount,
    rangeTombstones: p.rangeTombstoneCount,
    ...(p.creationTime !== undefined ? { creationTime: p.creationTime } : {}),
  };
  return meta;
}

/**
 * The shape of the tree a strategy picks from. `levels[0]` is L0: its tables may overlap
 * each other and are listed newest first (larger largestSeqno first). Every `levels[i]`
 * with i > 0 is sorted by smallest key and its tables are disjoint by user key (the
 * largest key of one table sorts strictly before the smallest key of the next, or equals
 * it when that largest is exclusive), so one user key lives in at most one table per
 * level.
 */
export interface LevelsView {
  readonly levels: readonly (readonly TableMeta[])[];
}

/** Sum of the sizes of `tables`, in bytes. */
export function totalBytes(tables: readonly TableMeta[]): number {
  let n = 0;
  for (const t of tables) n += t.size;
  return n;
}

/**
 * A table's size inflated for its deletions (RocksDB's "compensated file size"): a table
 * that is mostly tombstones is small on disk but frees much more than its size once the
 * tombstones meet the data they delete, so it should look bigger to the file picker.
 * Each deletion beyond half the entries counts as two average entries.
 */
export function compensatedSize(t: TableMeta): number {
  if (t.entries <= 0 || t.tombstones * 2 < t.entries) return t.size;
  const avgEntry = t.size / t.entries;
  return t.size + (t.tombstones * 2 - t.entries) * avgEntry * 2;
}

/** The input table ids of a list of per-level table groups, in order. */
export function tableIds(groups: readonly { readonly tables: readonly TableMeta[] }[]): number[] {
  const ids: number[] = [];
  for (const g of groups) for (const t of g.tables) ids.push(t.id);
  return ids;
}
