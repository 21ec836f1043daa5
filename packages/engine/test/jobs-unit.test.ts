// The job code called directly on this thread (MemFs), as a worker calls it: executeJob
// for each job kind and the context its failures name, a job's error crossing a thread
// as data and coming back typed (jobError / errorOf), JobOutputs' file numbers, directory sync and
// abandon, the built-in functions a worker loads by name, and the inline runner with and
// without its seeded scheduler. The worker tests cannot see mutations of this code: the
// worker loads the built files.

import { ArrayIterator, LsmError, ValueType, bytewiseComparator } from '@lsm/base';
import { appendWithSeparator, counterAdd, encodeTtlValue } from '@lsm/compaction';
import { FaultFs, FsError, MemFs, writeFile } from '@lsm/fs';
import { BlockCache, Table } from '@lsm/sstable';
import { describe, expect, it } from 'vitest';
import { trackHandles } from './helpers.js';
import { BlobStore } from '../src/blob/blob-store.js';
import { logFileName, tableFileName } from '../src/file-names.js';
import {
  builtInCompactionFilter,
  builtInMergeOperator,
  builtInPrefixExtractor,
  fixedPrefixExtractor,
  isBuiltInCompactionFilter,
  isBuiltInMergeOperator,
  isBuiltInPrefixExtractor,
  ttlFilter,
} from '../src/jobs/built-in-functions.js';
import type { FlushSource } from '../src/jobs/flush-source.js';
import { InlineRunner, JobScheduler } from '../src/jobs/inline-runner.js';
import { type JobEnv, tableInputs } from '../src/jobs/job-env.js';
import { JobOutputs } from '../src/jobs/job-outputs.js';
import { takeAll } from '../src/jobs/job-runner.js';
import type { FlushJobSpec, JobFailure, JobResult, JobSpec, JobSuccess, TableCompression } from '../src/jobs/job-types.js';
import { IngestWorkerSession } from '../src/jobs/ingest-job.js';
import { errorOf, executeJob, jobError } from '../src/jobs/run-job.js';
import { ChunkPacker } from '../src/ops/ingest-chunk.js';
import { Memtable } from '../src/memtable/memtable.js';
import { TableCache } from '../src/versions/table-cache.js';

const DIR = '/db';
const enc = new TextEncoder();
const k = (s: string): Uint8Array => enc.encode(s);
const NONE: TableCompression = { type: 'none', level: undefined, dictionary: undefined };

function env(fs: MemFs | FaultFs): JobEnv {
  return {
    fs,
    dir: DIR,
    comparator: bytewiseComparator,
    writerOptions: { comparator: bytewiseComparator, blockSize: 4096, filter: false },
    kvSeparation: undefined,
    blobStore: new BlobStore(fs, DIR, 4),
    openInput: () => {
      throw new Error('no inputs in these tests');
    },
    inputTombstones: () => [],
    mergeOperator: undefined,
    compactionFilter: undefined,
  };
}

function memFs(): MemFs {
  const fs = new MemFs();
  fs.createDirAll(DIR);
  return fs;
}

/** Every entry of table `id`, as [key, seqno, type, value] strings. */
function tableEntries(fs: MemFs, id: number): string[] {
  const t = Table.open(fs, `${DIR}/${tableFileName(id)}`, { comparator: bytewiseComparator });
  const out: string[] = [];
  const it = t.iterator();
  for (it.seekToFirst(); it.valid(); it.next()) out.push(`${new TextDecoder().decode(it.userKey())}@${it.seqno()}:${new TextDecoder().decode(it.value())}`);
  t.close();
  return out;
}

const flushSpec = (over: Partial<FlushJobSpec> = {}): FlushJobSpec => ({ kind: 'flush', id: 7, numbers: { first: 10, end: 12 }, compression: NONE, entries: 0, rangeTombstones: 0, ...over }) as FlushJobSpec;

function source(entries: [string, number, ValueType, string][]): FlushSource {
  return {
    size: entries.length,
    rangeTombstones: [],
    each(add) {
      for (const [key, seq, type, value] of entries) add(k(key), seq, type, k(value));
    },
  };
}

