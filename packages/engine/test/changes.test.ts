// Change capture (Tree.changesSince, issue #18 part 3): the records against a model of
// every write (seeded, randomized: puts, deletes, single deletes, range deletions, merges,
// ingests, flushes, compactions, snapshots, reopens), tables with nothing new skipped
// without a read, the history horizon (a compaction that drops a deletion makes older
// seqnos LSM_HISTORY_GONE, durably), the keepHistorySeqnos option that prevents it, and the
// argument errors. Replay a model seed with CHANGES_SEED=<seed>.

import { Fifo, Leveled, SizeTiered, appendWithSeparator } from '@lsm/compaction';
import { FaultFs, MemFs, readFile } from '@lsm/fs';
import { readLog } from '../src/log/log-reader.js';
import { LogWriter } from '../src/log/log-writer.js';
import { decodeVersionEdit, encodeVersionEdit } from '../src/versions/version-edit.js';
import { compareBytes } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { type Change, JobScheduler, type Snapshot, Tree, type TreeOptions } from '../src/index.js';
import { Oracle, Rng, codeOf, hex, keyOf, valueOf } from './helpers.js';

const text = (b: Uint8Array): string => new TextDecoder().decode(b);
const show = (c: Change): string =>
  c.type === 'deleteRange' ? `deleteRange ${text(c.start)}..${text(c.end)}@${c.seqno}` : c.type === 'put' ? `put ${text(c.key)}=${text(c.value)}@${c.seqno}` : `delete ${text(c.key)}@${c.seqno}`;

const tinyLeveled = (): Leveled => new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 8, levelBaseBytes: 16 * 1024, levelMultiplier: 4, targetTableSize: 4 * 1024 });
const tiny = (): TreeOptions => ({ memtableBytes: 4096, blockSize: 256, compaction: tinyLeveled() });

describe('changesSince: the records', () => {
  it('reports each key newest change after the seqno, range deletions as ranges, in key order', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), mergeOperator: appendWithSeparator('+') });
    tree.put('a', '1'); // 1
    tree.put('b', '1'); // 2
    tree.put('c', '1'); // 3
    tree.flush();
    const since = tree.seqno;
    tree.put('a', '2'); // 4
    tree.put('a', '3'); // 5: a's newest change
    tree.delete('b'); // 6
    tree.merge('c', 'x'); // 7: c resolves to 1+x
    tree.deleteRange('d', 'f'); // 8
    tree.put('e', 'new'); // 9: newer than the range deletion
    tree.put('g', '1'); // 10
    tree.deleteRange('g', 'h'); // 11: g's newest change is the range deletion
    expect([...tree.changesSince(since)].map(show)).toEqual([
      'put a=3@5',
      'delete b@6',
      'put c=1+x@7',
      'deleteRange d..f@8',
      'put e=new@9',
      'deleteRange g..h@11',
    ]);
    // Nothing after the current seqno; everything since 0.
    expect([...tree.changesSince(tree.seqno)]).toEqual([]);
    expect([...tree.changesSince(0)].map(show)).toEqual(['put a=3@5', 'delete b@6', 'put c=1+x@7', 'deleteRange d..f@8', 'put e=new@9', 'deleteRange g..h@11']);
    // As of a snapshot: only up to its seqno.
    const snap = tree.snapshot();
    tree.put('z', 'later');
    expect([...tree.changesSince(9, { snapshot: snap })].map(show)).toEqual(['deleteRange g..h@11']);
    expect([...tree.changesSince(9)].map(show)).toEqual(['deleteRange g..h@11', 'put z=later@12']);
    snap.release();
    // The same from tables (flushed and compacted).
    tree.flush();
    expect([...tree.changesSince(since)].map(show)).toEqual([
      'put a=3@5',
      'delete b@6',
      'put c=1+x@7',
      'deleteRange d..f@8',
      'put e=new@9',
      'deleteRange g..h@11',
      'put z=later@12',
    ]);
    tree.close();
  });

  it('ingested pairs are changes at the ingest seqno', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    tree.put('a', 'old');
    const s = tree.ingest([['a', 'x'], ['b', 'y']]);
    expect([...tree.changesSince(1)].map(show)).toEqual([`put a=x@${s}`, `put b=y@${s}`]);
    tree.close();
  });

  it('bad arguments are LSM_INVALID_ARGUMENT; a closed store LSM_CLOSED; the iterator pins and closes', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    tree.put('a', '1');
    expect(codeOf(() => tree.changesSince(-1))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.changesSince(0.5))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.changesSince('1' as never))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.changesSince(Number.NaN))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.changesSince(2))).toBe('LSM_INVALID_ARGUMENT'); // after the current seqno
    expect(codeOf(() => tree.changesSince(0, 5 as never))).toBe('LSM_INVALID_ARGUMENT');
    const snap = tree.snapshot();
    tree.put('b', '2');
    expect(codeOf(() => tree.changesSince(2, { snapshot: snap }))).toBe('LSM_INVALID_ARGUMENT');
    snap.release();
    expect(codeOf(() => tree.changesSince(0, { snapshot: snap }))).toBe('LSM_CLOSED');
    const it = tree.changesSince(0);
    expect(tree.stats().openIterators).toBe(1);
    expect(it.next().value).toMatchObject({ type: 'put', seqno: 1 });
    it.close();
    expect(tree.stats().openIterators).toBe(0);
    expect(it.next().done).toBe(true);
    const open = tree.changesSince(0);
    tree.close();
    expect(codeOf(() => open.next())).toBeUndefined(); // closed with the store: done
    expect(codeOf(() => tree.changesSince(0))).toBe('LSM_CLOSED');
  });

  it('a version pinned by the iterator survives a compaction under it', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, ...tiny() });
    for (let i = 0; i < 300; i++) tree.put(keyOf(i), `v${i}`);
    tree.flush();
    const it = tree.changesSince(0);
    expect(it.next().value).toMatchObject({ type: 'put', key: keyOf(0) });
    for (let i = 0; i < 300; i++) tree.put(keyOf(i), `w${i}`);
    tree.compact();
    const rest = [...it];
    expect(rest.length).toBe(299);
    expect(rest.every((c) => c.type === 'put' && text(c.value).startsWith('v'))).toBe(true);
    tree.close();
  });
});

