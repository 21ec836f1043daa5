// A write batch: operations that become visible and durable together. commit() writes
// them as one write-ahead-log record and gives all of them one seqno, which it returns: a
// read as of any seqno sees the whole batch or none of it, and a crash leaves either the
// whole batch or none of it. Operations apply in order (batch-normalize.ts: the later
// write of a key wins, merge operands fold in order, a range deletion deletes the batch's
// earlier writes in its range but not its later ones). The batch is its record.

import { ByteSink, type Comparator, MAX_KEY_LENGTH, NotSupportedError, prefixSuccessor, ValueType } from '@lsm/base';
import { BATCH_HEADER_SIZE, OP_DELETE_RANGE } from './batch-codec.js';
import { type Bytes, toKey, toValue } from '../coerce.js';
import { ClosedError, InvalidArgumentError } from '../errors.js';

/** Where a batch commits to. */
export interface BatchTarget {
  /** Commits an encoded batch (see BatchRecord); returns the batch's seqno. */
  commitRecord(batch: BatchRecord, sync: boolean | undefined): number;
  /** The store's key order (range deletions must have start <= end in it). */
  readonly comparator: Comparator;
  /** True when the order is bytewise (deletePrefix needs it). */
  readonly isBytewise: boolean;
  /** Throws LSM_INVALID_ARGUMENT unless the store has a merge operator that accepts `operand`. */
  checkMergeOperand(operand: Uint8Array): void;
}

/** A batch as its commit hands it over: the log record (seqno not yet stamped) and its counts. */
export interface BatchRecord {
  /** The encoded batch (batch-codec.ts), header included; the writer stamps the first seqno. */
  readonly bytes: Uint8Array;
  readonly count: number;
  /** Bytes of keys and values. */
  readonly userBytes: number;
  readonly rangeDeletes: number;
  readonly mergeOperands: number;
}

/** The largest key there is: 65,535 bytes of 0xff. */
let maxKey: Uint8Array | undefined;

/** Options of commit(). */
export interface CommitOptions {
  /** fsync the write-ahead log before returning. */
  sync?: boolean;
}

/**
 * Collects operations; nothing is visible until commit(), which applies them in order,
 * atomically, all at one seqno:
 * - the same key twice: the later operation wins (put, delete and deleteWeak replace what
 *   the batch wrote to the key before; deleteWeak after a put does not cancel it, it
 *   deletes);
 * - merge operands of one key fold in order, onto what the batch wrote to the key before
 *   them, or onto the key's value before the batch (commit combines them with the merge
 *   operator's partialMerge, or without one reads the key and folds them; the operator's
 *   exception fails the commit with nothing applied);
 * - a range deletion (deleteRange, deletePrefix) deletes the batch's earlier writes in its
 *   range and everything older, not the batch's writes after it.
 *
 * Operations are encoded as they come into the batch's log record (LevelDB's rep): each
 * key and value is copied once, from the caller's buffer into the record, and the
 * memtable copies it from there.
 */
export class WriteBatch {
  private rec: ByteSink | undefined;
  private count = 0;
  private bytes = 0;
  private rangeDeletes = 0;
  private merges = 0;
  private committed = false;

  constructor(private readonly target: BatchTarget) {}

  private open(): ByteSink {
    if (this.committed) throw new ClosedError('write batch (already committed)');
    if (this.rec === undefined) {
      this.rec = takeSink();
      this.rec.len = BATCH_HEADER_SIZE;
    }
    return this.rec;
  }

  private add(type: number, key: Uint8Array, value: Uint8Array | undefined): void {
    const r = this.rec!;
    r.putByte(type);
    r.putVarint(key.length);
    r.putBytes(key);
    if (value !== undefined) {
      r.putVarint(value.length);
      r.putBytes(value);
    }
    this.count++;
    this.bytes += key.length + (value?.length ?? 0);
  }

  /** Sets `key` to `value`. Keys and values are copied now: the caller may reuse buffers. */
  put(key: Bytes, value: Bytes): this {
    this.open();
    this.add(ValueType.Value, toKey(key), toValue(value));
    return this;
  }

  /** Deletes `key`. */
  delete(key: Bytes): this {
    this.open();
    this.add(ValueType.Tombstone, toKey(key), undefined);
    return this;
  }

  /**
   * Single-delete of `key`: removes the newest version only. Meant for keys written once;
   * if a key had several versions, an older one may reappear after compaction.
   */
  deleteWeak(key: Bytes): this {
    this.open();
    this.add(ValueType.WeakTombstone, toKey(key), undefined);
    return this;
  }

  /**
   * Adds a merge operand for `key`: reads fold operands onto the value with the store's
   * merge operator (which must exist and accept the operand: LSM_INVALID_ARGUMENT).
   */
  merge(key: Bytes, operand: Bytes): this {
    this.open();
    const k = toKey(key);
    const v = toValue(operand, 'operand');
    this.target.checkMergeOperand(v);
    this.add(ValueType.Merge, k, v);
    this.merges++;
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
    this.addRange(s, e);
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
    const p = toKey(prefix, 'prefix');
    if (!this.target.isBytewise) throw new NotSupportedError('deletePrefix() needs the bytewise comparator; use deleteRange()');
    const succ = prefixSuccessor(p);
    if (succ !== undefined) {
      this.addRange(p, succ);
      return this;
    }
    maxKey ??= new Uint8Array(MAX_KEY_LENGTH).fill(0xff);
    if (p.length < MAX_KEY_LENGTH) this.addRange(p, maxKey);
    this.add(ValueType.Tombstone, maxKey, undefined);
    return this;
  }

  private addRange(start: Uint8Array, end: Uint8Array): void {
    this.add(OP_DELETE_RANGE, start, end);
    this.rangeDeletes++;
  }

  /** Number of operations. */
  get length(): number {
    return this.count;
  }

  /** Bytes of keys and values held. */
  get byteLength(): number {
    return this.bytes;
  }

  /** Drops every operation (the batch stays usable). */
  clear(): this {
    this.open().len = BATCH_HEADER_SIZE;
    this.count = 0;
    this.bytes = 0;
    this.rangeDeletes = 0;
    this.merges = 0;
    return this;
  }

  /**
   * Applies every operation, in order and atomically, and returns the batch's seqno
   * (every operation carries it). An empty batch returns the current seqno and writes
   * nothing. A batch commits once.
   */
  commit(opts?: CommitOptions): number {
    const rec = this.open();
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) throw new InvalidArgumentError('commit options must be an object');
    const seqno = this.target.commitRecord(
      { bytes: rec.buf.subarray(0, rec.len), count: this.count, userBytes: this.bytes, rangeDeletes: this.rangeDeletes, mergeOperands: this.merges },
      opts?.sync,
    );
    this.committed = true;
    this.rec = undefined;
    giveSink(rec);
    return seqno;
  }
}

/**
 * Record buffers of committed batches, reused: a fresh buffer per put would cost a
 * native allocation each. A batch never committed just lets its buffer go.
 */
const spare: ByteSink[] = [];
/** Buffers larger than this are not kept (one huge batch should not pin its memory). */
const MAX_SPARE_BYTES = 1 << 20;

function takeSink(): ByteSink {
  return spare.pop() ?? new ByteSink(256);
}

function giveSink(s: ByteSink): void {
  if (spare.length < 4 && s.buf.length <= MAX_SPARE_BYTES) spare.push(s);
}