describe('executeJob', () => {
  it('a flush writes one table numbered from its range and reports it', () => {
    const fs = memFs();
    const t0 = performance.now();
    const r = executeJob(env(fs), flushSpec(), () => source([['a', 3, ValueType.Value, 'x'], ['b', 2, ValueType.Value, 'y']]), false);
    const took = performance.now() - t0;
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    expect(r.id).toBe(7);
    expect(r.tables.map((t) => [t.id, t.entries, t.smallestSeqno, t.largestSeqno])).toEqual([[10, 2, 2, 3]]);
    expect(r.tableBytes).toBe(r.tables[0]!.size);
    expect(r.tableBytes).toBe(fs.metadata(`${DIR}/${tableFileName(10)}`).size);
    expect(tableEntries(fs, 10)).toEqual(['a@3:x', 'b@2:y']);
    expect(r.blobFiles).toEqual([]);
    expect(r.merge).toBeUndefined();
    expect(r.millis).toBeGreaterThanOrEqual(0);
    expect(r.millis).toBeLessThanOrEqual(took);
  });

  it('a compaction merges its inputs into a table from its range, passes keepChangesAbove on, and times itself', () => {
    const table = { id: 1, size: 1, smallest: k('a'), largest: k('c'), smallestSeqno: 3, largestSeqno: 5, entries: 4, tombstones: 1, rangeTombstones: 0 };
    const plan = { reason: 'l0-files', inputs: [{ level: 0, tables: [table] }], outputLevel: 1, trivialMove: false, bottommost: true, targetTableSize: 1 << 20 };
    const run = (keepChangesAbove?: number) => {
      const fs = memFs();
      const e = env(fs);
      e.openInput = () =>
        new ArrayIterator([
          { userKey: k('a'), seqno: 5, type: ValueType.Value, value: k('1') },
          { userKey: k('b'), seqno: 5, type: ValueType.WeakTombstone, value: new Uint8Array(0) },
          { userKey: k('b'), seqno: 4, type: ValueType.Value, value: k('2') },
          { userKey: k('c'), seqno: 3, type: ValueType.Value, value: k('3') },
        ]);
      const spec = { kind: 'compaction', id: 2, numbers: { first: 20, end: 30 }, plan, compression: NONE, snapshots: [3], visibleSeqno: 9, gcBlobFiles: [], ...(keepChangesAbove === undefined ? {} : { keepChangesAbove }) };
      const t0 = performance.now();
      const r = executeJob(e, spec as unknown as JobSpec, () => source([]), false);
      const took = performance.now() - t0;
      if (!r.ok) throw new Error(r.error.message);
      expect(r.millis).toBeLessThanOrEqual(took);
      expect(r.merge).toMatchObject({ droppedByRangeTombstones: 0, mergesCollapsed: 0, filterRemoved: 0 });
      return { r, entries: tableEntries(fs, 20) };
    };
    // A weak deletion cancels with the value under it, unless changes above 3 must be kept.
    // (The store passes that edge as a snapshot too: snapshot 3 here.)
    const dropped = run();
    expect(dropped.entries).toEqual(['a@5:1', 'c@3:3']);
    expect(dropped.r.ok && dropped.r.tables.map((t) => t.id)).toEqual([20]);
    expect(dropped.r.ok && dropped.r.merge!.maxDroppedDeletionSeqno).toBe(5);
    expect(run(3).entries).toEqual(['a@5:1', 'b@5:', 'c@3:3']);
  });

  it('a failed flush removes its table and says what failed, typed, with its cause', () => {
    const mem = memFs();
    const fs = new FaultFs(mem);
    fs.addRule({ op: 'sync', path: '.sst', fault: { type: 'error', code: 'EIO' } });
    const r = executeJob(env(fs), flushSpec(), () => source([['a', 3, ValueType.Value, 'x']]), false) as JobFailure;
    expect(r.ok).toBe(false);
    expect(r.id).toBe(7);
    expect(r.error.code).toBe('LSM_IO');
    expect(r.error.message).toContain(`writing table ${DIR}/${tableFileName(10)}`);
    expect(r.error.causeCode).toBe('EIO');
    expect(r.thrown).toBeInstanceOf(LsmError);
    expect(r.millis).toBeGreaterThanOrEqual(0);
    expect(r.millis).toBeLessThan(60_000);
    expect(mem.readDir(DIR)).toEqual([]);
  });

  it('an errno error of a job becomes LSM_IO naming what the job was doing', () => {
    const io = (): never => {
      throw new FsError('EIO', 'read', '/db/000005.log');
    };
    const flush = executeJob(env(memFs()), flushSpec(), io, false) as JobFailure;
    expect(flush.error).toMatchObject({ code: 'LSM_IO', causeCode: 'EIO' });
    expect(flush.error.message).toContain('flushing a memtable');
    const e = env(memFs());
    e.openInput = io;
    const table = { id: 1, size: 1, smallest: k('a'), largest: k('b'), smallestSeqno: 1, largestSeqno: 1, entries: 1, tombstones: 0, rangeTombstones: 0 };
    const plan = { reason: 'l0-files', inputs: [{ level: 0, tables: [table] }], outputLevel: 1, trivialMove: false, bottommost: true, targetTableSize: 1 << 20 };
    const compaction = executeJob(e, { kind: 'compaction', id: 2, numbers: { first: 20, end: 30 }, plan, compression: NONE, snapshots: [], visibleSeqno: 9, gcBlobFiles: [] } as unknown as JobSpec, io, false) as JobFailure;
    expect(compaction.ok).toBe(false);
    expect(compaction.error).toMatchObject({ code: 'LSM_IO', causeCode: 'EIO' });
    expect(compaction.error.message).toContain('compaction');
    expect(compaction.error.message).not.toContain('flushing');
    // An errno error of the job itself (not of an input, which the merge names): the directory sync.
    const mem = memFs();
    const faulty = new FaultFs(mem);
    faulty.addRule({ op: 'syncDirectory', fault: { type: 'error', code: 'EIO' } });
    const e2 = env(faulty);
    e2.openInput = () => new ArrayIterator([{ userKey: k('a'), seqno: 5, type: ValueType.Value, value: k('1') }]);
    const sync = executeJob(e2, { kind: 'compaction', id: 3, numbers: { first: 20, end: 30 }, plan, compression: NONE, snapshots: [], visibleSeqno: 9, gcBlobFiles: [] } as unknown as JobSpec, io, false) as JobFailure;
    expect(sync.ok).toBe(false);
    expect(sync.error.message.startsWith('compaction: ')).toBe(true);
    expect(mem.readDir(DIR)).toEqual([]);
    // Not an errno error (a bug): passed through as it is, untyped.
    const bug = executeJob(env(memFs()), flushSpec(), () => {
      throw new TypeError('oops');
    }, false) as JobFailure;
    expect(bug.error).toMatchObject({ code: undefined, name: 'TypeError', message: 'oops' });
  });

  it('a flush whose source throws fails the job (the source is only asked for by a flush)', () => {
    const fs = memFs();
    let asked = 0;
    const r = executeJob(env(fs), { kind: 'remove-files', id: 1, names: [] }, () => {
      asked++;
      throw new Error('no source');
    }, false);
    expect(r.ok).toBe(true);
    expect(asked).toBe(0);
  });

  it('log-sync fdatasyncs the named log through its own handle and writes nothing', () => {
    const mem = memFs();
    writeFile(mem, `${DIR}/${logFileName(5)}`, new Uint8Array([1, 2, 3]));
    const fs = new FaultFs(mem);
    const syncs = fs.addRule({ op: 'sync', path: logFileName(5), after: Infinity, fault: { type: 'error' } });
    const tracked = trackHandles(fs);
    const r = executeJob({ ...env(fs), fs: tracked.fs }, { kind: 'log-sync', id: 3, logNumber: 5 }, () => source([]), false);
    expect([...tracked.open]).toEqual([]);
    expect(r).toMatchObject({ id: 3, ok: true, tables: [], blobFiles: [], tableBytes: 0, blob: { bytesWritten: 0, dictionaryFiles: 0, rewrittenValues: 0, rewrittenBytes: 0 }, merge: undefined });
    expect(syncs.matched).toBe(1);
    expect((r as { millis: number }).millis).toBeLessThan(60_000);
    expect(mem.readDir(DIR)).toEqual([logFileName(5)]);
    const missing = executeJob(env(fs), { kind: 'log-sync', id: 4, logNumber: 6 }, () => source([]), false) as JobFailure;
    expect(missing.ok).toBe(false);
    expect(missing.error.message).toContain('syncing a write-ahead log');
    expect(missing.error.message).toContain(logFileName(6));
  });

  it('remove-files removes the named files of the store and passes over missing ones', () => {
    const fs = memFs();
    for (const n of ['000001.log', '000002.sst', '000003.sst']) writeFile(fs, `${DIR}/${n}`, new Uint8Array(1));
    writeFile(fs, '/000002.sst', new Uint8Array(1));
    const r = executeJob(env(fs), { kind: 'remove-files', id: 9, names: ['000001.log', '000002.sst', '000099.sst'] }, () => source([]), false);
    expect(r).toMatchObject({ id: 9, ok: true, tables: [], tableBytes: 0 });
    expect(fs.readDir(DIR)).toEqual(['000003.sst']);
    expect(fs.exists('/000002.sst')).toBe(true);
  });
});

