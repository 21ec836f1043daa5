// A write batch: operations that become visible and durable together. commit() writes
// them as one write-ahead-log record, gives them consecutive seqnos and returns the last
// one; a crash leaves either the whole batch or none of it.

import { type Comparator, MAX_KEY_LENGTH, NotSupportedError, prefixSuccessor, ValueType } from '@lsm/base';
import { type BatchOp, OP_DELETE_RANGE } from './batch-codec.js';
import { copyBytes } from '../memtable/byte-slab.js';
import { type Bytes, toKey, toValue } from '../coerce.js';
import { ClosedError, InvalidArgumentError } from '../errors.js';

const EMPTY = new Uint8Array(0);

/** Where a batch commits to. */
export interface BatchTarget {
  commitOps(ops: BatchOp[], sync: boolean | undefined): number;
  /** The store's key order (range deletions must have start <= end in it). */
  readonly comparator: Comparator;
  /** True when the order is bytewise (deletePrefix needs it). */
  readonly isBytewise: boolean;
  /** Throws LSM_INVALID_ARGUMENT unless the store has a merge operator that accepts `operand`. */
  checkMergeOperand(operand: Uint8Array): void;
}

/** The largest key there is: 65,535 bytes of 0xff. */
let maxKey: Uint8Array | undefined;

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

  /**
   * Adds a merge operand for `key`: reads fold operands onto the value with the store's
   * merge operator (which must exist and accept the operand: LSM_INVALID_ARGUMENT).
   */
  merge(key: Bytes, operand: Bytes): this {
    this.open();
    const k = copyBytes(toKey(key));
    const v = copyBytes(toValue(operand, 'operand'));
    this.target.checkMergeOperand(v);
    this.ops.push({ type: ValueType.Merge, key: k, value: v });
    this.bytes += k.length + v.length;
    return this;
  }

  /**
   * Deletes every key in [start, end) as one operation with one seqno. `start` after `end`
   * is LSM_INVALID_ARGUMENT; an empty range (start equal to end) adds nothing.
   */
  deleteRange(start: Bytes, end: Bytes): this {
    this.open();
    const s = toKey(start, 'start');
    const e = toKey(end, 'end');
    const c = this.target.comparator.compare(s, e);
    if (c > 0) throw new InvalidArgumentError('deleteRange: start sorts after end');
    if (c === 0) return this;
    this.pushRange(copyBytes(s), copyBytes(e));
    return this;
  }

  /**
   * Deletes every key that starts with `prefix` (bytewise order only: LSM_NOT_SUPPORTED
   * otherwise). One range deletion [prefix, successor); when no successor exists (an empty
   * prefix or only 0xff bytes) the range ends at the largest possible key, which is also
   * deleted by a point deletion in the same batch.
   */
  deletePrefix(prefix: Bytes): this {
    this.open();
    const p = copyBytes(toKey(prefix, 'prefix'));
    if (!this.target.isBytewise) throw new NotSupportedError('deletePrefix() needs the bytewise comparator; use deleteRange()');
    const succ = prefixSuccessor(p);
    if (succ !== undefined) {
      this.pushRange(p, succ);
      return this;
    }
    maxKey ??= new Uint8Array(MAX_KEY_LENGTH).fill(0xff);
    if (p.length < MAX_KEY_LENGTH) this.pushRange(p, maxKey);
    this.ops.push({ type: ValueType.Tombstone, key: maxKey, value: EMPTY });
    this.bytes += maxKey.length;
    return this;
  }

  private pushRange(start: Uint8Array, end: Uint8Array): void {
    this.ops.push({ type: OP_DELETE_RANGE, key: start, value: end });
    this.bytes += start.length + end.length;
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
