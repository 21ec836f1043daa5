// Resolves a write batch into what its one seqno can hold. Every operation of a batch
// carries the batch's seqno, so two entries of one key would have the same internal key
// (key, seqno): the memtable, tables and compaction must never see that. The batch's
// operations apply in order, so this rewrites the record before it is logged:
//
// - the same key twice: the later operation wins (put, delete, deleteWeak replace what
//   the batch wrote to the key before);
// - merge operands of a key fold in order: onto a value or deletion the batch wrote
//   before them (into a value); when the batch wrote nothing else to the key, one operand
//   stays an operand, and two or more combine into one with the operator's partialMerge
//   (the shipped operators have one) or, without it, fold onto the key's value as of the
//   seqno before the batch (read at commit). So the merge operator runs at commit for
//   these, and its exception fails the commit with nothing applied;
// - a range deletion deletes what the batch wrote in its range before it (those
//   operations are dropped here) and every older write; it does not delete what the
//   batch writes after it, since a range tombstone at seqno S covers only seqnos below S.
//
// A batch with no repeated key and no range deletion (the common case) is left as it is:
// the check costs one hash of each key. The result is a version-2 record (batch-codec.ts)
// holding at most one point operation per key.

import { ByteSink, type Comparator, InvalidArgumentError, NotSupportedError, RANGE_TOMBSTONE_TYPE, ValueType, cursor, getU32, getU64, getVarint32, getVarint64 } from '@lsm/base';
import type { MergeOperator } from '@lsm/compaction';
import { applyMerge } from '../read/version-chain.js';
import { BATCH_HEADER_SIZE, encodeOp, stampBatch, typeHasValue, visitBatch } from './batch-codec.js';

/** What resolving a batch needs from the store. */
export interface BatchResolver {
  readonly comparator: Comparator;
  readonly bytewise: boolean;
  readonly mergeOperator: MergeOperator | undefined;
  /** The value of `key` as of the seqno before the batch (undefined: absent or deleted). */
  readBase(key: Uint8Array): Uint8Array | undefined;
}

/** A rewritten batch record. */
export interface NormalizedBatch {
  readonly bytes: Uint8Array;
  readonly count: number;
}

/**
 * Returns null when the stamped record `rec` (version 2) already holds at most one point
 * operation per key and no range deletion that could delete an earlier operation of the
 * batch; otherwise the rewritten record (same seqno). Throws what the merge operator or
 * the base read throws.
 */
export function normalizeBatch(rec: Uint8Array, rangeDeletes: number, r: BatchResolver): NormalizedBatch | null {
  const count = getU32(rec, 9);
  if (count <= 1) return null;
  if (rangeDeletes === 0 && !(r.bytewise ? hasRepeatedKeyBytewise(rec, count) : hasRepeatedKey(rec, r.comparator))) return null;
  return rewrite(rec, r);
}

// ---------------------------------------------------------------- the check

/**
 * Scratch for the bytewise check, kept between batches up to SCRATCH_OPS operations (a
 * larger batch gets its own): an open-addressing table of op indexes (+1), and each op's
 * key location.
 */
const SCRATCH_OPS = 1 << 16;
let scratchSlots = new Int32Array(256);
let scratchKeyAt = new Int32Array(128);
let scratchKeyLen = new Int32Array(128);

