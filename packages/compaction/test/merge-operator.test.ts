// The shipped merge operators: counter add (u64 little-endian, wraps at 2^64) and append
// with a separator; and the shape check of user operators.

import { describe, expect, it } from 'vitest';
import { LsmError } from '@lsm/base';
import { appendWithSeparator, checkMergeOperator, counterAdd, decodeU64, encodeU64 } from '../src/merge-operator.js';

const k = new Uint8Array([1]);
const te = new TextEncoder();
const td = new TextDecoder();

function code(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (e) {
    return e instanceof LsmError ? e.code : 'not-lsm';
  }
  return undefined;
}

describe('counterAdd', () => {
  it('adds operands onto the value, a missing value counting as 0', () => {
    expect(decodeU64(counterAdd.merge(k, undefined, [encodeU64(5), encodeU64(7)]))).toBe(12n);
    expect(decodeU64(counterAdd.merge(k, encodeU64(100), [encodeU64(1)]))).toBe(101n);
    expect(decodeU64(counterAdd.merge(k, encodeU64(3), []))).toBe(3n);
  });
  it('wraps modulo 2^64 (subtraction by adding the complement)', () => {
    expect(decodeU64(counterAdd.merge(k, encodeU64(10), [encodeU64((1n << 64n) - 3n)]))).toBe(7n);
  });
  it('rejects operands and values that are not 8 bytes', () => {
    expect(code(() => counterAdd.validateOperand!(new Uint8Array(7)))).toBe('LSM_INVALID_ARGUMENT');
    expect(code(() => counterAdd.merge(k, new Uint8Array(3), [encodeU64(1)]))).toBe('LSM_INVALID_ARGUMENT');
    expect(code(() => encodeU64(-1))).toBe('LSM_INVALID_ARGUMENT');
    expect(code(() => encodeU64(1n << 64n))).toBe('LSM_INVALID_ARGUMENT');
  });
  it('does not mutate its inputs', () => {
    const v = encodeU64(9);
    const op = encodeU64(1);
    counterAdd.merge(k, v, [op]);
    expect(decodeU64(v)).toBe(9n);
    expect(decodeU64(op)).toBe(1n);
  });
});

describe('appendWithSeparator', () => {
  it('joins the value and the operands with the separator', () => {
    const op = appendWithSeparator(',');
    expect(td.decode(op.merge(k, te.encode('a'), [te.encode('b'), te.encode('c')]))).toBe('a,b,c');
    expect(td.decode(op.merge(k, undefined, [te.encode('x'), te.encode('y')]))).toBe('x,y');
    expect(td.decode(op.merge(k, undefined, [te.encode('only')]))).toBe('only');
    expect(td.decode(op.merge(k, te.encode(''), [te.encode('z')]))).toBe(',z');
  });
  it('puts the separator in the name', () => {
    expect(appendWithSeparator(',').name).not.toBe(appendWithSeparator(';').name);
    expect(appendWithSeparator().name).toBe('lsm.append(sep=)');
  });
  it('keeps its own copy of a Buffer separator the caller rewrites later', () => {
    // Buffer.slice() is a view: before 2026-12-04 the operator's separator (and its name,
    // which a store records) followed the caller's buffer.
    const sep = Buffer.from('+');
    const op = appendWithSeparator(sep);
    const name = op.name;
    sep.write('-', 'latin1');
    expect(td.decode(op.merge(k, te.encode('a'), [te.encode('b')]))).toBe('a+b');
    expect(op.name).toBe(name);
  });
});

describe('checkMergeOperator', () => {
  it('accepts an operator and rejects malformed ones', () => {
    expect(checkMergeOperator(counterAdd, 'mergeOperator')).toBe(counterAdd);
    for (const bad of [null, 3, {}, { name: '', merge() {} }, { name: 'x' }, { name: 'x', merge() {}, validateOperand: 1 }, { name: 'x', merge() {}, partialMerge: 'no' }]) {
      expect(code(() => checkMergeOperator(bad, 'mergeOperator'))).toBe('LSM_INVALID_ARGUMENT');
    }
  });
});

describe('partialMerge of the shipped operators', () => {
  // The law: merge(k, e, [partialMerge(k, ops)]) equals merge(k, e, ops) for every e.
  const bases = (make: (i: number) => Uint8Array): (Uint8Array | undefined)[] => [undefined, make(0), make(1), make(2)];
  it('counterAdd: the sum of the operands, wrapping', () => {
    const ops = [encodeU64(5), encodeU64((1n << 64n) - 2n), encodeU64(9)];
    for (const e of bases((i) => encodeU64(BigInt(i) * 1000n))) {
      expect(counterAdd.merge(k, e, [counterAdd.partialMerge!(k, ops)])).toEqual(counterAdd.merge(k, e, ops));
    }
  });
  it('appendWithSeparator: the operands joined, empty ones and empty bases included', () => {
    for (const sep of ['', ',', '--']) {
      const op = appendWithSeparator(sep);
      for (const ops of [[te.encode('a'), te.encode('b')], [te.encode(''), te.encode('x'), te.encode('')]]) {
        for (const e of bases((i) => te.encode('v'.repeat(i)))) {
          expect(td.decode(op.merge(k, e, [op.partialMerge!(k, ops)]))).toBe(td.decode(op.merge(k, e, ops)));
        }
      }
    }
  });
});
