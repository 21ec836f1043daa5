// Issue #7 units: runCompaction with range tombstones cut across outputs (largestExclusive,
// bounds checks), merge-operator and compaction-filter exceptions (nothing changed, the
// user's error surfaces), drop plans, the SizeTiered / Fifo / intra-L0 pickers, the
// exclusive-bound key-range helpers, and the ttlFilter example.

import { describe, expect, it } from 'vitest';
import { bytewiseComparator as cmp, InvalidArgumentError, isLsmError, ValueType, type Entry } from '@lsm/base';
import {
  appendWithSeparator,
  compactionFailure,
  decodeTtlValue,
  encodeTtlValue,
  endsBefore,
  Fifo,
  firstTableEndingAtOrAfter,
  Leveled,
  overlappingInSortedLevel,
  pairwiseDisjoint,
  rangeOf,
  rangesOverlap,
  runCompaction,
  SizeTiered,
  ttlFilter,
  type CompactionPlan,
  type TableMeta,
} from '../src/index.js';
import { TestDb } from './harness.js';
import { b, key, meta, s } from './helpers.js';

const V = ValueType.Value;
const M = ValueType.Merge;
const e = (k: number, seqno: number, type: ValueType = V, v = `v${seqno}`): Entry => ({ userKey: key(k), seqno, type, value: type === ValueType.Tombstone ? new Uint8Array(0) : b(v) });
const plan = (inputs: { level: number; tables: TableMeta[] }[], outputLevel: number, extra: Partial<CompactionPlan> = {}): CompactionPlan => ({
  reason: 'test',
  inputs,
  outputLevel,
  trivialMove: false,
  bottommost: false,
  targetTableSize: 1 << 20,
  ...extra,
});

describe('runCompaction with range tombstones', () => {
  it('drops covered entries, keeps what a snapshot needs, and splits a tombstone across output cuts', () => {
    const db = new TestDb();
    const l1 = db.writeTable(Array.from({ length: 200 }, (_, i) => e(i, 1 + i, V, 'x'.repeat(60))));
    // A deletion of [k000020, k000180) at seqno 1000, and new values above it for a few keys.
    const l0 = db.writeTable([e(50, 1001), e(150, 1002)], [{ start: key(20), end: key(180), seqno: 1000 }]);
    expect(l0.smallest).toEqual(key(20));
    expect(s(l0.largest)).toBe(s(key(180)));
    expect(l0.largestExclusive).toBe(true);
    const r = runCompaction(plan([{ level: 0, tables: [l0] }, { level: 1, tables: [l1] }], 1, { targetTableSize: 1024, deeperTables: [{ level: 2, tables: [meta('k000000', 'k000300', 100)] }] }), db.env([], 1002));
    expect(r.droppedByRangeTombstones).toBe(160);
    expect(r.rangeTombstonesIn).toBe(1);
    expect(r.outputs.length).toBeGreaterThanOrEqual(3);
    // Outputs are disjoint under the exclusive rule, and the tombstone pieces cover [20, 180) exactly once.
    expect(pairwiseDisjoint(cmp, r.outputs)).toBe(true);
    const pieces = r.outputs.flatMap((o) => db.readTombstones(o.id).map((t) => ({ ...t, o })));
    expect(pieces.length).toBe(r.rangeTombstonesOut);
    expect(pieces.length).toBeGreaterThan(1);
    expect(s(pieces[0]!.start)).toBe(s(key(20)));
    expect(s(pieces[pieces.length - 1]!.end)).toBe(s(key(180)));
    for (let i = 1; i < pieces.length; i++) expect(s(pieces[i]!.start)).toBe(s(pieces[i - 1]!.end));
    for (const p of pieces) {
      expect(cmp.compare(p.start, p.o.smallest) >= 0 && cmp.compare(p.end, p.o.largest) <= 0).toBe(true);
    }
    // A table ending inside the tombstone ends exclusively at the next output's first key.
    const cut = r.outputs.findIndex((o, i) => i + 1 < r.outputs.length && o.largestExclusive === true);
    expect(cut).toBeGreaterThanOrEqual(0);
    expect(s(r.outputs[cut]!.largest)).toBe(s(r.outputs[cut + 1]!.smallest));
    // Surviving points: 0..19, 50@1001, 150@1002, 180..199.
    const keys = r.outputs.flatMap((o) => db.readTable(o.id)).map((x) => `${s(x.userKey)}@${x.seqno}`);
    expect(keys.length).toBe(20 + 2 + 20);
    expect(keys).toContain(`${s(key(50))}@1001`);
  });

  it('with a snapshot between, keeps the covered entries; at the bottom drops the tombstone too', () => {
    const db = new TestDb();
    const l1 = db.writeTable([e(1, 1), e(2, 2)]);
    const l0 = db.writeTable([], [{ start: key(0), end: key(5), seqno: 10 }]);
    expect(l0.entries).toBe(0);
    const p = plan([{ level: 0, tables: [l0] }, { level: 1, tables: [l1] }], 1, { bottommost: true });
    const withSnap = runCompaction(p, db.env([5], 10));
    expect(withSnap.droppedByRangeTombstones).toBe(0);
    expect(withSnap.rangeTombstonesOut).toBe(1);
    const none = runCompaction(p, db.env([], 10));
    expect(none.outputs).toEqual([]);
    expect(none.droppedByRangeTombstones).toBe(2);
    expect(none.rangeTombstonesDropped).toBe(1);
  });

  it('writes a tombstone-only output when no point entry survives', () => {
    const db = new TestDb();
    const l1 = db.writeTable([e(1, 1), e(2, 2)]);
    const l0 = db.writeTable([], [{ start: key(0), end: key(5), seqno: 10 }]);
    const r = runCompaction(plan([{ level: 0, tables: [l0] }, { level: 1, tables: [l1] }], 1, { deeperTables: [{ level: 2, tables: [meta('k000003', 'k000004', 10)] }] }), db.env([], 10));
    expect(r.outputs.length).toBe(1);
    expect(r.outputs[0]!.entries).toBe(0);
    expect(r.outputs[0]!.largestExclusive).toBe(true);
    expect(s(r.outputs[0]!.smallest)).toBe(s(key(0)));
  });

  it('refuses inputs with tombstones without openInputTombstones, and tombstones outside the bounds', () => {
    const db = new TestDb();
    const l0 = db.writeTable([e(1, 2)], [{ start: key(0), end: key(5), seqno: 1 }]);
    const env = { ...db.env([], 2) };
    delete (env as { openInputTombstones?: unknown }).openInputTombstones;
    expect(() => runCompaction(plan([{ level: 0, tables: [l0] }], 1), env)).toThrow(/openInputTombstones/);
    const lying = { ...l0, largest: key(3), largestExclusive: false };
    let err: unknown;
    try {
      runCompaction(plan([{ level: 0, tables: [lying] }], 1), db.env([], 2));
    } catch (x) {
      err = x;
    }
    expect(isLsmError(err) && err.code).toBe('LSM_CORRUPTION');
    expect(db.openInputs).toBe(0);
  });
});

