// Bulk ingestion (Tree.ingest, issue #18 part 5): what the call promises (one new seqno,
// shadowing every older write, invisible to older snapshots, durable on return), its
// errors (nothing visible, no file left, seqno unchanged), where the tables go (L0, or the
// deepest free level under the leveled strategy, never under a compaction in flight), a
// model-based randomized test interleaving ingest with every other operation (also with
// jobs in flight under the seeded scheduler, and on worker threads), kills at every
// point of an ingest over CrashFs, and I/O faults over FaultFs.
// Replay a model seed with INGEST_SEED=<seed>.

import { Fifo, Leveled, SizeTiered, appendWithSeparator, type CompactionPlan, type TableMeta } from '@lsm/compaction';
import { CrashFs } from '@lsm/crashfs';
import { FaultFs, type FaultOp, type Fs, MemFs } from '@lsm/fs';
import { bytewiseComparator } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { JobScheduler, LsmError, type Snapshot, Tree, type TreeOptions } from '../src/index.js';
import { pickIngestLevel } from '../src/ops/ingest.js';
import { Version } from '../src/versions/version.js';
import { Oracle, Rng, codeOf, hex, keyOf, valueOf, withStoreLocation } from './helpers.js';

const utf8 = new TextEncoder();
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const lines = (pairs: Iterable<[Uint8Array, Uint8Array]>): string[] => [...pairs].map(([k, v]) => `${hex(k)}=${hex(v)}`);
const want = (o: Oracle, seq: number): string[] => lines(o.scan(seq, undefined, true, undefined, false, false, undefined));

const tinyLeveled = (): Leveled => new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 8, levelBaseBytes: 16 * 1024, levelMultiplier: 4, targetTableSize: 4 * 1024 });
const tiny = (): TreeOptions => ({ memtableBytes: 4096, blockSize: 256, compaction: tinyLeveled() });

/** Table and blob files in the store's directory. */
function dataFiles(fs: { readDir(p: string): string[] }, dir: string): string[] {
  return fs.readDir(dir).filter((n) => n.endsWith('.sst') || n.endsWith('.blob')).sort();
}

/** Every table and blob file on disk belongs to the current version (none left behind). */
function expectNoStrayFiles(tree: Tree, fs: { readDir(p: string): string[] }, dir: string, where: string): void {
  const st = tree.stats();
  const names = fs.readDir(dir);
  expect(names.filter((n) => n.endsWith('.sst')).length, `${where}: table files on disk vs tables in the version`).toBe(st.tables);
  expect(names.filter((n) => n.endsWith('.blob')).length, `${where}: blob files on disk vs blob files in the manifest`).toBe(st.blobs.files);
}

function pairs(ids: number[], value: (i: number) => Uint8Array): [Uint8Array, Uint8Array][] {
  return ids.map((i) => [keyOf(i), value(i)]);
}

