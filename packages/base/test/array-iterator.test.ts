// ArrayIterator on its own, against the iterator contract (src/iterator.ts) spelled out
// on small hand-made sets: internal-key order from unsorted input, seek/seekForPrev
// landing with and without seqnos, moving off both ends, the comparator it is given,
// and LSM_INVALID_ARGUMENT / LSM_CLOSED on misuse.

import { describe, expect, it } from 'vitest';
import { ArrayIterator, compareEntries } from '../src/array-iterator.js';
import { bytewiseComparator, compareBytes, type Comparator } from '../src/comparator.js';
import type { InternalIterator } from '../src/iterator.js';
import { b, expectLsmError, put, s } from '../src/testing/index.js';

function at(it: InternalIterator): string {
  return it.valid() ? `${s(it.userKey())}@${it.seqno()}` : 'invalid';
}

function forward(it: InternalIterator): string[] {
  const out: string[] = [];
  for (it.seekToFirst(); it.valid(); it.next()) out.push(at(it));
  return out;
}

function backward(it: InternalIterator): string[] {
  const out: string[] = [];
  for (it.seekToLast(); it.valid(); it.prev()) out.push(at(it));
  return out;
}

// Given out of order on purpose: a@3, b@9, b@5, b@2, d@1.
const entries = [put('b', 2, 'b2'), put('d', 1, 'd1'), put('b', 9, 'b9'), put('a', 3, 'a3'), put('b', 5, 'b5')];

