// The workloads, as in RocksDB's db_bench, written once against the Adapter interface so
// that every engine runs exactly the same loop over exactly the same key stream.
//
// Promises:
// - the timed loops allocate nothing per operation beyond the key view the engine API
//   needs (keys are views into one pre-built buffer, values come from a fixed set of views,
//   batches reuse their arrays, latencies go into a preallocated Float64Array);
// - a synchronous engine call is never awaited (awaiting costs a microtask per call); an
//   asynchronous one is awaited once per call, one call in flight at a time;
// - latency is sampled with performance.now(): per operation for point reads and seeks,
//   per batch for writes (reported per operation: batch time / batch size), per chunk of
//   SCAN_CHUNK entries for scans (chunk time / SCAN_CHUNK);
// - results are checked (untimed, or counted in the loop): a read workload that finds the
//   wrong number of keys, and a write workload whose keys are not readable afterwards,
//   throw instead of reporting a throughput.

import { performance } from 'node:perf_hooks';
import type { RunSettings, WorkloadName } from './args.js';
import type { Adapter, ScanSpec, Visit, WriteBatchView } from './adapters/adapter.js';
import { type KeySpace, Role, type ValueSource, permutation, sequential, streamDigest, streamSeed } from './keys.js';
import { LatencyRecorder } from './stats.js';

/** Entries per latency sample of a scan. */
export const SCAN_CHUNK = 100;
/** Entries a seekrandom operation reads: the entry it seeks to plus 10 nexts. */
export const SEEK_ENTRIES = 11;
/** readwhilewriting: one write batch after every READS_PER_WRITE_BATCH x --batch reads (writes are ~10% of operations). */
export const READS_PER_WRITE_BATCH = 10;
/** Keys read back (untimed) to check a write workload. */
const CHECK_SAMPLE = 1000;
/** Operations between two progress reports. */
const PROGRESS_EVERY = 16_384;

/** Everything a workload needs. */
export interface WorkloadContext {
  adapter: Adapter;
  settings: RunSettings;
  keys: KeySpace;
  values: ValueSource;
  /** Reports progress of the current stage (cheap; called every few thousand operations). */
  progress(stage: 'load' | 'settle' | 'run', done: number, total: number): void;
}

/** What the timed phase of a workload measured. */
export interface Measured {
  /** Operations the throughput counts (keys written, keys read, seeks, entries scanned). */
  ops: number;
  /** Bytes of keys and values written or returned. */
  bytes: number;
  /** Wall time of the timed phase, milliseconds. */
  ms: number;
  /** The samples; summarised by the worker after the timed (and profiled) phase. */
  latency: LatencyRecorder;
  /** What one latency sample timed. */
  latencyUnit: 'op' | 'batch' | 'chunk';
  /** Bytes of keys and values the timed phase wrote (for write amplification). */
  userBytesWritten: number;
  /** Workload-specific counts: keys found, entries read, writes interleaved. */
  counts: Record<string, number>;
  /**
   * FNV-1a of the keys of the timed phase in the order used (identical across engines);
   * a function so that the worker computes it outside the timed (and profiled) phase.
   */
  digest: () => string;
}

/** A workload: whether it starts from a loaded store, and its timed phase. */
export interface Workload {
  /** Load `num` keys in random order (untimed) and settle before the timed phase. */
  needsLoad: boolean;
  run(ctx: WorkloadContext): Promise<Measured>;
}

/** The order a read stream visits keys: a seeded permutation, cycled if reads > num. */
function readOrder(ctx: WorkloadContext): Uint32Array {
  return permutation(ctx.settings.num, streamSeed(ctx.settings.seed, Role.read));
}

/** The order of the untimed load (and of fillrandom). */
export function loadOrder(s: RunSettings): Uint32Array {
  return permutation(s.num, streamSeed(s.seed, Role.load));
}

/**
 * Writes keys `order[0..count)` in batches of --batch (values numbered from `valueBase`),
 * or deletes them. Returns bytes written; records one latency sample per batch if asked,
 * and reports progress as `stage` (none if undefined).
 */
export async function writeStream(
  ctx: WorkloadContext,
  order: Uint32Array,
  count: number,
  valueBase: number,
  del: boolean,
  rec: LatencyRecorder | undefined,
  stage: 'load' | 'run' | undefined,
): Promise<number> {
  const { adapter, keys, values } = ctx;
  const size = ctx.settings.batch;
  const batchKeys: Uint8Array[] = new Array<Uint8Array>(size);
  const batchValues: Uint8Array[] | undefined = del ? undefined : new Array<Uint8Array>(size);
  const view: WriteBatchView = { keys: batchKeys, values: batchValues, length: 0 };
  let bytes = 0;
  let nextReport = 0;
  for (let i = 0; i < count; i += size) {
    const n = Math.min(size, count - i);
    for (let j = 0; j < n; j++) {
      const k = keys.key(order[(i + j) % order.length]!);
      batchKeys[j] = k;
      bytes += k.length;
      if (batchValues !== undefined) {
        const v = values.value(valueBase + i + j);
        batchValues[j] = v;
        bytes += v.length;
      }
    }
    view.length = n;
    const t0 = performance.now();
    const r = adapter.write(view);
    if (r !== undefined) await r;
    if (rec !== undefined) rec.record(performance.now() - t0, n);
    if (stage !== undefined && i >= nextReport) {
      ctx.progress(stage, i + n, count);
      nextReport = i + PROGRESS_EVERY;
    }
  }
  if (stage !== undefined) ctx.progress(stage, count, count);
  return bytes;
}

