// A write batch: operations that become visible and durable together. commit() writes
// them as one write-ahead-log record, gives them consecutive seqnos and returns the last
// one; a crash leaves either the whole batch or none of it.

import { ValueType } from '@lsm/sstable';
import type { BatchOp } from './batch-codec.js';
import { copyBytes } from './byte-slab.js';
import { type Bytes, toKey, toValue } from './coerce.js';
import { ClosedError, InvalidArgumentError } from './errors.js';

const EMPTY = new Uint8Array(0);

/** Where a batch commits to. */
export interface BatchTarget {
  commitOps(ops: BatchOp[], sync: boolean | undefined): number;
}

/** Options of commit(). */
export interface CommitOptions {
  /** fsync the write-ahead log before returning. */
  sync?: boolean;
}

/** Collects operations; nothing is visible until commit(). */
export class WriteBatch {
  private ops: BatchOp[] = [];
  private committed = false;
  private bytes = 0;

  constructor(private readonly target: BatchTarget) {}

  private open(): void {
    if (this.committed) throw new ClosedError('write batch (already committed)');
  }

  /** Sets `key` to `value`. Keys and values are copied now: the caller may reuse buffers. */
  put(key: Bytes, value: Bytes): this {
    this.open();
    const k = copyBytes(toKey(key));
    const v = copyBytes(toValue(value));
    this.ops.push({ type: ValueType.Value, key: k, value: v });
    this.bytes += k.length + v.length;
    return this;
  }

  /** Deletes `key`. */
  delete(key: Bytes): this {
    this.open();
    const k = copyBytes(toKey(key));
    this.ops.push({ type: ValueType.Tombstone, key: k, value: EMPTY });
    this.bytes += k.length;
    return this;
  }

  /**
   * Single-delete of `key`: removes the newest version only. Meant for keys written once;
   * if a key had several versions, an older one may reappear after compaction.
   */
  deleteWeak(key: Bytes): this {
    this.open();
    const k = copyBytes(toKey(key));
    this.ops.push({ type: ValueType.WeakTombstone, key: k, value: EMPTY });
    this.bytes += k.length;
    return this;
  }

  /** Number of operations. */
  get length(): number {
    return this.ops.length;
  }

  /** Bytes of keys and values held. */
  get byteLength(): number {
    return this.bytes;
  }

  /** Drops every operation (the batch stays usable). */
  clear(): this {
    this.open();
    this.ops = [];
    this.bytes = 0;
    return this;
  }

  /**
   * Applies every operation atomically and returns the seqno of the last one (the
   * batch's operations get consecutive seqnos). An empty batch returns the current
   * seqno and writes nothing. A batch commits once.
   */
  commit(opts?: CommitOptions): number {
    this.open();
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) throw new InvalidArgumentError('commit options must be an object');
    const seqno = this.target.commitOps(this.ops, opts?.sync);
    this.committed = true;
    this.ops = [];
    return seqno;
  }
}
