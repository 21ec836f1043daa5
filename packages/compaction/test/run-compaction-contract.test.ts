// runCompaction's contract in the details a caller relies on: each refusal of a bad plan
// or env says exactly what was wrong (an engine logs these; a wrong message sends its user
// looking in the wrong place); progress is reported every 4096 entries as the share of
// entries read times the input bytes, then the total; corruption messages name the
// tables and both counts; what decides that a deletion may go (bottommost, the deeper
// tables of every level, keepChangesAbove) reaches the garbage collector; a drop plan
// reports that it dropped no deletion.

import { describe, expect, it } from 'vitest';
import { isLsmError, ValueType, type Entry } from '@lsm/base';
import { counterAdd, runCompaction, type CompactionEnv, type CompactionPlan, type TableMeta } from '../src/index.js';
import { TestDb } from './harness.js';
import { b, key, s } from './helpers.js';

const v = (k: number, seqno: number, value = `v${seqno}`): Entry => ({ userKey: key(k), seqno, type: ValueType.Value, value: b(value) });
const del = (k: number, seqno: number): Entry => ({ userKey: key(k), seqno, type: ValueType.Tombstone, value: new Uint8Array(0) });

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('expected a throw');
}

describe('runCompaction refusals name what was wrong', () => {
  const db = new TestDb();
  const t1 = db.writeTable([v(1, 1)]);
  const t2 = db.writeTable([v(2, 2)]);
  const good: CompactionPlan = { reason: 'major', inputs: [{ level: 1, tables: [t1, t2] }], outputLevel: 1, trivialMove: false, bottommost: true, targetTableSize: 1024 };
  const env = db.env([], 2);

  const plans: Array<[string, unknown, string]> = [
    ['no plan', null, 'plan.inputs must be an array'],
    ['a plan that is not an object', 'plan', 'plan.inputs must be an array'],
    ['inputs that are not an array', { ...good, inputs: {} }, 'plan.inputs must be an array'],
    ['a fractional output level', { ...good, outputLevel: 1.5 }, 'plan.outputLevel must be an integer >= 0, got 1.5'],
    ['a negative output level', { ...good, outputLevel: -1 }, 'plan.outputLevel must be an integer >= 0, got -1'],
    ['a zero target size', { ...good, targetTableSize: 0 }, 'plan.targetTableSize must be an integer >= 1, got 0'],
    ['a fractional target size', { ...good, targetTableSize: 0.5 }, 'plan.targetTableSize must be an integer >= 1, got 0.5'],
    ['an unknown kind', { ...good, kind: 'split' }, "plan.kind must be 'merge' or 'drop', got \"split\""],
    ['a drop that is a trivial move', { ...good, kind: 'drop', trivialMove: true }, 'a drop plan cannot be a trivial move'],
    ['a grandparent limit below one', { ...good, maxGrandparentOverlapBytes: 0.5 }, 'plan.maxGrandparentOverlapBytes must be >= 1, got 0.5'],
    ['a grandparent limit that is not a number', { ...good, maxGrandparentOverlapBytes: '9' }, 'plan.maxGrandparentOverlapBytes must be >= 1, got "9"'],
    ['a missing input group', { ...good, inputs: [undefined] }, 'plan.inputs must list each level once, in ascending order'],
    ['a level twice', { ...good, inputs: [{ level: 1, tables: [t1] }, { level: 1, tables: [t2] }] }, 'plan.inputs must list each level once, in ascending order'],
    ['an input below the output', { ...good, outputLevel: 0 }, 'input level L1 is below the output level L0'],
    ['tables that are not an array', { ...good, inputs: [{ level: 1, tables: 't' }] }, 'plan.inputs for L1: tables must be an array'],
    ['a table twice', { ...good, inputs: [{ level: 0, tables: [t1] }, { level: 1, tables: [t1] }] }, `table ${t1.id} is listed twice in the plan`],
    ['an unsorted level', { ...good, inputs: [{ level: 1, tables: [t2, t1] }] }, `plan inputs of L1 must be sorted and disjoint (tables ${t2.id} and ${t1.id})`],
    ['no tables', { ...good, inputs: [{ level: 1, tables: [] }] }, 'plan has no input tables'],
  ];
  for (const [what, plan, message] of plans) {
    it(`${what}: "${message}"`, () => {
      const err = thrown(() => runCompaction(plan as CompactionPlan, env));
      expect(isLsmError(err, 'LSM_INVALID_ARGUMENT'), String(err)).toBe(true);
      expect(err.message).toBe(message);
      expect(db.openInputs).toBe(0);
    });
  }

  const envs: Array<[string, unknown, string]> = [
    ['no env', null, 'env must be an object'],
    ['an env that is not an object', 7, 'env must be an object'],
    ['no comparator', { ...env, comparator: null }, 'env.comparator must be a Comparator'],
    ['a comparator without compare', { ...env, comparator: { name: 'x' } }, 'env.comparator must be a Comparator'],
    ['no openInput', { ...env, openInput: undefined }, 'env.openInput and env.newOutput must be functions'],
    ['no newOutput', { ...env, newOutput: 1 }, 'env.openInput and env.newOutput must be functions'],
  ];
  for (const [what, e, message] of envs) {
    it(`${what}: "${message}"`, () => {
      const err = thrown(() => runCompaction(good, e as CompactionEnv));
      expect(isLsmError(err, 'LSM_INVALID_ARGUMENT'), String(err)).toBe(true);
      expect(err.message).toBe(message);
    });
  }

  it('a merge operator or compaction filter without its method is refused, naming the env field', () => {
    expect(thrown(() => runCompaction(good, { ...env, mergeOperator: { name: 'm' } as never })).message).toContain('env.mergeOperator');
    expect(thrown(() => runCompaction(good, { ...env, compactionFilter: { name: 'f' } as never })).message).toContain('env.compactionFilter');
    // Given properly, both are taken.
    expect(runCompaction(good, { ...env, mergeOperator: counterAdd, compactionFilter: { name: 'keep', filter: () => 'keep' } }).entriesOut).toBe(2);
  });

  it('a drop plan opens nothing, writes nothing and reports no dropped deletion', () => {
    const r = runCompaction({ ...good, kind: 'drop' }, { ...env, openInput: () => { throw new Error('opened'); } });
    expect(r.kind).toBe('drop');
    expect(r.outputs).toEqual([]);
    expect(r.inputIds).toEqual([t1.id, t2.id]);
    expect(r.maxDroppedDeletionSeqno).toBe(-1);
  });

  it('tables without range tombstones need no openInputTombstones', () => {
    expect(runCompaction(good, { ...env, openInputTombstones: undefined }).entriesOut).toBe(2);
  });
});