/** Reads (untimed) a sample of `order` and checks each key is present (or absent). */
async function checkSample(ctx: WorkloadContext, order: Uint32Array, expectPresent: boolean, what: string): Promise<void> {
  const step = Math.max(1, Math.floor(order.length / CHECK_SAMPLE));
  for (let i = 0; i < order.length; i += step) {
    const k = ctx.keys.key(order[i]!);
    const v = ctx.adapter.get !== undefined ? ctx.adapter.get(k) : await ctx.adapter.getAsync!(k);
    if ((v !== undefined) !== expectPresent) {
      throw new Error(`${what}: key #${order[i]} is ${v === undefined ? 'missing' : 'still present'} after the workload`);
    }
  }
}

/** A write workload: `count` keys of `order`, timed per batch. */
async function timedWrites(ctx: WorkloadContext, order: Uint32Array, valueBase: number, del: boolean, what: string): Promise<Measured> {
  const count = ctx.settings.num;
  const rec = new LatencyRecorder(Math.ceil(count / ctx.settings.batch));
  const t0 = performance.now();
  const bytes = await writeStream(ctx, order, count, valueBase, del, rec, 'run');
  const ms = performance.now() - t0;
  await checkSample(ctx, order, !del, what);
  return {
    ops: count,
    bytes,
    ms,
    latency: rec,
    latencyUnit: 'batch',
    userBytesWritten: bytes,
    counts: {},
    digest: () => streamDigest(ctx.keys, order, count, false),
  };
}

/**
 * Point reads of `reads` keys of `order` (absent twins if `missing`), one at a time, timed
 * per read. With `writeEvery` > 0, a batch of overwrites (keys of `writeOrder`) goes in
 * after every `writeEvery` reads; its time counts in the phase, not in read latencies.
 */
async function timedReads(ctx: WorkloadContext, order: Uint32Array, missing: boolean, writeEvery: number, writeOrder?: Uint32Array): Promise<Measured> {
  const { adapter, keys } = ctx;
  const reads = ctx.settings.reads;
  const n = order.length;
  const rec = new LatencyRecorder(reads);
  let found = 0;
  let bytes = 0;
  let written = 0;
  let writtenBytes = 0;
  let nextWrite = writeEvery > 0 ? writeEvery : Number.POSITIVE_INFINITY;
  const syncGet = adapter.get !== undefined;
  const t0 = performance.now();
  let last = t0;
  for (let j = 0; j < reads; j++) {
    const idx = order[j < n ? j : j % n]!;
    const k = missing ? keys.missingKey(idx) : keys.key(idx);
    const v = syncGet ? adapter.get!(k) : await adapter.getAsync!(k);
    if (v !== undefined) {
      found++;
      bytes += k.length + v.length;
    }
    const now = performance.now();
    rec.record(now - last, 1);
    last = now;
    if ((j & (PROGRESS_EVERY - 1)) === 0) ctx.progress('run', j, reads);
    if (j + 1 === nextWrite && writeOrder !== undefined) {
      const off = written % writeOrder.length;
      const sub = writeOrder.subarray(off, Math.min(writeOrder.length, off + ctx.settings.batch));
      writtenBytes += await writeStream(ctx, sub, sub.length, Role.background * 7919 + written, false, undefined, undefined);
      written += sub.length;
      nextWrite += writeEvery;
      last = performance.now();
      rec.noteCall(last - now);
    }
  }
  const ms = performance.now() - t0;
  ctx.progress('run', reads, reads);
  const expected = missing ? 0 : reads;
  if (found !== expected) throw new Error(`${missing ? 'readmissing' : 'read'}: found ${found} of ${reads} keys, expected ${expected}`);
  return {
    ops: reads,
    bytes,
    ms,
    latency: rec,
    latencyUnit: 'op',
    userBytesWritten: writtenBytes,
    counts: writeEvery > 0 ? { found, writes: written } : { found },
    digest: () => streamDigest(keys, order, reads, missing),
  };
}