describe('ingest: the call', () => {
  it('makes the pairs visible with one new seqno that shadows every older write, durable on return', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, ...tiny() });
    tree.put('b', 'memtable');
    tree.put('d', 'memtable');
    tree.flush();
    tree.put('c', 'memtable');
    tree.deleteRange('a', 'z'); // older than the ingest: must not hide it
    const snap = tree.snapshot();
    const before = tree.seqno;
    const s = tree.ingest([
      ['a', 'A'],
      ['b', 'B'],
      [utf8.encode('c'), utf8.encode('C')],
    ]);
    expect(s).toBe(before + 1);
    expect(tree.seqno).toBe(s);
    expect(text(tree.get('a'))).toBe('A');
    expect(text(tree.get('b'))).toBe('B');
    expect(text(tree.get('c'))).toBe('C');
    expect(tree.get('d')).toBeUndefined();
    // As of the seqno before, and through the older snapshot: nothing of it.
    expect(tree.get('b', { seqno: s - 1 })).toBeUndefined();
    expect(snap.get('a')).toBeUndefined();
    expect([...snap.range()]).toEqual([]);
    expect([...tree.range()].map(([k, v]) => `${text(k)}=${text(v)}`)).toEqual(['a=A', 'b=B', 'c=C']);
    // Later writes shadow it in turn.
    tree.put('b', 'later');
    expect(text(tree.get('b'))).toBe('later');
    expect(tree.stats().ingests).toBe(1);
    expect(tree.stats().ingestedEntries).toBe(3);
    snap.release();
    tree.compact();
    expect([...tree.range()].map(([k, v]) => `${text(k)}=${text(v)}`)).toEqual(['a=A', 'b=later', 'c=C']);
    // Durable without close: a crash-like abandon of the object, reopened from the disk.
    const crash = new CrashFs(new MemFs(), { seed: 1, directorySync: true, tornWrites: true });
    const t2 = Tree.open('/db', { fs: crash, ...tiny() });
    t2.put('x', 'not synced');
    const s2 = t2.ingest([['k1', 'v1'], ['k2', 'v2']]);
    crash.crash();
    const t3 = Tree.open('/db', { fs: crash, ...tiny() });
    expect(t3.seqno).toBe(s2);
    expect(text(t3.get('k2'))).toBe('v2');
    // Every write before the ingest is durable with it.
    expect(text(t3.get('x'))).toBe('not synced');
    t3.close();
    tree.close();
  });

  it('an empty input writes nothing and returns the current seqno', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs });
    tree.put('a', '1');
    const files = fs.readDir('/db').sort();
    expect(tree.ingest([])).toBe(1);
    expect(tree.ingest(new Map())).toBe(1);
    expect(tree.seqno).toBe(1);
    expect(fs.readDir('/db').sort()).toEqual(files);
    expect(tree.stats().ingests).toBe(0);
    expect(tree.put('b', '2')).toBe(2);
    tree.close();
  });

  it('accepts any iterable: a generator, a Map, Uint8Arrays and strings', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), ...tiny() });
    function* gen(): Generator<[string, Uint8Array]> {
      for (let i = 0; i < 500; i++) yield [`g${String(i).padStart(4, '0')}`, utf8.encode(`v${i}`)];
    }
    tree.ingest(gen());
    tree.ingest(new Map([['m1', 'x'], ['m2', 'y']]));
    expect(text(tree.get('g0499'))).toBe('v499');
    expect(text(tree.get('m2'))).toBe('y');
    expect([...tree.range()].length).toBe(502);
    tree.close();
  });

  it('streams a large input into several tables cut at the target table size', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, ...tiny(), compression: 'none' });
    const rng = new Rng(5);
    const n = 3000;
    tree.ingest(pairs(Array.from({ length: n }, (_, i) => i), () => valueOf(rng, 40)));
    const st = tree.stats();
    expect(st.tables).toBeGreaterThan(10);
    // Into an empty leveled store: the bottom level, as one sorted run.
    expect(st.levels[6]!.tables).toBe(st.tables);
    expect([...tree.range()].length).toBe(n);
    for (const b of st.levels[6] ? [st.levels[6]] : []) expect(b.bytes / b.tables).toBeLessThan(4 * 1024 * 2);
    tree.close();
  });

  it('keys out of order or repeated: LSM_INVALID_ARGUMENT naming them, nothing visible, no file left, seqno unchanged', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, ...tiny() });
    tree.put('key-000001', 'old');
    tree.flush();
    tree.put('key-000002', 'mem');
    const seq = tree.seqno;
    const files = fs.readDir('/db').sort();
    const rng = new Rng(9);
    // A failure after several tables were finished, and one in the first table.
    const many = pairs(Array.from({ length: 2000 }, (_, i) => i), () => valueOf(rng, 30));
    const unsorted: [Uint8Array, Uint8Array][] = [...many.slice(0, 1500), many[10]!, ...many.slice(1500)];
    let err: unknown;
    try {
      tree.ingest(unsorted);
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(LsmError);
    expect((err as LsmError).code).toBe('LSM_INVALID_ARGUMENT');
    expect((err as Error).message).toContain('entry 1500');
    expect((err as Error).message).toContain('entry 1499');
    expect((err as Error).message).toContain('key-000010');
    expect(fs.readDir('/db').sort()).toEqual(files);
    expect(tree.seqno).toBe(seq);
    expect(text(tree.get('key-000001'))).toBe('old');
    expect(tree.get('key-000000')).toBeUndefined();
    expect(tree.get('key-001999')).toBeUndefined();

    try {
      tree.ingest([['a', '1'], ['b', '2'], ['b', '3']]);
      expect.unreachable();
    } catch (e) {
      expect((e as LsmError).code).toBe('LSM_INVALID_ARGUMENT');
      expect((e as Error).message).toMatch(/entry 2 repeats the key of entry 1 \("b"\)/);
    }
    expect(fs.readDir('/db').sort()).toEqual(files);
    // Malformed input.
    expect(codeOf(() => tree.ingest(42 as never))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.ingest(null as never))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.ingest([['a', '1'], ['b'] as never]))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.ingest([['a', 5 as never]]))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.ingest([[{} as never, 'x']]))).toBe('LSM_INVALID_ARGUMENT');
    // The iterable's own error comes through as is, and leaves nothing either.
    const boom = new Error('boom');
    function* failing(): Generator<[string, string]> {
      for (let i = 0; i < 1000; i++) yield [`f${String(i).padStart(5, '0')}`, 'x'.repeat(50)];
      throw boom;
    }
    expect(() => tree.ingest(failing())).toThrow(boom);
    // Writing to the store from inside the iterable is refused.
    function* writing(): Generator<[string, string]> {
      yield ['w1', 'x'];
      tree.put('other', 'y');
      yield ['w2', 'x'];
    }
    expect(codeOf(() => tree.ingest(writing()))).toBe('LSM_INVALID_ARGUMENT');
    expect(tree.get('w1')).toBeUndefined();
    expect(dataFiles(fs, '/db')).toEqual(files.filter((n) => n.endsWith('.sst') || n.endsWith('.blob')));
    expect(tree.seqno).toBe(seq + 1); // the put from inside
    // Still usable.
    expect(tree.ingest([['z', 'last']])).toBe(seq + 2);
    expect(text(tree.get('z'))).toBe('last');
    expectNoStrayFiles(tree, fs, '/db', 'after the failures');
    tree.close();
  });

  it('closed store: LSM_CLOSED; read-only store and secondary: LSM_READ_ONLY', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs });
    tree.put('a', '1');
    tree.close();
    expect(codeOf(() => tree.ingest([['a', '2']]))).toBe('LSM_CLOSED');
    const ro = Tree.open('/db', { fs, readOnly: true });
    expect(codeOf(() => ro.ingest([['a', '2']]))).toBe('LSM_READ_ONLY');
    expect(text(ro.get('a'))).toBe('1');
    ro.close();
    const sec = Tree.openSecondary('/db', { fs });
    expect(codeOf(() => sec.ingest([['a', '2']]))).toBe('LSM_READ_ONLY');
    sec.close();
  });

  it('K/V separation: large values go to blob files, as a flush writes them', () => {
    const fs = new MemFs();
    const opts: TreeOptions = { fs, ...tiny(), kvSeparation: { minValueSize: 100, blobFileBytes: 4096 } };
    const tree = Tree.open('/db', opts);
    const rng = new Rng(3);
    const values = new Map<number, Uint8Array>();
    tree.ingest(pairs(Array.from({ length: 400 }, (_, i) => i), (i) => {
      const v = valueOf(rng, i % 2 === 0 ? 20 : 300);
      values.set(i, v);
      return v;
    }));
    expect(tree.stats().blobs.files).toBeGreaterThan(1);
    expectNoStrayFiles(tree, fs, '/db', 'after ingest');
    tree.close();
    const t2 = Tree.open('/db', opts);
    for (const [i, v] of values) expect(hex(t2.get(keyOf(i))!)).toBe(hex(v));
    t2.compact();
    for (const [i, v] of values) expect(hex(t2.get(keyOf(i))!)).toBe(hex(v));
    t2.close();
  });

  it('encrypted, zstd with dictionaries, merge operands shadowed by the ingested values', () => {
    const fs = new MemFs();
    const mergeOperator = appendWithSeparator('+');
    const opts: TreeOptions = {
      fs,
      ...tiny(),
      mergeOperator,
      encryption: { key: new Uint8Array(32).fill(7) },
      compression: { type: 'zstd', dictionary: { maxBytes: 256, sampleBytes: 2048 } },
    };
    const tree = Tree.open('/db', opts);
    tree.put('key-000005', 'base');
    tree.merge('key-000005', 'op1');
    tree.flush();
    tree.merge('key-000005', 'op2');
    tree.ingest(pairs([1, 5, 9], (i) => utf8.encode(`v${i}`)));
    expect(text(tree.get('key-000005'))).toBe('v5');
    tree.merge('key-000005', 'op3');
    expect(text(tree.get('key-000005'))).toBe('v5+op3');
    tree.close();
    const t2 = Tree.open('/db', opts);
    expect(text(t2.get('key-000005'))).toBe('v5+op3');
    t2.compact();
    expect(text(t2.get('key-000005'))).toBe('v5+op3');
    t2.close();
  });
});

