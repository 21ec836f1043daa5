// One seqno per write batch: a read as of any seqno sees all of a batch or none of it, and
// a batch's operations apply in order (the later write of a key wins, merge operands fold
// in order, a range deletion deletes the batch's earlier writes in its range and not its
// later ones), in the memtable, after a flush, a compaction and a replay of the log.

import { MemFs } from '@lsm/fs';
import { ByteSink, ValueType } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { type Comparator, Tree, type TreeOptions, appendWithSeparator } from '../src/index.js';
import { Memtable } from '../src/memtable/memtable.js';
import { encodeBatch, stampBatch, visitBatch } from '../src/write/batch-codec.js';
import { LogWriter } from '../src/log/log-writer.js';
import { type BatchResolver, normalizeBatch } from '../src/write/batch-normalize.js';
import { bytewiseComparator } from '../src/index.js';
import { codeOf } from './helpers.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const bytes = (s: string): Uint8Array => new TextEncoder().encode(s);
const merge = appendWithSeparator('+');

function open(fs = new MemFs(), extra: Partial<TreeOptions> = {}): Tree {
  return Tree.open('/db', { fs, mergeOperator: merge, ...extra });
}

function all(tree: Tree, seqno?: number): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of tree.range(seqno === undefined ? {} : { seqno })) out[text(k)!] = text(v)!;
  return out;
}

/**
 * The same checks in the memtable, after a reopen (log replay), after a flush, then after a
 * major compaction and another reopen. `history` is false once the compaction may have
 * dropped versions no snapshot holds: reads as of older seqnos are then not checked.
 */
function everywhere(fs: MemFs, tree: Tree, check: (t: Tree, history: boolean) => void): Tree {
  check(tree, true);
  tree.close();
  let t = open(fs); // replays the batch records of the log
  check(t, true);
  t.flush();
  check(t, true);
  t.compact();
  check(t, false);
  t.close();
  t = open(fs);
  check(t, false);
  return t;
}

