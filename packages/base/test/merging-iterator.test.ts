// MergingIterator: internal-key order with ties broken by child index in both directions,
// agreement with a model of the union under random operations and direction switches
// (seeded), invalid after an error, and close() semantics.

import { describe, expect, it } from 'vitest';
import { ArrayIterator } from '../src/array-iterator.js';
import { bytewiseComparator } from '../src/comparator.js';
import { LsmError } from '../src/errors.js';
import { MergingIterator } from '../src/merging-iterator.js';
import type { Entry, InternalIterator } from '../src/iterator.js';
import { ValueType } from '../src/internal-key.js';
import { b, compareIterators, expectLsmError, put, randomEntries, s, testSeed, withSeed } from '../src/testing/index.js';

function collect(it: InternalIterator): string[] {
  const out: string[] = [];
  for (it.seekToFirst(); it.valid(); it.next()) out.push(`${s(it.userKey())}@${it.seqno()}`);
  return out;
}

describe('MergingIterator', () => {
  it('merges in internal-key order', () => {
    const m = new MergingIterator([
      new ArrayIterator([put('a', 1, 'x'), put('c', 5, 'y')]),
      new ArrayIterator([put('b', 2, 'z'), put('c', 7, 'w')]),
      new ArrayIterator([]),
    ]);
    expect(collect(m)).toEqual(['a@1', 'b@2', 'c@7', 'c@5']);
    m.seekForPrev(b('c'), 6);
    expect(`${s(m.userKey())}@${m.seqno()}`).toBe('c@7');
    m.seek(b('c'), 6);
    expect(`${s(m.userKey())}@${m.seqno()}`).toBe('c@5');
    expect(m.currentChild()).toBe(0);
  });

  it('orders equal internal keys by child index in both directions', () => {
    const m = new MergingIterator([
      new ArrayIterator([put('k', 5, 'first'), put('m', 1, '')]),
      new ArrayIterator([put('a', 1, ''), put('k', 5, 'second')]),
    ]);
    m.seek(b('k'));
    expect(s(m.value())).toBe('first');
    m.next();
    expect(s(m.value())).toBe('second');
    m.prev();
    expect(s(m.value())).toBe('first');
    m.prev();
    expect(s(m.userKey())).toBe('a');
    m.next();
    m.next();
    expect(s(m.value())).toBe('second');
  });

  for (const nChildren of [1, 2, 3, 7]) {
    it(`matches a model of the union under random ops and direction switches (${nChildren} children)`, () => {
      withSeed(testSeed(300 + nChildren), (rng) => {
        for (let round = 0; round < 10; round++) {
          const all = randomEntries(rng, 1 + rng.int(400), { maxKeyLen: 4 });
          const parts: Entry[][] = Array.from({ length: nChildren }, () => []);
          for (const e of all) parts[rng.int(nChildren)]!.push(e);
          // Occasionally duplicate an entry into two children (equal internal keys).
          const extra: Entry[] = [];
          if (nChildren > 1 && rng.bool(0.5)) {
            for (let i = 0; i < 5; i++) {
              const e = rng.pick(all);
              const dup = { ...e, value: b(`dup${i}`) };
              const target = rng.int(nChildren);
              if (!parts[target]!.some((x) => x.seqno === e.seqno && Buffer.compare(x.userKey, e.userKey) === 0)) {
                parts[target]!.push(dup);
                extra.push(dup);
              }
            }
          }
          const merged = new MergingIterator(parts.map((p) => new ArrayIterator(p)), bytewiseComparator);
          // Model: the union, equal internal keys ordered by child index.
          const tagged = parts.flatMap((p, ci) => p.map((e) => ({ e, ci })));
          tagged.sort((x, y) => Buffer.compare(x.e.userKey, y.e.userKey) || y.e.seqno - x.e.seqno || x.ci - y.ci);
          const model = new ArrayIterator(tagged.map((t) => t.e));
          // ArrayIterator sorts stably, so child-index order among equal keys is kept.
          const keys = [...all.map((e) => e.userKey), ...Array.from({ length: 10 }, () => rng.bytes(rng.int(3)))];
          compareIterators(rng, merged, model, keys, 600);
          void extra;
        }
      });
    });
  }

  it('is invalid on error, and close() closes children then rejects use', () => {
    let closed = 0;
    const failing: InternalIterator = Object.assign(new ArrayIterator([put('a', 1, '')]), {
      next(): void {
        throw new LsmError('LSM_IO', 'boom');
      },
      close(): void {
        closed++;
      },
    });
    const m = new MergingIterator([failing]);
    m.seekToFirst();
    expect(m.valid()).toBe(true);
    expectLsmError(() => m.next(), 'LSM_IO');
    expect(m.valid()).toBe(false);
    m.close();
    m.close();
    expect(closed).toBe(1);
    expectLsmError(() => m.seekToFirst(), 'LSM_CLOSED');
  });

  it('accessors on an unpositioned iterator throw LSM_INVALID_ARGUMENT', () => {
    const m = new MergingIterator([new ArrayIterator([{ userKey: b('a'), seqno: 1, type: ValueType.Value, value: b('') }])]);
    expectLsmError(() => m.userKey(), 'LSM_INVALID_ARGUMENT');
    expectLsmError(() => m.next(), 'LSM_INVALID_ARGUMENT');
  });
});

