// Batch resolution (src/write/batch-normalize.ts), fed records directly: which batches are
// left as they are (one operation, or no repeated key and no range deletion, whatever the
// keys' lengths, the values' bytes or the batch's size), and, for the others, that the
// rewritten record means exactly what applying the operations in order means (checked
// against a model over seeded random batches, with and without partialMerge, bytewise and
// with a comparator that folds case), plus each rule on its own: range start inclusive
// and end exclusive, operands onto a value, a deletion, a range deletion or the value
// before the batch, one operand left alone, a blob pointer refused, and the errors.

import { ByteSink, NotSupportedError, ValueType, bytewiseComparator } from '@lsm/base';
import type { MergeOperator } from '@lsm/compaction';
import { describe, expect, it } from 'vitest';
import { type Comparator, appendWithSeparator } from '../src/index.js';
import { OP_DELETE_RANGE, encodeBatch, stampBatch, visitBatch } from '../src/write/batch-codec.js';
import { type BatchResolver, normalizeBatch } from '../src/write/batch-normalize.js';
import { codeOf, Rng, text } from './helpers.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

const { Value, Tombstone, WeakTombstone, Merge, Indirection } = ValueType;
type Op = { type: number; key: string; value?: string };

const append = appendWithSeparator('+');
const noPartial: MergeOperator = { name: 'append-no-partial', merge: append.merge };
const caseFold: Comparator = {
  name: 'test.casefold',
  compare: (a, b) => bytewiseComparator.compare(enc(text(a)!.toLowerCase()), enc(text(b)!.toLowerCase())),
};

function record(ops: readonly Op[], seqno = 42): Uint8Array {
  const rec = encodeBatch(new ByteSink(64), 0, ops.map((o) => ({ type: o.type, key: enc(o.key), value: enc(o.value ?? '') }))).slice();
  stampBatch(rec, seqno, ops.length);
  return rec;
}

function resolver(opts: { base?: Record<string, string>; op?: MergeOperator | undefined; cmp?: Comparator; reads?: string[] } = {}): BatchResolver {
  const cmp = opts.cmp ?? bytewiseComparator;
  return {
    comparator: cmp,
    bytewise: cmp === bytewiseComparator,
    mergeOperator: 'op' in opts ? opts.op : append,
    readBase: (key) => {
      opts.reads?.push(text(key)!);
      const v = opts.base?.[text(key)!];
      return v === undefined ? undefined : enc(v);
    },
  };
}

function ops(rec: Uint8Array): string[] {
  const out: string[] = [];
  visitBatch(rec, 'test', 0, (s, type, key, value) => out.push(`${s}:${type}:${text(key)}${value.length > 0 || type === Value || type === Merge ? `=${text(value)}` : ''}`));
  return out;
}

function normalized(list: readonly Op[], r: BatchResolver = resolver()): string[] | null {
  const rangeDeletes = list.filter((o) => o.type === OP_DELETE_RANGE).length;
  const rec = record(list);
  const out = normalizeBatch(rec, rangeDeletes, r);
  if (out === null) return null;
  const seen = ops(out.bytes);
  expect(out.count).toBe(seen.length);
  expect([...out.bytes.subarray(0, 9)]).toEqual([2, 42, 0, 0, 0, 0, 0, 0, 0]);
  return seen;
}

