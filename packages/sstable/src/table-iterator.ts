// TableIterator: the InternalIterator over one table's point entries -- a two-level
// iterator (index position + data block iterator). Supports user-key bounds
// (lowerBound inclusive, upperBound exclusive, as RocksDB's iterate_*_bound): entries
// outside them are never returned. A forward scan skips reading the next block when the
// index separator already proves it lies past the upper bound (otherwise, as in LevelDB,
// it reads that one block to find its first key is out of range). fillCache: false keeps
// a one-off scan (compaction) from flushing the block cache.

import type { Block } from './block-reader.js';
import { DataBlockIter } from './data-block-iterator.js';
import { closedError, copyOf, InvalidArgumentError, checkProbe, MAX_SEQNO, TRAILER_SIZE, type ValueType, type InternalIterator } from '@lsm/base';
import type { IndexBlock } from './index-block.js';
import type { Table } from './table.js';

/** Options of Table.iterator(). */
export interface TableIteratorOptions {
  /** Smallest user key to return (inclusive). */
  lowerBound?: Uint8Array;
  /** User keys >= this are not returned (exclusive). */
  upperBound?: Uint8Array;
  /** Insert blocks read by this iterator into the block cache. Default true. */
  fillCache?: boolean;
}

export class TableIterator implements InternalIterator {
  private readonly it: DataBlockIter;
  private readonly lower: Uint8Array | undefined;
  private readonly upper: Uint8Array | undefined;
  private readonly fillCache: boolean;
  /** Index of the loaded data block, or -1. */
  private blockIdx = -1;
  private positioned = false;
  private closed = false;

  /** @internal Use Table.iterator(). */
  constructor(
    private readonly table: Table,
    private readonly index: IndexBlock,
    options: TableIteratorOptions,
  ) {
    this.it = new DataBlockIter(table.compareAt);
    this.lower = options.lowerBound === undefined ? undefined : copyOf(options.lowerBound);
    this.upper = options.upperBound === undefined ? undefined : copyOf(options.upperBound);
    this.fillCache = options.fillCache ?? true;
  }

  valid(): boolean {
    return this.positioned;
  }

  seekToFirst(): void {
    this.checkOpen();
    if (this.lower !== undefined) {
      this.seek(this.lower, MAX_SEQNO);
      return;
    }
    this.guard(() => {
      if (!this.loadBlock(0)) return;
      this.it.seekToFirst();
      this.skipForward();
    });
  }

  seekToLast(): void {
    this.checkOpen();
    if (this.upper !== undefined) {
      this.seekBeforeUpper();
      return;
    }
    this.guard(() => {
      if (!this.loadBlock(this.index.count - 1)) return;
      this.it.seekToLast();
      this.skipBackward();
    });
  }

  seek(userKey: Uint8Array, seqno: number = MAX_SEQNO): void {
    this.checkOpen();
    checkProbe(userKey, seqno);
    let k = userKey;
    let s = seqno;
    if (this.lower !== undefined && this.table.cmp.compare(k, this.lower) < 0) {
      k = this.lower;
      s = MAX_SEQNO;
    }
    this.guard(() => {
      const i = this.index.find(k, s, this.table.compareAt);
      if (!this.loadBlock(i)) return;
      this.it.seek(k, s);
      this.skipForward();
    });
  }

  seekForPrev(userKey: Uint8Array, seqno = 0): void {
    this.checkOpen();
    checkProbe(userKey, seqno);
    if (this.upper !== undefined && this.table.cmp.compare(userKey, this.upper) >= 0) {
      this.seekBeforeUpper();
      return;
    }
    this.guard(() => this.seekForPrevUnbounded(userKey, seqno));
  }

  next(): void {
    this.checkValid();
    this.positioned = false;
    try {
      this.it.next();
      // Fast path: still inside the block and no bound to check.
      if (this.upper === undefined && this.it.valid()) this.positioned = true;
      else this.skipForward();
    } catch (err) {
      this.invalidate();
      throw err;
    }
  }