describe('user callbacks that throw', () => {
  it('a merge operator exception surfaces unchanged; nothing is left behind', () => {
    const db = new TestDb();
    const l1 = db.writeTable(Array.from({ length: 300 }, (_, i) => e(i, 1 + i, V, 'y'.repeat(50))));
    const l0 = db.writeTable(Array.from({ length: 300 }, (_, i) => e(i, 1000 + i, M, 'op')));
    const boom = Object.assign(new Error('operator failed'), { code: 'EUSER' });
    let calls = 0;
    const op = { name: 'throws', merge: () => { if (++calls === 250) throw boom; return b('m'); } };
    let err: unknown;
    try {
      runCompaction(plan([{ level: 0, tables: [l0] }, { level: 1, tables: [l1] }], 1, { targetTableSize: 1024 }), { ...db.env([], 2000), mergeOperator: op });
    } catch (x) {
      err = x;
    }
    expect(err).toBe(boom); // not wrapped into LSM_IO despite its errno-like code
    const f = compactionFailure(err)!;
    expect(f.createdOutputIds.length).toBeGreaterThan(1);
    expect(db.openInputs).toBe(0);
    // The partial output is gone; inputs are untouched.
    expect(db.exists(f.createdOutputIds[f.createdOutputIds.length - 1]!)).toBe(false);
    expect(db.readTable(l0.id).length).toBe(300);
    expect(db.readTable(l1.id).length).toBe(300);
  });

  it('a compaction filter exception surfaces unchanged; a bad answer is LSM_INVALID_ARGUMENT', () => {
    const db = new TestDb();
    const l0 = db.writeTable([e(1, 1), e(2, 2)]);
    const p = plan([{ level: 0, tables: [l0] }], 1);
    expect(() => runCompaction(p, { ...db.env([], 2), compactionFilter: { name: 'f', filter: () => { throw 'nope'; } } })).toThrow(/compaction filter f threw nope/);
    expect(() => runCompaction(p, { ...db.env([], 2), compactionFilter: { name: 'f', filter: () => 'drop' as never } })).toThrow(InvalidArgumentError);
    expect(db.openInputs).toBe(0);
  });

  it('a filter removes and changes values; removed keys with older versions below become tombstones', () => {
    const db = new TestDb();
    const l0 = db.writeTable([e(1, 10, V, 'remove'), e(2, 11, V, 'change'), e(3, 12, V, 'keep')]);
    const filter = { name: 'f', filter: (_k: Uint8Array, v: Uint8Array) => (s(v) === 'remove' ? ('remove' as const) : s(v) === 'change' ? { change: b('changed') } : ('keep' as const)) };
    const r = runCompaction(plan([{ level: 0, tables: [l0] }], 1), { ...db.env([], 12), compactionFilter: filter });
    const out = r.outputs.flatMap((o) => db.readTable(o.id)).map((x) => `${s(x.userKey)}@${x.seqno}${'TVMWI'[x.type]}:${s(x.value)}`);
    expect(out).toEqual([`${s(key(1))}@10T:`, `${s(key(2))}@11V:changed`, `${s(key(3))}@12V:keep`]);
    expect([r.filterRemoved, r.filterChanged]).toEqual([1, 1]);
    // At the bottom the removed key just goes; a snapshot at 10 protects it from the filter.
    const bottom = runCompaction(plan([{ level: 0, tables: [l0] }], 1, { bottommost: true }), { ...db.env([10], 12), compactionFilter: filter });
    expect(bottom.outputs.flatMap((o) => db.readTable(o.id)).map((x) => s(x.value))).toEqual(['remove', 'changed', 'keep']);
  });
});

