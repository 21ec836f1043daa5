// The WriteBatch API and the record it hands to its store: each operation's type, key and
// value in the record (LevelDB's rep), the counts (operations, key and value bytes, range
// deletions, merge operands), the argument checks with their codes, deleteRange's empty
// range, deletePrefix's ranges (a successor, or up to the largest key plus a point
// deletion of it), clear(), commit's options and sync flag, and that a batch commits once.
// A fake target sees exactly what commit() hands over; a store checks the same end to end.

import { MAX_KEY_LENGTH, ValueType, bytewiseComparator } from '@lsm/base';
import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { type Comparator, Tree, WriteBatch, appendWithSeparator } from '../src/index.js';
import { OP_DELETE_RANGE, decodeBatch } from '../src/write/batch-codec.js';
import type { BatchRecord, BatchTarget } from '../src/write/write-batch.js';
import { codeOf, text } from './helpers.js';

interface Seen {
  ops: [number, string, string][];
  rec: Omit<BatchRecord, 'bytes'>;
  sync: boolean | undefined;
}

function fakeTarget(opts: { bytewise?: boolean; comparator?: Comparator; refuse?: boolean } = {}): BatchTarget & { seen: Seen[]; operands: string[] } {
  const seen: Seen[] = [];
  const operands: string[] = [];
  return {
    seen,
    operands,
    comparator: opts.comparator ?? bytewiseComparator,
    isBytewise: opts.bytewise ?? true,
    checkMergeOperand(operand) {
      operands.push(text(operand)!);
      if (opts.refuse === true) throw new Error('refused operand');
    },
    commitRecord(batch, sync) {
      // The header is not stamped yet: stamp a valid one on a copy to decode it.
      const copy = batch.bytes.slice();
      copy[0] = 2;
      copy.fill(0, 1, 9);
      new DataView(copy.buffer).setUint32(9, batch.count, true);
      const ops = decodeBatch(copy, 'batch', 0).ops.map((o): [number, string, string] => [o.type, text(o.key)!, o.value.length > 100 ? `${o.value.length}` : text(o.value)!]);
      const { bytes: _b, ...rest } = batch;
      seen.push({ ops, rec: rest, sync });
      return 41 + seen.length;
    },
  };
}

describe('WriteBatch record and counts', () => {
  it('records each operation in order and counts operations, bytes, range deletions and operands', () => {
    const t = fakeTarget();
    const batch = new WriteBatch(t);
    expect(batch.length).toBe(0);
    expect(batch.byteLength).toBe(0);
    expect(batch.put('k1', 'value')).toBe(batch);
    expect(batch.length).toBe(1);
    expect(batch.byteLength).toBe(7);
    expect(batch.delete('k2')).toBe(batch);
    expect(batch.byteLength).toBe(9);
    expect(batch.deleteWeak('k3')).toBe(batch);
    expect(batch.merge('k4', 'op')).toBe(batch);
    expect(batch.deleteRange('a', 'c')).toBe(batch);
    expect(batch.length).toBe(5);
    expect(batch.byteLength).toBe(7 + 2 + 2 + 4 + 2);
    expect(t.operands).toEqual(['op']);
    expect(batch.commit()).toBe(42);
    expect(t.seen).toEqual([
      {
        ops: [
          [ValueType.Value, 'k1', 'value'],
          [ValueType.Tombstone, 'k2', ''],
          [ValueType.WeakTombstone, 'k3', ''],
          [ValueType.Merge, 'k4', 'op'],
          [OP_DELETE_RANGE, 'a', 'c'],
        ],
        rec: { count: 5, userBytes: 17, rangeDeletes: 1, mergeOperands: 1 },
        sync: undefined,
      },
    ]);
  });

  it('passes the sync option through and checks the options are an object', () => {
    const t = fakeTarget();
    expect(new WriteBatch(t).put('a', '1').commit({ sync: true })).toBe(42);
    expect(new WriteBatch(t).put('a', '1').commit({ sync: false })).toBe(43);
    expect(new WriteBatch(t).put('a', '1').commit({})).toBe(44);
    expect(t.seen.map((s) => s.sync)).toEqual([true, false, undefined]);
    for (const bad of [null, 'sync', 1, true]) {
      const b = new WriteBatch(t).put('a', '1');
      expect(codeOf(() => b.commit(bad as never))).toBe('LSM_INVALID_ARGUMENT');
      expect(() => b.commit(bad as never)).toThrow('commit options must be an object');
      expect(b.commit()).toBe(41 + t.seen.length); // still usable: nothing was committed
    }
  });

  it('commits once: every later use is LSM_CLOSED', () => {
    const t = fakeTarget();
    const b = new WriteBatch(t).put('a', '1');
    b.commit();
    for (const use of [
      () => b.put('a', '1'),
      () => b.delete('a'),
      () => b.deleteWeak('a'),
      () => b.merge('a', 'x'),
      () => b.deleteRange('a', 'b'),
      () => b.deletePrefix('a'),
      () => b.clear(),
      () => b.commit(),
    ]) {
      expect(codeOf(use)).toBe('LSM_CLOSED');
    }
    expect(() => b.commit()).toThrow('write batch (already committed) is closed');
    expect(t.seen).toHaveLength(1);
  });

  it('an empty batch, and one that was cleared, commits an empty record', () => {
    const t = fakeTarget();
    expect(new WriteBatch(t).commit()).toBe(42);
    const b = new WriteBatch(t).put('a', '1').merge('m', 'x').deleteRange('a', 'b');
    expect(b.clear()).toBe(b);
    expect(b.length).toBe(0);
    expect(b.byteLength).toBe(0);
    b.put('z', '9');
    expect(b.commit()).toBe(43);
    expect(t.seen[0]).toEqual({ ops: [], rec: { count: 0, userBytes: 0, rangeDeletes: 0, mergeOperands: 0 }, sync: undefined });
    expect(t.seen[1]).toEqual({ ops: [[ValueType.Value, 'z', '9']], rec: { count: 1, userBytes: 2, rangeDeletes: 0, mergeOperands: 0 }, sync: undefined });
    // clear() on a batch never written to is fine too
    const c = new WriteBatch(t).clear();
    expect(c.commit()).toBe(44);
    expect(t.seen[2]!.ops).toEqual([]);
  });

  it('buffers of committed batches are reused without leaking one batch into the next', () => {
    const t = fakeTarget();
    const big = 'v'.repeat(3000);
    for (let i = 0; i < 12; i++) {
      const b = new WriteBatch(t);
      if (i % 3 === 0) b.put(`big${i}`, big);
      b.put(`k${i}`, `${i}`);
      b.commit();
    }
    // Several batches alive at once each have their own buffer.
    const x = new WriteBatch(t).put('x', '1');
    const y = new WriteBatch(t).put('y', '2');
    const z = new WriteBatch(t).put('z', '3');
    z.commit();
    y.commit();
    x.commit();
    const last = t.seen.slice(-3).map((s) => s.ops);
    expect(last).toEqual([[[1, 'z', '3']], [[1, 'y', '2']], [[1, 'x', '1']]]);
    expect(t.seen[3]!.ops).toEqual([
      [1, 'big3', '3000'],
      [1, 'k3', '3'],
    ]);
    expect(t.seen[4]!.ops).toEqual([[1, 'k4', '4']]);
  });
});

