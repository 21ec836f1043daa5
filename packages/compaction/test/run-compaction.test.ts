// runCompaction end to end: real tables on MemFs (and FaultFs), random histories with
// snapshots, checked against the read oracle; output cutting and metadata; the failure
// contract (LSM_IO, the report of created outputs, nothing left open or half-written).

import { describe, expect, it } from 'vitest';
import { FaultFs, FsError, MemFs } from '@lsm/fs';
import { compareBytes, InvalidArgumentError, IoError, isLsmError, MAX_SEQNO, ValueType, type Entry } from '@lsm/base';
import { compactionFailure, runCompaction, SnapshotStripes, type CompactionPlan, type CompactionResult, type TableMeta } from '../src/index.js';
import { expectedSurvivors, read, sameRead } from './gc-oracle.js';
import { TestDb } from './harness.js';
import { b, BASE_SEED, key, Rng, s, withSeed } from './helpers.js';

/** Random contract-respecting history over `nKeys` keys: all entries, seqno ascending. */
function history(rng: Rng, nKeys: number, nOps: number, valueSize: [number, number] = [10, 120]): Entry[] {
  const values = new Array<number>(nKeys).fill(0);
  const merges = new Array<number>(nKeys).fill(0);
  const out: Entry[] = [];
  const types = [ValueType.Value, ValueType.Value, ValueType.Value, ValueType.Value, ValueType.Merge, ValueType.Tombstone, ValueType.WeakTombstone, ValueType.Indirection];
  for (let seq = 1; seq <= nOps; seq++) {
    const k = rng.int(nKeys);
    let type = rng.pick(types);
    if (type === ValueType.WeakTombstone && (values[k]! > 1 || merges[k]! > 0)) type = ValueType.Tombstone;
    if (type === ValueType.Value || type === ValueType.Indirection) values[k]!++;
    else if (type === ValueType.Merge) merges[k]!++;
    else values[k] = merges[k] = 0;
    const deletion = type === ValueType.Tombstone || type === ValueType.WeakTombstone;
    const value = deletion ? new Uint8Array(0) : b(`${seq}:`.padEnd(rng.range(valueSize[0], valueSize[1]), 'x'));
    out.push({ userKey: key(k), seqno: seq, type, value });
  }
  return out;
}

/** Entries of one key, newest first. */
function ofKey(list: readonly Entry[], k: Uint8Array): Entry[] {
  return list.filter((e) => compareBytes(e.userKey, k) === 0).sort((x, y) => y.seqno - x.seqno);
}

/** Splits a sorted run into tables of about `n` entries, never splitting a user key. */
function sortedRun(entries: readonly Entry[], n: number): Entry[][] {
  const sorted = [...entries].sort((x, y) => compareBytes(x.userKey, y.userKey) || y.seqno - x.seqno);
  const out: Entry[][] = [];
  let cur: Entry[] = [];
  for (const e of sorted) {
    if (cur.length >= n && compareBytes(cur[cur.length - 1]!.userKey, e.userKey) !== 0) {
      out.push(cur);
      cur = [];
    }
    cur.push(e);
  }
  if (cur.length > 0) out.push(cur);
  return out;
}

function checkOutputs(db: TestDb, result: CompactionResult, target: number, maxKeyBytes: number): Entry[] {
  const all: Entry[] = [];
  for (let i = 0; i < result.outputs.length; i++) {
    const m = result.outputs[i]!;
    const { props, fileSize } = db.properties(m.id);
    // Metadata agrees with the table.
    expect(m.size).toBe(fileSize);
    expect(m.entries).toBe(props.entryCount);
    expect(m.tombstones).toBe(props.tombstoneCount + props.weakTombstoneCount);
    expect(m.rangeTombstones).toBe(0);
    expect(s(m.smallest)).toBe(s(props.smallestKey!));
    expect(s(m.largest)).toBe(s(props.largestKey!));
    expect(m.smallestSeqno).toBe(props.smallestSeqno);
    expect(m.largestSeqno).toBe(props.largestSeqno);
    const entries = db.readTable(m.id);
    expect(entries.length).toBe(m.entries);
    all.push(...entries);
    // Sorted and disjoint.
    if (i > 0) expect(compareBytes(result.outputs[i - 1]!.largest, m.smallest)).toBeLessThan(0);
    // Cut near the target: never far above it; all but the last not far below.
    expect(m.size).toBeLessThanOrEqual(target + maxKeyBytes + 2048);
    if (i < result.outputs.length - 1) expect(m.size).toBeGreaterThanOrEqual(target * 0.75);
  }
  expect(result.bytesWritten).toBe(result.outputs.reduce((n, m) => n + m.size, 0));
  expect(result.entriesOut).toBe(all.length);
  return all;
}