describe('changesSince: reads only what changed', () => {
  it('skips tables whose newest seqno is not after the seqno, without opening them', () => {
    const faults = new FaultFs(new MemFs());
    const opts: TreeOptions = { fs: faults, memtableBytes: 1 << 20, autoCompaction: false, compression: 'none' };
    let tree = Tree.open('/db', opts);
    for (let t = 0; t < 5; t++) {
      for (let i = 0; i < 200; i++) tree.put(keyOf(t * 1000 + i), valueOf(new Rng(i), 50));
      tree.flush();
    }
    const since = tree.seqno;
    tree.put(keyOf(2000 + 5), 'changed');
    tree.flush();
    tree.put(keyOf(4000 + 7), 'in the memtable');
    tree.close();
    tree = Tree.open('/db', opts); // nothing open, nothing cached (the log replayed into a table)
    const old = faults.inner.readDir('/db').filter((n) => n.endsWith('.sst')).sort().slice(0, 5);
    expect(old.length).toBe(5);
    const counters = old.map((name) => faults.addRule({ op: 'read', path: name, after: Infinity, fault: { type: 'error' } }));
    const opened = old.map((name) => faults.addRule({ op: 'open', path: name, after: Infinity, fault: { type: 'error' } }));
    const it = tree.changesSince(since);
    const got = [...it].map(show);
    expect(got).toEqual([`put ${text(keyOf(2005))}=changed@${since + 1}`, `put ${text(keyOf(4007))}=in the memtable@${since + 2}`]);
    expect(counters.map((r) => r.matched)).toEqual([0, 0, 0, 0, 0]);
    expect(opened.map((r) => r.matched)).toEqual([0, 0, 0, 0, 0]);
    expect(it.scan.tablesSkipped).toBe(5);
    expect(it.scan.tablesRead).toBe(2); // the new table, and the memtable the reopen flushed
    // From further back, the old tables are read.
    expect([...tree.changesSince(since - 1)].length).toBe(3);
    expect(counters.reduce((n, r) => n + r.matched, 0)).toBeGreaterThan(0);
    tree.close();
  });
});

