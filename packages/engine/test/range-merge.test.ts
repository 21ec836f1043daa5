// Range deletions (deleteRange, deletePrefix) and merge operators at the API's edges:
// what is hidden and what stays visible, snapshots, reverse iteration, flush and reopen,
// the typed errors, the recorded operator name, and operator exceptions.

import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { LsmError, Tree, appendWithSeparator, counterAdd, decodeU64, encodeU64, type Comparator, type MergeOperator } from '../src/index.js';
import { codeOf } from './helpers.js';

const td = new TextDecoder();
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : td.decode(b));
const keys = (tree: Tree, opts?: Parameters<Tree['range']>[0]): string[] => [...tree.range(opts)].map(([k]) => td.decode(k));


function filled(fs = new MemFs()): Tree {
  const tree = Tree.open('/db', { fs });
  for (const k of ['a', 'b', 'c', 'd', 'e', 'f']) tree.put(k, `v${k}`);
  return tree;
}

describe('deleteRange', () => {
  for (const where of ['memtable', 'table', 'reopened'] as const) {
    it(`hides exactly [start, end), keeps later writes (${where})`, () => {
      const fs = new MemFs();
      let tree = filled(fs);
      const snap = tree.snapshot();
      const seq = tree.deleteRange('b', 'e');
      expect(seq).toBe(tree.seqno);
      tree.put('c', 'again');
      if (where !== 'memtable') tree.flush();
      if (where === 'reopened') {
        snap.release();
        tree.close();
        tree = Tree.open('/db', { fs });
      }
      expect(keys(tree)).toEqual(['a', 'c', 'e', 'f']);
      expect(keys(tree, { reverse: true })).toEqual(['f', 'e', 'c', 'a']);
      expect(text(tree.get('b'))).toBeUndefined();
      expect(text(tree.get('d'))).toBeUndefined();
      expect(text(tree.get('c'))).toBe('again');
      expect(text(tree.get('e'))).toBe('ve');
      expect(tree.multiGet(['a', 'b', 'c']).map(text)).toEqual(['va', undefined, 'again']);
      expect(keys(tree, { seqno: seq - 1 })).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
      expect(keys(tree, { seqno: seq })).toEqual(['a', 'e', 'f']);
      if (where !== 'reopened') {
        expect(keys(tree, { snapshot: snap })).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
        expect(text(snap.get('d'))).toBe('vd');
        snap.release();
      }
      tree.close();
    });
  }

  it('rejects start after end and ignores an empty range', () => {
    const tree = filled();
    expect(codeOf(() => tree.deleteRange('d', 'b'))).toBe('LSM_INVALID_ARGUMENT');
    const before = tree.seqno;
    expect(tree.deleteRange('c', 'c')).toBe(before);
    expect(keys(tree)).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    expect(codeOf(() => tree.deleteRange(3 as unknown as string, 'b'))).toBe('LSM_INVALID_ARGUMENT');
    tree.close();
  });

  it('is atomic with the rest of a batch, which has one seqno', () => {
    const tree = filled();
    const before = tree.seqno;
    const seq = tree.batch().put('z', '1').deleteRange('a', 'c').put('b', 'new').commit();
    expect(seq).toBe(before + 1);
    expect(keys(tree)).toEqual(['b', 'c', 'd', 'e', 'f', 'z']);
    expect(keys(tree, { seqno: seq })).toEqual(['b', 'c', 'd', 'e', 'f', 'z']);
    // The seqno before the batch sees none of it.
    expect(keys(tree, { seqno: seq - 1 })).toEqual(['a', 'b', 'c', 'd', 'e', 'f']);
    tree.close();
  });

  it('follows a custom comparator', () => {
    const reverse: Comparator = { name: 'test.reverse', compare: (a, b) => Buffer.compare(b, a) };
    const tree = Tree.open('/db', { fs: new MemFs(), comparator: reverse });
    for (const k of ['a', 'b', 'c', 'd']) tree.put(k, k);
    expect(codeOf(() => tree.deleteRange('b', 'c'))).toBe('LSM_INVALID_ARGUMENT');
    tree.deleteRange('c', 'a'); // deletes c and b in this order
    expect(keys(tree)).toEqual(['d', 'a']);
    expect(codeOf(() => tree.deletePrefix('a'))).toBe('LSM_NOT_SUPPORTED');
    tree.close();
  });
});