describe('job errors as data', () => {
  it('jobError keeps the code, name, message and the cause\'s errno code and message', () => {
    const cause = Object.assign(new Error('disk on fire'), { code: 'EIO' });
    const e = new LsmError('LSM_IO', 'writing a table', { cause });
    expect(jobError(e)).toEqual({ code: 'LSM_IO', name: e.name, message: e.message, causeCode: 'EIO', causeMessage: 'disk on fire' });
    expect(jobError(new TypeError('bad'))).toEqual({ code: undefined, name: 'TypeError', message: 'bad', causeCode: undefined, causeMessage: undefined });
    expect(jobError('a string')).toEqual({ code: undefined, name: 'Error', message: 'a string', causeCode: undefined, causeMessage: undefined });
    // A cause that is not an object, or whose code is not a string, carries no code.
    expect(jobError(new Error('x', { cause: 'text' })).causeCode).toBeUndefined();
    expect(jobError(new Error('x', { cause: null })).causeCode).toBeUndefined();
    expect(jobError(new Error('x', { cause: { code: 5 } })).causeCode).toBeUndefined();
    expect(jobError(new Error('x', { cause: { code: 'ENOSPC' } }))).toMatchObject({ causeCode: 'ENOSPC', causeMessage: undefined });
  });

  it('errorOf rebuilds a typed error from the data, or returns the original when it never crossed', () => {
    const original = new LsmError('LSM_CORRUPTION', 'bad block');
    const same: JobFailure = { id: 1, ok: false, error: jobError(original), thrown: original, millis: 0 };
    expect(errorOf(same)).toBe(original);

    const crossed = errorOf({ id: 1, ok: false, error: { code: 'LSM_NO_SPACE', name: 'LsmError', message: 'disk full', causeCode: 'ENOSPC', causeMessage: 'no space left' }, thrown: undefined, millis: 0 } as JobFailure);
    expect(crossed).toBeInstanceOf(LsmError);
    expect((crossed as LsmError).code).toBe('LSM_NO_SPACE');
    expect(crossed.message).toBe('disk full');
    expect(crossed.name).toBe('LsmError');
    const cause = (crossed as { cause?: Error & { code?: string } }).cause!;
    expect(cause.message).toBe('no space left');
    expect(cause.code).toBe('ENOSPC');

    const noCode = errorOf({ id: 1, ok: false, error: { code: 'LSM_IO', name: 'LsmError', message: 'm', causeCode: undefined, causeMessage: 'c' }, thrown: undefined, millis: 0 } as JobFailure);
    expect('code' in (noCode as { cause: object }).cause).toBe(false);
    const noCause = errorOf({ id: 1, ok: false, error: { code: 'LSM_IO', name: 'LsmError', message: 'm', causeCode: undefined, causeMessage: undefined }, thrown: undefined, millis: 0 } as JobFailure);
    expect('cause' in noCause).toBe(false);

    const bug = errorOf({ id: 1, ok: false, error: { code: undefined, name: 'TypeError', message: 'x is undefined', causeCode: undefined, causeMessage: 'inner' }, thrown: undefined, millis: 0 } as JobFailure);
    expect(bug).not.toBeInstanceOf(LsmError);
    expect(bug.message).toBe('background job failed: TypeError: x is undefined');
    expect(((bug as { cause?: Error }).cause as Error).message).toBe('inner');
    const bug2 = errorOf({ id: 1, ok: false, error: { code: undefined, name: 'Error', message: 'y', causeCode: undefined, causeMessage: undefined }, thrown: undefined, millis: 0 } as JobFailure);
    expect('cause' in bug2).toBe(false);
  });
});