describe('which batches stay as they are', () => {
  it('one operation, whatever it is', () => {
    expect(normalized([{ type: OP_DELETE_RANGE, key: 'a', value: 'b' }])).toBeNull();
    expect(normalized([{ type: Merge, key: 'a', value: 'x' }])).toBeNull();
    expect(normalized([])).toBeNull();
  });

  it('distinct keys, even sharing prefixes, with values that look like keys', () => {
    expect(
      normalized([
        { type: Value, key: 'ab', value: 'abc' },
        { type: Value, key: 'abc', value: 'ab' },
        { type: Tombstone, key: 'a' },
        { type: Merge, key: '', value: 'a' },
        { type: WeakTombstone, key: 'b' },
        { type: Indirection, key: 'ba', value: 'b' },
        { type: Value, key: 'abd', value: '' },
      ]),
    ).toBeNull();
  });

  it('any range deletion makes a batch of two or more resolved, even with distinct keys', () => {
    expect(
      normalized([
        { type: Value, key: 'z', value: '1' },
        { type: OP_DELETE_RANGE, key: 'a', value: 'b' },
      ]),
    ).toEqual(['42:1:z=1', '42:15:a=b']);
  });

  it('finds the repeated key among many distinct ones, across batch sizes (the bytewise hash table and its scratch)', () => {
    const rng = new Rng(7);
    for (const n of [2, 3, 17, 130, 1000, 5000, 70000, 40]) {
      const list: Op[] = [];
      for (let i = 0; i < n; i++) list.push({ type: i % 5 === 0 ? Tombstone : Value, key: `k${i}`, value: `v${i}` });
      const rec = record(list);
      expect(normalizeBatch(rec, 0, resolver()), `n=${n}`).toBeNull();
      const dup = rng.int(n);
      const withDup = record([...list, { type: Value, key: `k${dup}`, value: 'again' }]);
      const out = normalizeBatch(withDup, 0, resolver());
      expect(out, `n=${n} dup=${dup}`).not.toBeNull();
      expect(out!.count).toBe(n);
    }
  });

  it('keys in ascending order (a sequential load) stay as they are; a repeat after an ascending run is still found', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `key${String(i).padStart(5, '0')}`);
    const list: Op[] = keys.map((key, i) => ({ type: Value, key, value: `v${i}` }));
    expect(normalizeBatch(record(list), 0, resolver())).toBeNull();
    // A key that is a prefix of the next ascends; the reverse does not, and neither repeats.
    expect(normalized([{ type: Value, key: 'a', value: '1' }, { type: Value, key: 'ab', value: '2' }])).toBeNull();
    expect(normalized([{ type: Value, key: 'ab', value: '1' }, { type: Value, key: 'a', value: '2' }])).toBeNull();
    // A long key of low bytes written twice: comparing it with anything but its own bytes
    // (the length varint before it is 0xc8 0x01) would call the pair ascending.
    const low = String.fromCharCode(1).repeat(200);
    const twice = normalizeBatch(record([{ type: Value, key: low, value: '1' }, { type: Value, key: low, value: '2' }]), 0, resolver());
    expect(twice).not.toBeNull();
    expect(twice!.count).toBe(1);
    // A key, a longer key it is a prefix of, then the first key again: the comparison must
    // stop at the shorter key's end (the byte after it, a value length of 100 = 'd',
    // sorts after 'a').
    const back = normalizeBatch(record([{ type: Value, key: 'x', value: '1' }, { type: Value, key: 'xa', value: '2' }, { type: Value, key: 'x', value: 'v'.repeat(100) }]), 0, resolver());
    expect(back).not.toBeNull();
    expect(back!.count).toBe(2);
    // The last key again (not strictly ascending at the end), and the first key again.
    for (const again of [keys[299]!, keys[0]!]) {
      const out = normalizeBatch(record([...list, { type: Tombstone, key: again }]), 0, resolver());
      expect(out, again).not.toBeNull();
      expect(out!.count).toBe(300);
    }
  });

  it('the same key twice right away, and the empty key twice', () => {
    expect(normalized([{ type: Value, key: 'a', value: '1' }, { type: Value, key: 'a', value: '2' }])).toEqual(['42:1:a=2']);
    expect(normalized([{ type: Value, key: '', value: '1' }, { type: Tombstone, key: '' }])).toEqual(['42:0:']);
  });

  it('with another comparator, distinct keys stay as they are (the comparator is never given anything but keys)', () => {
    const strict: Comparator = {
      name: 'test.reverse',
      compare: (a, b) => {
        if (!(a instanceof Uint8Array) || !(b instanceof Uint8Array)) throw new Error('not a key');
        return bytewiseComparator.compare(b, a);
      },
    };
    const r = resolver({ cmp: strict });
    expect(normalized([{ type: Value, key: 'a', value: '1' }, { type: Value, key: 'c', value: '2' }, { type: Tombstone, key: 'b' }], r)).toBeNull();
    expect(normalized([{ type: Value, key: 'a', value: '1' }, { type: Value, key: 'c', value: '2' }, { type: Tombstone, key: 'a' }], r)).toEqual(['42:1:c=2', '42:0:a']);
  });

  it('with another comparator, keys it calls equal are one key', () => {
    const r = resolver({ cmp: caseFold });
    expect(normalized([{ type: Value, key: 'Ab', value: '1' }, { type: Value, key: 'b', value: '2' }], r)).toBeNull();
    expect(normalized([{ type: Value, key: 'Ab', value: '1' }, { type: Value, key: 'b', value: '2' }, { type: Value, key: 'aB', value: '3' }], r)).toEqual([
      '42:1:b=2',
      '42:1:aB=3',
    ]);
  });
});