  prev(): void {
    this.checkValid();
    this.positioned = false;
    try {
      this.it.prev();
      if (this.lower === undefined && this.it.valid()) this.positioned = true;
      else this.skipBackward();
    } catch (err) {
      this.invalidate();
      throw err;
    }
  }

  userKey(): Uint8Array {
    this.checkValid();
    return this.it.userKey();
  }

  seqno(): number {
    this.checkValid();
    return this.it.seqno();
  }

  type(): ValueType {
    this.checkValid();
    return this.it.type();
  }

  value(): Uint8Array {
    this.checkValid();
    return this.it.value();
  }

  close(): void {
    this.closed = true;
    this.invalidate();
  }

  /** Positions at the last entry whose user key is below the upper bound. */
  private seekBeforeUpper(): void {
    const upper = this.upper!;
    this.guard(() => {
      // Last entry <= (upper, MAX_SEQNO): only (upper, MAX_SEQNO) itself can be too far.
      this.seekForPrevUnbounded(upper, MAX_SEQNO);
      if (this.positioned && this.it.compareUserKey(upper) >= 0) {
        this.it.prev();
        this.skipBackward();
      }
    });
  }

  private seekForPrevUnbounded(userKey: Uint8Array, seqno: number): void {
    const n = this.index.count;
    const i = this.index.find(userKey, seqno, this.table.compareAt);
    if (i >= n) {
      if (!this.loadBlock(n - 1)) return;
      this.it.seekToLast();
    } else {
      if (!this.loadBlock(i)) return;
      this.it.seekForPrev(userKey, seqno);
    }
    this.skipBackward();
  }

  /** Loads data block i (unpositioned). Returns false (and invalidates) when i is out of range. */
  private loadBlock(i: number): boolean {
    if (i < 0 || i >= this.index.count) {
      this.invalidate();
      return false;
    }
    if (i !== this.blockIdx) {
      const block: Block = this.table.dataBlock(this.index, i, this.fillCache);
      this.it.reset(block);
      this.blockIdx = i;
    }
    return true;
  }

  /** After a forward move: step into following blocks while the block iterator ran off its end; apply the upper bound. */
  private skipForward(): void {
    while (!this.it.valid()) {
      const i = this.blockIdx + 1;
      if (i >= this.index.count || this.separatorAtOrPastUpper(this.blockIdx)) {
        this.invalidate();
        return;
      }
      this.loadBlock(i);
      this.it.seekToFirst();
    }
    if (this.upper !== undefined && this.it.compareUserKey(this.upper) >= 0) {
      this.invalidate();
      return;
    }
    this.positioned = true;
  }

  /** After a backward move: step into preceding blocks as needed; apply the lower bound. */
  private skipBackward(): void {
    while (!this.it.valid()) {
      const i = this.blockIdx - 1;
      if (i < 0) {
        this.invalidate();
        return;
      }
      this.loadBlock(i);
      this.it.seekToLast();
    }
    if (this.lower !== undefined && this.it.compareUserKey(this.lower) < 0) {
      this.invalidate();
      return;
    }
    this.positioned = true;
  }

  /** True when every key after block i is >= the upper bound (so the next block need not be read). */
  private separatorAtOrPastUpper(i: number): boolean {
    if (this.upper === undefined || i < 0) return false;
    const sep = this.index.separator(i);
    return this.table.compareAt(sep, 0, sep.length - TRAILER_SIZE, this.upper) >= 0;
  }

  /** Runs a move; on error leaves the iterator invalid and rethrows. */
  private guard(move: () => void): void {
    this.positioned = false;
    try {
      move();
    } catch (err) {
      this.invalidate();
      throw err;
    }
  }

  private invalidate(): void {
    this.positioned = false;
    this.blockIdx = -1;
    this.it.clear();
  }

  private checkOpen(): void {
    if (this.closed) throw closedError('table iterator');
  }

  private checkValid(): void {
    if (!this.positioned) {
      if (this.closed) throw closedError('table iterator');
      throw new InvalidArgumentError('iterator is not positioned on an entry');
    }
  }
}