describe('runCompaction end to end', () => {
  it('merges L0 and L1 into L1: reads unchanged at every snapshot, exact GC, outputs cut and described correctly', () => {
    for (let round = 0; round < 24; round++) {
      const seed = BASE_SEED + round;
      withSeed(seed, () => {
        const rng = new Rng(seed);
        const db = new TestDb();
        const nKeys = rng.range(5, 300);
        const nOps = rng.range(50, 2500);
        const hist = history(rng, nKeys, nOps);
        // Seqno chunks, oldest first: [below (L2)] [L1 run] [L0 tables...]
        const withBelow = rng.bool(0.5);
        const cuts = [0];
        const chunks = rng.range(2, 7);
        for (let i = 1; i < chunks; i++) cuts.push(Math.floor((nOps * i) / chunks));
        cuts.push(nOps);
        const chunk = (i: number) => hist.slice(cuts[i], cuts[i + 1]);
        let next = 0;
        const l2 = withBelow ? sortedRun(chunk(next++), 200).map((t) => db.writeTable(t)) : [];
        const below = withBelow ? hist.slice(0, cuts[1]) : [];
        const l1 = sortedRun(chunk(next++), rng.range(20, 200)).map((t) => db.writeTable(t));
        const l0: TableMeta[] = [];
        while (next < chunks) l0.unshift(db.writeTable(chunk(next++)));
        const input = hist.slice(withBelow ? cuts[1] : 0);

        const snapshots = Array.from({ length: rng.range(0, 5) }, () => rng.range(0, nOps));
        const target = rng.pick([2048, 4096, 16384, 1 << 20]);
        const plan: CompactionPlan = {
          reason: 'l0-files',
          inputs: [
            { level: 0, tables: l0 },
            { level: 1, tables: l1 },
          ].filter((g) => g.tables.length > 0),
          outputLevel: 1,
          trivialMove: false,
          bottommost: l2.length === 0,
          targetTableSize: target,
          deeperTables: l2.length > 0 ? [{ level: 2, tables: l2 }] : [],
        };
        const progress: Array<[number, number]> = [];
        const result = runCompaction(plan, db.env(snapshots, nOps, { onProgress: (r, t) => progress.push([r, t]) }));

        const inputBytes = [...l0, ...l1].reduce((n, m) => n + m.size, 0);
        expect(result.outputLevel).toBe(1);
        expect(result.inputIds).toEqual([...l0, ...l1].map((m) => m.id));
        expect(result.bytesRead).toBe(inputBytes);
        expect(result.entriesIn).toBe(input.length);
        expect(result.entriesIn).toBe(result.entriesOut + result.droppedVersions + result.droppedTombstones);
        expect(db.openInputs).toBe(0);
        expect(db.maxOpenInputs).toBeLessThanOrEqual(l0.length + 1); // one per L0 table + one for L1
        expect(progress.at(-1)).toEqual([inputBytes, inputBytes]);
        for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);

        const maxKeyBytes = Math.max(0, ...Array.from({ length: nKeys }, (_, k) => ofKey(input, key(k)).reduce((n, e) => n + e.value.length + 20, 0)));
        const out = checkOutputs(db, result, target, maxKeyBytes);

        // Exact GC against the oracle, key by key, and reads through the tree.
        const boundaries = new SnapshotStripes(snapshots, nOps).boundaries;
        let expDropped = 0;
        for (let k = 0; k < nKeys; k++) {
          const uk = key(k);
          const bottom = !l2.some((t) => compareBytes(t.smallest, uk) <= 0 && compareBytes(uk, t.largest) <= 0);
          const exp = expectedSurvivors(ofKey(input, uk), boundaries, bottom);
          expDropped += exp.droppedTombstones + exp.droppedVersions;
          const got = ofKey(out, uk);
          expect(got.map((e) => `${e.seqno}:${e.type}:${s(e.value)}`)).toEqual(exp.kept.map((e) => `${e.seqno}:${e.type}:${s(e.value)}`));
          const before = ofKey(hist, uk);
          const after = [...got, ...ofKey(below, uk)];
          for (const at of [...boundaries, MAX_SEQNO]) expect(sameRead(read(before, at), read(after, at)), `key ${k} at ${at}`).toBe(true);
        }
        expect(result.droppedVersions + result.droppedTombstones).toBe(expDropped);
        // Inputs are left alone: deleting them is the engine's job.
        for (const m of [...l0, ...l1]) expect(db.exists(m.id)).toBe(true);
      });
    }
  });

  it('creates no output when everything is dropped', () => {
    const db = new TestDb();
    const t = db.writeTable([
      { userKey: b('a'), seqno: 2, type: ValueType.Tombstone, value: new Uint8Array(0) },
      { userKey: b('a'), seqno: 1, type: ValueType.Value, value: b('x') },
    ]);
    const result = runCompaction({ reason: 'major', inputs: [{ level: 6, tables: [t] }], outputLevel: 6, trivialMove: false, bottommost: true, targetTableSize: 1024 }, db.env([], 2));
    expect(result.outputs).toEqual([]);
    expect(db.outputsCreated).toEqual([]);
    expect(result).toMatchObject({ entriesIn: 2, entriesOut: 0, droppedVersions: 1, droppedTombstones: 1, bytesWritten: 0, bytesRead: t.size });
  });

  it('passes the output level to newOutput and rewrites a trivial-move plan when asked to', () => {
    const db = new TestDb();
    const t = db.writeTable([{ userKey: b('a'), seqno: 1, type: ValueType.Value, value: b('x') }]);
    const levels: number[] = [];
    const env = db.env([], 1);
    const result = runCompaction(
      { reason: 'level-size', inputs: [{ level: 2, tables: [t] }], outputLevel: 3, trivialMove: true, bottommost: true, targetTableSize: 1024 },
      { ...env, newOutput: (req) => (levels.push(req.level), env.newOutput(req)) },
    );
    expect(levels).toEqual([3]);
    expect(result.outputs).toHaveLength(1);
    expect(db.readTable(result.outputs[0]!.id).map((e) => s(e.value))).toEqual(['x']);
  });

  it('cuts outputs where they would overlap too much of the level below (grandparents)', () => {
    const db = new TestDb();
    const entries: Entry[] = Array.from({ length: 400 }, (_, i) => ({ userKey: key(i), seqno: i + 1, type: ValueType.Value, value: b('v'.repeat(20)) }));
    const input = db.writeTable(entries);
    // Grandparents: 20 tables of 20 keys each, 1000 "bytes" apiece.
    const gp: TableMeta[] = Array.from({ length: 20 }, (_, j) => ({
      id: 1000 + j,
      size: 1000,
      smallest: key(j * 20),
      largest: key(j * 20 + 19),
      smallestSeqno: 0,
      largestSeqno: 0,
      entries: 20,
      tombstones: 0,
      rangeTombstones: 0,
    }));
    const result = runCompaction(
      {
        reason: 'level-size',
        inputs: [{ level: 1, tables: [input] }],
        outputLevel: 2,
        trivialMove: false,
        bottommost: false,
        targetTableSize: 1 << 30,
        deeperTables: [{ level: 3, tables: gp }],
        maxGrandparentOverlapBytes: 2500,
      },
      db.env([], 400),
    );
    // Each output overlaps at most 3 grandparents fully passed + the one it ends in.
    expect(result.outputs.length).toBeGreaterThanOrEqual(5);
    for (const m of result.outputs) {
      const overlap = gp.filter((g) => compareBytes(g.smallest, m.largest) <= 0 && compareBytes(m.smallest, g.largest) <= 0).reduce((n, g) => n + g.size, 0);
      expect(overlap).toBeLessThanOrEqual(2500 + 2000);
    }
    expect(result.entriesOut).toBe(400);
  });
});