describe('ingest: placement', () => {
  const levelsOf = (t: Tree): number[] => t.stats().levels.map((l) => l.tables);

  it('leveled: an empty store takes it at the bottom; a free range goes below nothing it overlaps; an overlap with L0 keeps it in L0', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), ...tiny(), autoCompaction: false });
    tree.ingest(pairs([10, 20, 30], (i) => utf8.encode(`a${i}`)));
    expect(levelsOf(tree)).toEqual([0, 0, 0, 0, 0, 0, 1]);
    // Overlapping the L6 table only: the level above it.
    tree.ingest(pairs([15, 25], (i) => utf8.encode(`b${i}`)));
    expect(levelsOf(tree)).toEqual([0, 0, 0, 0, 0, 1, 1]);
    // Overlapping L5 and L6: L4. A disjoint range: the bottom again.
    tree.ingest(pairs([16, 17], (i) => utf8.encode(`c${i}`)));
    tree.ingest(pairs([100, 101], (i) => utf8.encode(`d${i}`)));
    expect(levelsOf(tree)).toEqual([0, 0, 0, 0, 1, 1, 2]);
    // A memtable write in the range: flushed to L0 first, so the ingest goes to L0, above it.
    tree.put(keyOf(102), 'mem');
    tree.ingest(pairs([101, 102, 103], (i) => utf8.encode(`e${i}`)));
    expect(levelsOf(tree)).toEqual([2, 0, 0, 0, 1, 1, 2]);
    // A memtable write outside the range is not flushed.
    tree.put(keyOf(500), 'mem');
    tree.ingest(pairs([600], (i) => utf8.encode(`f${i}`)));
    expect(levelsOf(tree)).toEqual([2, 0, 0, 0, 1, 1, 3]);
    expect(tree.stats().activeMemtable.entries).toBe(1);
    // A range deletion in the memtable over the range is flushed too.
    tree.deleteRange(keyOf(700), keyOf(800));
    tree.ingest(pairs([750], (i) => utf8.encode(`g${i}`)));
    expect(levelsOf(tree)[0]).toBe(4);
    const got = [...tree.range()].map(([k, v]) => `${text(k)}=${text(v)}`);
    expect(got).toEqual([
      'key-000010=a10',
      'key-000015=b15',
      'key-000016=c16',
      'key-000017=c17',
      'key-000020=a20',
      'key-000025=b25',
      'key-000030=a30',
      'key-000100=d100',
      'key-000101=e101',
      'key-000102=e102',
      'key-000103=e103',
      'key-000500=mem',
      'key-000600=f600',
      'key-000750=g750',
    ]);
    tree.close();
  });

  it('size-tiered and FIFO: always L0', () => {
    for (const compaction of [new SizeTiered(), new Fifo()]) {
      const tree = Tree.open('/db', { fs: new MemFs(), compaction });
      tree.ingest(pairs([1, 2, 3], (i) => utf8.encode(`${i}`)));
      expect(levelsOf(tree)[0]).toBe(1);
      expect(tree.stats().tables).toBe(1);
      tree.close();
    }
  });

  it('never into the output level of a compaction in flight whose span overlaps the range', () => {
    const meta = (id: number, lo: number, hi: number): TableMeta => ({
      id,
      size: 100,
      smallest: keyOf(lo),
      largest: keyOf(hi),
      smallestSeqno: 1,
      largestSeqno: 1,
      entries: 2,
      tombstones: 0,
      rangeTombstones: 0,
    });
    const strategy = new Leveled();
    const levels: TableMeta[][] = [[], [meta(1, 0, 10), meta(2, 90, 99)], [], [], [], [], []];
    const version = new Version(levels);
    const range = { smallest: keyOf(40), largest: keyOf(50) };
    expect(pickIngestLevel(bytewiseComparator, strategy, version, range, undefined)).toBe(6);
    // L1's two tables merging into L6 (they span 0..99, around the range): L5.
    const plan = (outputLevel: number): CompactionPlan => ({
      reason: 'test',
      inputs: [{ level: 1, tables: levels[1]! }],
      outputLevel,
      trivialMove: false,
      bottommost: true,
      targetTableSize: 1 << 20,
    });
    expect(pickIngestLevel(bytewiseComparator, strategy, version, range, plan(6))).toBe(5);
    // Into a level above: its outputs hold no key of the range; into a level below: older data.
    expect(pickIngestLevel(bytewiseComparator, strategy, new Version([[], [], [], levels[1]!, [], [], []]), range, plan(2))).toBe(6);
    // A compaction whose span misses the range does not matter.
    const far = { smallest: keyOf(200), largest: keyOf(300) };
    expect(pickIngestLevel(bytewiseComparator, strategy, version, far, plan(6))).toBe(6);
    // An L0 table over the range: L0.
    expect(pickIngestLevel(bytewiseComparator, strategy, new Version([[meta(3, 45, 46)], [], [], [], [], [], []]), range, undefined)).toBe(0);
    // A leveled strategy with fewer levels: its last level.
    expect(pickIngestLevel(bytewiseComparator, new Leveled({ numLevels: 3 }), version, range, undefined)).toBe(2);
    expect(pickIngestLevel(bytewiseComparator, new SizeTiered(), version, range, undefined)).toBe(0);
  });
});

