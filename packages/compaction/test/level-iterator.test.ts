import { describe, expect, it } from 'vitest';
import { ArrayIterator, bytewiseComparator, isLsmError, MergingIterator, ValueType, type Entry, type InternalIterator } from '@lsm/base';
import { LevelIterator, type TableMeta } from '../src/index.js';
import { BASE_SEED, key, Rng, s, withSeed } from './helpers.js';

/** A sorted level of `n` tables, each with a few keys and versions; returns metas and contents. */
function level(rng: Rng, n: number): { metas: TableMeta[]; contents: Map<number, Entry[]>; all: Entry[] } {
  const contents = new Map<number, Entry[]>();
  const metas: TableMeta[] = [];
  const all: Entry[] = [];
  let k = 0;
  for (let id = 1; id <= n; id++) {
    const list: Entry[] = [];
    const keys = rng.range(1, 4);
    for (let j = 0; j < keys; j++) {
      k += rng.range(1, 3);
      for (let v = rng.range(1, 3); v > 0; v--) list.push({ userKey: key(k), seqno: v * 10 + id, type: ValueType.Value, value: key(k) });
    }
    const sorted = new ArrayIterator(list);
    const es: Entry[] = [];
    for (sorted.seekToFirst(); sorted.valid(); sorted.next()) es.push({ userKey: sorted.userKey(), seqno: sorted.seqno(), type: sorted.type(), value: sorted.value() });
    contents.set(id, es);
    all.push(...es);
    metas.push({ id, size: 100, smallest: es[0]!.userKey, largest: es[es.length - 1]!.userKey, smallestSeqno: 0, largestSeqno: 0, entries: es.length, tombstones: 0, rangeTombstones: 0 });
  }
  return { metas, contents, all };
}

class Opener {
  open = 0;
  maxOpen = 0;
  opened: number[] = [];
  constructor(private readonly contents: Map<number, Entry[]>) {}
  fn = (m: TableMeta): InternalIterator => {
    const inner = new ArrayIterator(this.contents.get(m.id)!);
    this.open++;
    this.maxOpen = Math.max(this.maxOpen, this.open);
    this.opened.push(m.id);
    const close = inner.close.bind(inner);
    inner.close = () => {
      this.open--;
      close();
    };
    return inner;
  };
}

const fmt = (it: InternalIterator) => `${s(it.userKey())}@${it.seqno()}`;

describe('LevelIterator', () => {
  it('iterates forward and backward across tables, one open at a time', () => {
    const rng = new Rng(BASE_SEED);
    const { metas, contents, all } = level(rng, 6);
    const op = new Opener(contents);
    const it = new LevelIterator(bytewiseComparator, metas, op.fn);
    const fwd: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) fwd.push(fmt(it));
    expect(fwd).toEqual(all.map((e) => `${s(e.userKey)}@${e.seqno}`));
    expect(op.maxOpen).toBe(1);
    expect(op.open).toBe(0); // running off the end closes the last table
    const back: string[] = [];
    for (it.seekToLast(); it.valid(); it.prev()) back.push(fmt(it));
    expect(back).toEqual([...fwd].reverse());
    expect(op.maxOpen).toBe(1);
    it.close();
    expect(op.open).toBe(0);
    expect(() => it.seekToFirst()).toThrow(/closed/);
  });

  it('seeks like the merged contents would (randomized)', () => {
    for (let round = 0; round < 200; round++) {
      const seed = BASE_SEED + round;
      withSeed(seed, () => {
        const rng = new Rng(seed);
        const { metas, contents, all } = level(rng, rng.range(1, 5));
        const it = new LevelIterator(bytewiseComparator, metas, new Opener(contents).fn);
        const ref = new ArrayIterator(all);
        const maxKey = Number(s(all[all.length - 1]!.userKey).slice(1)) + 2;
        for (let q = 0; q < 30; q++) {
          const k = key(rng.int(maxKey));
          const seq = rng.bool() ? undefined : rng.range(0, 40);
          if (rng.bool()) {
            it.seek(k, seq);
            ref.seek(k, seq);
          } else {
            it.seekForPrev(k, seq);
            ref.seekForPrev(k, seq);
          }
          for (let steps = rng.range(0, 4); ; steps--) {
            expect(it.valid()).toBe(ref.valid());
            if (!ref.valid()) break;
            expect(fmt(it)).toBe(fmt(ref));
            if (steps === 0) break;
            if (rng.bool()) {
              it.next();
              ref.next();
            } else {
              it.prev();
              ref.prev();
            }
          }
        }
        it.close();
      });
    }
  });

  it('works as a MergingIterator child with an empty level', () => {
    const it = new LevelIterator(bytewiseComparator, [], () => {
      throw new Error('never opened');
    });
    const m = new MergingIterator([it], bytewiseComparator);
    m.seekToFirst();
    expect(m.valid()).toBe(false);
    m.close();
  });

  it('an error opening a table propagates and leaves the iterator invalid', () => {
    const rng = new Rng(BASE_SEED + 7);
    const { metas, contents } = level(rng, 3);
    const op = new Opener(contents);
    const it = new LevelIterator(bytewiseComparator, metas, (m) => {
      if (m.id === 2) throw Object.assign(new Error('EIO: boom'), { code: 'EIO' });
      return op.fn(m);
    });
    it.seekToFirst();
    expect(() => {
      while (it.valid()) it.next();
    }).toThrow(/boom/);
    expect(it.valid()).toBe(false);
    expect(op.open).toBe(0);
    let err: unknown;
    try {
      it.userKey();
    } catch (e) {
      err = e;
    }
    expect(isLsmError(err, 'LSM_INVALID_ARGUMENT')).toBe(true);
    it.close();
  });
});
