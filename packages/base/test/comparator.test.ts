// The bytewise comparator's helpers on exact cases: compareBytes/compareBytesAt signs and
// prefix order, bytesEqual, prefixSuccessor (the exclusive end of a prefix scan), the
// shortest separator's exact output, and isBytewise recognising only the built-in order.

import { describe, expect, it } from 'vitest';
import { bytesEqual, bytewiseComparator, compareBytes, compareBytesAt, isBytewise, prefixSuccessor } from '../src/comparator.js';
import { b } from '../src/testing/index.js';

const bytes = (...xs: number[]): Uint8Array => new Uint8Array(xs);

describe('compareBytes', () => {
  it('orders unsigned bytes, a proper prefix first', () => {
    expect(compareBytes(b('abc'), b('abd'))).toBeLessThan(0);
    expect(compareBytes(b('abd'), b('abc'))).toBeGreaterThan(0);
    expect(compareBytes(b('ab'), b('abc'))).toBeLessThan(0);
    expect(compareBytes(b('abc'), b('ab'))).toBeGreaterThan(0);
    expect(compareBytes(b('abc'), b('abc'))).toBe(0);
    expect(compareBytes(bytes(0x7f), bytes(0x80))).toBeLessThan(0);
    expect(compareBytes(bytes(0xff), bytes(0x00, 0x00))).toBeGreaterThan(0);
    expect(compareBytes(new Uint8Array(0), new Uint8Array(0))).toBe(0);
  });

  it('compareBytesAt compares only buf[off, off+len) with the key', () => {
    const buf = b('xxabcyy');
    expect(compareBytesAt(buf, 2, 3, b('abc'))).toBe(0);
    expect(compareBytesAt(buf, 2, 2, b('abc'))).toBeLessThan(0);
    expect(compareBytesAt(buf, 2, 3, b('ab'))).toBeGreaterThan(0);
    expect(compareBytesAt(buf, 2, 3, b('abd'))).toBeLessThan(0);
    expect(compareBytesAt(buf, 3, 2, b('bc'))).toBe(0);
    expect(compareBytesAt(buf, 0, 0, new Uint8Array(0))).toBe(0);
  });
});

describe('bytesEqual', () => {
  it('is true only for the same bytes and length', () => {
    expect(bytesEqual(b('abc'), b('abc'))).toBe(true);
    expect(bytesEqual(new Uint8Array(0), new Uint8Array(0))).toBe(true);
    expect(bytesEqual(b('abc'), b('abd'))).toBe(false);
    expect(bytesEqual(b('xbc'), b('abc'))).toBe(false);
    expect(bytesEqual(b('ab'), b('abc'))).toBe(false);
    expect(bytesEqual(b('abc'), b('ab'))).toBe(false);
  });
});

describe('prefixSuccessor', () => {
  it('bumps the last byte that is not 0xff and drops what follows', () => {
    expect([...prefixSuccessor(b('ab'))!]).toEqual([...b('ac')]);
    expect([...prefixSuccessor(bytes(0x61, 0xff))!]).toEqual([0x62]);
    expect([...prefixSuccessor(bytes(0x61, 0xff, 0xff))!]).toEqual([0x62]);
    expect([...prefixSuccessor(bytes(0x00))!]).toEqual([0x01]);
    expect([...prefixSuccessor(bytes(0xfe, 0xff))!]).toEqual([0xff]);
  });

  it('has no successor for an empty prefix or one of 0xff bytes only', () => {
    expect(prefixSuccessor(new Uint8Array(0))).toBeUndefined();
    expect(prefixSuccessor(bytes(0xff))).toBeUndefined();
    expect(prefixSuccessor(bytes(0xff, 0xff, 0xff))).toBeUndefined();
  });

  it('leaves the prefix itself unchanged', () => {
    const p = b('ab');
    prefixSuccessor(p);
    expect([...p]).toEqual([...b('ab')]);
  });

  it('is above every key with the prefix and at or below every key after them', () => {
    const p = bytes(0x61, 0xff);
    const end = prefixSuccessor(p)!;
    for (const k of [p, bytes(0x61, 0xff, 0x00), bytes(0x61, 0xff, 0xff, 0xff)]) expect(compareBytes(k, end)).toBeLessThan(0);
    expect(compareBytes(bytes(0x62), end)).toBe(0);
  });
});

describe('findShortestSeparator', () => {
  const sep = bytewiseComparator.findShortestSeparator!;
  const hexOf = (u: Uint8Array): string => Buffer.from(u).toString('hex');

  it('cuts right after the first differing byte when it can be bumped below b', () => {
    expect(hexOf(sep(b('abc'), b('abe')))).toBe(hexOf(b('abd')));
    expect(hexOf(sep(bytes(0x10, 0x20, 0x30), bytes(0x10, 0x30)))).toBe('1021');
  });

  it('returns a itself when one key is a prefix of the other', () => {
    const a = b('ab');
    expect(sep(a, b('abc'))).toBe(a);
    expect(hexOf(sep(b('abc'), b('abc')))).toBe(hexOf(b('abc')));
  });

  it('keeps the byte when bumping it would reach b, and bumps a later byte of a', () => {
    // a[1] + 1 === b[1]: cannot cut at 1; bump a[2] (the first later byte below 0xff).
    expect(hexOf(sep(bytes(0x01, 0x10, 0x05, 0x07), bytes(0x01, 0x11)))).toBe('011006');
    // 0xff bytes are skipped.
    expect(hexOf(sep(bytes(0x01, 0x10, 0xff, 0x05, 0x07), bytes(0x01, 0x11)))).toBe('0110ff06');
    // The last byte of a is never bumped (that would not be shorter): a comes back.
    expect(hexOf(sep(bytes(0x01, 0x10, 0x05), bytes(0x01, 0x11)))).toBe('011005');
    // a's differing byte is 0xff: nothing can be bumped there.
    expect(hexOf(sep(bytes(0x01, 0xff, 0x05, 0x07), bytes(0x02)))).toBe('01ff06');
  });
});

describe('isBytewise', () => {
  it('recognises the built-in comparator only', () => {
    expect(isBytewise(bytewiseComparator)).toBe(true);
    expect(isBytewise({ name: bytewiseComparator.name, compare: compareBytes })).toBe(false);
    expect(bytewiseComparator.name).toBe('lsm.BytewiseComparator');
    expect(Object.isFrozen(bytewiseComparator)).toBe(true);
  });
});
