// WorkerRunner: one store's jobs on the process's worker threads (worker-pool.ts), the
// default on NodeFs. A store attaches to each pool worker it uses with its own
// MessagePort and its JobStoreConfig; the worker opens a NodeFs (confined to the store's
// root), zstd and cipher for it and runs one job at a time, whichever store sent it.
// With one thread every job of the store queues on worker 0; with more, worker 0 takes
// the flushes and the others the compactions. Results come back on the store's ports and
// are counted in the store's SharedArrayBuffer, so the store sees them without yielding
// to the event loop: poll() is one Atomics.load when nothing is new, and wait() sleeps in
// Atomics.wait. While the store is idle, results also arrive through the event loop
// (`onResult`). Ports are unref'd, like the pool's workers: an idle store never keeps the
// process alive. close() detaches; a worker still running a job of this store is ended.

import { MessageChannel, type MessagePort, receiveMessageOnPort } from 'node:worker_threads';
import { LsmError, bytewiseComparator } from '@lsm/base';
import { type MemtableImage, imageTransferList, memtableImage } from '../memtable/memtable-image.js';
import { NodeFs } from '@lsm/fs';
import type { ResolvedOptions } from '../options.js';
import { isBuiltInCompactionFilter, isBuiltInMergeOperator, isBuiltInPrefixExtractor } from './built-in-functions.js';
import { type UserFunctionRole, type WorkerFunctionRef, workerModuleOf } from './user-functions.js';
import { type JobRunner, type LocalJobInputs, takeAll } from './job-runner.js';
import type { IngestJobSpec, JobFailure, JobResult, JobSpec, JobStoreConfig } from './job-types.js';
import { type PoolWorker, poolWorker, retire } from './worker-pool.js';

/** What a worker is sent per job. */
export interface WorkerJobMessage {
  spec: JobSpec | IngestJobSpec;
  blobWork: boolean;
  /** A flush's memtable (its entry arrays are moved, its arena shared). */
  memtable?: MemtableImage;
}

/** What a store sends a pool worker to attach to it (as the worker's parentPort message). */
export interface WorkerAttach {
  attach: {
    config: JobStoreConfig;
    /** The store's end is the runner's; results come back on this one. */
    port: MessagePort;
    /** The store's result counter, bumped after each result is posted. */
    signal: SharedArrayBuffer;
  };
}

/** What a worker posts instead of results when it cannot load the user's functions. */
export interface WorkerInitFailure {
  initError: string;
}

/** How long a new worker may take to load its module before its jobs are failed. */
const WORKER_START_MS = 10_000;

/** How long close() waits for this store's jobs still running on a worker before ending it. */
const CLOSE_GRACE_MS = 5_000;

/** Why a job failed whose worker another store ended (retire). */
const RETIRED = 'background worker ended (another store closed while its job ran there)';

interface Slot {
  pw: PoolWorker;
  port: MessagePort;
  jobs: Set<number>;
  /** Fails the slot's jobs and forgets the worker (the pool's end listener). */
  lost: (why: string, beforeStart: boolean) => void;
}

/** Runs one store's jobs on the process's pool workers. */
export class WorkerRunner implements JobRunner {
  readonly kind = 'worker';
  private readonly slots: (Slot | undefined)[];
  private readonly signal = new SharedArrayBuffer(4);
  private readonly counter = new Int32Array(this.signal);
  private seen = 0;
  private readonly ready: JobResult[] = [];
  private closed = false;
  /** Set when a worker could not start: the store runs its jobs inline from then on. */
  unusable: string | undefined;
  /** Called (from the event loop) when results arrived while nobody polled. */
  onResult: (() => void) | undefined;

  constructor(
    private readonly config: JobStoreConfig,
    threads: number,
  ) {
    this.slots = new Array<Slot | undefined>(threads).fill(undefined);
  }

  get inFlight(): number {
    let n = this.ready.length;
    for (const s of this.slots) n += s?.jobs.size ?? 0;
    return n;
  }

  submit(spec: JobSpec, local: LocalJobInputs): void {
    // With two or more workers, flushes (and log syncs) have worker 0 to themselves: a
    // flush never waits behind a long compaction (which would stall writers on sealed
    // memtables).
    let best = spec.kind !== 'compaction' || this.slots.length === 1 ? 0 : 1;
    if (spec.kind === 'compaction') {
      for (let i = 2; i < this.slots.length; i++) {
        if ((this.slots[i]?.jobs.size ?? 0) < (this.slots[best]?.jobs.size ?? 0)) best = i;
      }
    }
    if (spec.kind !== 'flush') {
      this.post(best, spec, local.blobWork, []);
      return;
    }
    if (local.mem === undefined) throw new LsmError('LSM_INVALID_ARGUMENT', `flush job ${spec.id} submitted without its memtable`);
    const memtable = memtableImage(local.mem);
    this.post(best, spec, local.blobWork, imageTransferList(memtable), memtable);
  }