/** True when two point operations of the record have the same key bytes. */
function hasRepeatedKeyBytewise(rec: Uint8Array, count: number): boolean {
  if (keysAscend(rec, count)) return false;
  let size = 16;
  while (size < count * 2) size *= 2;
  if (count <= SCRATCH_OPS && scratchKeyAt.length < count) {
    scratchSlots = new Int32Array(size);
    scratchKeyAt = new Int32Array(size >>> 1);
    scratchKeyLen = new Int32Array(size >>> 1);
  }
  const shared = count <= SCRATCH_OPS;
  const slots = shared ? scratchSlots.subarray(0, size) : new Int32Array(size);
  const keyAt = shared ? scratchKeyAt : new Int32Array(count);
  const keyLen = shared ? scratchKeyLen : new Int32Array(count);
  slots.fill(0);
  const mask = size - 1;
  const end = rec.length;
  let p = BATCH_HEADER_SIZE;
  for (let i = 0; i < count; i++) {
    p = nextOp(rec, p, end);
    const kp = opKeyAt;
    const klen = opKeyLen;
    let h = 0x811c9dc5 ^ klen;
    for (let j = kp; j < kp + klen; j++) h = Math.imul(h ^ rec[j]!, 0x01000193);
    let s = (h ^ (h >>> 15)) & mask;
    for (;;) {
      const o = slots[s]!;
      if (o === 0) break;
      if (keyLen[o - 1] === klen && sameBytes(rec, keyAt[o - 1]!, kp, klen)) return true;
      s = (s + 1) & mask;
    }
    slots[s] = i + 1;
    keyAt[i] = kp;
    keyLen[i] = klen;
  }
  return false;
}

/** The key of the operation nextOp() read last: its offset in the record and length. */
let opKeyAt = 0;
let opKeyLen = 0;

/** Reads the operation at `p` of a record (its key into opKeyAt/opKeyLen); returns where the next one starts. */
function nextOp(rec: Uint8Array, p: number, end: number): number {
  const type = rec[p]!;
  opKeyLen = getVarint32(rec, p + 1, end);
  opKeyAt = cursor.pos;
  const next = opKeyAt + opKeyLen;
  return typeHasValue(type) ? getVarint64(rec, next, end) + cursor.pos : next;
}

/**
 * True when the operations' keys strictly ascend (bytewise), so none repeats: a batch
 * of a sequential load is settled by one comparison per operation, without hashing. A
 * batch in any other order usually fails on its second key.
 */
function keysAscend(rec: Uint8Array, count: number): boolean {
  const end = rec.length;
  let p = BATCH_HEADER_SIZE;
  let prevAt = 0;
  let prevLen = -1;
  for (let i = 0; i < count; i++) {
    p = nextOp(rec, p, end);
    if (prevLen >= 0 && compareIn(rec, prevAt, prevLen, opKeyAt, opKeyLen) >= 0) return false;
    prevAt = opKeyAt;
    prevLen = opKeyLen;
  }
  return true;
}

/** Bytewise comparison of rec[a, a + al) and rec[b, b + bl). */
function compareIn(rec: Uint8Array, a: number, al: number, b: number, bl: number): number {
  const n = al < bl ? al : bl;
  for (let j = 0; j < n; j++) {
    const d = rec[a + j]! - rec[b + j]!;
    if (d !== 0) return d;
  }
  return al - bl;
}

function sameBytes(rec: Uint8Array, a: number, b: number, n: number): boolean {
  for (let j = 0; j < n; j++) if (rec[a + j] !== rec[b + j]) return false;
  return true;
}

/** True when two point operations have keys the comparator calls equal (any comparator). */
function hasRepeatedKey(rec: Uint8Array, cmp: Comparator): boolean {
  const keys: Uint8Array[] = [];
  visitBatch(rec, 'a write batch', 0, (_s, _type, key) => keys.push(key));
  keys.sort(cmp.compare);
  for (let i = 1; i < keys.length; i++) if (cmp.compare(keys[i - 1]!, keys[i]!) === 0) return true;
  return false;
}

// ---------------------------------------------------------------- the rewrite

interface Op {
  readonly index: number;
  readonly type: number;
  readonly key: Uint8Array;
  readonly value: Uint8Array;
}

/** What the batch has made of one key so far (applying its operations in order). */
type KeyState =
  | { kind: 'none' } // the batch has not touched the key: its value is the one before the batch
  | { kind: 'range' } // a range deletion of the batch deleted it (and everything older)
  | { kind: 'point'; op: Op } // the last put, delete or weak delete wins
  | { kind: 'merge'; base: KeyState; operands: Uint8Array[] }; // operands on top of `base`