describe('changesSince: the history horizon', () => {
  const deleteAndCompact = (opts: TreeOptions): { tree: Tree; before: number; del: number } => {
    const tree = Tree.open('/db', opts);
    tree.put('a', '1');
    tree.put('b', '1');
    tree.flush();
    const before = tree.seqno;
    const del = tree.delete('a');
    tree.deleteRange('b', 'c');
    tree.put('z', '1');
    tree.compact(); // to the bottom: the deletions and what they hide go
    return { tree, before, del };
  };

  it('a compaction that drops a deletion makes older seqnos LSM_HISTORY_GONE, also after reopen', () => {
    const fs = new MemFs();
    const { tree, before, del } = deleteAndCompact({ fs });
    const horizon = tree.stats().historyHorizon;
    expect(horizon).toBe(del + 1); // the range deletion, the newest dropped
    expect(codeOf(() => tree.changesSince(before))).toBe('LSM_HISTORY_GONE');
    try {
      tree.changesSince(before);
    } catch (err) {
      expect((err as Error).message).toContain(`seqno ${horizon}`);
      expect((err as Error).name).toBe('HistoryGoneError');
    }
    expect([...tree.changesSince(horizon)].map(show)).toEqual([`put z=1@${del + 2}`]);
    tree.close();
    const again = Tree.open('/db', { fs });
    expect(again.stats().historyHorizon).toBe(horizon);
    expect(codeOf(() => again.changesSince(before))).toBe('LSM_HISTORY_GONE');
    // A checkpoint carries it too.
    again.checkpoint('/copy');
    const copy = Tree.open('/copy', { fs });
    expect(copy.stats().historyHorizon).toBe(horizon);
    copy.close();
    again.close();
  });

  it('nothing dropped, no horizon: overwritten versions collapse without losing the newest change', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    tree.put('a', '1');
    tree.put('a', '2');
    tree.put('a', '3');
    tree.compact();
    expect(tree.stats().historyHorizon).toBe(0);
    expect([...tree.changesSince(1)].map(show)).toEqual(['put a=3@3']);
    tree.close();
  });

  it('keepHistorySeqnos keeps the deletions of its window: no horizon, the deletions reported', () => {
    const fs = new MemFs();
    const opts: TreeOptions = { fs, keepHistorySeqnos: 100 };
    const { tree, before, del } = deleteAndCompact(opts);
    expect(tree.stats().historyHorizon).toBe(0);
    expect([...tree.changesSince(before)].map(show)).toEqual([`delete a@${del}`, `deleteRange b..c@${del + 1}`, `put z=1@${del + 2}`]);
    // A single delete in the window does not cancel with its value.
    const p = tree.put('w', 'x');
    const w = tree.deleteWeak('w');
    tree.compact();
    expect([...tree.changesSince(p)].map(show)).toEqual([`delete w@${w}`]);
    // Past the window, the deletions go and the horizon follows.
    for (let i = 0; i < 120; i++) tree.put(`k${i}`, 'v');
    tree.compact();
    expect(tree.stats().historyHorizon).toBeGreaterThanOrEqual(w);
    expect(tree.stats().historyHorizon).toBeLessThanOrEqual(tree.seqno - 100);
    expect(codeOf(() => tree.changesSince(before))).toBe('LSM_HISTORY_GONE');
    expect(codeOf(() => tree.changesSince(tree.seqno - 100))).toBeUndefined();
    tree.close();
    expect(codeOf(() => Tree.open('/db', { fs, keepHistorySeqnos: -1 }))).toBe('LSM_INVALID_ARGUMENT');
  });

  it('a manifest from a build that did not track the horizon: the horizon is its last seqno', () => {
    const fs = new MemFs();
    let tree = Tree.open('/db', { fs });
    for (let i = 0; i < 10; i++) tree.put(`k${i}`, 'v');
    tree.flush();
    tree.put('log', 'only'); // in the log, after the manifest's last seqno
    const tablesUpTo = 10;
    tree.close();
    // Rewrite the manifest as such a build wrote it: the same records without tag 12.
    const name = new TextDecoder().decode(readFile(fs, '/db/CURRENT')).trim();
    const number = Number(name.slice('MANIFEST-'.length));
    const data = readFile(fs, `/db/${name}`);
    const records: Uint8Array[] = [];
    readLog(data, name, number, (rec, offset) => {
      const edit = decodeVersionEdit(rec, name, offset);
      if (records.length === 0) expect(edit.historyHorizon).toBe(0); // the snapshot record has it
      delete edit.historyHorizon;
      records.push(encodeVersionEdit(edit));
    }, { strictTail: true });
    fs.removeFile(`/db/${name}`);
    const w = new LogWriter(fs.open(`/db/${name}`, { write: true, createNew: true }), number);
    for (const r of records) w.addRecord(r);
    w.sync();
    w.close();
    tree = Tree.open('/db', { fs });
    expect(tree.stats().historyHorizon).toBe(tablesUpTo);
    expect(codeOf(() => tree.changesSince(tablesUpTo - 1))).toBe('LSM_HISTORY_GONE');
    expect([...tree.changesSince(tablesUpTo)].map(show)).toEqual([`put log=only@${tablesUpTo + 1}`]);
    tree.close();
    // The manifest written since has the tag: the horizon stays.
    tree = Tree.open('/db', { fs });
    expect(tree.stats().historyHorizon).toBe(tablesUpTo);
    tree.close();
  });

  it('a FIFO drop raises the horizon to the newest seqno it dropped', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), memtableBytes: 4096, compaction: new Fifo({ maxTotalBytes: 8 * 1024 }) });
    for (let i = 0; i < 400; i++) tree.put(keyOf(i), 'x'.repeat(60));
    tree.flush();
    const st = tree.stats();
    expect(st.tablesDropped).toBeGreaterThan(0);
    expect(st.historyHorizon).toBeGreaterThan(0);
    expect(codeOf(() => tree.changesSince(0))).toBe('LSM_HISTORY_GONE');
    tree.close();
  });
});