describe('JobOutputs', () => {
  it('hands out the reserved numbers in order, then refuses naming the reservation', () => {
    const out = new JobOutputs(env(memFs()), { first: 4, end: 7 }, undefined, NONE);
    expect([out.newNumber(), out.newNumber(), out.newNumber()]).toEqual([4, 5, 6]);
    expect(() => out.newNumber()).toThrow('job used all 3 file numbers reserved for it');
    const counted = new JobOutputs(env(memFs()), (() => {
      let n = 100;
      return () => n++;
    })(), undefined, NONE);
    expect([counted.newNumber(), counted.newNumber()]).toEqual([100, 101]);
  });

  it('creates tables with the job\'s compression and number, syncs the directory at finish, and abandon removes them', () => {
    const mem = memFs();
    const fs = new FaultFs(mem);
    const dirSyncs = fs.addRule({ op: 'syncDirectory', after: Infinity, fault: { type: 'error' } });
    const out = new JobOutputs(env(fs), { first: 4, end: 9 }, undefined, { type: 'zstd', level: 3, dictionary: undefined });
    expect(out.created).toEqual([]);
    const a = out.newTable();
    a.writer.add(k('a'), 1, ValueType.Value, k('x'.repeat(200)));
    const done = a.writer.finish();
    const meta = out.tableMeta(a.id, done);
    expect(meta.id).toBe(4);
    expect(meta.entries).toBe(1);
    const b = out.newTable();
    b.writer.add(k('b'), 2, ValueType.Value, k('y'));
    b.writer.finish();
    expect(out.created).toEqual([4, 5]);
    const t = Table.open(mem, `${DIR}/${tableFileName(4)}`, { comparator: bytewiseComparator });
    expect(t.properties.compression).toBe('zstd');
    t.close();
    const finished = out.finish();
    expect(dirSyncs.matched).toBe(1);
    expect(finished).toEqual({ blobFiles: [], blob: { bytesWritten: 0, dictionaryFiles: 0, rewrittenValues: 0, rewrittenBytes: 0 } });
    expect(mem.readDir(DIR).sort()).toEqual([tableFileName(4), tableFileName(5)]);
    out.abandon();
    expect(mem.readDir(DIR)).toEqual([]);
  });
});

