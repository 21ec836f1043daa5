// Internal keys and the bytewise comparator: the codec round-trips and uses LevelDB's
// trailer layout, bad arguments are LSM_INVALID_ARGUMENT, the comparator orders like
// Buffer.compare and its shortest separator lies in [a, b).

import { describe, expect, it } from 'vitest';
import { bytewiseComparator, compareBytes, compareBytesAt } from '../src/comparator.js';
import {
  checkProbe,
  checkSeqno,
  checkUserKey,
  checkValue,
  checkValueType,
  decodeInternalKey,
  encodeInternalKey,
  getTrailerSeqno,
  MAX_SEQNO,
  MAX_VALUE_LENGTH,
  putTrailer,
  ValueType,
  VALUE_TYPE_NAMES,
} from '../src/internal-key.js';
import { b, expectLsmError, Rng } from '../src/testing/index.js';

describe('internal key codec', () => {
  it('round-trips user key, seqno and type', () => {
    for (const seq of [0, 1, 255, 256, 2 ** 32 - 1, 2 ** 32, 2 ** 48 + 5, MAX_SEQNO]) {
      for (const type of Object.values(ValueType)) {
        const k = encodeInternalKey(b('abc'), seq, type);
        expect(k.length).toBe(11);
        const d = decodeInternalKey(k)!;
        expect(d.seqno).toBe(seq);
        expect(d.type).toBe(type);
        expect([...d.userKey]).toEqual([...b('abc')]);
      }
    }
  });

  it('uses LevelDB trailer layout: fixed64 LE of (seqno << 8 | type)', () => {
    const k = encodeInternalKey(new Uint8Array(0), 0x0102030405, ValueType.Merge);
    expect([...k]).toEqual([2, 0x05, 0x04, 0x03, 0x02, 0x01, 0, 0]);
  });

  it('rejects seqnos beyond 2^53-1 on decode', () => {
    const k = encodeInternalKey(b('a'), 0, 1);
    k[8] = 0xff; // top byte of the 56-bit seqno
    expect(getTrailerSeqno(k, 1)).toBe(-1);
    expect(decodeInternalKey(k)).toBeUndefined();
    expect(decodeInternalKey(new Uint8Array(7))).toBeUndefined();
  });

  it('validates arguments with LSM_INVALID_ARGUMENT', () => {
    expectLsmError(() => checkSeqno(-1), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => checkSeqno(1.5), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => checkSeqno(2 ** 53), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => checkSeqno(Number.NaN), 'LSM_INVALID_ARGUMENT');
    checkSeqno(MAX_SEQNO);
    expectLsmError(() => checkUserKey(new Uint8Array(65536)), 'LSM_INVALID_ARGUMENT');
    checkUserKey(new Uint8Array(65535));
    expectLsmError(() => checkUserKey('abc' as unknown as Uint8Array), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => checkValueType(5), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => checkValueType(0x0f), 'LSM_INVALID_ARGUMENT');
  });
});

describe('internal key argument checks', () => {
  it('accept the edges of each range', () => {
    checkSeqno(0);
    checkProbe(new Uint8Array(0), 0);
    checkProbe(new Uint8Array(70_000), MAX_SEQNO); // any length is fine for a probe
    checkUserKey(new Uint8Array(0));
    checkValue(new Uint8Array(0));
    for (const t of [0, 1, 2, 3, 4]) checkValueType(t);
  });

  it('reject bad seqnos, naming what and the value', () => {
    expect(expectLsmError(() => checkSeqno(-1), 'LSM_INVALID_ARGUMENT').message).toBe('sequence number must be a safe integer >= 0, got -1');
    expect(expectLsmError(() => checkSeqno(2.5, 'snapshot'), 'LSM_INVALID_ARGUMENT').message).toBe('snapshot must be a safe integer >= 0, got 2.5');
    expect(expectLsmError(() => checkSeqno('7' as unknown as number), 'LSM_INVALID_ARGUMENT').message).toContain('got "7"');
  });

  it('reject bad keys, naming what and the size', () => {
    expect(expectLsmError(() => checkUserKey(new Uint8Array(65536)), 'LSM_INVALID_ARGUMENT').message).toBe('key is 65536 bytes; the limit is 65535');
    expect(expectLsmError(() => checkUserKey(new Uint8Array(70_000), 'start key'), 'LSM_INVALID_ARGUMENT').message).toBe('start key is 70000 bytes; the limit is 65535');
    expect(expectLsmError(() => checkUserKey([1, 2] as unknown as Uint8Array, 'end key'), 'LSM_INVALID_ARGUMENT').message).toBe('end key must be a Uint8Array');
    expect(expectLsmError(() => checkUserKey(null as unknown as Uint8Array), 'LSM_INVALID_ARGUMENT').message).toBe('key must be a Uint8Array');
  });

  it('checkProbe rejects a non-byte key and a bad seqno', () => {
    expect(expectLsmError(() => checkProbe('k' as unknown as Uint8Array, 1), 'LSM_INVALID_ARGUMENT').message).toBe('key must be a Uint8Array');
    expect(expectLsmError(() => checkProbe(new Uint8Array(1), -1), 'LSM_INVALID_ARGUMENT').message).toBe('sequence number must be a safe integer >= 0, got -1');
    expect(expectLsmError(() => checkProbe(new Uint8Array(1), 0.5), 'LSM_INVALID_ARGUMENT').message).toContain('got 0.5');
    expectLsmError(() => checkProbe(new Uint8Array(1), 2 ** 53), 'LSM_INVALID_ARGUMENT');
  });

  it('checkValue rejects a non-byte value and one over 2^32-1 bytes', () => {
    expect(expectLsmError(() => checkValue('v' as unknown as Uint8Array), 'LSM_INVALID_ARGUMENT').message).toBe('value must be a Uint8Array');
    // A 4 GiB buffer is too much for a test: a Uint8Array that reports that length.
    const huge = Object.defineProperty(new Uint8Array(1), 'length', { value: MAX_VALUE_LENGTH + 1 });
    expect(expectLsmError(() => checkValue(huge), 'LSM_INVALID_ARGUMENT').message).toBe('value is 4294967296 bytes; the limit is 4294967295');
    checkValue(Object.defineProperty(new Uint8Array(1), 'length', { value: MAX_VALUE_LENGTH }));
  });

  it('checkValueType rejects anything but the point-entry types, naming it', () => {
    for (const t of [-1, 5, 0x0f, 1.5, Number.NaN]) {
      expect(expectLsmError(() => checkValueType(t), 'LSM_INVALID_ARGUMENT').message).toBe(`unknown value type ${String(t)}`);
    }
  });

  it('names every value type', () => {
    expect(VALUE_TYPE_NAMES[ValueType.Tombstone]).toBe('tombstone');
    expect(VALUE_TYPE_NAMES[ValueType.Value]).toBe('value');
    expect(VALUE_TYPE_NAMES[ValueType.Merge]).toBe('merge');
    expect(VALUE_TYPE_NAMES[ValueType.WeakTombstone]).toBe('weak-tombstone');
    expect(VALUE_TYPE_NAMES[ValueType.Indirection]).toBe('indirection');
  });
});