describe('drop plans', () => {
  it('runCompaction accepts a drop plan and opens nothing', () => {
    const db = new TestDb();
    const t = db.writeTable([e(1, 1)], [{ start: key(0), end: key(3), seqno: 2 }]);
    const r = runCompaction(plan([{ level: 0, tables: [t] }], 0, { kind: 'drop' }), db.env([], 2));
    expect(r).toMatchObject({ kind: 'drop', outputs: [], inputIds: [t.id], bytesRead: 0, entriesIn: 0 });
    expect(db.inputsOpened).toEqual([]);
    expect(() => runCompaction(plan([{ level: 0, tables: [t] }], 0, { kind: 'drop', trivialMove: true }), db.env([], 2))).toThrow(InvalidArgumentError);
  });
});

describe('Fifo', () => {
  const l0 = (n: number, size: number, created?: number) => meta(`a${n}`, `z${n}`, size, { id: 100 + n, smallestSeqno: n * 10, largestSeqno: n * 10 + 9, ...(created !== undefined ? { creationTime: created } : {}) });
  it('drops the oldest tables past the size cap', () => {
    const f = new Fifo({ maxTotalBytes: 250 });
    const tables = [l0(4, 100), l0(3, 100), l0(2, 100), l0(1, 100)];
    const p = f.pick({ levels: [tables] })!;
    expect(p.kind).toBe('drop');
    expect(p.reason).toBe('fifo-size');
    expect(p.inputs[0]!.tables.map((t) => t.id)).toEqual([102, 101]);
    expect(f.pick({ levels: [tables.slice(0, 2)] })).toBeNull();
  });
  it('drops by TTL from the oldest end only, and tables without creationTime stop it', () => {
    let now = 10_000;
    const f = new Fifo({ maxTotalBytes: 1 << 30, ttlMs: 1000, now: () => now });
    const tables = [l0(4, 1, 9_500), l0(3, 1, 8_000), l0(2, 1), l0(1, 1, 1_000)];
    expect(f.pick({ levels: [tables] })!.inputs[0]!.tables.map((t) => t.id)).toEqual([101]);
    expect(f.pick({ levels: [tables.slice(0, 2)] })!.reason).toBe('fifo-ttl');
    now = 5_000;
    expect(f.pick({ levels: [tables.slice(0, 2)] })).toBeNull();
  });
  it('drops deeper levels before L0', () => {
    const f = new Fifo({ maxTotalBytes: 150 });
    const deep = [meta('a', 'c', 100, { id: 1, largestSeqno: 5 }), meta('d', 'f', 100, { id: 2, largestSeqno: 3 })];
    const p = f.pick({ levels: [[l0(9, 100)], [], deep] })!;
    expect(p.inputs).toEqual([{ level: 2, tables: deep }]);
    expect(() => new Fifo({ maxTotalBytes: 0 })).toThrow(InvalidArgumentError);
  });
});