/** A full scan, forward or reverse; timed per chunk of SCAN_CHUNK entries. */
async function timedScan(ctx: WorkloadContext, reverse: boolean): Promise<Measured> {
  const { adapter } = ctx;
  const total = ctx.settings.num;
  const rec = new LatencyRecorder(Math.ceil(total / SCAN_CHUNK) + 1);
  let seen = 0;
  let bytes = 0;
  let inChunk = 0;
  let last = 0;
  const visit: Visit = (k, v) => {
    bytes += k.length + v.length;
    if (++inChunk === SCAN_CHUNK) {
      const now = performance.now();
      rec.record(now - last, SCAN_CHUNK);
      last = now;
      seen += SCAN_CHUNK;
      inChunk = 0;
      if ((seen & (PROGRESS_EVERY - 1)) < SCAN_CHUNK) ctx.progress('run', seen, total);
    }
  };
  const spec: ScanSpec = { reverse, from: undefined, limit: Number.POSITIVE_INFINITY };
  const t0 = performance.now();
  last = t0;
  const n = adapter.scan !== undefined ? adapter.scan(spec, visit) : await adapter.scanAsync!(spec, visit);
  const end = performance.now();
  if (inChunk > 0) rec.record(end - last, inChunk);
  ctx.progress('run', total, total);
  if (n !== total) throw new Error(`${reverse ? 'readreverse' : 'readseq'}: scanned ${n} entries, expected ${total}`);
  return {
    ops: n,
    bytes,
    ms: end - t0,
    latency: rec,
    latencyUnit: 'chunk',
    userBytesWritten: 0,
    counts: { entries: n },
    digest: () => streamDigest(ctx.keys, reverse ? reversed(ctx.settings.num) : sequential(ctx.settings.num), total, false),
  };
}

function reversed(n: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = n - 1 - i;
  return p;
}

/** `reads` seeks to keys of the read order, each reading SEEK_ENTRIES entries; timed per seek. */
async function timedSeeks(ctx: WorkloadContext): Promise<Measured> {
  const { adapter, keys } = ctx;
  const reads = ctx.settings.reads;
  const num = ctx.settings.num;
  const order = readOrder(ctx);
  const rec = new LatencyRecorder(reads);
  let bytes = 0;
  let entries = 0;
  let expected = 0;
  const visit: Visit = (k, v) => {
    bytes += k.length + v.length;
  };
  const spec: ScanSpec = { reverse: false, from: undefined, limit: SEEK_ENTRIES };
  const syncScan = adapter.scan !== undefined;
  const t0 = performance.now();
  let last = t0;
  for (let j = 0; j < reads; j++) {
    const idx = order[j < num ? j : j % num]!;
    spec.from = keys.key(idx);
    entries += syncScan ? adapter.scan!(spec, visit) : await adapter.scanAsync!(spec, visit);
    const now = performance.now();
    rec.record(now - last, 1);
    last = now;
    expected += Math.min(SEEK_ENTRIES, num - idx);
    if ((j & (PROGRESS_EVERY - 1)) === 0) ctx.progress('run', j, reads);
  }
  const ms = performance.now() - t0;
  ctx.progress('run', reads, reads);
  if (entries !== expected) throw new Error(`seekrandom: read ${entries} entries, expected ${expected}`);
  return {
    ops: reads,
    bytes,
    ms,
    latency: rec,
    latencyUnit: 'op',
    userBytesWritten: 0,
    counts: { entries },
    digest: () => streamDigest(keys, order, reads, false),
  };
}

/** Every workload by name. */
export const WORKLOAD_IMPLS: Record<WorkloadName, Workload> = {
  fillseq: { needsLoad: false, run: (ctx) => timedWrites(ctx, sequential(ctx.settings.num), 0, false, 'fillseq') },
  fillrandom: { needsLoad: false, run: (ctx) => timedWrites(ctx, loadOrder(ctx.settings), 0, false, 'fillrandom') },
  overwrite: {
    needsLoad: true,
    run: (ctx) => timedWrites(ctx, permutation(ctx.settings.num, streamSeed(ctx.settings.seed, Role.overwrite)), Role.overwrite * 7919, false, 'overwrite'),
  },
  readrandom: { needsLoad: true, run: (ctx) => timedReads(ctx, readOrder(ctx), false, 0) },
  readmissing: { needsLoad: true, run: (ctx) => timedReads(ctx, readOrder(ctx), true, 0) },
  readseq: { needsLoad: true, run: (ctx) => timedScan(ctx, false) },
  readreverse: { needsLoad: true, run: (ctx) => timedScan(ctx, true) },
  seekrandom: { needsLoad: true, run: timedSeeks },
  deleterandom: {
    needsLoad: true,
    run: (ctx) => timedWrites(ctx, permutation(ctx.settings.num, streamSeed(ctx.settings.seed, Role.delete)), 0, true, 'deleterandom'),
  },
  readwhilewriting: {
    needsLoad: true,
    run: (ctx) =>
      timedReads(ctx, readOrder(ctx), false, READS_PER_WRITE_BATCH * ctx.settings.batch, permutation(ctx.settings.num, streamSeed(ctx.settings.seed, Role.background))),
  },
};