// ---------------------------------------------------------------- model-based

interface IngestModelConfig {
  name: string;
  options: () => TreeOptions;
  steps: number;
  keys: number;
  scheduled?: boolean;
  worker?: boolean;
  /** Large values (K/V separation). */
  bigValues?: boolean;
}

const INGEST_CONFIGS: IngestModelConfig[] = [
  { name: 'leveled', options: tiny, steps: 1500, keys: 300 },
  { name: 'leveled, jobs in flight (seeded scheduler)', options: tiny, steps: 1500, keys: 300, scheduled: true },
  { name: 'size-tiered, jobs in flight, no WAL', options: () => ({ ...tiny(), wal: false, compaction: new SizeTiered({ minMergeWidth: 2, maxMergeWidth: 6 }) }), steps: 1000, keys: 250, scheduled: true },
  { name: 'fifo (no drops)', options: () => ({ ...tiny(), compaction: new Fifo({ maxTotalBytes: 1 << 30 }) }), steps: 800, keys: 200 },
  {
    name: 'kv separation, encrypted, jobs in flight',
    options: () => ({ ...tiny(), memtableBytes: 8192, encryption: { key: new Uint8Array(32).fill(3) }, kvSeparation: { minValueSize: 200, gcRatio: 0.3, blobFileBytes: 4096 } }),
    steps: 1000,
    keys: 200,
    scheduled: true,
    bigValues: true,
  },
  { name: 'leveled, no auto compaction, zstd', options: () => ({ ...tiny(), autoCompaction: false, compression: 'zstd' }), steps: 800, keys: 200 },
  { name: 'worker threads on NodeFs', options: tiny, steps: 500, keys: 250, worker: true },
];