describe('SizeTiered', () => {
  const run = (n: number, size: number) => meta(`a${n}`, `z${n}`, size, { id: 200 + n, smallestSeqno: n * 10, largestSeqno: n * 10 + 9 });
  it('merges a window of similar sizes, newest first, into one L0 table', () => {
    const st = new SizeTiered({ minMergeWidth: 3, maxSizeAmplificationPercent: 10_000 });
    // Newest first: 10, 10, 11, 1000 -> the three small ones.
    const p = st.pick({ levels: [[run(4, 10), run(3, 10), run(2, 11), run(1, 1000)]] })!;
    expect(p.reason).toBe('size-ratio');
    expect(p.outputLevel).toBe(0);
    expect(p.bottommost).toBe(false);
    expect(p.targetTableSize).toBe(Number.MAX_SAFE_INTEGER);
    expect(p.inputs[0]!.tables.map((t) => t.id)).toEqual([204, 203, 202]);
    expect(st.pick({ levels: [[run(2, 10), run(1, 1000)]] })).toBeNull();
  });
  it('merges everything when space amplification is too high, and on major compaction', () => {
    const st = new SizeTiered({ minMergeWidth: 2, maxSizeAmplificationPercent: 100 });
    const p = st.pick({ levels: [[run(3, 60), run(2, 50), run(1, 100)]] })!;
    expect(p.reason).toBe('size-amplification');
    expect(p.bottommost).toBe(true);
    expect(st.pickMajor({ levels: [[run(1, 5)]] })!.inputs[0]!.tables.length).toBe(1);
    expect(st.pickMajor({ levels: [[]] })).toBeNull();
  });
  it('bounds the number of runs and validates options', () => {
    const st = new SizeTiered({ minMergeWidth: 2, maxRuns: 3, sizeRatio: 0, maxSizeAmplificationPercent: 10_000 });
    const p = st.pick({ levels: [[run(5, 1), run(4, 2), run(3, 4), run(2, 8), run(1, 16)]] })!;
    expect(p.reason).toBe('sorted-runs');
    expect(p.inputs[0]!.tables.length).toBe(3);
    expect(() => new SizeTiered({ minMergeWidth: 1 })).toThrow(InvalidArgumentError);
    expect(() => new SizeTiered({ maxRuns: 30, l0StallFiles: 30 })).toThrow(InvalidArgumentError);
  });
});

describe('Leveled intra-L0', () => {
  it('merges the newest L0 tables when the L0 -> base compaction is too big, else compacts down', () => {
    const o = { l0CompactionTrigger: 4, levelBaseBytes: 10_000, maxCompactionBytes: 5_000, intraL0MinFiles: 3 };
    const lv = new Leveled(o);
    const l0 = [5, 4, 3, 2].map((n) => meta('a', 'z', 100, { id: 300 + n, smallestSeqno: n * 10, largestSeqno: n * 10 + 9 }));
    const l1 = [meta('a', 'm', 3_000, { id: 1 }), meta('n', 'z', 3_000, { id: 2 })];
    const p = lv.pick({ levels: [l0, [], [], [], [], [], l1] })!;
    expect(p.reason).toBe('intra-l0');
    expect(p.outputLevel).toBe(0);
    expect(p.inputs[0]!.tables.map((t) => t.id)).toEqual([305, 304, 303, 302]);
    expect(new Leveled({ ...o, intraL0: false }).pick({ levels: [l0, [], [], [], [], [], l1] })!.reason).toBe('l0-files');
    // A small base level: the normal compaction.
    expect(lv.pick({ levels: [l0, [], [], [], [], [], [meta('a', 'z', 100, { id: 3 })]] })!.reason).toBe('l0-files');
  });
  it('never takes a run whose seqnos interleave with an older overlapping L0 table', () => {
    const lv = new Leveled({ l0CompactionTrigger: 3, levelBaseBytes: 10_000, maxCompactionBytes: 5_000, intraL0MinFiles: 3 });
    const l0 = [
      meta('a', 'z', 100, { id: 11, smallestSeqno: 5, largestSeqno: 50 }),
      meta('a', 'z', 100, { id: 12, smallestSeqno: 40, largestSeqno: 45 }),
      meta('a', 'z', 100, { id: 13, smallestSeqno: 1, largestSeqno: 3 }),
    ];
    const p = lv.pick({ levels: [l0, [], [], [], [], [], [meta('a', 'z', 9_000, { id: 1 })]] })!;
    expect(p.reason === 'l0-files' || p.inputs[0]!.tables.length === 3).toBe(true);
  });
});