// ---------------------------------------------------------------- model-based

type Write =
  | { seq: number; kind: 'put'; key: Uint8Array; value: Uint8Array }
  | { seq: number; kind: 'merge'; key: Uint8Array; value: Uint8Array }
  | { seq: number; kind: 'del'; key: Uint8Array }
  | { seq: number; kind: 'range'; start: Uint8Array; end: Uint8Array };

interface ChangesConfig {
  name: string;
  options: () => TreeOptions;
  steps: number;
  keys: number;
  scheduled?: boolean;
  /** Check that changesSince never throws LSM_HISTORY_GONE within the retention window. */
  retention?: number;
}

const CONFIGS: ChangesConfig[] = [
  { name: 'leveled', options: tiny, steps: 1200, keys: 200 },
  { name: 'leveled, jobs in flight', options: tiny, steps: 1200, keys: 200, scheduled: true },
  { name: 'leveled, keepHistorySeqnos 300', options: () => ({ ...tiny(), keepHistorySeqnos: 300 }), steps: 1200, keys: 200, retention: 300 },
  { name: 'size-tiered, keepHistorySeqnos 100, jobs in flight', options: () => ({ ...tiny(), compaction: new SizeTiered({ minMergeWidth: 2, maxMergeWidth: 6 }), keepHistorySeqnos: 100 }), steps: 1000, keys: 200, scheduled: true, retention: 100 },
  {
    name: 'kv separation, encrypted',
    options: () => ({ ...tiny(), memtableBytes: 8192, encryption: { key: new Uint8Array(32).fill(9) }, kvSeparation: { minValueSize: 100, blobFileBytes: 4096 } }),
    steps: 800,
    keys: 150,
  },
];

const SEEDS = process.env.CHANGES_SEED ? [Number(process.env.CHANGES_SEED)] : [1, 2, 3];

