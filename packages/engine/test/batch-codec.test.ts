// The write-batch record format (FORMAT.md, "Write batch"), byte for byte: the header
// (version, seqno, count), each operation's type, key and value (only for the types that
// carry one), the seqnos a version-1 and a version-2 record give their operations, and
// every check the decoder makes, each a CorruptionError (LSM_CORRUPTION) naming the log,
// the offset and what was wrong, with the boundary just inside each limit accepted.

import { ByteSink, CorruptionError, ValueType, putU32, putU64 } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import {
  BATCH_FORMAT_V1,
  BATCH_FORMAT_VERSION,
  BATCH_HEADER_SIZE,
  OP_DELETE_RANGE,
  decodeBatch,
  encodeBatch,
  stampBatch,
  typeHasValue,
  visitBatch,
  visitBatchAt,
} from '../src/write/batch-codec.js';

const b = (s: string): Uint8Array => new TextEncoder().encode(s);
const text = (x: Uint8Array): string => new TextDecoder().decode(x);

/** A record from a header and raw body bytes. */
function record(version: number, seqno: number, count: number, body: number[]): Uint8Array {
  const rec = new Uint8Array(BATCH_HEADER_SIZE + body.length);
  rec[0] = version;
  putU64(rec, 1, seqno);
  putU32(rec, 9, count);
  rec.set(body, BATCH_HEADER_SIZE);
  return rec;
}

/** The error decoding `rec` throws (as log "000007.log" at offset 123). */
function damage(rec: Uint8Array): CorruptionError {
  try {
    decodeBatch(rec, '000007.log', 123);
  } catch (err) {
    expect(err).toBeInstanceOf(CorruptionError);
    const e = err as CorruptionError;
    expect(e.code).toBe('LSM_CORRUPTION');
    expect(e.file).toBe('000007.log');
    expect(e.offset).toBe(123);
    return e;
  }
  throw new Error('decoded without an error');
}

const detail = (rec: Uint8Array): string => damage(rec).message.replace('corruption in 000007.log at offset 123: ', '');

describe('batch record encoding', () => {
  it('lays out the header and each operation exactly', () => {
    expect(BATCH_HEADER_SIZE).toBe(13);
    expect(BATCH_FORMAT_VERSION).toBe(2);
    expect(BATCH_FORMAT_V1).toBe(1);
    expect(OP_DELETE_RANGE).toBe(0x0f);
    const sink = new ByteSink(4);
    const rec = encodeBatch(sink, 0x0102030405, [
      { type: ValueType.Value, key: b('k'), value: b('vv') },
      { type: ValueType.Tombstone, key: b('d'), value: b('ignored') },
      { type: ValueType.WeakTombstone, key: b('w'), value: new Uint8Array(0) },
      { type: ValueType.Merge, key: b('m'), value: b('o') },
      { type: ValueType.Indirection, key: b('i'), value: b('p') },
      { type: OP_DELETE_RANGE, key: b('a'), value: b('c') },
    ]);
    expect([...rec]).toEqual([
      2, 0x05, 0x04, 0x03, 0x02, 0x01, 0, 0, 0, 6, 0, 0, 0,
      1, 1, 0x6b, 2, 0x76, 0x76,
      0, 1, 0x64,
      3, 1, 0x77,
      2, 1, 0x6d, 1, 0x6f,
      4, 1, 0x69, 1, 0x70,
      15, 1, 0x61, 1, 0x63,
    ]);
    // The sink is reset by each encoding: a shorter batch is not followed by the old bytes.
    const again = encodeBatch(sink, 9, [{ type: ValueType.Tombstone, key: b('z'), value: new Uint8Array(0) }], BATCH_FORMAT_V1);
    expect([...again]).toEqual([1, 9, 0, 0, 0, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1, 0x7a]);
    expect(sink.len).toBe(again.length);
    // An empty batch is its header alone.
    expect([...encodeBatch(sink, 3, [])]).toEqual([2, 3, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0]);
  });

  it('says which types carry a value', () => {
    expect(typeHasValue(ValueType.Tombstone)).toBe(false);
    expect(typeHasValue(ValueType.Value)).toBe(true);
    expect(typeHasValue(ValueType.Merge)).toBe(true);
    expect(typeHasValue(ValueType.WeakTombstone)).toBe(false);
    expect(typeHasValue(ValueType.Indirection)).toBe(true);
    expect(typeHasValue(OP_DELETE_RANGE)).toBe(true);
    expect(typeHasValue(5)).toBe(false);
  });

  it('stamps version 2, the seqno and the count over any header', () => {
    const rec = new Uint8Array(BATCH_HEADER_SIZE).fill(0xee);
    stampBatch(rec, 2 ** 40 + 7, 70000);
    expect([...rec]).toEqual([2, 7, 0, 0, 0, 0, 1, 0, 0, 0x70, 0x11, 0x01, 0]);
  });
});