const MODEL_SEEDS = process.env.INGEST_SEED ? [Number(process.env.INGEST_SEED)] : [1, 2, 3];

function runIngestModel(config: IngestModelConfig, seed: number): void {
  withStoreLocation(config.worker === true, 'lsm-ingest-model-', (fs, dir) => runIngestModelIn(config, seed, fs, dir));
}

function runIngestModelIn(config: IngestModelConfig, seed: number, fs: Fs, dir: string): void {
  const rng = new Rng(seed);
  const mergeOperator = appendWithSeparator('+');
  const opts: TreeOptions = { ...config.options(), fs, mergeOperator, ...(config.scheduled === true ? { jobScheduler: new JobScheduler(seed) } : {}) };
  let tree = Tree.open(dir, opts);
  const oracle = new Oracle((k, e, o) => mergeOperator.merge(k, e, o));
  const snaps: { snap: Snapshot; seqno: number }[] = [];
  let step = 0;
  let ingests = 0;
  let ingestsWithJobsInFlight = 0;
  let belowL0 = 0;
  const where = () => `seed ${seed}, config '${config.name}', step ${step}`;
  const randValue = (): Uint8Array => valueOf(rng, config.bigValues === true && rng.chance(0.4) ? 200 + rng.int(600) : rng.int(40));
  const checkAll = (at?: { snap: Snapshot; seqno: number }): void => {
    const got = lines(at ? at.snap.range() : tree.range());
    expect(got, `contents (snapshot ${at?.seqno}) at ${where()}`).toEqual(want(oracle, at?.seqno ?? oracle.seqno));
  };
  for (step = 0; step < config.steps; step++) {
    const r = rng.next();
    if (r < 0.12) {
      // Ingest: random sorted distinct keys, now and then a dense run, now and then empty.
      const ids = new Set<number>();
      const shape = rng.next();
      if (shape < 0.3) {
        const a = rng.int(config.keys);
        for (let i = a; i < Math.min(config.keys, a + 1 + rng.int(60)); i++) ids.add(i);
      } else if (shape < 0.35) {
        // nothing
      } else {
        for (let n = 1 + rng.int(rng.chance(0.2) ? 200 : 25); n > 0; n--) ids.add(rng.int(config.keys));
      }
      const sorted = [...ids].sort((a, b) => a - b);
      const values = sorted.map(() => randValue());
      const l0Before = tree.stats().levels.map((l) => l.tables);
      if (tree.stats().jobs.running > 0) ingestsWithJobsInFlight++;
      // Reads as of the seqno before need a snapshot: the ingest may be compacted at once.
      const pin = tree.snapshot();
      const s = tree.ingest(sorted.map((i, j) => [keyOf(i), values[j]!] as [Uint8Array, Uint8Array]));
      if (sorted.length === 0) {
        expect(s, `empty ingest at ${where()}`).toBe(oracle.seqno);
      } else {
        expect(s, `ingest seqno at ${where()}`).toBe(oracle.seqno + 1);
        sorted.forEach((i, j) => oracle.put(keyOf(i), values[j]!, s));
        ingests++;
        const after = tree.stats().levels.map((l) => l.tables);
        if (after.slice(1).some((n, l) => n > l0Before[l + 1]!)) belowL0++;
        // The ingested keys as of the seqno before and at it.
        const probe = sorted.slice(0, 5).map(keyOf);
        for (const at of [s - 1, s]) {
          const got = (at === s ? tree.multiGet(probe) : probe.map((k) => pin.get(k))).map((v) => v && hex(v));
          expect(got, `ingested keys as of ${at} at ${where()}`).toEqual(probe.map((k) => oracle.get(k, at)).map((v) => v && hex(v)));
        }
      }
      pin.release();
    } else if (r < 0.14) {
      // A failed ingest changes nothing.
      const a = rng.int(config.keys - 2);
      const seq = tree.seqno;
      expect(codeOf(() => tree.ingest([[keyOf(a + 1), 'x'], [keyOf(a), 'y']])), where()).toBe('LSM_INVALID_ARGUMENT');
      expect(tree.seqno, where()).toBe(seq);
    } else if (r < 0.4) {
      const k = keyOf(rng.int(config.keys));
      const v = randValue();
      oracle.put(k, v, tree.put(k, v));
    } else if (r < 0.46) {
      const k = keyOf(rng.int(config.keys));
      oracle.del(k, tree.delete(k));
    } else if (r < 0.49) {
      const a = rng.int(config.keys);
      const b = a + 1 + rng.int(rng.chance(0.8) ? 15 : config.keys);
      oracle.deleteRange(keyOf(a), keyOf(b), tree.deleteRange(keyOf(a), keyOf(b)));
    } else if (r < 0.52) {
      const k = keyOf(rng.int(config.keys));
      const v = valueOf(rng, 1 + rng.int(4));
      oracle.merge(k, v, tree.merge(k, v));
    } else if (r < 0.66) {
      const k = keyOf(rng.int(config.keys));
      const at = snaps.length > 0 && rng.chance(0.3) ? snaps[rng.int(snaps.length)]! : undefined;
      const got = at ? at.snap.get(k) : tree.get(k);
      const w = oracle.get(k, at?.seqno ?? oracle.seqno);
      expect(got && hex(got), `get ${hex(k)} (snapshot ${at?.seqno}) at ${where()}`).toBe(w && hex(w));
    } else if (r < 0.7) {
      checkAll(snaps.length > 0 && rng.chance(0.5) ? snaps[rng.int(snaps.length)]! : undefined);
    } else if (r < 0.74) {
      if (snaps.length < 5) snaps.push({ snap: tree.snapshot(), seqno: oracle.seqno });
    } else if (r < 0.77) {
      if (snaps.length > 0) snaps.splice(rng.int(snaps.length), 1)[0]!.snap.release();
    } else if (r < 0.8) {
      tree.flush();
    } else if (r < 0.82) {
      tree.compact();
    } else if (r < 0.835) {
      for (const s of snaps) s.snap.release();
      snaps.length = 0;
      tree.close();
      tree = Tree.open(dir, opts);
      expect(tree.seqno, `seqno after reopen at ${where()}`).toBe(oracle.seqno);
    } else {
      const k = keyOf(rng.int(config.keys));
      const v = randValue();
      oracle.put(k, v, tree.put(k, v));
    }
    if (step % 200 === 199) checkAll();
  }
  checkAll();
  for (const s of snaps) s.snap.release();
  // No job in flight (their outputs are files of no version yet), then every file is the version's.
  tree.compact();
  if (config.worker !== true) expectNoStrayFiles(tree, fs, dir, where());
  tree.close();
  tree = Tree.open(dir, opts);
  checkAll();
  tree.close();
  expect(ingests, where()).toBeGreaterThan(config.steps / 20);
  if (config.scheduled === true) expect(ingestsWithJobsInFlight, `${where()}: no ingest met a job in flight`).toBeGreaterThan(5);
  if (opts.compaction instanceof Leveled) expect(belowL0, `${where()}: no ingest went below L0`).toBeGreaterThan(0);
}