describe('built-in functions by name', () => {
  it('merge operators: counterAdd and appendWithSeparator round-trip by name; others are refused', () => {
    expect(isBuiltInMergeOperator(counterAdd.name)).toBe(true);
    const append = appendWithSeparator(k(', '));
    expect(isBuiltInMergeOperator(append.name)).toBe(true);
    expect(isBuiltInMergeOperator('lsm.append(sep=zz)')).toBe(false);
    expect(isBuiltInMergeOperator('mine')).toBe(false);
    expect(builtInMergeOperator(undefined)).toBeUndefined();
    expect(builtInMergeOperator(counterAdd.name)).toBe(counterAdd);
    const back = builtInMergeOperator(append.name)!;
    expect(back.name).toBe(append.name);
    expect(() => builtInMergeOperator('mine')).toThrow('merge operator mine is not a built-in');
  });

  it('prefix extractors: only those fixedPrefixExtractor made count; names load back', () => {
    const e = fixedPrefixExtractor(3);
    expect(isBuiltInPrefixExtractor(e)).toBe(true);
    expect(isBuiltInPrefixExtractor({ ...e })).toBe(false);
    expect(builtInPrefixExtractor(undefined)).toBeUndefined();
    const back = builtInPrefixExtractor(e.name)!;
    expect(back.name).toBe(e.name);
    expect(() => builtInPrefixExtractor('lsm.fixed:x')).toThrow('prefix extractor lsm.fixed:x is not a built-in');
  });

  it('compaction filters: only ttlFilter() with its default clock counts; the name loads a filter that expires by Date.now', () => {
    const f = ttlFilter();
    expect(isBuiltInCompactionFilter(f)).toBe(true);
    // A clock of the caller's is a closure a worker cannot have.
    expect(isBuiltInCompactionFilter(ttlFilter({ now: () => 0 }))).toBe(false);
    // An object that takes the built-in's name is the user's own.
    expect(isBuiltInCompactionFilter({ ...f })).toBe(false);
    expect(isBuiltInCompactionFilter({ name: f.name, filter: () => 'keep' })).toBe(false);
    expect(builtInCompactionFilter(undefined)).toBeUndefined();
    const back = builtInCompactionFilter(f.name)!;
    expect(back.name).toBe(f.name);
    const ctx = { level: 1, seqno: 1 };
    expect(back.filter(k('a'), encodeTtlValue(Date.now() - 1000, k('old')), ctx)).toBe('remove');
    expect(back.filter(k('a'), encodeTtlValue(Date.now() + 60_000, k('new')), ctx)).toBe('keep');
    expect(() => builtInCompactionFilter('lsm.ttl')).toThrow('compaction filter lsm.ttl is not a built-in');
  });
});