describe('runCompaction failures', () => {
  /** 600 keys in one L1 table plus an L0 table: enough for several 4 KiB outputs. */
  function setup(fs: FaultFs) {
    const db = new TestDb(fs);
    const rng = new Rng(BASE_SEED + 99);
    const hist = history(rng, 600, 3000, [40, 80]);
    const l1 = sortedRun(hist.slice(0, 2000), 300).map((t) => db.writeTable(t));
    const l0 = [db.writeTable(hist.slice(2000))];
    const plan: CompactionPlan = {
      reason: 'l0-files',
      inputs: [
        { level: 0, tables: l0 },
        { level: 1, tables: l1 },
      ],
      outputLevel: 1,
      trivialMove: false,
      bottommost: true,
      targetTableSize: 4096,
    };
    return { db, plan };
  }

  function failing(run: () => unknown): unknown {
    try {
      run();
    } catch (err) {
      return err;
    }
    throw new Error('expected the compaction to fail');
  }

  for (const op of ['write', 'sync'] as const) {
    it(`an Fs ${op} fault while writing outputs is LSM_IO, reports the outputs created, leaves nothing open or partial`, () => {
      for (const after of [0, 1, 3, 6]) {
        withSeed(after, () => {
          const fs = new FaultFs(new MemFs());
          const { db, plan } = setup(fs);
          const firstOutput = db.nextId;
          fs.addRule({ op, path: '.sst', after, fault: { type: 'error', code: 'EIO' } });
          const err = failing(() => runCompaction(plan, db.env([], 3000)));
          expect(err).toBeInstanceOf(IoError);
          expect(isLsmError(err, 'LSM_IO')).toBe(true);
          expect((err as IoError).cause).toBeInstanceOf(FsError);
          const report = compactionFailure(err)!;
          expect(report).toBeDefined();
          expect(report.createdOutputIds).toEqual(db.outputsCreated);
          expect(report.createdOutputIds.length).toBeGreaterThan(0);
          expect(report.createdOutputIds[0]).toBe(firstOutput);
          expect(report.finishedOutputs.map((m) => m.id)).toEqual(report.createdOutputIds.slice(0, report.finishedOutputs.length));
          expect(report.finishedOutputs.length).toBe(report.createdOutputIds.length - 1);
          // Finished outputs are complete files (the engine deletes them); the one being written is gone.
          for (const m of report.finishedOutputs) expect(db.readTable(m.id).length).toBe(m.entries);
          expect(db.exists(report.createdOutputIds.at(-1)!)).toBe(false);
          expect(db.openInputs).toBe(0);
          // Inputs untouched.
          for (const g of plan.inputs) for (const t of g.tables) expect(db.exists(t.id)).toBe(true);
        });
      }
    });
  }

  it('a read fault on an input is LSM_IO with a report; a corrupt input block is LSM_CORRUPTION', () => {
    for (const fault of [{ type: 'error', code: 'EIO' } as const, { type: 'corruptRead', bit: 100 } as const]) {
      const fs = new FaultFs(new MemFs());
      const { db, plan } = setup(fs);
      fs.addRule({ op: 'read', path: '.sst', after: 12, fault });
      const err = failing(() => runCompaction(plan, db.env([], 3000)));
      expect(isLsmError(err, fault.type === 'error' ? 'LSM_IO' : 'LSM_CORRUPTION'), String(err)).toBe(true);
      const report = compactionFailure(err)!;
      expect(report.createdOutputIds).toEqual(db.outputsCreated);
      const unfinished = report.createdOutputIds.filter((id) => !report.finishedOutputs.some((m) => m.id === id));
      for (const id of unfinished) expect(db.exists(id)).toBe(false);
      expect(db.openInputs).toBe(0);
    }
  });

  it('an error thrown by the env (openInput, newOutput, onProgress) is reported the same way', () => {
    const fs = new FaultFs(new MemFs());
    const { db, plan } = setup(fs);
    const env = db.env([], 3000);
    const enoent = failing(() =>
      runCompaction(plan, {
        ...env,
        openInput: (m, level) => {
          if (level === 1 && m.id === plan.inputs[1]!.tables[2]!.id) throw new FsError('ENOENT', 'open', db.path(m.id));
          return env.openInput(m, level);
        },
      }),
    );
    expect(isLsmError(enoent, 'LSM_IO')).toBe(true);
    expect(compactionFailure(enoent)!.finishedOutputs.length).toBeGreaterThan(0);
    expect(db.openInputs).toBe(0);

    let calls = 0;
    const cancel = failing(() =>
      runCompaction(plan, {
        ...env,
        onProgress: () => {
          if (++calls === 1) throw new Error('cancelled');
        },
      }),
    );
    expect((cancel as Error).message).toBe('cancelled');
    expect(compactionFailure(cancel)).toBeDefined();
    expect(db.openInputs).toBe(0);
    expect(compactionFailure(new Error('other'))).toBeUndefined();
    expect(compactionFailure('x')).toBeUndefined();
  });

  it('a manifest entry count that disagrees with the tables is LSM_CORRUPTION', () => {
    const db = new TestDb();
    const t = db.writeTable([{ userKey: b('a'), seqno: 1, type: ValueType.Value, value: b('x') }]);
    const plan: CompactionPlan = { reason: 'major', inputs: [{ level: 1, tables: [{ ...t, entries: 2 }] }], outputLevel: 1, trivialMove: false, bottommost: true, targetTableSize: 1024 };
    const err = failing(() => runCompaction(plan, db.env([], 1)));
    expect(isLsmError(err, 'LSM_CORRUPTION')).toBe(true);
    expect(compactionFailure(err)!.createdOutputIds).toHaveLength(1);
    expect(runCompaction(plan, db.env([], 1, { verifyInputEntryCount: false })).entriesOut).toBe(1);
  });
});