describe('the rules, one at a time', () => {
  it('the later put or deletion of a key wins, at the place of the key\'s last operation', () => {
    expect(
      normalized([
        { type: Value, key: 'a', value: '1' },
        { type: Value, key: 'b', value: '1' },
        { type: Tombstone, key: 'a' },
        { type: Value, key: 'c', value: '1' },
        { type: Value, key: 'b', value: '2' },
        { type: WeakTombstone, key: 'c' },
      ]),
    ).toEqual(['42:0:a', '42:1:b=2', '42:3:c']);
  });

  it('a range deletion covers its start and not its end, and only the operations before it', () => {
    expect(
      normalized([
        { type: Value, key: 'a', value: 'start' },
        { type: Value, key: 'c', value: 'end' },
        { type: Value, key: 'b', value: 'mid' },
        { type: Value, key: '0', value: 'below' },
        { type: OP_DELETE_RANGE, key: 'a', value: 'c' },
        { type: Value, key: 'b', value: 'after' },
      ]),
    ).toEqual(['42:1:c=end', '42:1:0=below', '42:15:a=c', '42:1:b=after']);
  });

  it('operands of a key fold onto what the batch wrote before them', () => {
    const reads: string[] = [];
    const r = resolver({ base: { v: 'B', d: 'B', w: 'B', r: 'B' }, reads });
    expect(
      normalized(
        [
          { type: Value, key: 'v', value: 'x' },
          { type: Merge, key: 'v', value: '1' },
          { type: Merge, key: 'v', value: '2' },
          { type: Tombstone, key: 'd' },
          { type: Merge, key: 'd', value: '1' },
          { type: WeakTombstone, key: 'w' },
          { type: Merge, key: 'w', value: '1' },
          { type: OP_DELETE_RANGE, key: 'r', value: 's' },
          { type: Merge, key: 'r', value: '1' },
          { type: Merge, key: 'r', value: '2' },
        ],
        r,
      ),
    ).toEqual(['42:1:v=x+1+2', '42:1:d=1', '42:1:w=1', '42:15:r=s', '42:1:r=1+2']);
    expect(reads).toEqual([]);
  });

  it('operands after operands the range deletion covered start again from nothing', () => {
    expect(
      normalized([
        { type: Merge, key: 'k', value: '1' },
        { type: OP_DELETE_RANGE, key: 'a', value: 'z' },
        { type: Merge, key: 'k', value: '2' },
        { type: Merge, key: 'k', value: '3' },
      ]),
    ).toEqual(['42:15:a=z', '42:1:k=2+3']);
  });

  it('one operand on a key the batch did not otherwise write stays an operand', () => {
    const reads: string[] = [];
    expect(
      normalized(
        [
          { type: Merge, key: 'm', value: 'x' },
          { type: Value, key: 'a', value: '1' },
          { type: Value, key: 'a', value: '2' },
        ],
        resolver({ op: noPartial, reads }),
      ),
    ).toEqual(['42:2:m=x', '42:1:a=2']);
    expect(reads).toEqual([]);
  });

  it('an operand run: partialMerge keeps one operand; without it the value before the batch is read and folded', () => {
    const list: Op[] = [
      { type: Merge, key: 'm', value: 'x' },
      { type: Merge, key: 'n', value: 'p' },
      { type: Merge, key: 'm', value: 'y' },
    ];
    const reads: string[] = [];
    expect(normalized(list, resolver({ reads, base: { m: 'B' } }))).toEqual(['42:2:n=p', '42:2:m=x+y']);
    expect(reads).toEqual([]);
    expect(normalized(list, resolver({ op: noPartial, reads, base: { m: 'B' } }))).toEqual(['42:2:n=p', '42:1:m=B+x+y']);
    expect(reads).toEqual(['m']);
    expect(normalized(list, resolver({ op: noPartial, base: {} }))).toEqual(['42:2:n=p', '42:1:m=x+y']);
  });

  it('an operand onto a blob pointer written in the same batch is LSM_NOT_SUPPORTED', () => {
    const list: Op[] = [
      { type: Indirection, key: 'k', value: 'ptr' },
      { type: Merge, key: 'k', value: 'x' },
    ];
    expect(() => normalized(list)).toThrow(NotSupportedError);
    expect(codeOf(() => normalized(list))).toBe('LSM_NOT_SUPPORTED');
    expect(() => normalized(list)).toThrow('a merge operand onto a blob pointer written in the same batch');
    // A pointer replaced by a value, or written after the operands, is fine.
    expect(
      normalized([
        { type: Indirection, key: 'k', value: 'ptr' },
        { type: Value, key: 'k', value: 'v' },
        { type: Merge, key: 'k', value: 'x' },
      ]),
    ).toEqual(['42:1:k=v+x']);
    expect(
      normalized([
        { type: Merge, key: 'k', value: 'x' },
        { type: Indirection, key: 'k', value: 'ptr' },
      ]),
    ).toEqual(['42:4:k=ptr']);
  });

  it('the errors: no operator, a partialMerge or merge that returns no bytes, a failing base read', () => {
    const run: Op[] = [
      { type: Merge, key: 'm', value: 'x' },
      { type: Merge, key: 'm', value: 'y' },
    ];
    expect(codeOf(() => normalized(run, resolver({ op: undefined })))).toBe('LSM_INVALID_ARGUMENT');
    const bad = (out: unknown): MergeOperator => ({ name: 'bad', merge: append.merge, partialMerge: () => out as Uint8Array });
    expect(() => normalized(run, resolver({ op: bad(null) }))).toThrow("merge operator 'bad' partialMerge returned null, not a Uint8Array");
    expect(() => normalized(run, resolver({ op: bad('s') }))).toThrow("merge operator 'bad' partialMerge returned string, not a Uint8Array");
    expect(codeOf(() => normalized(run, resolver({ op: bad(undefined) })))).toBe('LSM_INVALID_ARGUMENT');
    const failing: BatchResolver = { ...resolver({ op: noPartial }), readBase: () => { throw new Error('read failed'); } };
    expect(() => normalized(run, failing)).toThrow('read failed');
  });
});