describe('InlineRunner', () => {
  function flushOf(fs: MemFs, id: number, first: number): { spec: JobSpec; mem: Memtable } {
    const mem = new Memtable(bytewiseComparator, true, 0);
    mem.add(id, ValueType.Value, k(`key${id}`), k('v'));
    return { spec: flushSpec({ id, numbers: { first, end: first + 1 } }), mem };
  }

  it('without a scheduler: runs at submit, hands the result to the next poll once', () => {
    const fs = memFs();
    const r = new InlineRunner();
    expect(r.kind).toBe('inline');
    const { spec, mem } = flushOf(fs, 1, 10);
    r.submit(spec, { env: env(fs), mem, blobWork: false });
    expect(fs.readDir(DIR)).toEqual([tableFileName(10)]);
    expect(r.inFlight).toBe(1);
    const got = r.poll();
    expect(got.map((x) => [x.id, x.ok])).toEqual([[1, true]]);
    expect(r.inFlight).toBe(0);
    expect(r.poll()).toEqual([]);
    expect(tableEntries(fs, 10)).toEqual(['key1@1:v']);
  });

  it('a flush submitted without its memtable fails as a job, naming it', () => {
    const r = new InlineRunner();
    r.submit(flushSpec({ id: 4 }), { env: env(memFs()), blobWork: false });
    const [res] = r.poll() as JobFailure[];
    expect(res!.ok).toBe(false);
    expect(res!.error.message).toContain('flush job 4 was submitted without its memtable');
  });

  it('with a scheduler: jobs start in submission order and results arrive when it says; wait() runs and delivers everything', () => {
    const fs = memFs();
    const sched = new JobScheduler(42, 0.5, 0.5);
    const r = new InlineRunner(sched);
    for (let i = 1; i <= 6; i++) {
      const { spec, mem } = flushOf(fs, i, 10 + i);
      r.submit(spec, { env: env(fs), mem, blobWork: false });
    }
    expect(r.inFlight).toBe(6);
    expect(fs.readDir(DIR)).toEqual([]);
    const delivered: JobResult[] = [];
    let polls = 0;
    const started: number[] = [];
    while (delivered.length < 3 && polls < 1000) {
      delivered.push(...r.poll());
      started.push(fs.readDir(DIR).length);
      polls++;
      expect(r.inFlight).toBe(6 - delivered.length);
    }
    expect(delivered.length).toBeGreaterThanOrEqual(3);
    expect(polls).toBeGreaterThan(1);
    // Tables appear in submission order: a prefix of 11..16 exists at every step.
    const names = fs.readDir(DIR).sort();
    expect(names).toEqual(Array.from({ length: names.length }, (_, i) => tableFileName(11 + i)));
    expect(started).toEqual([...started].sort((a, b) => a - b));
    delivered.push(...r.wait());
    expect(delivered.map((d) => d.id).sort()).toEqual([1, 2, 3, 4, 5, 6]);
    expect(r.inFlight).toBe(0);
    expect(fs.readDir(DIR).length).toBe(6);
  });

  it('a runner standing in for the worker flushes from the memtable image, checked against the job', () => {
    const fs = memFs();
    const w = new InlineRunner(undefined, 'worker');
    expect(w.kind).toBe('worker');
    const { mem } = flushOf(fs, 1, 10);
    w.submit(flushSpec({ id: 1, numbers: { first: 10, end: 11 }, entries: 1 }), { env: env(fs), mem, blobWork: false });
    const [ok] = w.poll() as JobSuccess[];
    expect(ok!.ok).toBe(true);
    expect(fs.readDir(DIR)).toEqual([tableFileName(10)]);
    // A job that says the memtable holds no entry: the image disagrees, as on a worker...
    w.submit(flushSpec({ id: 2, numbers: { first: 11, end: 12 }, entries: 0 }), { env: env(fs), mem, blobWork: false });
    const [bad] = w.poll() as JobFailure[];
    expect(bad!.ok).toBe(false);
    expect(errorOf(bad!).message).toBe('memtable image holds 1 entries and 0 range deletions, the memtable 0 and 0');
    // ...while the caller's-thread runner reads the memtable itself and writes it.
    const r = new InlineRunner();
    r.submit(flushSpec({ id: 3, numbers: { first: 12, end: 13 }, entries: 0 }), { env: env(fs), mem, blobWork: false });
    expect(r.poll()[0]!.ok).toBe(true);
  });

  it('a scheduler that never says yes holds every job; close() drops them', () => {
    const fs = memFs();
    const r = new InlineRunner(new JobScheduler(7, 0, 0));
    const { spec, mem } = flushOf(fs, 1, 10);
    r.submit(spec, { env: env(fs), mem, blobWork: false });
    for (let i = 0; i < 50; i++) expect(r.poll()).toEqual([]);
    expect(r.inFlight).toBe(1);
    expect(fs.readDir(DIR)).toEqual([]);
    r.close();
    expect(r.inFlight).toBe(0);
    expect(r.wait()).toEqual([]);
  });

  it('a scheduler that starts but never delivers: the result is held until wait()', () => {
    const fs = memFs();
    const r = new InlineRunner(new JobScheduler(7, 1, 0));
    const { spec, mem } = flushOf(fs, 1, 10);
    r.submit(spec, { env: env(fs), mem, blobWork: false });
    expect(r.poll()).toEqual([]);
    expect(fs.readDir(DIR)).toEqual([tableFileName(10)]);
    expect(r.inFlight).toBe(1);
    expect(r.wait().map((x) => x.id)).toEqual([1]);
  });

  it('the scheduler is seeded: the same seed gives the same decisions, in [0, 1)', () => {
    const a = new JobScheduler(12345);
    const b = new JobScheduler(12345);
    const c = new JobScheduler(54321);
    const xa = Array.from({ length: 200 }, () => a.next());
    expect(Array.from({ length: 200 }, () => b.next())).toEqual(xa);
    expect(Array.from({ length: 200 }, () => c.next())).not.toEqual(xa);
    for (const x of xa) {
      expect(x).toBeGreaterThanOrEqual(0);
      expect(x).toBeLessThan(1);
    }
    // Spread over the interval, not stuck near one value (seed 0 included).
    for (const seed of [0, 1, 12345]) {
      const s = new JobScheduler(seed);
      const xs = Array.from({ length: 1000 }, () => s.next());
      expect(Math.min(...xs)).toBeLessThan(0.05);
      expect(Math.max(...xs)).toBeGreaterThan(0.95);
      const mean = xs.reduce((p, q) => p + q, 0) / xs.length;
      expect(mean).toBeGreaterThan(0.4);
      expect(mean).toBeLessThan(0.6);
    }
    const half = new JobScheduler(9, 0.3, 0.7);
    let starts = 0;
    let delivers = 0;
    for (let i = 0; i < 2000; i++) {
      if (half.startNow()) starts++;
      if (half.deliverNow()) delivers++;
    }
    expect(starts / 2000).toBeGreaterThan(0.25);
    expect(starts / 2000).toBeLessThan(0.35);
    expect(delivers / 2000).toBeGreaterThan(0.65);
    expect(delivers / 2000).toBeLessThan(0.75);
  });

  it('takeAll empties the list into a new array', () => {
    const list = [1, 2];
    const got = takeAll(list);
    expect(got).toEqual([1, 2]);
    expect(list).toEqual([]);
    expect(takeAll(list)).toEqual([]);
    expect(takeAll(list)).not.toBe(list);
  });
});