  /**
   * Submits a job of an ingestion session to worker 0 (a runner of its own: the store's
   * runner installs every result it sees). A chunk's buffer is transferred, not copied:
   * the caller must not touch it afterwards.
   */
  submitIngest(spec: IngestJobSpec): void {
    this.post(0, spec, false, spec.kind === 'ingest-chunk' ? [spec.chunk.buffer as ArrayBuffer] : []);
  }

  /** Sends a job to pool worker `i`, attaching to it (and starting it) first if needed. */
  private post(i: number, spec: JobSpec | IngestJobSpec, blobWork: boolean, transfer: ArrayBuffer[], memtable?: MemtableImage): void {
    let slot = this.slots[i];
    if (slot?.pw.retired === true) {
      // Ended by another store since this one's last job there: attach to its successor.
      this.detach(i, slot, RETIRED);
      slot = undefined;
    }
    if (slot === undefined) {
      try {
        slot = this.start(i);
      } catch (err) {
        // No worker can be had here: this job fails (and is retried inline), and so
        // would every next one.
        this.unusable = `background worker could not be created: ${err instanceof Error ? err.message : String(err)}`;
        this.ready.push(lostJob(spec.id, this.unusable));
        return;
      }
    }
    slot.jobs.add(spec.id);
    const msg: WorkerJobMessage = memtable === undefined ? { spec, blobWork } : { spec, blobWork, memtable };
    slot.port.postMessage(msg, transfer);
  }

  /** Attaches this store to pool worker `i` (starting it if the pool has none). */
  private start(i: number): Slot {
    const pw = poolWorker(i);
    const { port1, port2 } = new MessageChannel();
    const attach: WorkerAttach = { attach: { config: this.config, port: port2, signal: this.signal } };
    pw.worker.postMessage(attach, [port2]);
    const slot: Slot = {
      pw,
      port: port1,
      jobs: new Set(),
      // The worker ended (it should not: jobs catch their errors): its jobs fail; the
      // next submit starts a new one.
      lost: (why, beforeStart) => {
        if (beforeStart) this.unusable = why;
        this.detach(i, slot, why);
        if (!this.closed) this.onResult?.();
      },
    };
    pw.onEnd.add(slot.lost);
    port1.on('message', (m: JobResult | WorkerInitFailure) => {
      this.accept(i, slot, m);
      this.onResult?.();
    });
    // After the listener: adding one refs the port again.
    port1.unref();
    this.slots[i] = slot;
    return slot;
  }

  /** Forgets slot `i`: what it posted still counts, its other jobs fail, its port closes. */
  private detach(i: number, slot: Slot, why: string): void {
    if (this.slots[i] === slot) this.slots[i] = undefined;
    slot.pw.onEnd.delete(slot.lost);
    // A result posted just before the end still counts.
    for (let m = receiveMessageOnPort(slot.port); m !== undefined; m = receiveMessageOnPort(slot.port)) this.accept(i, slot, m.message as JobResult | WorkerInitFailure);
    for (const id of slot.jobs) this.ready.push(lostJob(id, why));
    slot.jobs.clear();
    slot.port.close();
  }

  /**
   * Fails the jobs of a worker that never started (its module failed to load), or that
   * another store retired. Their 'error' and 'exit' events need the event loop, which a
   * caller blocked in wait() never reaches, so the worker's first act is to raise a flag
   * (a worker without it after WORKER_START_MS is given up) and retire() raises another.
   */
  private reapEnded(): void {
    const now = performance.now();
    this.slots.forEach((slot, i) => {
      if (slot === undefined || slot.jobs.size === 0) return;
      if (slot.pw.retired) {
        this.detach(i, slot, RETIRED);
      } else if (Atomics.load(slot.pw.started, 0) === 0 && now - slot.pw.startedAt > WORKER_START_MS) {
        this.unusable = `background worker did not start within ${WORKER_START_MS} ms`;
        this.detach(i, slot, this.unusable);
        retire(slot.pw);
      }
    });
  }

  private accept(i: number, slot: Slot, m: JobResult | WorkerInitFailure): void {
    if ('initError' in m) {
      // The user's functions could not be loaded there: every job runs inline from now on,
      // where the store's own objects are (the jobs sent so far fail and are retried).
      // The worker itself stays, for the other stores.
      this.unusable = m.initError;
      if (this.slots[i] === slot) this.detach(i, slot, m.initError);
      return;
    }
    if (!slot.jobs.delete(m.id)) return;
    this.ready.push(m);
  }