describe('ingest: model-based randomized test', () => {
  for (const config of INGEST_CONFIGS) {
    for (const seed of MODEL_SEEDS) {
      it(`${config.name}, seed ${seed}`, () => {
        try {
          runIngestModel(config, seed);
        } catch (err) {
          (err as Error).message = `[replay with INGEST_SEED=${seed}] ${(err as Error).message}`;
          throw err;
        }
      });
    }
  }
});

// ---------------------------------------------------------------- crashes and faults

const KILL_OPS: FaultOp[] = ['write', 'sync', 'rename', 'syncDirectory', 'open', 'remove'];

describe('ingest: a crash at any point leaves all or none of it', () => {
  const seeds = process.env.INGEST_CRASH_SEED ? [Number(process.env.INGEST_CRASH_SEED)] : Array.from({ length: 24 }, (_, i) => i + 1);
  it(`${seeds.length} seeds x 6 crashes: the store opens with a prefix of the writes, the ingest whole or absent`, () => {
    let killedInIngest = 0;
    let visibleAfterKill = 0;
    let absentAfterKill = 0;
    for (const seed of seeds) {
      const rng = new Rng(seed);
      const crashFs = new CrashFs(new MemFs(), { seed, tornWrites: true, directorySync: true });
      let faultFs = new FaultFs(crashFs);
      const opts: TreeOptions = {
        ...tiny(),
        compression: rng.chance(0.5) ? 'zstd' : 'none',
        ...(seed % 3 === 0 ? { kvSeparation: { minValueSize: 100, blobFileBytes: 2048 } } : {}),
        ...(seed % 4 === 0 ? { encryption: { key: new Uint8Array(32).fill(seed) } } : {}),
      };
      let tree = Tree.open('/db', { ...opts, fs: faultFs });
      const oracle = new Oracle();
      let durable = 0;
      for (let round = 0; round < 6; round++) {
        const where = (s: string) => `seed ${seed}, round ${round}: ${s}`;
        const ends = new Set<number>([oracle.seqno]);
        for (let i = rng.int(80); i > 0; i--) {
          const k = keyOf(rng.int(300));
          const v = valueOf(rng, rng.chance(0.2) ? 150 : rng.int(40));
          const sync = rng.chance(0.05);
          oracle.put(k, v, tree.put(k, v, { sync }));
          ends.add(oracle.seqno);
          if (sync) durable = oracle.seqno;
        }
        if (rng.chance(0.3)) {
          tree.flush();
          durable = tree.seqno;
        }
        const a = rng.int(300);
        const ids = Array.from({ length: 1 + rng.int(400) }, (_, i) => a + i);
        const values = ids.map(() => valueOf(rng, rng.chance(0.2) ? 150 : rng.int(40)));
        const op = KILL_OPS[rng.int(KILL_OPS.length)]!;
        const rule = faultFs.addRule({ op, after: rng.int(op === 'write' ? 60 : 8), fault: { type: 'error', code: 'EIO' } });
        const s = oracle.seqno + 1;
        try {
          expect(tree.ingest(ids.map((i, j) => [keyOf(i), values[j]!])), where('ingest seqno')).toBe(s);
          ids.forEach((i, j) => oracle.put(keyOf(i), values[j]!, s));
          ends.add(s);
          durable = s;
        } catch (err) {
          if (rule.fired === 0) throw err;
          killedInIngest++;
          ids.forEach((i, j) => oracle.put(keyOf(i), values[j]!, s));
          ends.add(s);
        }
        const killed = rule.fired > 0;
        crashFs.crash();
        faultFs = new FaultFs(crashFs);
        try {
          tree = Tree.open('/db', { ...opts, fs: faultFs });
        } catch (err) {
          throw new Error(where(`reopen failed after the crash: ${(err as Error).message}`), { cause: err });
        }
        const r = tree.seqno;
        expect(r, where('recovered below the last durable write')).toBeGreaterThanOrEqual(durable);
        expect(ends.has(r), where(`recovered seqno ${r} is not a write's end`)).toBe(true);
        expect(lines(tree.range()), where(`contents differ from the writes up to ${r}`)).toEqual(want(oracle, r));
        if (killed) {
          if (r === s) visibleAfterKill++;
          else absentAfterKill++;
        }
        oracle.truncateAfter(r);
        durable = r;
      }
      tree.close();
    }
    expect(killedInIngest).toBeGreaterThan(seeds.length);
    expect(absentAfterKill).toBeGreaterThan(0);
    if (seeds.length > 4) expect(visibleAfterKill).toBeGreaterThan(0);
  });
});