describe('one seqno per write batch', () => {
  it('a read as of the seqno before a batch sees none of it (issue #18)', () => {
    const fs = new MemFs();
    const tree = open(fs);
    tree.put('x', '0');
    const seq = tree.batch().put('b1', '1').put('b2', '2').commit();
    expect(text(tree.get('b1', { seqno: seq - 1 }))).toBeUndefined();
    expect(text(tree.get('b2', { seqno: seq - 1 }))).toBeUndefined();
    expect(text(tree.get('b1', { seqno: seq }))).toBe('1');
    expect(tree.seqno).toBe(seq);
    const snap = tree.snapshot();
    expect(snap.seqno).toBe(seq);
    snap.release();
    everywhere(fs, tree, (t, history) => {
      if (history) expect(all(t, seq - 1)).toEqual({ x: '0' });
      expect(all(t, seq)).toEqual({ x: '0', b1: '1', b2: '2' });
    }).close();
  });

  it('takes exactly one seqno per batch, counts every operation as a write', () => {
    const tree = open();
    const s0 = tree.seqno;
    const b = tree.batch();
    for (let i = 0; i < 100; i++) b.put(`k${i}`, 'v');
    expect(b.commit()).toBe(s0 + 1);
    expect(tree.put('z', 'z')).toBe(s0 + 2);
    expect(tree.batch().commit()).toBe(s0 + 2); // empty: nothing written
    expect(tree.stats().writes).toBe(101);
    tree.close();
  });

  it('the later write of a key in a batch wins', () => {
    const fs = new MemFs();
    const tree = open(fs);
    tree.put('d', 'old-d');
    tree.put('e', 'old-e');
    const seq = tree
      .batch()
      .put('a', '1')
      .put('a', '2') // put, put
      .put('b', '1')
      .delete('b') // put, delete
      .delete('c')
      .put('c', '3') // delete, put
      .delete('d')
      .put('d', 'new-d')
      .delete('d') // delete, put, delete of an existing key
      .put('e', 'new-e')
      .deleteWeak('e') // put, weak delete: deletes
      .commit();
    everywhere(fs, tree, (t, history) => {
      expect(all(t)).toEqual({ a: '2', c: '3' });
      if (history) expect(all(t, seq - 1)).toEqual({ d: 'old-d', e: 'old-e' });
    }).close();
  });

  it('merge operands of one key fold in order, onto what the batch wrote or the value before it', () => {
    const fs = new MemFs();
    const tree = open(fs);
    tree.put('base', 'B');
    tree.merge('ops', 'o1');
    const seq = tree
      .batch()
      .merge('base', 'x')
      .merge('base', 'y') // onto the value before the batch
      .merge('ops', 'p')
      .merge('ops', 'q') // onto older operands
      .merge('fresh', 'f1')
      .merge('fresh', 'f2') // onto nothing
      .put('pm', 'P')
      .merge('pm', 'm') // onto a put of the batch
      .delete('dm')
      .merge('dm', 'm') // onto a deletion of the batch
      .merge('mp', 'm')
      .put('mp', 'wins') // a put after operands
      .merge('md', 'm')
      .delete('md') // a deletion after operands
      .merge('one', 'single') // one operand: stays an operand
      .commit();
    everywhere(fs, tree, (t, history) => {
      expect(all(t)).toEqual({ base: 'B+x+y', ops: 'o1+p+q', fresh: 'f1+f2', pm: 'P+m', dm: 'm', mp: 'wins', one: 'single' });
      if (history) expect(all(t, seq - 1)).toEqual({ base: 'B', ops: 'o1' });
    }).close();
  });

  it('a range deletion deletes the batch writes before it in its range, not those after it', () => {
    const fs = new MemFs();
    const tree = open(fs);
    for (const k of ['a', 'b', 'c', 'd', 'e']) tree.put(k, `old-${k}`);
    const seq = tree
      .batch()
      .put('b', 'before') // deleted by the range after it
      .merge('c', 'before') // deleted too
      .deleteRange('b', 'e')
      .put('c', 'after') // kept
      .merge('d', 'after') // folds onto nothing: the range deleted the old d
      .put('z', 'outside')
      .commit();
    const seq2 = tree.batch().deleteRange('x', 'zz').put('y', 'y').deleteRange('a', 'b').deleteRange('a', 'c').commit();
    everywhere(fs, tree, (t, history) => {
      if (history) {
        expect(all(t, seq)).toEqual({ a: 'old-a', c: 'after', d: 'after', e: 'old-e', z: 'outside' });
        expect(all(t, seq - 1)).toEqual({ a: 'old-a', b: 'old-b', c: 'old-c', d: 'old-d', e: 'old-e' });
      }
      expect(all(t, seq2)).toEqual({ c: 'after', d: 'after', e: 'old-e', y: 'y' });
    }).close();
  });

  it('a merge operator that throws at commit fails the commit with nothing applied', () => {
    let fail = false;
    const op = { name: 'flaky', merge: (_k: Uint8Array, e: Uint8Array | undefined, ops: readonly Uint8Array[]) => {
      if (fail) throw new Error('operator refused');
      return merge.merge(_k, e, ops);
    } };
    const tree = Tree.open('/db', { fs: new MemFs(), mergeOperator: op });
    tree.put('k', 'v');
    const before = tree.seqno;
    fail = true;
    const b = tree.batch().put('other', 'o').merge('k', 'x').merge('k', 'y');
    expect(() => b.commit()).toThrow('operator refused');
    expect(tree.seqno).toBe(before);
    expect(text(tree.get('other'))).toBeUndefined();
    fail = false;
    expect(b.commit()).toBe(before + 1); // not committed: it can be retried
    expect(text(tree.get('k'))).toBe('v+x+y');
    tree.close();
  });

  it('follows a custom comparator: keys it calls equal are one key', () => {
    const caseless: Comparator = { name: 'test.caseless', compare: (a, b) => Buffer.compare(Buffer.from(text(a)!.toLowerCase()), Buffer.from(text(b)!.toLowerCase())) };
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, comparator: caseless });
    const seq = tree.batch().put('Key', '1').put('KEY', '2').put('other', 'o').commit();
    expect(all(tree, seq)).toEqual({ KEY: '2', other: 'o' });
    tree.close();
    const again = Tree.open('/db', { fs, comparator: caseless });
    expect(text(again.get('KEY'))).toBe('2');
    expect(all(again)).toEqual({ KEY: '2', other: 'o' });
    again.close();
  });

  it('holds up for batches past the reusable scratch (65,536 operations) and between them', () => {
    const tree = open();
    const b = tree.batch();
    for (let i = 0; i < 70_000; i++) b.put(`k${i % 69_999}`, `v${i}`); // k0 twice
    const seq = b.commit();
    expect(text(tree.get('k0'))).toBe('v69999');
    expect(tree.stats().activeMemtable.entries).toBe(69_999);
    expect(tree.batch().put('s', '1').put('s', '2').commit()).toBe(seq + 1);
    expect(text(tree.get('s'))).toBe('2');
    const distinct = tree.batch();
    for (let i = 0; i < 300; i++) distinct.put(`d${i}`, 'x');
    distinct.commit();
    expect(tree.stats().activeMemtable.entries).toBe(69_999 + 1 + 300);
    tree.close();
  });

  it('survives flushes triggered in the middle of a stream of batches (tiny memtables)', () => {
    const fs = new MemFs();
    const tree = open(fs, { memtableBytes: 2048 });
    const want: Record<string, string> = {};
    for (let i = 0; i < 300; i++) {
      const b = tree.batch();
      const k = `k${i % 37}`;
      b.put(k, `a${i}`).merge(k, `m${i}`).put(`u${i}`, 'u');
      if (i % 10 === 0) b.deleteRange('u', `u${i}`);
      b.commit();
      want[k] = `a${i}+m${i}`;
    }
    for (let i = 0; i < 300; i++) if (i % 10 !== 0 && i >= 290) want[`u${i}`] = 'u';
    const check = (t: Tree): void => {
      const got = all(t);
      for (const [k, v] of Object.entries(want)) expect(got[k], k).toBe(v);
    };
    check(tree);
    expect(tree.stats().flushes).toBeGreaterThan(3);
    everywhere(fs, tree, check).close();
  });
});