describe('deletePrefix', () => {
  it('deletes the keys with the prefix and nothing else', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    for (const k of ['ap', 'app', 'apple', 'apq', 'b', 'a']) tree.put(k, k);
    tree.deletePrefix('app');
    expect(keys(tree)).toEqual(['a', 'ap', 'apq', 'b']);
    tree.close();
  });

  it('handles prefixes without a successor (0xff bytes, empty)', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    const ff = new Uint8Array([0xff]);
    const ffff = new Uint8Array([0xff, 0xff, 0x01]);
    const max = new Uint8Array(65535).fill(0xff);
    tree.put(ff, 'x');
    tree.put(ffff, 'y');
    tree.put(max, 'm');
    tree.put('keep', 'k');
    tree.deletePrefix(ff);
    expect(keys(tree)).toEqual(['keep']);
    tree.put(max, 'm');
    tree.deletePrefix('');
    expect(keys(tree)).toEqual([]);
    tree.flush();
    expect(keys(tree)).toEqual([]);
    tree.close();
  });
});

describe('merge operators', () => {
  it('counterAdd folds operands over flushes and reopens', () => {
    const fs = new MemFs();
    let tree = Tree.open('/db', { fs, mergeOperator: counterAdd });
    tree.merge('n', encodeU64(5));
    tree.flush();
    tree.merge('n', encodeU64(7));
    expect(decodeU64(tree.get('n')!)).toBe(12n);
    tree.put('n', encodeU64(100));
    tree.merge('n', encodeU64(1));
    tree.close();
    tree = Tree.open('/db', { fs, mergeOperator: counterAdd });
    expect(decodeU64(tree.get('n')!)).toBe(101n);
    tree.delete('n');
    tree.merge('n', encodeU64(3));
    expect(decodeU64(tree.get('n')!)).toBe(3n);
    expect([...tree.range()].map(([, v]) => decodeU64(v))).toEqual([3n]);
    expect([...tree.range({ reverse: true })].map(([, v]) => decodeU64(v))).toEqual([3n]);
    tree.close();
  });

  it('a range deletion is the base of later operands', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), mergeOperator: appendWithSeparator(',') });
    tree.put('k', 'base');
    tree.merge('k', 'x');
    tree.flush();
    tree.deleteRange('a', 'z');
    tree.merge('k', 'y');
    expect(text(tree.get('k'))).toBe('y');
    tree.flush();
    expect(text(tree.get('k'))).toBe('y');
    expect([...tree.range({ reverse: true })].map(([, v]) => td.decode(v))).toEqual(['y']);
    tree.close();
  });

  it('refuses merges without an operator and operands the operator rejects', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    expect(codeOf(() => tree.merge('k', 'x'))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.batch().merge('k', 'x'))).toBe('LSM_INVALID_ARGUMENT');
    tree.close();
    const counter = Tree.open('/db2', { fs: new MemFs(), mergeOperator: counterAdd });
    expect(codeOf(() => counter.merge('k', 'not 8 bytes'))).toBe('LSM_INVALID_ARGUMENT');
    expect(counter.get('k')).toBeUndefined();
    counter.close();
  });

  it('records the operator name: another operator is refused, none cannot read operands', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, mergeOperator: appendWithSeparator(',') });
    tree.merge('k', 'a');
    tree.merge('k', 'b');
    tree.close();
    let err: unknown;
    try {
      Tree.open('/db', { fs, mergeOperator: appendWithSeparator(';') });
    } catch (e) {
      err = e;
    }
    expect((err as LsmError).code).toBe('LSM_INVALID_ARGUMENT');
    expect((err as Error).message).toContain('lsm.append(sep=2c)');
    const without = Tree.open('/db', { fs });
    expect(codeOf(() => without.get('k'))).toBe('LSM_INVALID_ARGUMENT');
    without.close();
    // The name stays recorded after an open without operator.
    expect(codeOf(() => Tree.open('/db', { fs, mergeOperator: counterAdd }))).toBe('LSM_INVALID_ARGUMENT');
    const again = Tree.open('/db', { fs, mergeOperator: appendWithSeparator(',') });
    expect(text(again.get('k'))).toBe('a,b');
    again.close();
  });

  it('an operator exception surfaces to the reader and changes nothing', () => {
    let fail = false;
    const flaky: MergeOperator = {
      name: 'test.flaky',
      merge(key, existing, operands) {
        if (fail) throw new Error('operator failed');
        return appendWithSeparator('').merge(key, existing, operands);
      },
    };
    const tree = Tree.open('/db', { fs: new MemFs(), mergeOperator: flaky });
    tree.put('k', 'a');
    tree.merge('k', 'b');
    fail = true;
    expect(() => tree.get('k')).toThrow('operator failed');
    expect(() => [...tree.range()]).toThrow('operator failed');
    fail = false;
    expect(text(tree.get('k'))).toBe('ab');
    tree.close();
  });

  it('rejects a malformed operator option', () => {
    expect(codeOf(() => Tree.open('/db', { fs: new MemFs(), mergeOperator: { name: 'x' } as unknown as MergeOperator }))).toBe('LSM_INVALID_ARGUMENT');
  });
});
