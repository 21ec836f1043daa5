// Byte coding: varints round-trip across their whole range and reject truncated or
// overlong input without reading past the end; fixed-width integers are little-endian;
// ByteSink grows and keeps its contents.

import { describe, expect, it } from 'vitest';
import { ByteSink, cursor, getU32, getU64, getVarint32, getVarint64, putU32, putU64, putVarint, varintLength } from '../src/coding.js';
import { Rng } from '../src/testing/index.js';

describe('varints', () => {
  it('round-trips values across the whole range', () => {
    const values = [0, 1, 127, 128, 255, 16383, 16384, 2 ** 21, 2 ** 28 - 1, 2 ** 28, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 35, 2 ** 49, 2 ** 53 - 1];
    const buf = new Uint8Array(16);
    for (const v of values) {
      const n = putVarint(buf, 0, v);
      expect(n).toBe(varintLength(v));
      expect(getVarint64(buf, 0, n)).toBe(v);
      expect(cursor.pos).toBe(n);
      if (v <= 0xffffffff) {
        expect(getVarint32(buf, 0, n)).toBe(v);
        expect(cursor.pos).toBe(n);
      }
    }
  });

  it('rejects truncated and overlong input without reading past the end', () => {
    const buf = new Uint8Array(16);
    const n = putVarint(buf, 0, 2 ** 40);
    for (let end = 0; end < n; end++) expect(getVarint64(buf, 0, end)).toBe(-1);
    expect(getVarint32(buf, 0, n)).toBe(-1); // > 32 bits
    const all = new Uint8Array(12).fill(0xff);
    expect(getVarint32(all, 0, all.length)).toBe(-1);
    expect(getVarint64(all, 0, all.length)).toBe(-1);
    // 2^53 exactly is out of range.
    const m = putVarint(buf, 0, 2 ** 53);
    expect(getVarint64(buf, 0, m)).toBe(-1);
  });

  it('random values round-trip', () => {
    const rng = new Rng(7);
    const buf = new Uint8Array(16);
    for (let i = 0; i < 2000; i++) {
      const v = rng.int(2 ** 21) * 2 ** rng.int(33) + rng.int(2);
      if (v > Number.MAX_SAFE_INTEGER) continue;
      const n = putVarint(buf, 3, v);
      expect(getVarint64(buf, 3, n)).toBe(v);
    }
  });
});

describe('fixed-width integers', () => {
  it('u32 and u64 little-endian', () => {
    const b = new Uint8Array(8);
    putU32(b, 0, 0xdeadbeef);
    expect([...b.subarray(0, 4)]).toEqual([0xef, 0xbe, 0xad, 0xde]);
    expect(getU32(b, 0)).toBe(0xdeadbeef);
    putU64(b, 0, 2 ** 53 - 1);
    expect(getU64(b, 0)).toBe(2 ** 53 - 1);
    b[7] = 0x01; // > 2^53
    expect(getU64(b, 0)).toBe(-1);
  });
});

describe('ByteSink', () => {
  it('grows and keeps contents', () => {
    const s = new ByteSink(16);
    const big = new Uint8Array(1000).map((_, i) => i & 0xff);
    s.putByte(9);
    s.putBytes(big);
    s.putBytes(big, 10, 20);
    s.putU32(7);
    s.putVarint(300);
    const out = s.bytes();
    expect(out.length).toBe(1 + 1000 + 10 + 4 + 2);
    expect(out[0]).toBe(9);
    expect(out[1 + 999]).toBe(999 & 0xff);
    expect(out[1001]).toBe(10);
    s.reset();
    expect(s.bytes().length).toBe(0);
  });
});

describe('varint canonical length', () => {
  it('varint64 accepts at most 8 bytes', () => {
    const nine = new Uint8Array([0x81, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x80, 0x00]);
    expect(getVarint64(nine, 0, nine.length)).toBe(-1);
    const eight = new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x0f]);
    expect(getVarint64(eight, 0, eight.length)).toBe(2 ** 53 - 1);
  });
});

