// Change capture (Tree.changesSince): the changes newer than a seqno, in key order. Per
// key, its newest change in (since, read]: a value ('put': for a merge operand, the value
// the key resolves to at the read seqno) or a deletion ('delete'); and every range
// deletion in the window as 'deleteRange' records, each emitted before the point changes
// at or after its start. A key whose newest change is a range deletion has no point record
// (the range record stands for it). Applying the records in order to a copy that was in
// sync at `since` gives the store as of the read seqno.
//
// What it reads: only the memtables and tables holding something newer than `since` (their
// largest seqno, from the memtable's counter and the table metadata): a table at or below
// it is not opened at all. A merge's value is resolved by a point read of the pinned view,
// which may read any table. The view (memtables and version) is pinned until close.

import type { MergeOperator, TableMeta } from '@lsm/compaction';
import { LevelIterator } from '@lsm/compaction';
import { type Comparator, FragmentedRangeTombstones, type InternalIterator, MergingIterator, type RangeTombstone, ValueType } from '@lsm/base';
import { ClosedError } from '../errors.js';
import { copyBytes } from '../memtable/byte-slab.js';
import type { Memtable } from '../memtable/memtable.js';
import type { Version } from '../versions/version.js';
import { PointReader } from './point-reader.js';
import type { ReadSources } from './read-sources.js';
import type { BlobReader } from './version-chain.js';

/** One change reported by changesSince. */
export type Change = PointChange | { type: 'deleteRange'; start: Uint8Array; end: Uint8Array; seqno: number };

/** A change of one key. */
export type PointChange = { type: 'put'; key: Uint8Array; seqno: number; value: Uint8Array } | { type: 'delete'; key: Uint8Array; seqno: number };

/** What a change iterator reads: a pinned view of the store. */
export interface ChangeView {
  comparator: Comparator;
  sources: ReadSources;
  mergeOperator: MergeOperator | undefined;
  readBlob: BlobReader;
}

/** Counts of what an iteration opened (for tests and stats). */
export interface ChangeScanStats {
  /** Tables iterated, and tables skipped because nothing in them is newer than `since`. */
  tablesRead: number;
  tablesSkipped: number;
}

/** Iterates the changes in (since, read] in key order; closeable, pins the view it reads. */
export class ChangeIterator implements IterableIterator<Change> {
  private readonly it: InternalIterator;
  private readonly ranges: Change[];
  private readonly windowTombstones: FragmentedRangeTombstones;
  private readonly points: PointReader;
  private ri = 0;
  /** The next point change (undefined: not looked for yet; null: none left). */
  private point: PointChange | null | undefined;
  private done = false;
  private released = false;
  readonly scan: ChangeScanStats = { tablesRead: 0, tablesSkipped: 0 };

  constructor(
    private readonly view: ChangeView,
    private readonly version: Version,
    memtables: readonly Memtable[],
    private readonly since: number,
    private readonly readSeqno: number,
    /** Releases what the iteration pinned (called exactly once, after the version is unref'd). */
    private readonly onRelease: (it: ChangeIterator) => void,
    private readonly isTreeClosed: () => boolean,
  ) {
    const cmp = view.comparator;
    const src = view.sources;
    const children: InternalIterator[] = [];
    const tombstones: RangeTombstone[] = [];
    const inWindow = (s: number): boolean => s > since && s <= readSeqno;
    try {
      for (const m of memtables) {
        if (m.largestSeqno <= since) continue;
        children.push(m.iterator());
        for (const t of m.rangeTombstones) if (inWindow(t.seqno)) tombstones.push(t);
      }
      const fresh = (t: TableMeta): boolean => {
        if (t.largestSeqno > since) return true;
        this.scan.tablesSkipped++;
        return false;
      };
      const tableTombstones = (t: TableMeta): void => {
        this.scan.tablesRead++;
        if (t.rangeTombstones === 0) return;
        const table = src.tableCache.acquire(t.id);
        try {
          for (const r of table.rangeTombstones()) if (inWindow(r.seqno)) tombstones.push(r);
        } finally {
          src.tableCache.release(t.id);
        }
      };
      for (const t of version.levels[0]!) {
        if (!fresh(t)) continue;
        tableTombstones(t);
        children.push(src.tableCache.iterator(t.id));
      }
      for (let level = 1; level < version.levels.length; level++) {
        const tables = version.levels[level]!.filter(fresh);
        if (tables.length === 0) continue;
        for (const t of tables) tableTombstones(t);
        children.push(new LevelIterator(cmp, tables, (meta) => src.tableCache.iterator(meta.id)));
      }
    } catch (err) {
      for (const c of children) c.close();
      throw err;
    }
    this.it = new MergingIterator(children, cmp);
    this.windowTombstones = tombstones.length === 0 ? FragmentedRangeTombstones.empty(cmp) : FragmentedRangeTombstones.build(tombstones, cmp);
    this.ranges = rangeChanges(cmp, tombstones);
    this.points = new PointReader(src, view.mergeOperator, view.readBlob);
  }