describe('IngestWorkerSession (the worker side of ingest)', () => {
  function chunk(from: number, to: number): { chunk: Uint8Array; count: number } {
    const p = new ChunkPacker(1 << 16);
    for (let i = from; i < to; i++) p.add(k(`key${String(i).padStart(5, '0')}`), k(`value${i}`.padEnd(40, '.')));
    return p.take();
  }

  function session(fs: MemFs | FaultFs): { s: IngestWorkerSession; opened: () => number; closed: () => number } {
    let opened = 0;
    let closed = 0;
    const s = new IngestWorkerSession(() => {
      opened++;
      return { env: env(fs), close: () => closed++ };
    });
    return { s, opened: () => opened, closed: () => closed };
  }

  const spec = (id: number, c: { chunk: Uint8Array; count: number }, first: boolean, last: boolean, numbers = { first: 100 + id * 10, end: 110 + id * 10 }) =>
    ({ kind: 'ingest-chunk', id, numbers, seqno: 77, tableBytes: 2048, compression: NONE, chunk: c.chunk, count: c.count, first, last }) as const;

  it('writes the chunks of a session into tables cut near tableBytes, at the session seqno, numbered from each chunk\'s range', () => {
    const fs = memFs();
    const { s, opened, closed } = session(fs);
    const r1 = s.run(spec(1, chunk(0, 100), true, false));
    expect(r1.ok).toBe(true);
    const r2 = s.run(spec(2, chunk(100, 200), false, true));
    expect(r2.ok).toBe(true);
    if (!r1.ok || !r2.ok) return;
    const tables = [...r1.tables, ...r2.tables];
    expect(tables.length).toBeGreaterThan(2);
    expect(tables.reduce((n, t) => n + t.entries, 0)).toBe(200);
    for (const t of r1.tables) expect(t.id).toBeGreaterThanOrEqual(110);
    expect(r2.tables.some((t) => t.id >= 120)).toBe(true);
    expect(r1.tableBytes).toBe(r1.tables.reduce((n, t) => n + t.size, 0));
    expect(r2.tableBytes).toBe(r2.tables.reduce((n, t) => n + t.size, 0));
    expect(r2.blob).toEqual({ bytesWritten: 0, dictionaryFiles: 0, rewrittenValues: 0, rewrittenBytes: 0 });
    expect(r2.merge).toBeUndefined();
    expect(r2.millis).toBeLessThan(60_000);
    for (const t of tables) {
      expect([t.smallestSeqno, t.largestSeqno]).toEqual([77, 77]);
      expect(tableEntries(fs, t.id).every((e) => e.includes('@77:'))).toBe(true);
    }
    expect(fs.readDir(DIR).length).toBe(tables.length);
    expect([opened(), closed()]).toEqual([1, 1]);
  });

  it('a table open at the end of a chunk goes on into the next: two chunks give the tables one chunk gives', () => {
    const one = memFs();
    const a = session(one).s;
    const whole = a.run(spec(1, chunk(0, 200), true, true));
    const two = memFs();
    const b = session(two).s;
    const first = b.run(spec(1, chunk(0, 100), true, false));
    const second = b.run(spec(2, chunk(100, 200), false, true, { first: 110, end: 130 }));
    if (!whole.ok || !first.ok || !second.ok) throw new Error('ingest failed');
    expect(first.blobFiles).toEqual([]);
    expect(first.blob).toEqual({ bytesWritten: 0, dictionaryFiles: 0, rewrittenValues: 0, rewrittenBytes: 0 });
    const sizes = (ts: { size: number; entries: number }[]) => ts.map((t) => [t.entries, t.size]);
    expect(sizes([...first.tables, ...second.tables])).toEqual(sizes(whole.tables));
  });

  it('an errno error of the session itself names ingest', () => {
    const mem = memFs();
    const fs = new FaultFs(mem);
    fs.addRule({ op: 'syncDirectory', fault: { type: 'error', code: 'EIO' } });
    const { s } = session(fs);
    const r = s.run(spec(1, chunk(0, 10), true, true)) as JobFailure;
    expect(r.ok).toBe(false);
    expect(r.error.message.startsWith('ingest(): writing its tables: ')).toBe(true);
    expect(mem.readDir(DIR)).toEqual([]);
    const t0 = performance.now();
    const abort = s.run({ kind: 'ingest-abort', id: 2 });
    expect(abort.millis).toBeLessThanOrEqual(performance.now() - t0);
  });

  it('a chunk without a session fails; an abort removes what the session wrote and ends it', () => {
    const fs = memFs();
    const { s, closed } = session(fs);
    const lone = s.run(spec(1, chunk(0, 10), false, false)) as JobFailure;
    expect(lone.ok).toBe(false);
    expect(lone.error.message).toBe('ingest chunk without a session');
    expect(s.run(spec(2, chunk(0, 100), true, false)).ok).toBe(true);
    expect(fs.readDir(DIR).length).toBeGreaterThan(0);
    const abort = s.run({ kind: 'ingest-abort', id: 3 });
    expect(abort).toMatchObject({ id: 3, ok: true, tables: [], blobFiles: [], tableBytes: 0, merge: undefined });
    expect(fs.readDir(DIR)).toEqual([]);
    expect(closed()).toBe(1);
    expect((s.run(spec(4, chunk(100, 110), false, true)) as JobFailure).error.message).toBe('ingest chunk without a session');
  });

  it('a failed chunk removes the session\'s files, and every later chunk of it fails naming the first error; a new session starts clean', () => {
    const mem = memFs();
    const fs = new FaultFs(mem);
    const { s, opened, closed } = session(fs);
    expect(s.run(spec(1, chunk(0, 100), true, false)).ok).toBe(true);
    const rule = fs.addRule({ op: 'write', path: '.sst', fault: { type: 'error', code: 'EIO' } });
    const bad = s.run(spec(2, chunk(100, 200), false, false)) as JobFailure;
    expect(bad.ok).toBe(false);
    expect(bad.error.code).toBe('LSM_IO');
    expect(bad.millis).toBeLessThan(60_000);
    expect(mem.readDir(DIR)).toEqual([]);
    expect(closed()).toBe(1);
    rule.disarm();
    const later = s.run(spec(3, chunk(200, 210), false, true)) as JobFailure;
    expect(later.ok).toBe(false);
    expect(later.error.message).toContain('an earlier chunk of this ingest failed: ');
    expect(later.error.message).toContain(bad.error.message);
    expect(mem.readDir(DIR)).toEqual([]);
    // A new session forgets the failure.
    const fresh = s.run(spec(4, chunk(0, 5), true, true));
    expect(fresh.ok).toBe(true);
    expect(opened()).toBe(2);
    expect(closed()).toBe(2);
    expect(mem.readDir(DIR).length).toBe(1);
  });

  it('a first chunk while a session is open abandons the old one', () => {
    const fs = memFs();
    const { s, closed } = session(fs);
    expect(s.run(spec(1, chunk(0, 100), true, false)).ok).toBe(true);
    const before = fs.readDir(DIR);
    expect(before.length).toBeGreaterThan(0);
    const r = s.run(spec(5, chunk(0, 3), true, true));
    expect(r.ok).toBe(true);
    expect(closed()).toBe(2);
    for (const n of before) expect(fs.exists(`${DIR}/${n}`)).toBe(false);
    expect(fs.readDir(DIR).length).toBe(1);
    // An abort with no session open does nothing.
    expect(s.run({ kind: 'ingest-abort', id: 6 }).ok).toBe(true);
    expect(fs.readDir(DIR).length).toBe(1);
    expect(closed()).toBe(2);
  });
});