describe('MergingIterator edge cases', () => {
  /** An ArrayIterator whose chosen method throws LSM_IO, and which counts close() calls. */
  function faulty(entries: Entry[], failing: 'next' | 'prev' | 'seek' | 'seekForPrev' | 'close'): InternalIterator & { closes: number } {
    const it = new ArrayIterator(entries) as ArrayIterator & { closes: number };
    it.closes = 0;
    const close = it.close.bind(it);
    it.close = () => {
      it.closes++;
      close();
      if (failing === 'close') throw new LsmError('LSM_IO', 'close failed');
    };
    if (failing !== 'close') {
      it[failing] = () => {
        throw new LsmError('LSM_IO', `${failing} failed`);
      };
    }
    return it;
  }

  it('an error from prev() leaves it invalid, and a re-seek recovers', () => {
    const m = new MergingIterator([faulty([put('a', 1, ''), put('b', 1, '')], 'prev')]);
    m.seekToLast();
    expectLsmError(() => m.prev(), 'LSM_IO');
    expect(m.valid()).toBe(false);
    m.seekToFirst();
    expect(s(m.userKey())).toBe('a');
  });

  it('an error while switching direction leaves it invalid', () => {
    const m = new MergingIterator([new ArrayIterator([put('a', 1, ''), put('c', 1, '')]), faulty([put('b', 1, '')], 'seekForPrev')]);
    m.seekToFirst();
    m.next();
    expect(s(m.userKey())).toBe('b');
    m.next();
    expect(s(m.userKey())).toBe('c');
    expectLsmError(() => m.prev(), 'LSM_IO');
    expect(m.valid()).toBe(false);
    const f = new MergingIterator([new ArrayIterator([put('a', 1, ''), put('c', 1, '')]), faulty([put('b', 1, '')], 'seek')]);
    f.seekToLast();
    expectLsmError(() => f.next(), 'LSM_IO');
    expect(f.valid()).toBe(false);
  });

  it('close() closes every child even when some fail, then throws the first failure', () => {
    const a = faulty([], 'close');
    const b2 = faulty([], 'next');
    const c = faulty([], 'close');
    (c as unknown as { close: () => void }).close = () => {
      c.closes++;
      throw new LsmError('LSM_IO', 'second failure');
    };
    const m = new MergingIterator([a, b2, c]);
    const err = expectLsmError(() => m.close(), 'LSM_IO');
    expect(err.message).toBe('close failed');
    expect([a.closes, b2.closes, c.closes]).toEqual([1, 1, 1]);
    m.close(); // closing twice is fine and closes nothing again
    expect([a.closes, b2.closes, c.closes]).toEqual([1, 1, 1]);
  });

  it('every use after close throws LSM_CLOSED', () => {
    const m = new MergingIterator([new ArrayIterator([put('a', 1, '')])]);
    m.seekToFirst();
    m.close();
    expect(m.valid()).toBe(false);
    for (const use of [
      () => m.seekToFirst(),
      () => m.seekToLast(),
      () => m.seek(b('a')),
      () => m.seekForPrev(b('a')),
      () => m.next(),
      () => m.prev(),
      () => m.userKey(),
      () => m.seqno(),
      () => m.type(),
      () => m.value(),
      () => m.currentChild(),
    ]) {
      expect(expectLsmError(use, 'LSM_CLOSED').message).toBe('merging iterator is closed');
    }
  });

  it('accessors and moves when unpositioned or exhausted throw LSM_INVALID_ARGUMENT', () => {
    const m = new MergingIterator([new ArrayIterator([put('a', 1, '')]), new ArrayIterator([])]);
    for (const use of [() => m.prev(), () => m.seqno(), () => m.type(), () => m.value(), () => m.currentChild()]) {
      expect(expectLsmError(use, 'LSM_INVALID_ARGUMENT').message).toBe('iterator is not positioned on an entry');
    }
    m.seekToFirst();
    m.next();
    expect(m.valid()).toBe(false);
    expectLsmError(() => m.next(), 'LSM_INVALID_ARGUMENT');
  });

  it('merges no children into an empty iterator', () => {
    const m = new MergingIterator([]);
    m.seekToFirst();
    expect(m.valid()).toBe(false);
    m.seekToLast();
    expect(m.valid()).toBe(false);
    m.seek(b('a'));
    expect(m.valid()).toBe(false);
  });

  it('reports the child of each entry, the type and value of the right child', () => {
    const m = new MergingIterator([
      new ArrayIterator([put('b', 3, 'from0')]),
      new ArrayIterator([{ userKey: b('a'), seqno: 9, type: ValueType.Tombstone, value: b('') }, put('c', 1, 'from1')]),
    ]);
    m.seekToFirst();
    expect([m.currentChild(), m.type(), m.seqno()]).toEqual([1, ValueType.Tombstone, 9]);
    m.next();
    expect([m.currentChild(), s(m.value()), m.type()]).toEqual([0, 'from0', ValueType.Value]);
    m.next();
    expect([m.currentChild(), s(m.value())]).toEqual([1, 'from1']);
    m.prev();
    m.prev();
    expect([m.currentChild(), s(m.userKey())]).toEqual([1, 'a']);
  });

  it('seeks with seqnos across children', () => {
    const m = new MergingIterator([
      new ArrayIterator([put('k', 9, 'c0-9'), put('k', 3, 'c0-3')]),
      new ArrayIterator([put('k', 6, 'c1-6'), put('k', 1, 'c1-1')]),
    ]);
    m.seek(b('k'));
    expect(s(m.value())).toBe('c0-9');
    m.seek(b('k'), 7);
    expect(s(m.value())).toBe('c1-6');
    m.seek(b('k'), 2);
    expect(s(m.value())).toBe('c1-1');
    m.seekForPrev(b('k'));
    expect(s(m.value())).toBe('c1-1');
    m.seekForPrev(b('k'), 4);
    expect(s(m.value())).toBe('c1-6');
    m.seekForPrev(b('k'), 10);
    expect(m.valid()).toBe(false);
  });

  it('orders by the comparator it is given', () => {
    const reverse = { name: 'test.reverse', compare: (x: Uint8Array, y: Uint8Array) => bytewiseComparator.compare(y, x) };
    const m = new MergingIterator(
      [new ArrayIterator([put('a', 1, ''), put('c', 1, '')], reverse), new ArrayIterator([put('b', 1, ''), put('d', 1, '')], reverse)],
      reverse,
    );
    expect(collect(m)).toEqual(['d@1', 'c@1', 'b@1', 'a@1']);
  });
});