describe('WriteBatch argument checks', () => {
  it('merge asks the target about the operand before adding it', () => {
    const t = fakeTarget({ refuse: true });
    const b = new WriteBatch(t).put('a', '1');
    expect(() => b.merge('k', 'bad')).toThrow('refused operand');
    expect(b.length).toBe(1);
    b.commit();
    expect(t.seen[0]!.rec).toEqual({ count: 1, userBytes: 2, rangeDeletes: 0, mergeOperands: 0 });
  });

  it('deleteRange: start after end is LSM_INVALID_ARGUMENT, an empty range adds nothing', () => {
    const t = fakeTarget();
    const b = new WriteBatch(t);
    expect(codeOf(() => b.deleteRange('b', 'a'))).toBe('LSM_INVALID_ARGUMENT');
    expect(() => b.deleteRange('b', 'a')).toThrow('deleteRange: start sorts after end');
    expect(b.deleteRange('b', 'b')).toBe(b);
    expect(b.length).toBe(0);
    b.deleteRange('a', 'b');
    expect(b.length).toBe(1);
    expect(b.byteLength).toBe(2);
    b.commit();
    expect(t.seen[0]!.rec.rangeDeletes).toBe(1);
    // The order is the target's comparator, not bytes.
    const reverse: Comparator = { name: 'reverse', compare: (x, y) => bytewiseComparator.compare(y, x) };
    const r = new WriteBatch(fakeTarget({ comparator: reverse, bytewise: false }));
    expect(codeOf(() => r.deleteRange('a', 'b'))).toBe('LSM_INVALID_ARGUMENT');
    r.deleteRange('b', 'a');
    expect(r.length).toBe(1);
  });

  it('deletePrefix: one range to the prefix successor', () => {
    const t = fakeTarget();
    const b = new WriteBatch(t).deletePrefix('ab').deletePrefix(new Uint8Array([0x61, 0xff]));
    expect(b.length).toBe(2);
    b.commit();
    expect(t.seen[0]!.ops).toEqual([
      [OP_DELETE_RANGE, 'ab', 'ac'],
      [OP_DELETE_RANGE, 'a\ufffd', 'b'],
    ]);
    expect(t.seen[0]!.rec).toEqual({ count: 2, userBytes: 7, rangeDeletes: 2, mergeOperands: 0 });
  });

  it('deletePrefix without a successor: a range up to the largest key and a point deletion of it', () => {
    const t = fakeTarget();
    const b = new WriteBatch(t).deletePrefix('');
    expect(b.length).toBe(2);
    expect(b.byteLength).toBe(2 * MAX_KEY_LENGTH);
    b.deletePrefix(new Uint8Array([0xff, 0xff]));
    expect(b.length).toBe(4);
    // A prefix that is the largest key itself: the point deletion alone.
    b.deletePrefix(new Uint8Array(MAX_KEY_LENGTH).fill(0xff));
    expect(b.length).toBe(5);
    b.commit();
    const max = `${MAX_KEY_LENGTH}`;
    const ops = t.seen[0]!.ops.map(([type, k, v]) => [type, k.length > 100 ? 'MAX' : k, v]);
    expect(ops).toEqual([
      [OP_DELETE_RANGE, '', max],
      [ValueType.Tombstone, 'MAX', ''],
      [OP_DELETE_RANGE, '\ufffd\ufffd', max],
      [ValueType.Tombstone, 'MAX', ''],
      [ValueType.Tombstone, 'MAX', ''],
    ]);
    expect(t.seen[0]!.rec.rangeDeletes).toBe(2);
  });

  it('deletePrefix needs a bytewise order (LSM_NOT_SUPPORTED)', () => {
    const b = new WriteBatch(fakeTarget({ bytewise: false }));
    expect(codeOf(() => b.deletePrefix('a'))).toBe('LSM_NOT_SUPPORTED');
    expect(() => b.deletePrefix('a')).toThrow('deletePrefix() needs the bytewise comparator; use deleteRange()');
    expect(b.length).toBe(0);
  });

  it('keys and values are checked and copied when added', () => {
    const t = fakeTarget();
    const b = new WriteBatch(t);
    const key = new Uint8Array([0x6b]);
    const value = new Uint8Array([0x76]);
    b.put(key, value);
    key[0] = 0x78;
    value[0] = 0x78;
    expect(codeOf(() => b.put(5 as never, 'v'))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => b.merge('k', 5 as never))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => b.deleteRange('a', 5 as never))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => b.deletePrefix(5 as never))).toBe('LSM_INVALID_ARGUMENT');
    // Each message names the argument that was wrong.
    expect(() => b.put(5 as never, 'v')).toThrow('key must be a Uint8Array or a string, got number');
    expect(() => b.put('k', null as never)).toThrow('value must be a Uint8Array or a string, got null');
    expect(() => b.merge('k', 5 as never)).toThrow('operand must be a Uint8Array or a string, got number');
    expect(() => b.deleteRange(5 as never, 'b')).toThrow('start must be a Uint8Array or a string, got number');
    expect(() => b.deleteRange('a', 5 as never)).toThrow('end must be a Uint8Array or a string, got number');
    expect(() => b.deletePrefix(5 as never)).toThrow('prefix must be a Uint8Array or a string, got number');
    expect(() => b.delete(5 as never)).toThrow('key must be a Uint8Array or a string, got number');
    b.commit();
    expect(t.seen[0]!.ops).toEqual([[ValueType.Value, 'k', 'v']]);
  });
});