describe('key ranges with exclusive upper bounds', () => {
  const x = (lo: string, hi: string, excl = false) => ({ smallest: b(lo), largest: b(hi), ...(excl ? { largestExclusive: true } : {}) });
  it('a table ending exclusively at the next one\'s smallest key does not overlap it', () => {
    expect(rangesOverlap(cmp, x('a', 'd', true), x('d', 'f'))).toBe(false);
    expect(rangesOverlap(cmp, x('a', 'd'), x('d', 'f'))).toBe(true);
    expect(endsBefore(cmp, x('a', 'd', true), b('d'))).toBe(true);
    expect(pairwiseDisjoint(cmp, [x('d', 'f'), x('a', 'd', true)])).toBe(true);
    const level = [x('a', 'd', true), x('d', 'f')];
    expect(firstTableEndingAtOrAfter(cmp, level, b('d'))).toBe(1);
    expect(firstTableEndingAtOrAfter(cmp, level, b('c'))).toBe(0);
    expect(overlappingInSortedLevel(cmp, level, x('b', 'd', true))).toEqual([level[0]]);
    expect(rangeOf(cmp, [x('a', 'd', true), x('b', 'd')])).toEqual(x('a', 'd'));
    expect(rangeOf(cmp, [x('a', 'd', true), x('b', 'c')])).toEqual(x('a', 'd', true));
  });
});

describe('ttlFilter', () => {
  it('removes expired values, keeps the rest and short values', () => {
    const f = ttlFilter({ now: () => 5_000 });
    const info = { level: 1, seqno: 1 };
    expect(f.filter(b('k'), encodeTtlValue(4_999, b('x')), info)).toBe('remove');
    expect(f.filter(b('k'), encodeTtlValue(5_000, b('x')), info)).toBe('remove');
    expect(f.filter(b('k'), encodeTtlValue(5_001, b('x')), info)).toBe('keep');
    expect(f.filter(b('k'), b('short'), info)).toBe('keep');
    expect(s(decodeTtlValue(encodeTtlValue(123, b('payload'))).payload)).toBe('payload');
    expect(decodeTtlValue(encodeTtlValue(123, b(''))).expiresAtMs).toBe(123);
    expect(() => encodeTtlValue(-1, b(''))).toThrow(InvalidArgumentError);
    expect(() => decodeTtlValue(b('abc'))).toThrow(InvalidArgumentError);
  });
  it('works as a compaction filter end to end', () => {
    const db = new TestDb();
    const l0 = db.writeTable([
      { userKey: key(1), seqno: 1, type: V, value: encodeTtlValue(100, b('old')) },
      { userKey: key(2), seqno: 2, type: V, value: encodeTtlValue(900, b('new')) },
    ]);
    const r = runCompaction(plan([{ level: 0, tables: [l0] }], 1, { bottommost: true }), { ...db.env([], 2), compactionFilter: ttlFilter({ now: () => 500 }) });
    expect(r.outputs.flatMap((o) => db.readTable(o.id)).map((z) => s(z.userKey))).toEqual([s(key(2))]);
  });
});

describe('merge collapsing through runCompaction', () => {
  it('folds operands onto their base at the bottom', () => {
    const db = new TestDb();
    const l1 = db.writeTable([e(1, 1, V, 'a')]);
    const l0 = db.writeTable([e(1, 2, M, 'b'), e(1, 3, M, 'c'), e(2, 4, M, 'x')]);
    const r = runCompaction(plan([{ level: 0, tables: [l0] }, { level: 1, tables: [l1] }], 1, { bottommost: true }), { ...db.env([], 4), mergeOperator: appendWithSeparator(',') });
    const out = r.outputs.flatMap((o) => db.readTable(o.id)).map((z) => `${s(z.userKey)}@${z.seqno}${'TVMWI'[z.type]}:${s(z.value)}`);
    expect(out).toEqual([`${s(key(1))}@3V:a,b,c`, `${s(key(2))}@4V:x`]);
    expect([r.mergesCollapsed, r.operandsMerged]).toEqual([2, 3]);
  });
});
