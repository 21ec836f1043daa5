// shownValue: a bad value in an error message reads as what it was.
import { describe, expect, it } from 'vitest';
import { shownValue } from '../src/index.js';

describe('shownValue', () => {
  it('quotes strings, so "7" is not read as 7; shows numbers, booleans, undefined and bigints as themselves; objects by type', () => {
    expect([7, 1.5, -0, Number.NaN, Infinity].map(shownValue)).toEqual(['7', '1.5', '0', 'NaN', 'Infinity']);
    expect(['7', '', 'a"b'].map(shownValue)).toEqual(['"7"', '""', '"a\\"b"']);
    expect([true, undefined, 12n, null].map(shownValue)).toEqual(['true', 'undefined', '12', 'null']);
    expect([{}, [1], () => 1, new Uint8Array(2)].map(shownValue)).toEqual(['object', 'object', 'function', 'object']);
    expect(shownValue(Symbol('s'))).toBe('Symbol(s)');
  });
});
