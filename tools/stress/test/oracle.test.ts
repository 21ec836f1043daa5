// The oracle's semantics for range deletions, prefix deletions, merges and weak deletes,
// the recovery checker over failed calls holding them, and the oracle's merge models
// against the engine's shipped operators (so a model and the engine cannot drift apart
// unnoticed). Each case states the rule it pins down.

import { appendWithSeparator, counterAdd, encodeU64 } from '@lsm/engine';
import { describe, expect, it } from 'vitest';
import { checkRecovery } from '../src/crash-check.js';
import { appendFold, counterFold } from '../src/merge-model.js';
import { lowestFloor } from '../src/fifo-floor.js';
import { Oracle, type WriteItem, prefixEnd } from '../src/oracle.js';
import { Rng, bytesFromSeed } from '../src/rng.js';
import { fakeTree } from './fake-tree.js';

const v = (s: string): Uint8Array => Buffer.from(s);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : Buffer.from(b).toString());
const put = (key: string, value: string): WriteItem => ({ key, kind: 'put', value: v(value) });
const del = (key: string): WriteItem => ({ key, kind: 'delete', value: undefined });
const merge = (key: string, operand: string): WriteItem => ({ key, kind: 'merge', value: v(operand) });
const range = (start: string, end: string): WriteItem => ({ key: start, kind: 'deleteRange', value: undefined, end });
const appendOracle = (): Oracle => new Oracle(appendFold(v('|')));

describe('oracle: range deletions', () => {
  it('delete every older version of every key in [start, end), nothing newer, nothing outside', () => {
    const o = appendOracle();
    o.record([put('a', '1'), put('b', '2'), put('c', '3')], 1, true);
    o.record([range('a', 'c')], 4, true);
    o.record([put('b', '5')], 5, true);
    expect([text(o.get('a', 4)), text(o.get('b', 4)), text(o.get('c', 4))]).toEqual([undefined, undefined, '3']);
    expect(text(o.get('b', 5))).toBe('5');
    // Reads below the deletion still see the keys (snapshots).
    expect(text(o.get('a', 3))).toBe('1');
    expect(o.scan(5, undefined, true, undefined, true, false, undefined).map(([k]) => k)).toEqual(['b', 'c']);
  });

  it('a prefix deletion is the range [prefix, successor)', () => {
    expect(prefixEnd('key-0001')).toBe('key-0002');
    expect(prefixEnd('key-')).toBe('key.');
    const o = appendOracle();
    o.record([put('key-00010', 'a'), put('key-00019', 'b'), put('key-0002', 'c'), put('key-0001', 'd')], 1, true);
    o.record([range('key-0001', prefixEnd('key-0001'))], 5, true);
    expect(o.scan(5, undefined, true, undefined, true, false, undefined).map(([k]) => k)).toEqual(['key-0002']);
  });

  it('truncation forgets range deletions above the recovered seqno', () => {
    const o = appendOracle();
    o.record([put('a', '1')], 1, true);
    o.record([range('a', 'b')], 2, true);
    o.truncateAfter(1);
    expect(text(o.get('a', 5))).toBe('1');
  });
});

describe('oracle: the newest change of a key in a window (what changesSince must report)', () => {
  it('is the newest point write, unless a range deletion over the key came later in the order of writes', () => {
    const o = appendOracle();
    o.record([put('a', '1'), put('b', '1'), put('c', '1')], 1, true);
    o.record([del('a'), merge('b', 'x')], 2, true);
    // One batch: the range deletion after the put of b hides it; the put of c after the range stands.
    o.record([put('b', '2'), range('a', 'c'), put('c', '3')], 3, true);
    expect(o.newestChange('a', 1, 2)).toEqual({ by: 'point', seq: 2, kind: 'delete' });
    expect(o.newestChange('b', 1, 2)).toEqual({ by: 'point', seq: 2, kind: 'merge' });
    expect(o.newestChange('a', 1, 3)).toEqual({ by: 'range', seq: 3 });
    expect(o.newestChange('b', 0, 3)).toEqual({ by: 'range', seq: 3 });
    expect(o.newestChange('c', 2, 3)).toEqual({ by: 'point', seq: 3, kind: 'put' });
    // Nothing in the window: the window is (from, to].
    expect(o.newestChange('c', 1, 2)).toBeUndefined();
    expect(o.newestChange('a', 3, 3)).toBeUndefined();
    expect(o.rangesAt(3)).toEqual([['a', 'c']]);
    expect(o.rangesAt(2)).toEqual([]);
  });

  it('ignores failed writes and writes at or below the FIFO watermark', () => {
    const o = appendOracle();
    o.record([put('a', '1')], 1, true);
    o.record([put('a', '2')], 2, false);
    expect(o.newestChange('a', 0, 2)).toEqual({ by: 'point', seq: 1, kind: 'put' });
    o.floor = 1;
    expect(o.newestChange('a', 0, 2)).toBeUndefined();
  });
});