  private drain(): void {
    this.slots.forEach((slot, i) => {
      if (slot === undefined || slot.jobs.size === 0) return;
      for (let m = receiveMessageOnPort(slot.port); m !== undefined && this.slots[i] === slot; m = receiveMessageOnPort(slot.port)) this.accept(i, slot, m.message as JobResult | WorkerInitFailure);
    });
  }

  poll(): JobResult[] {
    const c = Atomics.load(this.counter, 0);
    if (c !== this.seen) {
      this.seen = c;
      this.drain();
    }
    return takeAll(this.ready);
  }

  wait(timeoutMs: number): JobResult[] {
    const got = this.poll();
    if (got.length > 0 || this.inFlight === 0) return got;
    this.reapEnded();
    if (this.ready.length > 0) return takeAll(this.ready);
    // Returns at once if a result was counted since the poll.
    Atomics.wait(this.counter, 0, this.seen, timeoutMs);
    const after = this.poll();
    if (after.length > 0) return after;
    this.reapEnded();
    return takeAll(this.ready);
  }

  /**
   * Detaches from the pool's workers. A job of this store still running (close() after a
   * failure) is waited for up to `graceMs` (its result is dropped: its files are orphans
   * the next open removes); a worker whose job does not end by then is ended (retire), so
   * the job cannot go on writing files that the next open of the store may reuse.
   */
  close(graceMs = CLOSE_GRACE_MS): void {
    if (this.closed) return;
    const end = performance.now() + graceMs;
    for (let left = graceMs; this.inFlight > this.ready.length && left > 0; left = end - performance.now()) this.wait(Math.min(left, 200));
    this.closed = true;
    this.slots.forEach((slot, i) => {
      if (slot === undefined) return;
      const busy = slot.jobs.size > 0;
      slot.jobs.clear();
      this.detach(i, slot, 'store closed');
      if (busy) retire(slot.pw);
    });
    this.ready.length = 0;
  }
}

function lostJob(id: number, why: string): JobFailure {
  return { id, ok: false, error: { code: 'LSM_IO', name: 'IoError', message: why, causeCode: undefined, causeMessage: undefined }, millis: 0 };
}

/**
 * Whether a worker can run the user function `fn`: none given, a built-in it resolves by
 * name (`builtIn`), or one tagged with loadableOnWorker().
 */
export function workerCanRun<T extends object>(fn: T | undefined, builtIn: (fn: T) => boolean): boolean {
  return fn === undefined || builtIn(fn) || workerModuleOf(fn) !== undefined;
}

/**
 * The worker runner of a store on the real disk, or undefined when every job runs inline:
 * `backgroundThreads: 0`, an in-process Fs, a custom comparator or prefix extractor that
 * loadableOnWorker() did not tag (a worker cannot load it), or a job scheduler (tests).
 */
export function workerRunnerFor(dir: string, opts: ResolvedOptions): WorkerRunner | undefined {
  if (opts.backgroundThreads === 0 || !(opts.fs instanceof NodeFs)) return undefined;
  if (!workerCanRun(opts.comparator, (c) => c === bytewiseComparator) || !workerCanRun(opts.prefixExtractor, isBuiltInPrefixExtractor)) return undefined;
  if (opts.jobScheduler !== undefined) return undefined;
  const userFunctions: WorkerFunctionRef[] = [];
  const tagged = (role: UserFunctionRole, fn: { name: string } | undefined): void => {
    const ref = workerModuleOf(fn);
    if (fn !== undefined && ref !== undefined) userFunctions.push({ role, name: fn.name, ...ref });
  };
  tagged('mergeOperator', opts.mergeOperator);
  tagged('compactionFilter', opts.compactionFilter);
  if (opts.comparator !== bytewiseComparator) tagged('comparator', opts.comparator);
  tagged('prefixExtractor', opts.prefixExtractor);
  const config: JobStoreConfig = {
    dir,
    root: opts.fs.root ?? dir,
    blockSize: opts.blockSize,
    blockRestartInterval: opts.blockRestartInterval,
    filter: opts.filter,
    encryption: opts.encryptionOptions,
    kvSeparation: opts.kvSeparation,
    mergeOperatorName: opts.mergeOperator !== undefined && isBuiltInMergeOperator(opts.mergeOperator.name) ? opts.mergeOperator.name : undefined,
    prefixExtractorName: opts.prefixExtractor !== undefined && isBuiltInPrefixExtractor(opts.prefixExtractor) ? opts.prefixExtractor.name : undefined,
    compactionFilterName: opts.compactionFilter !== undefined && isBuiltInCompactionFilter(opts.compactionFilter) ? opts.compactionFilter.name : undefined,
    userFunctions,
  };
  return new WorkerRunner(config, opts.backgroundThreads);
}