describe('tableInputs (a compaction\'s view of its input tables)', () => {
  function twoTables(fs: MemFs): void {
    for (const id of [1, 2]) {
      const r = executeJob(env(fs), flushSpec({ id, numbers: { first: id, end: id + 1 } }), () => source([[`k${id}`, id, ValueType.Value, 'v'.repeat(300)]]), false);
      expect(r.ok).toBe(true);
    }
  }

  it('reads inputs without filling the block cache', () => {
    const fs = memFs();
    twoTables(fs);
    const blockCache = new BlockCache(1 << 20);
    const cache = new TableCache(fs, DIR, bytewiseComparator, blockCache, 10);
    const it = tableInputs(cache).openInput({ id: 1 } as never);
    let n = 0;
    for (it.seekToFirst(); it.valid(); it.next()) n++;
    it.close();
    expect(n).toBe(1);
    expect(blockCache.stats().inserts).toBe(0);
    cache.close();
  });

  it('gives back the reference it takes to read range tombstones (the table can be closed after)', () => {
    const fs = memFs();
    twoTables(fs);
    const cache = new TableCache(fs, DIR, bytewiseComparator, undefined, 4);
    expect(tableInputs(cache).inputTombstones({ id: 1 } as never)).toEqual([]);
    expect(cache.size).toBe(1);
    cache.forget(1); // closes only a table nobody holds
    expect(cache.size).toBe(0);
    cache.close();
  });
});