describe('runCompaction argument checks', () => {
  const db = new TestDb();
  const t1 = db.writeTable([{ userKey: b('a'), seqno: 1, type: ValueType.Value, value: b('x') }]);
  const t2 = db.writeTable([{ userKey: b('b'), seqno: 2, type: ValueType.Value, value: b('y') }]);
  const good: CompactionPlan = { reason: 'major', inputs: [{ level: 1, tables: [t1, t2] }], outputLevel: 1, trivialMove: false, bottommost: true, targetTableSize: 1024 };
  const env = db.env([], 2);

  const bad: Array<[string, CompactionPlan]> = [
    ['no inputs', { ...good, inputs: [] }],
    ['only empty levels', { ...good, inputs: [{ level: 1, tables: [] }] }],
    ['levels out of order', { ...good, inputs: [{ level: 1, tables: [t1] }, { level: 0, tables: [t2] }] }],
    ['a level twice', { ...good, inputs: [{ level: 1, tables: [t1] }, { level: 1, tables: [t2] }] }],
    ['unsorted sorted level', { ...good, inputs: [{ level: 1, tables: [t2, t1] }] }],
    ['input below output', { ...good, outputLevel: 0 }],
    ['table twice', { ...good, inputs: [{ level: 0, tables: [t1] }, { level: 1, tables: [t1] }] }],
    ['bad target', { ...good, targetTableSize: 0 }],
    ['bad output level', { ...good, outputLevel: -1 }],
    ['bad grandparent limit', { ...good, maxGrandparentOverlapBytes: 0 }],
  ];
  for (const [name, plan] of bad) {
    it(`rejects a plan with ${name}`, () => {
      expect(() => runCompaction(plan, env)).toThrow(InvalidArgumentError);
      expect(db.openInputs).toBe(0);
    });
  }

  it('rejects a bad env', () => {
    expect(() => runCompaction(good, { ...env, comparator: undefined as never })).toThrow(InvalidArgumentError);
    expect(() => runCompaction(good, { ...env, newOutput: undefined as never })).toThrow(InvalidArgumentError);
    expect(() => runCompaction(good, { ...env, visibleSeqno: -1 })).toThrow(InvalidArgumentError);
  });

  it('refuses inputs with range tombstones without env.openInputTombstones (LSM_NOT_SUPPORTED) rather than lose them', () => {
    const bad = { ...good, inputs: [{ level: 1, tables: [{ ...t1, rangeTombstones: 1 }] }] };
    let err: unknown;
    try {
      runCompaction(bad, { ...env, openInputTombstones: undefined });
    } catch (e) {
      err = e;
    }
    expect(isLsmError(err, 'LSM_NOT_SUPPORTED')).toBe(true);
    // With it, a count that disagrees with the table is corruption.
    err = undefined;
    try {
      runCompaction(bad, env);
    } catch (e) {
      err = e;
    }
    expect(isLsmError(err, 'LSM_CORRUPTION')).toBe(true);
  });

  it('accepts the good plan', () => {
    expect(runCompaction(good, env).entriesOut).toBe(2);
  });
});
