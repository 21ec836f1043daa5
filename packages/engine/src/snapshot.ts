// Snapshots: a pinned seqno. While a snapshot is open, compaction keeps every version a
// read at its seqno can see; release() lets those versions go. Reads through a snapshot
// see exactly the writes with seqno <= snapshot.seqno.

import type { Bytes } from './coerce.js';
import { ClosedError } from './errors.js';
import type { RangeOptions } from './read/read-options.js';

/** The part of Tree a snapshot reads through. */
export interface SnapshotHost {
  get(key: Bytes, opts?: { snapshot?: Snapshot }): Uint8Array | undefined;
  range(opts?: RangeOptions): IterableIterator<[Uint8Array, Uint8Array]>;
  prefix(prefix: Bytes, opts?: RangeOptions): IterableIterator<[Uint8Array, Uint8Array]>;
}

/** A consistent, read-only view of the store as of one seqno. */
export class Snapshot {
  private released = false;

  constructor(
    /** Reads see the writes with seqno <= this. */
    readonly seqno: number,
    private readonly host: SnapshotHost,
    private readonly list: SnapshotList,
    /** Called once by release() (a secondary's snapshot unpins the tables and memtables it holds). */
    private readonly onRelease?: () => void,
  ) {}

  /** True until release(). */
  get isLive(): boolean {
    return !this.released;
  }

  /** Throws LSM_CLOSED when released. */
  check(): void {
    if (this.released) throw new ClosedError('snapshot');
  }

  /** The value of `key` as of this snapshot. */
  get(key: Bytes): Uint8Array | undefined {
    this.check();
    return this.host.get(key, { snapshot: this });
  }

  /** Iterates as of this snapshot (same options as Tree.range, without `snapshot`). */
  range(opts?: Omit<RangeOptions, 'snapshot'>): IterableIterator<[Uint8Array, Uint8Array]> {
    this.check();
    return this.host.range({ ...opts, snapshot: this });
  }

  /** Iterates the keys starting with `prefix` as of this snapshot. */
  prefix(prefix: Bytes, opts?: Omit<RangeOptions, 'snapshot'>): IterableIterator<[Uint8Array, Uint8Array]> {
    this.check();
    return this.host.prefix(prefix, { ...opts, snapshot: this });
  }

  /** Lets compaction drop the versions only this snapshot needed. Idempotent. */
  release(): void {
    if (this.released) return;
    this.released = true;
    this.list.remove(this.seqno);
    this.onRelease?.();
  }
}

/** The seqnos of open snapshots (a multiset), for compaction. */
export class SnapshotList {
  private readonly counts = new Map<number, number>();

  add(seqno: number): void {
    this.counts.set(seqno, (this.counts.get(seqno) ?? 0) + 1);
  }

  remove(seqno: number): void {
    const n = this.counts.get(seqno) ?? 0;
    if (n <= 1) this.counts.delete(seqno);
    else this.counts.set(seqno, n - 1);
  }

  /** Distinct open snapshot seqnos, ascending. */
  seqnos(): number[] {
    return [...this.counts.keys()].sort((a, b) => a - b);
  }

  /** Number of open snapshots. */
  get size(): number {
    let n = 0;
    for (const c of this.counts.values()) n += c;
    return n;
  }
}