describe('runCompaction checks what its inputs hold against their metadata', () => {
  it('an entry count that disagrees names the tables and both counts', () => {
    const db = new TestDb();
    const a = db.writeTable([v(1, 1), v(2, 2)]);
    const c = db.writeTable([v(3, 3)]);
    const plan: CompactionPlan = { reason: 'major', inputs: [{ level: 1, tables: [a, { ...c, entries: 5 }] }], outputLevel: 1, trivialMove: false, bottommost: true, targetTableSize: 1024 };
    const err = thrown(() => runCompaction(plan, db.env([], 3)));
    expect(isLsmError(err, 'LSM_CORRUPTION')).toBe(true);
    expect(err.message).toBe(`compaction read 3 entries from tables ${a.id}, ${c.id}, but their metadata lists 7`);
  });

  const tombstoneCases: Array<[string, { start: number; end: number }, (id: number) => string]> = [
    ['starts before the table', { start: 0, end: 5 }, (id) => `table ${id}: range tombstone @9 is empty or lies outside the table's bounds in its metadata`],
    ['ends after the table', { start: 2, end: 9 }, (id) => `table ${id}: range tombstone @9 is empty or lies outside the table's bounds in its metadata`],
    ['is empty', { start: 3, end: 3 }, (id) => `table ${id}: range tombstone @9 is empty or lies outside the table's bounds in its metadata`],
  ];
  for (const [what, span, message] of tombstoneCases) {
    it(`a range tombstone that ${what} is LSM_CORRUPTION naming the table`, () => {
      const db = new TestDb();
      const t = db.writeTable([v(2, 1), v(6, 2)], [{ start: key(2), end: key(6), seqno: 3 }]);
      // The metadata says [2, 6]; the table's tombstone, as the env hands it, is the damaged one.
      const env = db.env([], 9, { openInputTombstones: () => [{ start: key(span.start), end: key(span.end), seqno: 9 }] });
      const plan: CompactionPlan = { reason: 'major', inputs: [{ level: 1, tables: [t] }], outputLevel: 1, trivialMove: false, bottommost: true, targetTableSize: 1024 };
      const err = thrown(() => runCompaction(plan, env));
      expect(isLsmError(err, 'LSM_CORRUPTION')).toBe(true);
      expect(err.message).toBe(message(t.id));
    });
  }

  it('a range-tombstone count that disagrees names the table and both counts', () => {
    const db = new TestDb();
    const t = db.writeTable([v(2, 1)], [{ start: key(2), end: key(3), seqno: 3 }]);
    const plan: CompactionPlan = { reason: 'major', inputs: [{ level: 1, tables: [{ ...t, rangeTombstones: 2 }] }], outputLevel: 1, trivialMove: false, bottommost: true, targetTableSize: 1024 };
    expect(thrown(() => runCompaction(plan, db.env([], 3))).message).toBe(`table ${t.id}: its metadata lists 2 range tombstones, the table holds 1`);
    expect(thrown(() => runCompaction(plan, db.env([], 3, { openInputTombstones: () => 'x' as never }))).message).toBe(`table ${t.id}: its metadata lists 2 range tombstones, the table holds none`);
  });
});