describe('ingest: an I/O fault leaves nothing visible and no file behind', () => {
  const OPS: FaultOp[] = ['write', 'sync', 'syncDirectory', 'open', 'rename'];
  const PATHS = ['.sst', '.blob', '.log', 'MANIFEST', undefined];
  const seeds = process.env.INGEST_FAULT_SEED ? [Number(process.env.INGEST_FAULT_SEED)] : Array.from({ length: 60 }, (_, i) => i + 1);
  it(`${seeds.length} seeded faults: a typed error, the store consistent and usable, nothing left behind`, () => {
    let failed = 0;
    let manifestFailures = 0;
    for (const seed of seeds) {
      const rng = new Rng(seed);
      const fs = new FaultFs(new MemFs());
      const opts: TreeOptions = { fs, ...tiny(), kvSeparation: { minValueSize: 100, blobFileBytes: 2048 } };
      const tree = Tree.open('/db', opts);
      const oracle = new Oracle();
      for (let i = 0; i < 100; i++) {
        const k = keyOf(rng.int(300));
        const v = valueOf(rng, rng.chance(0.3) ? 150 : 20);
        oracle.put(k, v, tree.put(k, v));
      }
      // Every fifth seed aims at the manifest edit of the ingest itself (the memtable flushed
      // before, so no other edit comes first).
      const atManifest = seed % 5 === 0;
      if (atManifest || rng.chance(0.5)) tree.flush();
      const where = (s: string) => `seed ${seed}: ${s}`;
      const op = atManifest ? (rng.chance(0.5) ? 'sync' : 'write') : OPS[rng.int(OPS.length)]!;
      const path = atManifest ? 'MANIFEST' : PATHS[rng.int(PATHS.length)];
      const code = rng.chance(0.8) ? 'EIO' : 'ENOSPC';
      const rule = fs.addRule({ op, path, after: atManifest ? 0 : rng.int(op === 'write' ? 20 : 3), fault: { type: 'error', code } });
      const a = rng.int(300);
      const ids = Array.from({ length: 50 + rng.int(300) }, (_, i) => a + i);
      const values = ids.map(() => valueOf(rng, rng.chance(0.3) ? 150 : 20));
      const before = tree.seqno;
      let s: number | undefined;
      try {
        s = tree.ingest(ids.map((i, j) => [keyOf(i), values[j]!]));
      } catch (err) {
        expect(err, where('not an LsmError')).toBeInstanceOf(LsmError);
        expect((err as LsmError).code, where((err as Error).message)).toBe(code === 'ENOSPC' ? 'LSM_NO_SPACE' : 'LSM_IO');
        expect(rule.fired, where('failed without a fault')).toBeGreaterThan(0);
        failed++;
      }
      fs.clearRules();
      if (s !== undefined) {
        ids.forEach((i, j) => oracle.put(keyOf(i), values[j]!, s!));
      } else {
        // Nothing visible: the contents are the writes before it.
        expect(lines(tree.range()), where('contents after the failed ingest')).toEqual(want(oracle, oracle.seqno));
        // The seqno is unchanged, or used up when the manifest write itself failed.
        expect([before, before + 1], where('seqno after the failure')).toContain(tree.seqno);
        if (tree.seqno === before + 1) manifestFailures++;
        oracle.truncateAfter(before);
        oracle.seqno = tree.seqno;
      }
      // Still usable (after a full disk, once resumed); files of a failed ingest are gone at the latest once a
      // manifest edit has settled whether they were recorded.
      tree.resume();
      const k = keyOf(1000);
      oracle.put(k, utf8.encode('after'), tree.put(k, 'after'));
      tree.flush();
      expectNoStrayFiles(tree, fs, '/db', where('after the next flush'));
      expect(lines(tree.range()), where('contents after the next write')).toEqual(want(oracle, oracle.seqno));
      tree.ingest([[keyOf(2000), 'again']]);
      oracle.put(keyOf(2000), utf8.encode('again'), tree.seqno);
      tree.close();
      const t2 = Tree.open('/db', opts);
      expect(lines(t2.range()), where('contents after reopen')).toEqual(want(oracle, oracle.seqno));
      expectNoStrayFiles(t2, fs, '/db', where('after reopen'));
      t2.close();
    }
    expect(failed).toBeGreaterThan(seeds.length / 3);
    expect(manifestFailures).toBeGreaterThan(0);
  });
});

describe('ingest under FIFO', () => {
  it('flushes every memtable first, so a FIFO drop still removes only the oldest writes', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, compaction: new Fifo({ maxTotalBytes: 1 << 30 }) });
    tree.put('a-outside', '1'); // not in the ingested range: a leveled store would keep it in the memtable
    const seq = tree.ingest([['m1', 'x'], ['m2', 'y']]);
    const internals = tree as unknown as { writes: { mem: { empty: boolean } }; versions: { current: { levels: { largestSeqno: number }[][] } } };
    expect(internals.writes.mem.empty).toBe(true);
    // Every table other than the ingested one holds only older writes.
    const l0 = internals.versions.current.levels[0]!;
    expect(l0.filter((t) => t.largestSeqno === seq).length).toBe(1);
    expect(l0.every((t) => t.largestSeqno === seq || t.largestSeqno < seq)).toBe(true);
    expect(l0.some((t) => t.largestSeqno < seq)).toBe(true);
    tree.close();
  });
});
