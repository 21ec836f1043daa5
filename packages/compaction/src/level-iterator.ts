// LevelIterator: one InternalIterator over the tables of a sorted, disjoint level (or any
// sorted, disjoint subset of one), opening each table only when the iteration reaches it
// and closing it when the iteration leaves it (LevelDB's concatenating two-level
// iterator). A compaction over a whole level thus holds one open table per level
// instead of one per table, and the merge heap has one child per level.
// Promises: the full InternalIterator contract (both directions, seeks); at most one
// table iterator open at a time; close() closes it; an error from opening or moving
// leaves the iterator invalid and is rethrown unchanged.

import { InvalidArgumentError, LsmError, MAX_SEQNO, type Comparator, type InternalIterator, type ValueType } from '@lsm/base';
import { firstTableEndingAtOrAfter } from './key-range.js';
import type { TableMeta } from './table-meta.js';

export class LevelIterator implements InternalIterator {
  private idx = -1;
  private cur: InternalIterator | undefined;
  private closed = false;

  /**
   * `tables` must be sorted by smallest key and disjoint. `open` returns a new,
   * unpositioned iterator over one table; this iterator closes it.
   */
  constructor(
    private readonly cmp: Comparator,
    private readonly tables: readonly TableMeta[],
    private readonly open: (meta: TableMeta) => InternalIterator,
  ) {}

  valid(): boolean {
    return this.cur !== undefined && this.cur.valid();
  }

  seekToFirst(): void {
    this.guard(() => {
      if (!this.openAt(0)) return;
      this.cur!.seekToFirst();
      this.skipForward();
    });
  }

  seekToLast(): void {
    this.guard(() => {
      if (!this.openAt(this.tables.length - 1)) return;
      this.cur!.seekToLast();
      this.skipBackward();
    });
  }

  seek(userKey: Uint8Array, seqno: number = MAX_SEQNO): void {
    this.guard(() => {
      if (!this.openAt(firstTableEndingAtOrAfter(this.cmp, this.tables, userKey))) return;
      this.cur!.seek(userKey, seqno);
      this.skipForward();
    });
  }

  seekForPrev(userKey: Uint8Array, seqno = 0): void {
    this.guard(() => {
      // The last table starting at or before userKey.
      let lo = 0;
      let hi = this.tables.length;
      while (lo < hi) {
        const mid = (lo + hi) >>> 1;
        if (this.cmp.compare(this.tables[mid]!.smallest, userKey) <= 0) lo = mid + 1;
        else hi = mid;
      }
      if (!this.openAt(lo - 1)) return;
      this.cur!.seekForPrev(userKey, seqno);
      this.skipBackward();
    });
  }

  next(): void {
    this.checkValid();
    this.guard(() => {
      this.cur!.next();
      this.skipForward();
    });
  }

  prev(): void {
    this.checkValid();
    this.guard(() => {
      this.cur!.prev();
      this.skipBackward();
    });
  }

  userKey(): Uint8Array {
    this.checkValid();
    return this.cur!.userKey();
  }

  seqno(): number {
    this.checkValid();
    return this.cur!.seqno();
  }

  type(): ValueType {
    this.checkValid();
    return this.cur!.type();
  }

  value(): Uint8Array {
    this.checkValid();
    return this.cur!.value();
  }

  /** The table the current entry comes from (undefined when not valid). */
  currentTable(): TableMeta | undefined {
    return this.valid() ? this.tables[this.idx] : undefined;
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.release();
  }

  /** Opens table i (reusing it if already open). False (and released) when out of range. */
  private openAt(i: number): boolean {
    if (i < 0 || i >= this.tables.length) {
      this.release();
      return false;
    }
    if (i === this.idx && this.cur !== undefined) return true;
    this.release();
    this.cur = this.open(this.tables[i]!);
    this.idx = i;
    return true;
  }

  private skipForward(): void {
    while (this.cur !== undefined && !this.cur.valid()) {
      if (!this.openAt(this.idx + 1)) return;
      this.cur.seekToFirst();
    }
  }

  private skipBackward(): void {
    while (this.cur !== undefined && !this.cur.valid()) {
      if (!this.openAt(this.idx - 1)) return;
      this.cur.seekToLast();
    }
  }

  /** Closes the open table iterator, if any. */
  private release(): void {
    const c = this.cur;
    this.cur = undefined;
    this.idx = -1;
    c?.close();
  }

  private guard(move: () => void): void {
    if (this.closed) throw new LsmError('LSM_CLOSED', 'level iterator is closed');
    try {
      move();
    } catch (err) {
      try {
        this.release();
      } catch {
        // the move's error is the one to report
      }
      throw err;
    }
  }

  private checkValid(): void {
    if (this.closed) throw new LsmError('LSM_CLOSED', 'level iterator is closed');
    if (!this.valid()) throw new InvalidArgumentError('iterator is not positioned on an entry');
  }
}