describe('oracle: merges', () => {
  it('fold operands oldest first onto the newest put, deletion or covering range deletion below them', () => {
    const o = appendOracle();
    o.record([merge('a', 'x')], 1, true);
    expect(text(o.get('a', 1))).toBe('x');
    // A batch is one seqno: its operations apply in order, all visible at once.
    o.record([put('a', 'p'), merge('a', 'y'), merge('a', 'z')], 2, true);
    expect(text(o.get('a', 2))).toBe('p|y|z');
    expect(text(o.get('a', 1))).toBe('x');
    o.record([del('a'), merge('a', 'w')], 3, true);
    expect(text(o.get('a', 3))).toBe('w');
    o.record([range('a', 'b'), merge('a', 'q')], 4, true);
    expect(text(o.get('a', 4))).toBe('q');
    // A range deletion after the batch's own writes deletes them.
    o.record([merge('a', 'r'), put('b', 'kept'), range('a', 'b')], 5, true);
    expect(text(o.get('a', 5))).toBeUndefined();
    expect(text(o.get('b', 5))).toBe('kept');
    expect(text(o.get('a', 4))).toBe('q');
  });

  it('the models equal the engine operators on random inputs', () => {
    const rng = new Rng(5);
    const append = appendWithSeparator('|');
    const model = appendFold(v('|'));
    const key = v('k');
    for (let i = 0; i < 300; i++) {
      const base = rng.chance(0.3) ? undefined : bytesFromSeed(rng.u32(), rng.int(20));
      const ops = Array.from({ length: rng.range(1, 5) }, () => bytesFromSeed(rng.u32(), rng.int(10)));
      expect(Buffer.from(model(base, ops))).toEqual(Buffer.from(append.merge(key, base, ops)));
      const cBase = rng.chance(0.3) ? undefined : bytesFromSeed(rng.u32(), 8);
      const cOps = ops.map((_, j) => (j === 0 ? encodeU64((1n << 64n) - 1n) : bytesFromSeed(rng.u32(), 8)));
      expect(Buffer.from(counterFold(cBase, cOps))).toEqual(Buffer.from(counterAdd.merge(key, cBase, cOps)));
    }
  });
});

describe('oracle: when a weak delete is well-defined', () => {
  it('only for one acknowledged put after a deletion (point, weak or covering range), never after a merge', () => {
    const at = (items: WriteItem[]): Oracle => {
      const o = appendOracle();
      items.forEach((it, i) => o.record([it], i + 1, true));
      return o;
    };
    expect(at([put('a', '1')]).weakDeleteSafe('a')).toBe(true);
    expect(at([put('a', '1'), put('a', '2')]).weakDeleteSafe('a')).toBe(false);
    expect(at([put('a', '1'), del('a'), put('a', '2')]).weakDeleteSafe('a')).toBe(true);
    expect(at([put('a', '1'), range('a', 'b'), put('a', '2')]).weakDeleteSafe('a')).toBe(true);
    expect(at([put('a', '1'), range('b', 'c'), put('a', '2')]).weakDeleteSafe('a')).toBe(false);
    expect(at([merge('a', 'x'), put('a', '2')]).weakDeleteSafe('a')).toBe(false);
    expect(at([del('a'), put('a', '2'), merge('a', 'x')]).weakDeleteSafe('a')).toBe(false);
    expect(at([put('a', '1'), range('a', 'b')]).weakDeleteSafe('a')).toBe(false);
    // The batch being built: a weak delete of a key it already touches would replace that write.
    expect(at([put('a', '1')]).weakDeleteSafe('a', [merge('a', 'x')])).toBe(false);
    expect(at([put('a', '1')]).weakDeleteSafe('a', [range('a', 'z'), put('a', '3')])).toBe(false);
    expect(at([put('a', '1')]).weakDeleteSafe('a', [put('b', '3')])).toBe(true);
    // Of a key's writes in one batch only the last is stored: a deletion before a put in the
    // same batch is not a deletion under the put.
    const batched = (history: WriteItem[][]): Oracle => {
      const o = appendOracle();
      history.forEach((items, i) => o.record(items, i + 1, true));
      return o;
    };
    expect(batched([[put('a', '1')], [del('a'), put('a', '2')]]).weakDeleteSafe('a')).toBe(false);
    expect(batched([[del('a')], [put('a', '1'), put('a', '2')]]).weakDeleteSafe('a')).toBe(true);
    expect(batched([[del('a')], [put('a', '1'), merge('a', 'x')]]).weakDeleteSafe('a')).toBe(false);
    // A failed write in the history makes it unsafe.
    const o = appendOracle();
    o.record([del('a')], 1, false);
    o.record([put('a', '1')], 2, true);
    expect(o.weakDeleteSafe('a')).toBe(false);
  });
});

