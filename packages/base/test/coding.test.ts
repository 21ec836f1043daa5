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