describe('runCompaction progress', () => {
  it('reports every 4096 entries the share read times the input bytes, then the total', () => {
    const db = new TestDb();
    const n = 10_000;
    const t = db.writeTable(Array.from({ length: n }, (_, i) => v(i, i + 1)));
    const plan: CompactionPlan = { reason: 'major', inputs: [{ level: 1, tables: [t] }], outputLevel: 1, trivialMove: false, bottommost: true, targetTableSize: 1 << 20 };
    const calls: Array<[number, number]> = [];
    runCompaction(plan, db.env([], n, { onProgress: (done, total) => calls.push([done, total]) }));
    expect(calls).toHaveLength(3);
    const total = t.size;
    for (const [, tot] of calls) expect(tot).toBe(total);
    // The garbage collector reads at most a few entries ahead of what it hands out.
    for (const [i, at] of [
      [0, 4096],
      [1, 8192],
    ] as const) {
      expect(calls[i]![0]).toBeGreaterThanOrEqual(Math.round((at / n) * total));
      expect(calls[i]![0]).toBeLessThanOrEqual(Math.round(((at + 2) / n) * total));
    }
    expect(calls[2]).toEqual([total, total]);
    // Without a callback, the same compaction runs through.
    expect(runCompaction(plan, db.env([], n)).entriesOut).toBe(n);
  });
});