function runChangesModel(config: ChangesConfig, seed: number): void {
  const rng = new Rng(seed);
  const fs = new MemFs();
  const mergeOperator = appendWithSeparator('+');
  const opts: TreeOptions = { ...config.options(), fs, mergeOperator, ...(config.scheduled === true ? { jobScheduler: new JobScheduler(seed) } : {}) };
  let tree = Tree.open('/db', opts);
  const oracle = new Oracle((k, e, o) => mergeOperator.merge(k, e, o));
  const writes: Write[] = [];
  const snaps: Snapshot[] = [];
  let step = 0;
  let checks = 0;
  let gone = 0;
  let records = 0;
  const where = () => `seed ${seed}, config '${config.name}', step ${step}`;
  const randValue = (): Uint8Array => valueOf(rng, rng.chance(0.3) ? 100 + rng.int(200) : rng.int(30));

  /** Checks changesSince(since) as of `read` (the snapshot's seqno, or now). */
  const check = (since: number, snap: Snapshot | undefined): void => {
    const read = snap?.seqno ?? oracle.seqno;
    let got: Change[];
    try {
      got = [...tree.changesSince(since, snap === undefined ? undefined : { snapshot: snap })];
    } catch (err) {
      // A compaction installed by this very call (jobs in flight) may have raised the horizon.
      expect((err as { code?: string }).code, where()).toBe('LSM_HISTORY_GONE');
      expect(tree.stats().historyHorizon, where()).toBeGreaterThan(since);
      gone++;
      return;
    }
    checks++;
    records += got.length;
    const ctx = `changesSince(${since}) as of ${read} at ${where()}`;
    const window = writes.filter((w) => w.seq > since && w.seq <= read);
    const ranges = window.filter((w): w is Extract<Write, { kind: 'range' }> => w.kind === 'range');
    // Expected point records: per key, its newest point write in the window, unless a range deletion is newer.
    const want = new Map<string, string>();
    const rangeOnly = new Map<string, number>();
    const keys = new Map<string, Uint8Array>();
    for (const w of writes) if (w.kind !== 'range') keys.set(hex(w.key), w.key);
    for (const [h, key] of keys) {
      let point: Write | undefined;
      for (const w of window) if (w.kind !== 'range' && hex(w.key) === h) point = w;
      let covering = -1;
      for (const r of ranges) if (compareBytes(r.start, key) <= 0 && compareBytes(key, r.end) < 0) covering = Math.max(covering, r.seq);
      if (point !== undefined && point.seq >= covering) {
        if (point.kind === 'del') want.set(h, `delete@${point.seq}`);
        else {
          const v = oracle.get(key, read);
          want.set(h, v === undefined ? `delete@${point.seq}` : `put=${hex(v)}@${point.seq}`);
        }
      } else if (covering >= 0) rangeOnly.set(h, covering);
    }
    const gotPoints = new Map<string, string>();
    let prev: Uint8Array | undefined;
    for (const c of got) {
      const k = c.type === 'deleteRange' ? c.start : c.key;
      if (prev !== undefined) expect(compareBytes(prev, k) <= 0, `records out of key order: ${ctx}`).toBe(true);
      prev = k;
      expect(c.seqno > since && c.seqno <= read, `record ${c.seqno} outside the window: ${ctx}`).toBe(true);
      if (c.type === 'deleteRange') {
        const w = ranges.find((r) => r.seq === c.seqno);
        expect(w, `a deleteRange record @${c.seqno} with no range deletion: ${ctx}`).toBeDefined();
        expect(compareBytes(w!.start, c.start) <= 0 && compareBytes(c.end, w!.end) <= 0 && compareBytes(c.start, c.end) < 0, `range record outside its deletion: ${ctx}`).toBe(true);
      } else {
        const h = hex(c.key);
        expect(gotPoints.has(h), `two records for one key: ${ctx}`).toBe(false);
        gotPoints.set(h, c.type === 'delete' ? `delete@${c.seqno}` : `put=${hex(c.value)}@${c.seqno}`);
      }
    }
    expect(Object.fromEntries([...gotPoints].sort()), `point records: ${ctx}`).toEqual(Object.fromEntries([...want].sort()));
    // A key whose newest change is a range deletion is covered by that deletion's record.
    for (const [h, seq] of rangeOnly) {
      const key = keys.get(h)!;
      const ok = got.some((c) => c.type === 'deleteRange' && c.seqno === seq && compareBytes(c.start, key) <= 0 && compareBytes(key, c.end) < 0);
      expect(ok, `${h}'s range deletion @${seq} is not reported over it: ${ctx}`).toBe(true);
    }
    // Applied in order to the store as of `since`, the records give the store as of `read`.
    const state = new Map<string, [Uint8Array, Uint8Array]>();
    for (const [k, v] of oracle.scan(since, undefined, true, undefined, false, false, undefined)) state.set(hex(k), [k, v]);
    for (const c of got) {
      if (c.type === 'put') state.set(hex(c.key), [c.key, c.value]);
      else if (c.type === 'delete') state.delete(hex(c.key));
      else for (const [h, [k]] of [...state]) if (compareBytes(c.start, k) <= 0 && compareBytes(k, c.end) < 0) state.delete(h);
    }
    const applied = [...state.values()].sort((a, b) => compareBytes(a[0], b[0])).map(([k, v]) => `${hex(k)}=${hex(v)}`);
    const now = oracle.scan(read, undefined, true, undefined, false, false, undefined).map(([k, v]) => `${hex(k)}=${hex(v)}`);
    expect(applied, `records applied to the store as of ${since}: ${ctx}`).toEqual(now);
  };

  for (step = 0; step < config.steps; step++) {
    const r = rng.next();
    if (r < 0.3) {
      const k = keyOf(rng.int(config.keys));
      const v = randValue();
      const s = tree.put(k, v);
      oracle.put(k, v, s);
      writes.push({ seq: s, kind: 'put', key: k, value: v });
    } else if (r < 0.38) {
      const k = keyOf(rng.int(config.keys));
      const s = tree.delete(k);
      oracle.del(k, s);
      writes.push({ seq: s, kind: 'del', key: k });
    } else if (r < 0.4) {
      const k = keyOf(rng.int(config.keys));
      if (oracle.weakDeleteSafe(k)) {
        const s = tree.deleteWeak(k);
        oracle.del(k, s, true);
        writes.push({ seq: s, kind: 'del', key: k });
      }
    } else if (r < 0.44) {
      const a = rng.int(config.keys);
      const b = a + 1 + rng.int(rng.chance(0.8) ? 10 : config.keys);
      const s = tree.deleteRange(keyOf(a), keyOf(b));
      oracle.deleteRange(keyOf(a), keyOf(b), s);
      writes.push({ seq: s, kind: 'range', start: keyOf(a), end: keyOf(b) });
    } else if (r < 0.48) {
      const k = keyOf(rng.int(config.keys));
      const v = valueOf(rng, 1 + rng.int(3));
      const s = tree.merge(k, v);
      oracle.merge(k, v, s);
      writes.push({ seq: s, kind: 'merge', key: k, value: v });
    } else if (r < 0.5) {
      const a = rng.int(config.keys);
      const ids = Array.from({ length: 1 + rng.int(30) }, (_, i) => a + i);
      const vals = ids.map(() => randValue());
      const s = tree.ingest(ids.map((i, j) => [keyOf(i), vals[j]!]));
      ids.forEach((i, j) => {
        oracle.put(keyOf(i), vals[j]!, s);
        writes.push({ seq: s, kind: 'put', key: keyOf(i), value: vals[j]! });
      });
    } else if (r < 0.62) {
      // changesSince from a random seqno at or after the horizon (or from before it: the error).
      const horizon = tree.stats().historyHorizon;
      if (config.retention !== undefined) expect(horizon, `horizon inside the retention window at ${where()}`).toBeLessThanOrEqual(Math.max(0, oracle.seqno - config.retention));
      if (horizon > 0 && rng.chance(0.2)) {
        expect(codeOf(() => tree.changesSince(rng.int(horizon))), where()).toBe('LSM_HISTORY_GONE');
        gone++;
      } else {
        const lo = config.retention !== undefined && rng.chance(0.5) ? Math.max(horizon, oracle.seqno - config.retention) : horizon;
        const since = lo + rng.int(oracle.seqno - lo + 1);
        const snap = snaps.length > 0 && rng.chance(0.3) ? snaps[rng.int(snaps.length)]! : undefined;
        if (snap !== undefined && since > snap.seqno) continue;
        check(since, snap);
      }
    } else if (r < 0.66) {
      if (snaps.length < 4) snaps.push(tree.snapshot());
    } else if (r < 0.69) {
      if (snaps.length > 0) snaps.splice(rng.int(snaps.length), 1)[0]!.release();
    } else if (r < 0.74) {
      tree.flush();
    } else if (r < 0.77) {
      tree.compact();
    } else if (r < 0.785) {
      for (const s of snaps) s.release();
      snaps.length = 0;
      const horizon = tree.stats().historyHorizon;
      tree.close();
      tree = Tree.open('/db', opts);
      // Kept (it only rises: closing installs jobs in flight, opening flushes the logs and may compact).
      expect(tree.stats().historyHorizon, `horizon after reopen at ${where()}`).toBeGreaterThanOrEqual(horizon);
    } else {
      const k = keyOf(rng.int(config.keys));
      const v = randValue();
      const s = tree.put(k, v);
      oracle.put(k, v, s);
      writes.push({ seq: s, kind: 'put', key: k, value: v });
    }
  }
  for (const s of snaps) s.release();
  const finalHorizon = tree.stats().historyHorizon;
  tree.close();
  expect(checks, where()).toBeGreaterThan(config.steps / 20);
  expect(records, `${where()}: no change was ever reported`).toBeGreaterThan(checks);
  if (config.retention === undefined) expect(finalHorizon, `${where()}: the horizon never rose`).toBeGreaterThan(0);
}

describe('changesSince: model-based randomized test', () => {
  for (const config of CONFIGS) {
    for (const seed of SEEDS) {
      it(`${config.name}, seed ${seed}`, () => {
        try {
          runChangesModel(config, seed);
        } catch (err) {
          (err as Error).message = `[replay with CHANGES_SEED=${seed}] ${(err as Error).message}`;
          throw err;
        }
      });
    }
  }
});