describe('varint edges', () => {
  it('getVarint32 takes the fifth byte up to 0x0f and no further', () => {
    expect(getVarint32(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0x0f]), 0, 5)).toBe(0xffffffff);
    expect(cursor.pos).toBe(5);
    expect(getVarint32(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x01]), 0, 5)).toBe(2 ** 28);
    expect(getVarint32(new Uint8Array([0x80, 0x80, 0x80, 0x80, 0x10]), 0, 5)).toBe(-1);
  });

  it('decoders start at off, stop at end and report where they ended', () => {
    const buf = new Uint8Array([0xee, 0xac, 0x02, 0x05, 0xee]);
    expect(getVarint32(buf, 1, 5)).toBe(300);
    expect(cursor.pos).toBe(3);
    expect(getVarint64(buf, 3, 5)).toBe(5);
    expect(cursor.pos).toBe(4);
    expect(getVarint32(buf, 1, 2)).toBe(-1); // the continuation byte is past `end`
    expect(getVarint64(buf, 1, 2)).toBe(-1);
    expect(getVarint32(buf, 3, 3)).toBe(-1);
    expect(getVarint64(buf, 3, 3)).toBe(-1);
  });

  it('getVarint64 reads a full 8-byte varint and rejects one past 2^53-1', () => {
    const buf = new Uint8Array(8);
    const n = putVarint(buf, 0, 2 ** 52 + 3);
    expect(n).toBe(8);
    expect(getVarint64(buf, 0, n)).toBe(2 ** 52 + 3);
    expect(cursor.pos).toBe(8);
    // 8 bytes of 0xff..0x7f: 2^56 - 1, past the limit.
    expect(getVarint64(new Uint8Array([0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f]), 0, 8)).toBe(-1);
  });

  it('varintLength counts 7 bits per byte', () => {
    const cases: [number, number][] = [[0, 1], [127, 1], [128, 2], [16383, 2], [16384, 3], [2 ** 28 - 1, 4], [2 ** 28, 5], [2 ** 35, 6], [2 ** 49, 8], [2 ** 53 - 1, 8]];
    for (const [v, n] of cases) expect(varintLength(v), String(v)).toBe(n);
  });

  it('putVarint writes LEB128 bytes at the offset', () => {
    const buf = new Uint8Array(6);
    expect(putVarint(buf, 1, 300)).toBe(3);
    expect([...buf]).toEqual([0, 0xac, 0x02, 0, 0, 0]);
    expect(putVarint(buf, 3, 2 ** 32)).toBe(8);
    expect([...buf.subarray(3)]).toEqual([0x80, 0x80, 0x80]);
  });
});

describe('fixed-width edges', () => {
  it('getU32 reads all four bytes at the offset, unsigned', () => {
    const b = new Uint8Array([9, 0x01, 0x02, 0x03, 0x84, 9]);
    expect(getU32(b, 1)).toBe(0x84030201);
    putU32(b, 1, 0xffffffff);
    expect([...b]).toEqual([9, 0xff, 0xff, 0xff, 0xff, 9]);
  });

  it('getU64 accepts up to 2^53-1 and rejects anything above', () => {
    const b = new Uint8Array(10);
    putU64(b, 1, 0x1f_ffff_0000_0001);
    expect([...b]).toEqual([0, 0x01, 0, 0, 0, 0xff, 0xff, 0x1f, 0, 0]);
    expect(getU64(b, 1)).toBe(0x1f_ffff_0000_0001);
    b[7] = 0x20;
    expect(getU64(b, 1)).toBe(-1);
    putU64(b, 1, 2 ** 32);
    expect(getU64(b, 1)).toBe(2 ** 32);
  });
});

describe('ByteSink edges', () => {
  it('copies short and long runs, whole arrays and sub-ranges, exactly', () => {
    const src = new Uint8Array(100).map((_, i) => i + 1);
    for (const [start, end] of [[0, 32], [0, 33], [5, 37], [5, 38], [0, 100], [60, 100], [3, 3]] as const) {
      const s = new ByteSink(16);
      s.putByte(0xaa);
      s.putBytes(src, start, end);
      s.putByte(0xbb);
      expect([...s.bytes()], `${start}..${end}`).toEqual([0xaa, ...src.subarray(start, end), 0xbb]);
    }
  });

  it('grows by several doublings at once and from the smallest capacity', () => {
    const s = new ByteSink(0);
    const big = new Uint8Array(5000).map((_, i) => (i * 7) & 0xff);
    s.putBytes(big);
    s.putU64(2 ** 40 + 5);
    s.putU32(0x01020304);
    s.putVarint(2 ** 50);
    const out = s.bytes();
    expect(out.length).toBe(5000 + 8 + 4 + 8);
    expect([...out.subarray(0, 5000)]).toEqual([...big]);
    expect(getU64(out, 5000)).toBe(2 ** 40 + 5);
    expect(getU32(out, 5008)).toBe(0x01020304);
    expect(getVarint64(out, 5012, out.length)).toBe(2 ** 50);
  });

  it('keeps earlier bytes when a small write grows the buffer', () => {
    const s = new ByteSink(16);
    for (let i = 0; i < 40; i++) s.putByte(i);
    expect([...s.bytes()]).toEqual(Array.from({ length: 40 }, (_, i) => i));
    s.reset();
    s.putByte(7);
    expect([...s.bytes()]).toEqual([7]);
  });
});