describe('WriteBatch through a store', () => {
  it('counts writes, user bytes, range deletions, operands, log bytes and syncs', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), mergeOperator: appendWithSeparator(',') });
    const s0 = tree.stats();
    const seq = tree.batch().put('a', '12').merge('m', 'x').deleteRange('p', 'q').delete('d').commit({ sync: true });
    const s1 = tree.stats();
    expect(s1.writes - s0.writes).toBe(4);
    expect(s1.userBytesWritten - s0.userBytesWritten).toBe(3 + 2 + 2 + 1);
    expect(s1.rangeDeletes - s0.rangeDeletes).toBe(1);
    expect(s1.mergeOperands - s0.mergeOperands).toBe(1);
    expect(s1.walSyncs - s0.walSyncs).toBe(1);
    // the record: header 13 + put 6 + merge 5 + range 5 + delete 3
    expect(s1.walBytesWritten - s0.walBytesWritten).toBe(13 + 6 + 5 + 5 + 3);
    tree.put('z', '1');
    expect(tree.stats().walSyncs).toBe(s1.walSyncs);
    expect(text(tree.get('a', { seqno: seq }))).toBe('12');
    expect(codeOf(() => tree.batch().merge('m', 'y').commit({ sync: 'yes' as never }))).toBe('LSM_INVALID_ARGUMENT');
    tree.close();
    const plain = Tree.open('/db2', { fs: new MemFs() });
    expect(codeOf(() => plain.batch().merge('m', 'x'))).toBe('LSM_INVALID_ARGUMENT');
    expect(() => plain.batch().merge('m', 'x')).toThrow('merge() needs a store opened with the mergeOperator option');
    plain.close();
  });
});