  [Symbol.iterator](): this {
    return this;
  }

  next(): IteratorResult<Change> {
    if (this.done) return { done: true, value: undefined };
    if (this.isTreeClosed()) {
      this.finish();
      throw new ClosedError('tree');
    }
    try {
      if (this.point === undefined) this.point = this.nextPoint();
      const r = this.ranges[this.ri];
      const p = this.point;
      if (r !== undefined && (p === null || this.view.comparator.compare((r as { start: Uint8Array }).start, p.key) <= 0)) {
        this.ri++;
        return { done: false, value: r };
      }
      if (p === null) {
        this.finish();
        return { done: true, value: undefined };
      }
      this.point = undefined;
      return { done: false, value: p };
    } catch (err) {
      this.finish();
      throw err;
    }
  }

  /** Ends the iteration early and releases what it pinned (for..of calls this on break). */
  return(): IteratorResult<Change> {
    this.finish();
    return { done: true, value: undefined };
  }

  /** Same as return(). Idempotent. */
  close(): void {
    this.finish();
  }

  private finish(): void {
    this.done = true;
    if (this.released) return;
    this.released = true;
    try {
      this.it.close();
    } finally {
      this.onRelease(this);
    }
  }

  /** The next key's point change, or null at the end. */
  private nextPoint(): PointChange | null {
    const it = this.it;
    const cmp = this.view.comparator;
    if (!this.started) {
      this.started = true;
      it.seekToFirst();
    }
    while (it.valid()) {
      if (it.seqno() > this.readSeqno) {
        it.next();
        continue;
      }
      // The key's newest version visible at the read seqno.
      const key = copyBytes(it.userKey());
      const seqno = it.seqno();
      const type = it.type();
      let change: PointChange | null = null;
      // Unchanged since `since`, or its newest change is a range deletion (reported as such).
      if (seqno > this.since && !(this.windowTombstones.maxCoveringSeqno(key, this.readSeqno) > seqno)) {
        change = this.pointChange(key, seqno, type, it.value());
      }
      while (it.valid() && cmp.compare(it.userKey(), key) === 0) it.next();
      if (change !== null) return change;
    }
    return null;
  }

  private started = false;

  private pointChange(key: Uint8Array, seqno: number, type: number, value: Uint8Array): PointChange {
    switch (type) {
      case ValueType.Value:
        return { type: 'put', key, seqno, value: copyBytes(value) };
      case ValueType.Indirection:
        return { type: 'put', key, seqno, value: this.view.readBlob(key, value) };
      case ValueType.Merge: {
        // The value the key resolves to at the read seqno (operands folded onto their base,
        // wherever it is).
        const v = this.points.get(key, this.readSeqno);
        return v === undefined ? { type: 'delete', key, seqno } : { type: 'put', key, seqno, value: v };
      }
      default:
        // Tombstone, WeakTombstone.
        return { type: 'delete', key, seqno };
    }
  }
}

/**
 * The range deletions of the window as records: per seqno, the union of its stored pieces
 * (compaction may split one at table boundaries, or drop a piece where a newer deletion
 * covers it), as maximal intervals, ordered by start key (then newest first).
 */
function rangeChanges(cmp: Comparator, list: readonly RangeTombstone[]): Change[] {
  const bySeq = [...list].sort((a, b) => a.seqno - b.seqno || cmp.compare(a.start, b.start));
  const out: { type: 'deleteRange'; start: Uint8Array; end: Uint8Array; seqno: number }[] = [];
  for (const t of bySeq) {
    const last = out[out.length - 1];
    if (last !== undefined && last.seqno === t.seqno && cmp.compare(t.start, last.end) <= 0) {
      if (cmp.compare(t.end, last.end) > 0) last.end = copyBytes(t.end);
      continue;
    }
    out.push({ type: 'deleteRange', start: copyBytes(t.start), end: copyBytes(t.end), seqno: t.seqno });
  }
  out.sort((a, b) => cmp.compare(a.start, b.start) || b.seqno - a.seqno);
  return out;
}