describe('batch resolution (normalizeBatch) and the memtable guard', () => {
  /** appendWithSeparator('+') without partialMerge: operand runs need the key's value. */
  const noPartial = { name: 'test.append-no-partial', merge: merge.merge };
  const resolver = (reads: string[], mergeOperator: BatchResolver['mergeOperator'] = noPartial): BatchResolver => ({
    comparator: bytewiseComparator,
    bytewise: true,
    mergeOperator,
    readBase: (key) => {
      reads.push(text(key)!);
      return bytes('base');
    },
  });
  const record = (ops: { type: number; key: string; value?: string }[]): Uint8Array => {
    const rec = encodeBatch(new ByteSink(64), 0, ops.map((o) => ({ type: o.type, key: bytes(o.key), value: bytes(o.value ?? '') }))).slice();
    stampBatch(rec, 42, ops.length);
    return rec;
  };

  it('leaves a batch of distinct keys without range deletions as it is, and reads nothing', () => {
    const reads: string[] = [];
    const rec = record([
      { type: ValueType.Value, key: 'a', value: '1' },
      { type: ValueType.Merge, key: 'b', value: '2' },
      { type: ValueType.Tombstone, key: 'c' },
    ]);
    expect(normalizeBatch(rec, 0, resolver(reads))).toBeNull();
    expect(reads).toEqual([]);
  });

  it('rewrites repeated keys into one operation each, reading the base only for operand runs', () => {
    const reads: string[] = [];
    const rec = record([
      { type: ValueType.Merge, key: 'm', value: 'x' },
      { type: ValueType.Value, key: 'a', value: '1' },
      { type: ValueType.Merge, key: 'm', value: 'y' },
      { type: ValueType.Value, key: 'a', value: '2' },
    ]);
    const out = normalizeBatch(rec, 0, resolver(reads))!;
    expect(out.count).toBe(2);
    expect(reads).toEqual(['m']);
    // A valid version-2 record with the same seqno: each key once, at the place of its last operation.
    expect(out.bytes[0]).toBe(2);
    const seen: string[] = [];
    visitBatch(out.bytes, 'test', 0, (s, type, key, value) => seen.push(`${s}:${type}:${text(key)}=${text(value)}`));
    expect(seen).toEqual(['42:1:m=base+x+y', '42:1:a=2']);
  });

  it('combines an operand run into one operand with partialMerge, reading nothing', () => {
    const reads: string[] = [];
    const rec = record([
      { type: ValueType.Merge, key: 'm', value: 'x' },
      { type: ValueType.Merge, key: 'm', value: 'y' },
      { type: ValueType.Merge, key: 'm', value: 'z' },
    ]);
    const out = normalizeBatch(rec, 0, resolver(reads, merge))!;
    const seen: string[] = [];
    visitBatch(out.bytes, 'test', 0, (s, type, key, value) => seen.push(`${s}:${type}:${text(key)}=${text(value)}`));
    expect(seen).toEqual(['42:2:m=x+y+z']);
    expect(reads).toEqual([]);
    const bad = { ...noPartial, partialMerge: () => 'nope' as unknown as Uint8Array };
    expect(codeOf(() => normalizeBatch(rec, 0, resolver(reads, bad)))).toBe('LSM_INVALID_ARGUMENT');
  });

  it('drops the writes a later range deletion of the batch covers, keeps the range deletion', () => {
    const reads: string[] = [];
    const rec = record([
      { type: ValueType.Value, key: 'b', value: 'dropped' },
      { type: ValueType.Value, key: 'z', value: 'kept' },
      { type: 15, key: 'a', value: 'c' },
      { type: ValueType.Merge, key: 'b', value: 'after' },
    ]);
    const out = normalizeBatch(rec, 1, resolver(reads))!;
    const seen: string[] = [];
    visitBatch(out.bytes, 'test', 0, (s, type, key, value) => seen.push(`${s}:${type}:${text(key)}=${text(value)}`));
    expect(seen).toEqual(['42:1:z=kept', '42:15:a=c', '42:1:b=after']);
    expect(reads).toEqual([]);
  });

  it('the memtable refuses a second entry with the same key and seqno (LSM_CORRUPTION), adding nothing', () => {
    const mem = new Memtable(bytewiseComparator, true, 0);
    mem.add(7, ValueType.Value, bytes('k'), bytes('1'));
    mem.add(8, ValueType.Value, bytes('k'), bytes('2'));
    expect(codeOf(() => mem.add(7, ValueType.Tombstone, bytes('k'), new Uint8Array(0)))).toBe('LSM_CORRUPTION');
    expect(mem.size).toBe(2);
    expect(text(mem.get(bytes('k'), 7)?.value)).toBe('1');
  });

  it('a replayed version-2 record that holds a key twice is LSM_CORRUPTION', () => {
    const fs = new MemFs();
    const tree = open(fs);
    tree.put('a', '1');
    tree.close();
    const name = fs.readDir('/db').find((n) => n.endsWith('.log'))!;
    const f = fs.open(`/db/${name}`, { write: true, append: true });
    const w = new LogWriter(f, Number(name.slice(0, -4)), f.size());
    const rec = encodeBatch(new ByteSink(64), 9, [
      { type: ValueType.Value, key: bytes('k'), value: bytes('1') },
      { type: ValueType.Value, key: bytes('k'), value: bytes('2') },
    ]);
    w.addRecord(rec);
    f.close();
    expect(codeOf(() => open(fs))).toBe('LSM_CORRUPTION');
  });
});