describe('batch record decoding', () => {
  it('gives every operation of a version-2 record the batch seqno, and operation i of a version-1 record first + i', () => {
    const ops = [
      { type: ValueType.Value, key: b('a'), value: b('1') },
      { type: ValueType.Tombstone, key: b('b'), value: new Uint8Array(0) },
      { type: OP_DELETE_RANGE, key: b('c'), value: b('e') },
    ];
    for (const [version, want] of [
      [2, [40, 40, 40]],
      [1, [40, 41, 42]],
    ] as const) {
      const rec = encodeBatch(new ByteSink(16), 40, ops, version).slice();
      const seen: [number, number, string, string][] = [];
      expect(visitBatch(rec, 'f', 0, (s, t, k, v) => seen.push([s, t, text(k), text(v)]))).toBe(40);
      expect(seen).toEqual([
        [want[0], 1, 'a', '1'],
        [want[1], 0, 'b', ''],
        [want[2], 15, 'c', 'e'],
      ]);
      const at: number[][] = [];
      expect(visitBatchAt(rec, 'f', 0, (s, t, ko, kl, vo, vl) => at.push([s, t, ko, kl, vo, vl]))).toBe(40);
      expect(at).toEqual([
        [want[0], 1, 15, 1, 17, 1],
        [want[1], 0, 20, 1, -1, 0],
        [want[2], 15, 23, 1, 25, 1],
      ]);
      const d = decodeBatch(rec, 'f', 0);
      expect(d.version).toBe(version);
      expect(d.first).toBe(40);
      expect(d.ops.map((o) => [o.type, text(o.key), text(o.value)])).toEqual([
        [1, 'a', '1'],
        [0, 'b', ''],
        [15, 'c', 'e'],
      ]);
    }
  });

  it('accepts a header alone, seqno 0, and the largest seqnos there are', () => {
    expect(decodeBatch(record(2, 0, 0, []), 'f', 0)).toEqual({ version: 2, first: 0, ops: [] });
    const max = Number.MAX_SAFE_INTEGER;
    // Version 2: every operation at the batch's seqno, which may be the largest.
    const seen: number[] = [];
    visitBatch(record(2, max, 2, [0, 0, 0, 0]), 'f', 0, (s) => seen.push(s));
    expect(seen).toEqual([max, max]);
    // Version 1: the last operation may reach 2^53-1 and no further.
    const v1: number[] = [];
    visitBatch(record(1, max - 2, 2, [0, 0, 0, 0]), 'f', 0, (s) => v1.push(s));
    expect(v1).toEqual([max - 2, max - 1]);
    expect(detail(record(1, max - 1, 2, [0, 0, 0, 0]))).toBe('write batch: seqnos beyond 2^53-1');
  });

  it('refuses a record shorter than the header', () => {
    expect(detail(new Uint8Array(12).fill(2))).toBe('write batch: record of 12 bytes is shorter than the header');
    expect(detail(new Uint8Array(0))).toBe('write batch: record of 0 bytes is shorter than the header');
  });

  it('refuses an unknown format version', () => {
    expect(detail(record(0, 1, 0, []))).toBe('write batch: unknown batch format version 0');
    expect(detail(record(3, 1, 0, []))).toBe('write batch: unknown batch format version 3');
  });

  it('refuses a seqno past 2^53-1', () => {
    const rec = record(2, 0, 0, []);
    putU32(rec, 5, 0x200000); // high word past 21 bits
    expect(detail(rec)).toBe('write batch: first seqno beyond 2^53-1');
  });

  it('refuses a count that cannot fit (two bytes per operation at least) before reading any entry', () => {
    expect(detail(record(2, 1, 3, [0, 0, 0, 0]))).toBe('write batch: count 3 does not fit in 17 bytes');
    expect(decodeBatch(record(2, 1, 2, [0, 0, 0, 0]), 'f', 0).ops).toHaveLength(2);
    expect(detail(record(2, 1, 0xffffffff, [0, 0]))).toBe('write batch: count 4294967295 does not fit in 15 bytes');
  });

  it('refuses a missing entry', () => {
    // A value with a one-byte key and an empty value takes the four bytes two tombstones would.
    expect(detail(record(2, 1, 2, [1, 1, 0x61, 0]))).toBe('write batch: entry 1 of 2 missing');
  });

  it('refuses an unknown operation type, accepting every known one', () => {
    expect(detail(record(2, 1, 1, [5, 0]))).toBe('write batch: entry 0 has unknown type 5');
    expect(detail(record(2, 1, 1, [14, 0, 0]))).toBe('write batch: entry 0 has unknown type 14');
    expect(detail(record(2, 1, 2, [0, 0, 16, 0]))).toBe('write batch: entry 1 has unknown type 16');
    for (const [type, body] of [
      [0, [0, 0]],
      [1, [1, 0, 0]],
      [2, [2, 0, 0]],
      [3, [3, 0]],
      [4, [4, 0, 0]],
      [15, [15, 0, 0]],
    ] as const) {
      expect(decodeBatch(record(2, 1, 1, [...body]), 'f', 0).ops.map((o) => o.type)).toEqual([type]);
    }
  });

  it('refuses a key length past the record or not a varint, accepting a key that ends the record', () => {
    expect(detail(record(2, 1, 1, [0, 2, 0x61]))).toBe('write batch: entry 0 key length out of bounds');
    expect(detail(record(2, 1, 1, [0, 0x80, 0x80]))).toBe('write batch: entry 0 key length out of bounds');
    expect(detail(record(2, 1, 1, [0, 0xff, 0xff, 0xff, 0xff, 0x7f]))).toBe('write batch: entry 0 key length out of bounds');
    expect(text(decodeBatch(record(2, 1, 1, [0, 2, 0x61, 0x62]), 'f', 0).ops[0]!.key)).toBe('ab');
  });

  it('refuses a value length past the record or not a varint, accepting a value that ends the record', () => {
    expect(detail(record(2, 1, 1, [1, 1, 0x61, 2, 0x76]))).toBe('write batch: entry 0 value length out of bounds');
    expect(detail(record(2, 1, 1, [1, 1, 0x61, 0x80]))).toBe('write batch: entry 0 value length out of bounds');
    expect(detail(record(2, 1, 1, [2, 0, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x01]))).toBe('write batch: entry 0 value length out of bounds');
    const op = decodeBatch(record(2, 1, 1, [1, 1, 0x61, 2, 0x76, 0x77]), 'f', 0).ops[0]!;
    expect([text(op.key), text(op.value)]).toEqual(['a', 'vw']);
  });

  it('refuses a range end longer than 65,535 bytes (a value may be longer)', () => {
    const long = (type: number, n: number): Uint8Array =>
      encodeBatch(new ByteSink(16), 5, [{ type, key: b('a'), value: new Uint8Array(n).fill(0x7a) }]).slice();
    expect(detail(long(OP_DELETE_RANGE, 65536))).toBe('write batch: entry 0: range end of 65536 bytes');
    expect(decodeBatch(long(OP_DELETE_RANGE, 65535), 'f', 0).ops[0]!.value.length).toBe(65535);
    expect(decodeBatch(long(ValueType.Value, 70000), 'f', 0).ops[0]!.value.length).toBe(70000);
  });

  it('refuses trailing bytes after the last entry', () => {
    expect(detail(record(2, 1, 1, [0, 0, 9]))).toBe('write batch: 1 trailing bytes after 1 entries');
    expect(detail(record(2, 1, 0, [9, 9]))).toBe('write batch: 2 trailing bytes after 0 entries');
  });

  it('hands out views of the record and an empty value for the types without one', () => {
    const rec = record(2, 1, 2, [1, 1, 0x61, 1, 0x62, 3, 1, 0x63]);
    const d = decodeBatch(rec, 'f', 0);
    expect(d.ops[0]!.key.buffer).toBe(rec.buffer);
    expect(d.ops[0]!.value.byteOffset).toBe(rec.byteOffset + 17);
    expect(d.ops[1]!.value.length).toBe(0);
  });
});