describe('ArrayIterator', () => {
  it('is unpositioned until a seek, then walks in internal-key order both ways', () => {
    const it = new ArrayIterator(entries);
    expect(it.valid()).toBe(false);
    expect(forward(it)).toEqual(['a@3', 'b@9', 'b@5', 'b@2', 'd@1']);
    expect(backward(it)).toEqual(['d@1', 'b@2', 'b@5', 'b@9', 'a@3']);
    it.seek(b('b'), 5);
    expect(s(it.value())).toBe('b5');
    expect(it.type()).toBe(1);
  });

  it('seek lands on the first entry >= (key, seqno)', () => {
    const it = new ArrayIterator(entries);
    const cases: [string, number | undefined, string][] = [
      ['b', undefined, 'b@9'],
      ['b', 9, 'b@9'],
      ['b', 8, 'b@5'],
      ['b', 5, 'b@5'],
      ['b', 4, 'b@2'],
      ['b', 1, 'd@1'],
      ['c', undefined, 'd@1'],
      ['', undefined, 'a@3'],
      ['d', 0, 'invalid'],
      ['e', undefined, 'invalid'],
    ];
    for (const [key, seq, want] of cases) {
      it.seek(b(key), seq);
      expect(at(it), `seek(${key}, ${seq})`).toBe(want);
    }
  });

  it('seekForPrev lands on the last entry <= (key, seqno)', () => {
    const it = new ArrayIterator(entries);
    const cases: [string, number | undefined, string][] = [
      ['b', undefined, 'b@2'],
      ['b', 2, 'b@2'],
      ['b', 3, 'b@5'],
      ['b', 5, 'b@5'],
      ['b', 6, 'b@9'],
      ['b', 10, 'a@3'],
      ['c', undefined, 'b@2'],
      ['z', undefined, 'd@1'],
      ['a', 4, 'invalid'],
      ['', undefined, 'invalid'],
    ];
    for (const [key, seq, want] of cases) {
      it.seekForPrev(b(key), seq);
      expect(at(it), `seekForPrev(${key}, ${seq})`).toBe(want);
    }
  });

  it('moving off either end makes it invalid, and it stays invalid', () => {
    const it = new ArrayIterator(entries);
    it.seekToLast();
    it.next();
    expect(it.valid()).toBe(false);
    it.next();
    expect(it.valid()).toBe(false);
    it.prev();
    expect(it.valid()).toBe(false);
    it.seekToFirst();
    it.prev();
    expect(it.valid()).toBe(false);
    it.prev();
    expect(it.valid()).toBe(false);
    it.next();
    expect(it.valid()).toBe(false);
  });

  it('a move after falling off an end does not come back onto an entry', () => {
    const it = new ArrayIterator(entries);
    it.seekToLast();
    it.next();
    it.prev();
    expect(it.valid()).toBe(false);
    it.seek(b('e'));
    it.prev();
    expect(it.valid()).toBe(false);
    it.seekToLast();
    it.next();
    it.next();
    it.prev();
    expect(it.valid()).toBe(false);
  });

  it('an empty iterator is never valid', () => {
    const it = new ArrayIterator([]);
    it.seekToFirst();
    expect(it.valid()).toBe(false);
    it.seekToLast();
    expect(it.valid()).toBe(false);
    it.seek(b('a'));
    expect(it.valid()).toBe(false);
    it.seekForPrev(b('a'));
    expect(it.valid()).toBe(false);
  });

  it('a single entry: seekToFirst and seekToLast agree', () => {
    const it = new ArrayIterator([put('k', 1, 'v')]);
    it.seekToFirst();
    expect(at(it)).toBe('k@1');
    it.seekToLast();
    expect(at(it)).toBe('k@1');
  });

  it('does not change the caller\'s array', () => {
    const input = [put('b', 1, ''), put('a', 1, '')];
    forward(new ArrayIterator(input));
    expect(s(input[0]!.userKey)).toBe('b');
  });

  it('orders, seeks and walks by the comparator it is given', () => {
    const reverse: Comparator = { name: 'test.reverse', compare: (x, y) => compareBytes(y, x) };
    const it = new ArrayIterator(entries, reverse);
    expect(forward(it)).toEqual(['d@1', 'b@9', 'b@5', 'b@2', 'a@3']);
    it.seek(b('c'));
    expect(at(it)).toBe('b@9');
    it.seekForPrev(b('c'));
    expect(at(it)).toBe('d@1');
  });

  it('accessors on an unpositioned iterator throw LSM_INVALID_ARGUMENT', () => {
    const it = new ArrayIterator(entries);
    for (const f of [() => it.userKey(), () => it.seqno(), () => it.type(), () => it.value()]) {
      expect(expectLsmError(f, 'LSM_INVALID_ARGUMENT').message).toMatch(/not positioned/);
    }
    it.seekToLast();
    it.next();
    expectLsmError(() => it.userKey(), 'LSM_INVALID_ARGUMENT');
  });

  it('every use after close throws LSM_CLOSED', () => {
    const it = new ArrayIterator(entries);
    it.seekToFirst();
    it.close();
    const uses = [
      () => it.valid(),
      () => it.seekToFirst(),
      () => it.seekToLast(),
      () => it.seek(b('a')),
      () => it.seekForPrev(b('a')),
      () => it.next(),
      () => it.prev(),
      () => it.userKey(),
      () => it.seqno(),
      () => it.type(),
      () => it.value(),
    ];
    for (const use of uses) expect(expectLsmError(use, 'LSM_CLOSED').message).toBe('iterator is closed');
    it.close();
  });
});

describe('compareEntries', () => {
  it('orders by user key, then newest seqno first', () => {
    expect(compareEntries(bytewiseComparator, put('a', 1, ''), put('b', 9, ''))).toBeLessThan(0);
    expect(compareEntries(bytewiseComparator, put('b', 1, ''), put('a', 9, ''))).toBeGreaterThan(0);
    expect(compareEntries(bytewiseComparator, put('a', 9, ''), put('a', 1, ''))).toBeLessThan(0);
    expect(compareEntries(bytewiseComparator, put('a', 1, ''), put('a', 9, ''))).toBeGreaterThan(0);
    expect(compareEntries(bytewiseComparator, put('a', 4, 'x'), put('a', 4, 'y'))).toBe(0);
  });
});