describe('a resolved batch means what its operations applied in order mean', () => {
  const KEYS = ['a', 'b', 'c', 'd', 'e', 'A', 'B'];

  /** The model: a map applied to in order; merge appends with '+'. */
  function model(base: Map<string, string>, list: readonly Op[], cmp: Comparator): Map<string, string | undefined> {
    const canon = (k: string): string => (cmp === caseFold ? k.toLowerCase() : k);
    const state = new Map<string, string | undefined>();
    for (const [k, v] of base) state.set(canon(k), v);
    for (const o of list) {
      const k = canon(o.key);
      if (o.type === Value) state.set(k, o.value);
      else if (o.type === Tombstone || o.type === WeakTombstone) state.set(k, undefined);
      else if (o.type === Merge) {
        const e = state.get(k);
        state.set(k, e === undefined ? o.value : `${e}+${o.value}`);
      } else {
        for (const key of KEYS.map(canon)) if (cmp.compare(enc(o.key), enc(key)) <= 0 && cmp.compare(enc(key), enc(o.value!)) < 0) state.set(key, undefined);
      }
    }
    return state;
  }

  /** What the store makes of the record at one seqno over `base` (a range at S covers seqnos below S). */
  function applied(base: Map<string, string>, rec: Uint8Array, cmp: Comparator): Map<string, string | undefined> {
    const canon = (k: string): string => (cmp === caseFold ? k.toLowerCase() : k);
    const ranges: [string, string][] = [];
    const points = new Map<string, [number, string]>();
    visitBatch(rec, 'test', 0, (_s, type, key, value) => {
      if (type === OP_DELETE_RANGE) ranges.push([text(key)!, text(value)!]);
      else {
        expect(points.has(canon(text(key)!)), `key ${text(key)} twice in the resolved record`).toBe(false);
        points.set(canon(text(key)!), [type, text(value)!]);
      }
    });
    const state = new Map<string, string | undefined>();
    for (const key of new Set(KEYS.map(canon))) {
      const covered = ranges.some(([s, e]) => cmp.compare(enc(s), enc(key)) <= 0 && cmp.compare(enc(key), enc(e)) < 0);
      const below = covered ? undefined : [...base].find(([k]) => canon(k) === key)?.[1];
      const p = points.get(key);
      if (p === undefined) state.set(key, below);
      else if (p[0] === Value) state.set(key, p[1]);
      else if (p[0] === Merge) state.set(key, below === undefined ? p[1] : `${below}+${p[1]}`);
      else state.set(key, undefined);
    }
    return state;
  }

  for (const cmpName of ['bytewise', 'casefold'] as const) {
    for (const partial of [true, false]) {
      it(`random batches (${cmpName}, ${partial ? 'with' : 'without'} partialMerge)`, () => {
        const cmp = cmpName === 'bytewise' ? bytewiseComparator : caseFold;
        for (let seed = 1; seed <= 300; seed++) {
          const rng = new Rng(seed * 31 + (partial ? 1 : 0));
          const base = new Map<string, string>();
          for (const k of KEYS) if (rng.chance(0.5) && !(cmp === caseFold && k !== k.toLowerCase())) base.set(k, `B${k}`);
          const list: Op[] = [];
          const n = 1 + rng.int(8);
          for (let i = 0; i < n; i++) {
            const key = KEYS[rng.int(KEYS.length)]!;
            const r = rng.int(10);
            if (r < 3) list.push({ type: Merge, key, value: `m${i}` });
            else if (r < 5) list.push({ type: Value, key, value: `v${i}` });
            else if (r < 6) list.push({ type: Tombstone, key });
            else if (r < 7) list.push({ type: WeakTombstone, key });
            else if (r < 8) {
              const a = KEYS[rng.int(KEYS.length)]!;
              const b = KEYS[rng.int(KEYS.length)]!;
              const [s, e] = cmp.compare(enc(a), enc(b)) <= 0 ? [a, b] : [b, a];
              if (cmp.compare(enc(s), enc(e)) < 0) list.push({ type: OP_DELETE_RANGE, key: s, value: e });
            } else list.push({ type: Value, key: KEYS[rng.int(2)]!, value: `w${i}` });
          }
          const reads: string[] = [];
          const r: BatchResolver = {
            comparator: cmp,
            bytewise: cmp === bytewiseComparator,
            mergeOperator: partial ? append : noPartial,
            readBase: (key) => {
              reads.push(text(key)!);
              const v = [...base].find(([k]) => cmp.compare(enc(k), key) === 0)?.[1];
              return v === undefined ? undefined : enc(v);
            },
          };
          const rec = record(list);
          const out = normalizeBatch(rec, list.filter((o) => o.type === OP_DELETE_RANGE).length, r);
          const want = model(base, list, cmp);
          const got = applied(base, out === null ? rec : out.bytes, cmp);
          expect(Object.fromEntries(got), `seed ${seed}: ${JSON.stringify(list)}`).toEqual(Object.fromEntries(want));
          if (partial) expect(reads, `seed ${seed}: partialMerge needs no read`).toEqual([]);
          if (out !== null) {
            // The operations kept are in batch order, ranges included, each key once.
            expect(out.count, `seed ${seed}`).toBeLessThanOrEqual(list.length);
          }
        }
      });
    }
  }
});
