// WorkerRunner: runs jobs on worker_threads, the default on NodeFs. Each worker opens its
// own NodeFs, zstd and cipher (from the JobStoreConfig) and runs one job at a time. With
// one worker every job queues on it; with more, worker 0 takes the flushes and the
// others the compactions. Results come back on a MessagePort per worker and
// are counted in a SharedArrayBuffer, so the store sees them without yielding to the
// event loop: poll() is one Atomics.load when nothing is new, and wait() sleeps in
// Atomics.wait. While the store is idle, results also arrive through the event loop
// (`onResult`). Workers and ports are unref'd: an idle store never keeps the process
// alive, and close() terminates them (no thread outlives its store).

import { MessageChannel, type MessagePort, Worker, receiveMessageOnPort } from 'node:worker_threads';
import { LsmError, bytewiseComparator } from '@lsm/base';
import { type MemtableImage, imageTransferList, memtableImage } from '../memtable/memtable-image.js';
import { NodeFs } from '@lsm/fs';
import type { ResolvedOptions } from '../options.js';
import { isBuiltInCompactionFilter, isBuiltInMergeOperator, isBuiltInPrefixExtractor } from './built-in-functions.js';
import { type UserFunctionRole, type WorkerFunctionRef, workerModuleOf } from './user-functions.js';
import { type JobRunner, type LocalJobInputs, takeAll } from './job-runner.js';
import type { IngestJobSpec, JobFailure, JobResult, JobSpec, JobStoreConfig } from './job-types.js';
import { WORKER_SCRIPT } from './worker-script.js';

/** What a worker is sent per job. */
export interface WorkerJobMessage {
  spec: JobSpec | IngestJobSpec;
  blobWork: boolean;
  /** A flush's memtable (its entry arrays are moved, its arena shared). */
  memtable?: MemtableImage;
}

/** What a worker is started with. */
export interface WorkerInit {
  config: JobStoreConfig;
  port: MessagePort;
  signal: SharedArrayBuffer;
  /** The worker stores 1 in it once its module has loaded. */
  started: SharedArrayBuffer;
}

/** What a worker posts instead of results when it cannot load the user's functions. */
export interface WorkerInitFailure {
  initError: string;
}

/** How long a new worker may take to load its module before its jobs are failed. */
const WORKER_START_MS = 10_000;

interface Slot {
  worker: Worker;
  port: MessagePort;
  jobs: Set<number>;
  /** [0] becomes 1 once the worker's module has loaded. */
  started: Int32Array;
  startedAt: number;
  /** Fails the slot's jobs and forgets the worker. */
  lost?: (why: string) => void;
}

/** Runs jobs on worker threads. */
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

  /** Sends a job to worker `i`, starting it first if needed. */
  private post(i: number, spec: JobSpec | IngestJobSpec, blobWork: boolean, transfer: ArrayBuffer[], memtable?: MemtableImage): void {
    let slot = this.slots[i];
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

  private start(i: number): Slot {
    const { port1, port2 } = new MessageChannel();
    const started = new Int32Array(new SharedArrayBuffer(4));
    const init: WorkerInit = { config: this.config, port: port2, signal: this.signal, started: started.buffer as SharedArrayBuffer };
    // No flags of the main process: some are refused for workers (--expose-gc) and some
    // break the worker's module (the --input-type of `node -e`).
    const worker = new Worker(WORKER_SCRIPT, { workerData: init, transferList: [port2], execArgv: [] });
    const slot: Slot = { worker, port: port1, jobs: new Set(), started, startedAt: performance.now() };
    port1.on('message', (m: JobResult | WorkerInitFailure) => {
      this.accept(slot, m);
      this.onResult?.();
    });
    // After the listener: adding one refs the port again.
    worker.unref();
    port1.unref();
    // A worker that dies (it should not: jobs catch their errors) fails its jobs; the
    // next submit starts a new one.
    slot.lost = (why: string): void => {
      if (this.slots[i] === slot) this.slots[i] = undefined;
      // A result posted just before the end still counts.
      for (let m = receiveMessageOnPort(port1); m !== undefined; m = receiveMessageOnPort(port1)) this.accept(slot, m.message as JobResult | WorkerInitFailure);
      for (const id of slot.jobs) this.ready.push(lostJob(id, why));
      slot.jobs.clear();
      port1.close();
      if (!this.closed) this.onResult?.();
    };
    worker.on('error', (err) => {
      const why = `background worker failed: ${err instanceof Error ? err.message : String(err)}`;
      if (Atomics.load(started, 0) === 0) this.unusable = why;
      slot.lost?.(why);
    });
    worker.on('exit', (code) => slot.lost?.(`background worker exited with code ${code}`));
    this.slots[i] = slot;
    return slot;
  }

  /**
   * Fails the jobs of a worker that never started (its module failed to load). Its
   * 'error' and 'exit' events need the event loop, which a caller blocked in wait()
   * never reaches, so the worker's first act is to raise a flag; a worker without it
   * after WORKER_START_MS is given up.
   */
  private reapUnstarted(): void {
    const now = performance.now();
    for (const slot of this.slots) {
      if (slot === undefined || slot.jobs.size === 0 || Atomics.load(slot.started, 0) === 1) continue;
      if (now - slot.startedAt > WORKER_START_MS) {
        this.unusable = `background worker did not start within ${WORKER_START_MS} ms`;
        slot.lost?.(this.unusable);
      }
    }
  }

  private accept(slot: Slot, m: JobResult | WorkerInitFailure): void {
    if ('initError' in m) {
      // The user's functions could not be loaded there: every job runs inline from now on,
      // where the store's own objects are (the jobs sent so far fail and are retried).
      this.unusable = m.initError;
      const lost = slot.lost;
      slot.lost = undefined;
      lost?.(m.initError);
      void slot.worker.terminate();
      return;
    }
    if (!slot.jobs.delete(m.id)) return;
    this.ready.push(m);
  }

  private drain(): void {
    for (const slot of this.slots) {
      if (slot === undefined || slot.jobs.size === 0) continue;
      for (let m = receiveMessageOnPort(slot.port); m !== undefined; m = receiveMessageOnPort(slot.port)) this.accept(slot, m.message as JobResult | WorkerInitFailure);
    }
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
    // Returns at once if a result was counted since the poll.
    Atomics.wait(this.counter, 0, this.seen, timeoutMs);
    const after = this.poll();
    if (after.length > 0) return after;
    this.reapUnstarted();
    return takeAll(this.ready);
  }

  close(): void {
    this.closed = true;
    for (const slot of this.slots) {
      if (slot === undefined) continue;
      slot.port.close();
      void slot.worker.terminate();
    }
    this.slots.fill(undefined);
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