describe('trailer layout', () => {
  it('writes every seqno byte in place and reads back the largest 56-bit values allowed', () => {
    const buf = new Uint8Array(12).fill(0xaa);
    putTrailer(buf, 2, 0x1f_fedc_ba98_7654, ValueType.WeakTombstone);
    expect([...buf]).toEqual([0xaa, 0xaa, 3, 0x54, 0x76, 0x98, 0xba, 0xdc, 0xfe, 0x1f, 0xaa, 0xaa]);
    expect(getTrailerSeqno(buf, 2)).toBe(0x1f_fedc_ba98_7654);
    putTrailer(buf, 2, MAX_SEQNO, 0);
    expect(getTrailerSeqno(buf, 2)).toBe(MAX_SEQNO);
    // Just above 2^53-1 in the top byte: out of range.
    buf[9] = 0x20;
    expect(getTrailerSeqno(buf, 2)).toBe(-1);
  });

  it('decodes a bare trailer (empty user key) and keeps the user key a view', () => {
    const k = encodeInternalKey(new Uint8Array(0), 42, ValueType.Tombstone);
    expect(k.length).toBe(8);
    expect(decodeInternalKey(k)).toEqual({ userKey: new Uint8Array(0), seqno: 42, type: 0 });
    const k2 = encodeInternalKey(b('xyz'), 1, ValueType.Value);
    const d = decodeInternalKey(k2)!;
    k2[0] = 0x41;
    expect(d.userKey[0]).toBe(0x41);
  });
});

describe('bytewise comparator', () => {
  it('orders like Buffer.compare', () => {
    const rng = new Rng(11);
    for (let i = 0; i < 5000; i++) {
      const x = rng.bytes(rng.int(6));
      const y = rng.bytes(rng.int(6));
      expect(Math.sign(compareBytes(x, y))).toBe(Math.sign(Buffer.compare(x, y)));
      const buf = new Uint8Array(10 + x.length);
      buf.set(x, 10);
      expect(Math.sign(compareBytesAt(buf, 10, x.length, y))).toBe(Math.sign(Buffer.compare(x, y)));
    }
  });

  it('shortest separator lies in [a, b)', () => {
    const rng = new Rng(12);
    const sep = bytewiseComparator.findShortestSeparator!;
    expect([...sep(b('abcdefg'), b('abzzz'))]).toEqual([...b('abd')]);
    expect([...sep(b('abc'), b('abd'))]).toEqual([...b('abc')]);
    expect([...sep(b('apple'), b('banana'))]).toEqual([...b('aq')]);
    expect([...sep(new Uint8Array([0x61, 0xff, 0x7a]), b('b'))]).toEqual([0x61, 0xff, 0x7a]);
    expect([...sep(new Uint8Array([0x61, 0xff, 0x7a, 0x7a]), b('b'))]).toEqual([0x61, 0xff, 0x7b]);
    for (let i = 0; i < 5000; i++) {
      let x = rng.bytes(rng.int(5));
      let y = rng.bytes(rng.int(5));
      if (compareBytes(x, y) === 0) continue;
      if (compareBytes(x, y) > 0) [x, y] = [y, x];
      const s = sep(x, y);
      expect(compareBytes(x, s)).toBeLessThanOrEqual(0);
      expect(compareBytes(s, y)).toBeLessThan(0);
    }
  });
});
