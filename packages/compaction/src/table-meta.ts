// What compaction knows about a table file and about the tree's shape. These are the
// records the engine keeps in its manifest; strategies decide from them alone (no file
// is opened to pick a compaction). Promises: plain data, no I/O; helpers never mutate.

/** What the engine knows about one table file (also what it records in its manifest). */
export interface TableMeta {
  /** File number, unique in the database. */
  readonly id: number;
  /** File size in bytes. */
  readonly size: number;
  /** Smallest user key of the table's point entries (inclusive). */
  readonly smallest: Uint8Array;
  /** Largest user key of the table's point entries (inclusive). */
  readonly largest: Uint8Array;
  /** Smallest / largest sequence number of any entry in the table. */
  readonly smallestSeqno: number;
  readonly largestSeqno: number;
  /** Point entries, all types. */
  readonly entries: number;
  /** Point deletions (Tombstone and WeakTombstone). */
  readonly tombstones: number;
  /** Range deletions (executing compactions over them is not supported yet). */
  readonly rangeTombstones: number;
  /**
   * True when `largest` is exclusive: the table's upper bound is the end of a range
   * tombstone beyond its point keys, so it covers user keys < largest. Absent: false.
   */
  readonly largestExclusive?: boolean;
  /** When the table was written, in ms since the epoch (absent when unknown). */
  readonly creationTime?: number;
}

/**
 * The shape of the tree a strategy picks from. `levels[0]` is L0: its tables may overlap
 * each other and are listed newest first (larger largestSeqno first). Every `levels[i]`
 * with i > 0 is sorted by smallest key and its tables are disjoint by user key (the
 * largest key of one table sorts strictly before the smallest key of the next), so one
 * user key lives in at most one table per level.
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