describe('what decides that a deletion may go reaches the garbage collector', () => {
  /** A deletion of key 5 over an older value, in one L1 table; the plan without its bottom facts. */
  function setup(): { db: TestDb; t: TableMeta; plan: CompactionPlan } {
    const db = new TestDb();
    const t = db.writeTable([del(5, 7), v(5, 3), v(6, 4)]);
    const plan: CompactionPlan = { reason: 'major', inputs: [{ level: 1, tables: [t] }], outputLevel: 1, trivialMove: false, bottommost: false, targetTableSize: 1 << 20 };
    return { db, t, plan };
  }
  const kept = (db: TestDb, outputs: readonly TableMeta[]): string[] => outputs.flatMap((m) => db.readTable(m.id)).map((e) => `${s(e.userKey)}@${e.seqno}:${e.type}`);

  it('without the deeper tables every deletion is kept (nothing says the key is not below)', () => {
    const { db, plan } = setup();
    const r = runCompaction(plan, db.env([], 9));
    expect(kept(db, r.outputs)).toEqual([`${s(key(5))}@7:${ValueType.Tombstone}`, `${s(key(6))}@4:${ValueType.Value}`]);
    expect(r.maxDroppedDeletionSeqno).toBe(-1);
  });

  it('with deeper levels that do not hold the key, the deletion goes; one that does keeps it, whichever level it is in', () => {
    const { db, plan } = setup();
    const elsewhere = db.writeTable([v(9, 1)]);
    const under = db.writeTable([v(4, 1), v(5, 1)]);
    const gone = runCompaction({ ...plan, deeperTables: [{ level: 2, tables: [] }, { level: 3, tables: [elsewhere] }] }, db.env([], 9));
    expect(kept(db, gone.outputs)).toEqual([`${s(key(6))}@4:${ValueType.Value}`]);
    expect(gone.maxDroppedDeletionSeqno).toBe(7);
    const stays = runCompaction({ ...plan, deeperTables: [{ level: 2, tables: [elsewhere] }, { level: 3, tables: [under] }] }, db.env([], 9));
    expect(kept(db, stays.outputs)).toEqual([`${s(key(5))}@7:${ValueType.Tombstone}`, `${s(key(6))}@4:${ValueType.Value}`]);
  });

  it('a range deletion with a deeper level under its span is kept; with none under it, dropped at the bottom', () => {
    const db = new TestDb();
    const t = db.writeTable([v(2, 1), v(8, 2)], [{ start: key(3), end: key(6), seqno: 5 }]);
    const plan: CompactionPlan = { reason: 'major', inputs: [{ level: 1, tables: [t] }], outputLevel: 1, trivialMove: false, bottommost: false, targetTableSize: 1 << 20 };
    const elsewhere = db.writeTable([v(9, 1)]);
    const under = db.writeTable([v(4, 1)]);
    expect(runCompaction({ ...plan, deeperTables: [{ level: 2, tables: [elsewhere] }] }, db.env([], 9)).rangeTombstonesDropped).toBe(1);
    expect(runCompaction({ ...plan, deeperTables: [{ level: 2, tables: [elsewhere] }, { level: 3, tables: [under] }] }, db.env([], 9)).rangeTombstonesOut).toBe(1);
    expect(runCompaction(plan, db.env([], 9)).rangeTombstonesOut).toBe(1);
  });

  it('keepChangesAbove keeps a weak deletion newer than it from cancelling with its value, and only those', () => {
    const db = new TestDb();
    const weak: Entry = { userKey: key(5), seqno: 7, type: ValueType.WeakTombstone, value: new Uint8Array(0) };
    const t = db.writeTable([weak, v(5, 3), v(6, 4)]);
    const plan: CompactionPlan = { reason: 'major', inputs: [{ level: 1, tables: [t] }], outputLevel: 1, trivialMove: false, bottommost: false, targetTableSize: 1 << 20 };
    // Rule 4: the weak deletion and the value it hides vanish together.
    expect(kept(db, runCompaction(plan, db.env([], 9)).outputs)).toEqual([`${s(key(6))}@4:${ValueType.Value}`]);
    // Above the window's start the deletion stays recorded as a change (the value under it goes).
    expect(kept(db, runCompaction(plan, db.env([], 9, { keepChangesAbove: 6 })).outputs)).toEqual([`${s(key(5))}@7:${ValueType.WeakTombstone}`, `${s(key(6))}@4:${ValueType.Value}`]);
    expect(kept(db, runCompaction(plan, db.env([], 9, { keepChangesAbove: 7 })).outputs)).toEqual([`${s(key(6))}@4:${ValueType.Value}`]);
});
});
