// The encoded form of a write batch: the payload of one write-ahead-log record, and the
// unit of atomicity (a batch's record is written whole or is a torn tail, never half
// applied). Layout in FORMAT.md, "Write batch". Format version 2 (written since batches
// take one seqno each): every operation carries the batch's seqno, and a record holds at
// most one point operation per user key (write/batch-normalize.ts makes it so). Version 1
// (older logs, still replayed): operation i carries seqno first + i.

import {
  ByteSink,
  CorruptionError,
  RANGE_TOMBSTONE_TYPE,
  ValueType,
  cursor,
  getU32,
  getU64,
  getVarint32,
  getVarint64,
  putU32,
  putU64,
} from '@lsm/base';

/** Version byte written at the start of every encoded batch: one seqno for the whole batch. */
export const BATCH_FORMAT_VERSION = 2;
/** The version of logs written before: operation i of a batch at seqno first + i (read only). */
export const BATCH_FORMAT_V1 = 1;
/** Header: version u8, seqno u64 LE (version 1: of the first operation), entry count u32 LE. */
export const BATCH_HEADER_SIZE = 13;

/** Batch op type of a range deletion: `key` is the start (inclusive), `value` the end (exclusive). */
export const OP_DELETE_RANGE = RANGE_TOMBSTONE_TYPE;

/** One operation of a batch. `value` is empty for deletions; the end key for OP_DELETE_RANGE. */
export interface BatchOp {
  type: number;
  key: Uint8Array;
  value: Uint8Array;
}

/** True for the entry types that carry a value. */
export function typeHasValue(type: number): boolean {
  return type === ValueType.Value || type === ValueType.Merge || type === ValueType.Indirection || type === OP_DELETE_RANGE;
}

/**
 * Encodes `ops` with seqno `seqno` into `sink` (reset first), in format `version` (tests
 * write version 1 to check that old logs replay).
 */
export function encodeBatch(sink: ByteSink, seqno: number, ops: readonly BatchOp[], version = BATCH_FORMAT_VERSION): Uint8Array {
  sink.len = 0;
  sink.ensure(BATCH_HEADER_SIZE);
  stampBatch(sink.buf, seqno, ops.length);
  sink.buf[0] = version;
  sink.len = BATCH_HEADER_SIZE;
  for (const op of ops) encodeOp(sink, op.type, op.key, op.value);
  return sink.buf.subarray(0, sink.len);
}

/** Appends one operation (type, key, and for the types that carry one, the value). */
export function encodeOp(sink: ByteSink, type: number, key: Uint8Array, value: Uint8Array): void {
  sink.putByte(type);
  sink.putVarint(key.length);
  sink.putBytes(key);
  if (typeHasValue(type)) {
    sink.putVarint(value.length);
    sink.putBytes(value);
  }
}

const EMPTY = new Uint8Array(0);

/** Stamps the header of an encoded batch: format version 2, the batch's seqno, entry count. */
export function stampBatch(rec: Uint8Array, seqno: number, count: number): void {
  rec[0] = BATCH_FORMAT_VERSION;
  putU64(rec, 1, seqno);
  putU32(rec, 9, count);
}

/** A decoded batch: its format version, (first) seqno and operations (views into the record's bytes). */
export interface DecodedBatch {
  version: number;
  first: number;
  ops: BatchOp[];
}

/**
 * Decodes a batch record. Any inconsistency (the record passed its checksum, so this
 * means a bug or deliberate tampering) is a CorruptionError naming the log and offset.
 */
export function decodeBatch(rec: Uint8Array, file: string, offset: number): DecodedBatch {
  const ops: BatchOp[] = [];
  const first = visitBatch(rec, file, offset, (_seqno, type, key, value) => {
    ops.push({ type, key, value });
  });
  return { version: rec[0]!, first, ops };
}

/**
 * Calls `visit` with each operation of a batch record and its seqno, in order (key and
 * value are views into `rec`; the value is empty for deletions): the batch's seqno for
 * every operation of a version-2 record, first + i for operation i of a version-1 record.
 * Returns the seqno in the header. Checks as decodeBatch does.
 */
export function visitBatch(
  rec: Uint8Array,
  file: string,
  offset: number,
  visit: (seqno: number, type: number, key: Uint8Array, value: Uint8Array) => void,
): number {
  return visitBatchAt(rec, file, offset, (seqno, type, keyOff, keyLen, valOff, valLen) => {
    visit(seqno, type, rec.subarray(keyOff, keyOff + keyLen), valOff < 0 ? EMPTY : rec.subarray(valOff, valOff + valLen));
  });
}

/**
 * visitBatch without views: each operation's key and value as offsets into `rec` (the
 * value's offset is -1 for the types without one). For callers that keep many entries
 * (a flush rebuilding a memtable from its log) and would otherwise hold an object per
 * key and per value.
 */
export function visitBatchAt(
  rec: Uint8Array,
  file: string,
  offset: number,
  visit: (seqno: number, type: number, keyOff: number, keyLen: number, valOff: number, valLen: number) => void,
): number {
  const bad = (what: string): CorruptionError => new CorruptionError(file, offset, `write batch: ${what}`);
  if (rec.length < BATCH_HEADER_SIZE) throw bad(`record of ${rec.length} bytes is shorter than the header`);
  const version = rec[0];
  if (version !== BATCH_FORMAT_VERSION && version !== BATCH_FORMAT_V1) throw bad(`unknown batch format version ${version}`);
  const first = getU64(rec, 1);
  if (first < 0) throw bad('first seqno beyond 2^53-1');
  const count = getU32(rec, 9);
  const step = version === BATCH_FORMAT_V1 ? 1 : 0;
  if (first + count * step > Number.MAX_SAFE_INTEGER) throw bad('seqnos beyond 2^53-1');
  // Each op takes at least 2 bytes: a bound that stops a damaged count from allocating.
  if (count > (rec.length - BATCH_HEADER_SIZE) / 2) throw bad(`count ${count} does not fit in ${rec.length} bytes`);
  let p = BATCH_HEADER_SIZE;
  const end = rec.length;
  for (let i = 0; i < count; i++) {
    if (p >= end) throw bad(`entry ${i} of ${count} missing`);
    const type = rec[p++]!;
    if (type > ValueType.Indirection && type !== OP_DELETE_RANGE) throw bad(`entry ${i} has unknown type ${type}`);
    const klen = getVarint32(rec, p, end);
    if (klen < 0 || cursor.pos + klen > end) throw bad(`entry ${i} key length out of bounds`);
    p = cursor.pos;
    const keyOff = p;
    p += klen;
    let valOff = -1;
    let vlen = 0;
    if (typeHasValue(type)) {
      vlen = getVarint64(rec, p, end);
      if (vlen < 0 || cursor.pos + vlen > end) throw bad(`entry ${i} value length out of bounds`);
      p = cursor.pos;
      valOff = p;
      p += vlen;
    }
    if (type === OP_DELETE_RANGE && vlen > 65535) throw bad(`entry ${i}: range end of ${vlen} bytes`);
    visit(first + i * step, type, keyOff, klen, valOff, vlen);
  }
  if (p !== end) throw bad(`${end - p} trailing bytes after ${count} entries`);
  return first;
}