describe('the recovery check with failed range deletions and merges', () => {
  const base = (): Oracle => {
    const o = appendOracle();
    o.record([put('a', '1'), put('b', '2'), put('c', '3')], 1, true);
    return o;
  };

  it('a failed range deletion came back whole (every covered key gone) or not at all', () => {
    const failed = (): Oracle => {
      const o = base();
      o.record([range('a', 'c')], 4, false);
      return o;
    };
    const b = { durable: 3, attempted: 4, batchEnds: new Set([3, 4]) };
    const present = failed();
    checkRecovery(fakeTree(4, { c: '3' }), present, b, 't');
    expect(present.get('a', 4)).toBeUndefined();
    const absent = failed();
    checkRecovery(fakeTree(4, { a: '1', b: '2', c: '3' }), absent, b, 't');
    expect(text(absent.get('a', 4))).toBe('1');
    expect(() => checkRecovery(fakeTree(4, { b: '2', c: '3' }), failed(), b, 't')).toThrow(/all-or-nothing/);
    expect(() => checkRecovery(fakeTree(4, { a: '1', b: '2' }), failed(), b, 't')).toThrow(/differ/);
  });

  it('merge operands of failed calls fold in exactly when their calls came back', () => {
    const failed = (): Oracle => {
      const o = base();
      o.record([merge('a', 'y')], 4, false);
      o.record([merge('a', 'z'), put('b', '9')], 5, false);
      return o;
    };
    const b = { durable: 3, attempted: 5, batchEnds: new Set([3, 4, 5]) };
    for (const [a, bb] of [
      ['1|y|z', '9'],
      ['1|z', '9'],
      ['1|y', '2'],
      ['1', '2'],
    ] as const) {
      const o = failed();
      checkRecovery(fakeTree(5, { a, b: bb, c: '3' }), o, b, 't');
      expect(text(o.get('a', 5))).toBe(a);
    }
    // Out of order, or half of the second call.
    expect(() => checkRecovery(fakeTree(5, { a: '1|z|y', b: '9', c: '3' }), failed(), b, 't')).toThrow(/all-or-nothing/);
    expect(() => checkRecovery(fakeTree(5, { a: '1|y|z', b: '2', c: '3' }), failed(), b, 't')).toThrow(/all-or-nothing/);
  });

  it('counts acknowledged range deletions and merges lost below the durable point', () => {
    const o = base();
    o.record([range('a', 'b')], 4, true);
    o.record([merge('c', 'm')], 5, true);
    expect(o.ackedBetween(3, 5)).toBe(2);
  });
});

describe('the FIFO watermark', () => {
  const obs = (c: Record<string, string>): Map<string, Uint8Array> => new Map(Object.entries(c).map(([k, x]) => [k, v(x)]));
  const o = (): Oracle => {
    const x = appendOracle();
    x.record([put('a', '1')], 1, true);
    x.record([put('b', '2')], 2, true);
    x.record([merge('a', 'm')], 3, true);
    x.record([range('b', 'c')], 4, true);
    x.record([put('c', '5')], 5, true);
    return x;
  };
  it('is the lowest seqno above which the writes explain the store', () => {
    expect(lowestFloor(o(), [{ observed: obs({ a: '1|m', c: '5' }), seq: 5 }], 0)).toBe(0);
    // put a=1 dropped: the merge folds onto nothing.
    expect(lowestFloor(o(), [{ observed: obs({ a: 'm', c: '5' }), seq: 5 }], 0)).toBe(1);
    // Everything up to the range deletion dropped.
    expect(lowestFloor(o(), [{ observed: obs({ c: '5' }), seq: 5 }], 0)).toBe(3);
    expect(lowestFloor(o(), [{ observed: obs({}), seq: 5 }], 0)).toBe(5);
  });
  it('never goes back below the previous watermark, and is undefined when nothing explains the store', () => {
    expect(lowestFloor(o(), [{ observed: obs({ a: '1|m', c: '5' }), seq: 5 }], 1)).toBeUndefined();
    expect(lowestFloor(o(), [{ observed: obs({ a: '1', c: '5' }), seq: 5 }], 0)).toBeUndefined();
    expect(lowestFloor(o(), [{ observed: obs({ a: 'm', b: '2', c: '5' }), seq: 5 }], 0)).toBeUndefined();
    // Keys a failed write may explain are left out.
    expect(lowestFloor(o(), [{ observed: obs({ a: 'zzz', c: '5' }), seq: 5 }], 0, new Set(['a']))).toBe(0);
  });
  it('takes every view into account: a snapshot can show what newer writes hide now', () => {
    const x = o();
    x.record([put('a', 'new')], 6, true);
    // Now a=new, c=5 under any W < 5: the current view alone says 0.
    expect(lowestFloor(x, [{ observed: obs({ a: 'new', c: '5' }), seq: 6 }], 0)).toBe(0);
    // A snapshot at 3 showing nothing means everything up to 3 was dropped.
    expect(lowestFloor(x, [{ observed: obs({ a: 'new', c: '5' }), seq: 6 }, { observed: obs({}), seq: 3 }], 0)).toBe(3);
  });
});
