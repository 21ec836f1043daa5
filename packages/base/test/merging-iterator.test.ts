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