function rewrite(rec: Uint8Array, r: BatchResolver): NormalizedBatch {
  const cmp = r.comparator;
  const seqno = getU64(rec, 1);
  const ranges: Op[] = [];
  const points: Op[] = [];
  let index = 0;
  visitBatch(rec, 'a write batch', 0, (_s, type, key, value) => {
    const op = { index: index++, type, key, value };
    (type === RANGE_TOMBSTONE_TYPE ? ranges : points).push(op);
  });
  // Group the point operations by key (a stable sort keeps each key's operations in batch order).
  points.sort((a, b) => cmp.compare(a.key, b.key) || a.index - b.index);
  const out: Op[] = [...ranges];
  for (let g = 0; g < points.length; ) {
    let e = g + 1;
    while (e < points.length && cmp.compare(points[e]!.key, points[g]!.key) === 0) e++;
    const op = resolveKey(points.slice(g, e), ranges, r, cmp);
    if (op !== undefined) out.push(op);
    g = e;
  }
  out.sort((a, b) => a.index - b.index);
  const sink = new ByteSink(rec.length + 64);
  sink.len = BATCH_HEADER_SIZE;
  for (const op of out) encodeOp(sink, op.type, op.key, op.value);
  const bytes = sink.buf.subarray(0, sink.len);
  stampBatch(bytes, seqno, out.length);
  return { bytes, count: out.length };
}

/**
 * Applies one key's operations (batch order) and the batch's range deletions covering the
 * key, in batch order; returns the one operation to keep (at the index of the key's last
 * operation), or undefined when a later range deletion of the batch deleted the key.
 */
function resolveKey(ops: readonly Op[], ranges: readonly Op[], r: BatchResolver, cmp: Comparator): Op | undefined {
  const key = ops[0]!.key;
  const covering = ranges.filter((t) => cmp.compare(t.key, key) <= 0 && cmp.compare(key, t.value) < 0);
  let state: KeyState = { kind: 'none' };
  let c = 0;
  for (const op of ops) {
    while (c < covering.length && covering[c]!.index < op.index) {
      state = { kind: 'range' };
      c++;
    }
    if (op.type !== ValueType.Merge) state = { kind: 'point', op };
    else if (state.kind === 'merge') state.operands.push(op.value);
    else state = { kind: 'merge', base: state, operands: [op.value] };
  }
  if (c < covering.length) return undefined; // deleted by a range deletion after its last operation
  const last = ops[ops.length - 1]!;
  if (state.kind === 'point') return state.op;
  if (state.kind !== 'merge') throw new Error('unreachable: a key with operations resolves to a point or a merge');
  const { base, operands } = state;
  if (base.kind === 'none' && operands.length === 1) return last; // one operand: folded by reads, as any other
  const op = r.mergeOperator;
  if (base.kind === 'none' && op?.partialMerge !== undefined) {
    // Still an operand: folded onto whatever lies below by reads and compactions, as any other.
    return { index: last.index, type: ValueType.Merge, key, value: checkedBytes(op.partialMerge(key, operands), op.name) };
  }
  let existing: Uint8Array | undefined;
  if (base.kind === 'none') existing = r.readBase(key);
  else if (base.kind === 'point') {
    if (base.op.type === ValueType.Indirection) throw new NotSupportedError('a merge operand onto a blob pointer written in the same batch');
    existing = base.op.type === ValueType.Value ? base.op.value : undefined;
  }
  const value = applyMerge(op, key, existing, operands);
  return { index: last.index, type: ValueType.Value, key, value };
}

function checkedBytes(out: unknown, name: string): Uint8Array {
  if (!(out instanceof Uint8Array)) throw new InvalidArgumentError(`merge operator '${name}' partialMerge returned ${out === null ? 'null' : typeof out}, not a Uint8Array`);
  return out;
}
