// Internal keys and the bytewise comparator: the codec round-trips and uses LevelDB's
// trailer layout, bad arguments are LSM_INVALID_ARGUMENT, the comparator orders like
// Buffer.compare and its shortest separator lies in [a, b).

import { describe, expect, it } from 'vitest';
import { bytewiseComparator, compareBytes, compareBytesAt } from '../src/comparator.js';
import {
  checkSeqno,
  checkUserKey,
  checkValueType,
  decodeInternalKey,
  encodeInternalKey,
  getTrailerSeqno,
  MAX_SEQNO,
  ValueType,
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
