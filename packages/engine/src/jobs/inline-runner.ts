// InlineRunner: runs jobs on the caller's thread, for in-process file systems (MemFs,
// CrashFs, FaultFs), for `backgroundThreads: 0`, and for jobs whose user functions
// cannot cross to a worker. Without a scheduler a job runs when submitted and its result
// is returned by the next poll, so the store behaves as a synchronous one. With a
// JobScheduler (tests), a seeded generator decides at every poll whether a waiting job
// starts and whether a finished job's result is handed back, so writes, reads,
// iterators, snapshots, flush(), compact(), close() and crashes all meet jobs in flight.
// A scheduler made with `simulateWorker` also gives the store a second runner of this
// kind that stands in for the worker thread (kind 'worker': a flush reads the memtable's
// image, as a worker does), so that the store's worker paths (log syncs, file removal
// on the worker, routing) meet the same seeded interleavings without a thread.

import { memtableImage } from '../memtable/memtable-image.js';
import { type FlushSource, imageSource, memtableSource } from './flush-source.js';
import { type JobRunner, type LocalJobInputs, takeAll } from './job-runner.js';
import type { FlushJobSpec, JobResult, JobSpec } from './job-types.js';
import { executeJob } from './run-job.js';

/** Seeded decisions of when deferred jobs start and when their results are delivered. */
export class JobScheduler {
  private a: number;
  private b: number;

  /**
   * `startChance`: probability that a waiting job starts at a given poll;
   * `deliverChance`: that a finished job's result is handed back at a given poll.
   */
  /** Whether the store also gets an in-process runner that stands in for its worker thread. */
  readonly simulateWorker: boolean;

  constructor(
    readonly seed: number,
    readonly startChance = 0.15,
    readonly deliverChance = 0.15,
    options: { simulateWorker?: boolean } = {},
  ) {
    this.simulateWorker = options.simulateWorker === true;
    this.a = (seed * 0x9e3779b1) >>> 0 || 1;
    this.b = (seed ^ 0x85ebca6b) >>> 0 || 2;
  }

  /** A float in [0, 1) (xorshift64-style on two 32-bit halves). */
  next(): number {
    let x = this.a;
    const y = this.b;
    this.a = y;
    x ^= x << 23;
    x ^= x >>> 17;
    x ^= y ^ (y >>> 26);
    this.b = x >>> 0;
    return ((this.a + this.b) >>> 0) / 2 ** 32;
  }

  startNow(): boolean {
    return this.next() < this.startChance;
  }

  deliverNow(): boolean {
    return this.next() < this.deliverChance;
  }
}

interface Waiting {
  spec: JobSpec;
  local: LocalJobInputs;
}

/** Runs jobs on the caller's thread, now or when its scheduler says. */
export class InlineRunner implements JobRunner {
  private readonly waiting: Waiting[] = [];
  private readonly held: JobResult[] = [];
  private readonly ready: JobResult[] = [];

  /** `kind` 'worker': this runner stands in for the worker thread (tests; see JobScheduler). */
  constructor(
    private readonly scheduler?: JobScheduler,
    readonly kind: 'inline' | 'worker' = 'inline',
  ) {}

  get inFlight(): number {
    return this.waiting.length + this.held.length + this.ready.length;
  }

  submit(spec: JobSpec, local: LocalJobInputs): void {
    if (this.scheduler === undefined) this.run({ spec, local });
    else this.waiting.push({ spec, local });
  }

  private run(w: Waiting): void {
    // Called by executeJob for a flush only.
    const mem = (): FlushSource => {
      if (w.local.mem === undefined) throw new Error(`flush job ${w.spec.id} was submitted without its memtable`);
      if (this.kind === 'inline') return memtableSource(w.local.mem);
      const spec = w.spec as FlushJobSpec;
      return imageSource(memtableImage(w.local.mem), spec.entries, spec.rangeTombstones);
    };
    const result = executeJob(w.local.env, w.spec, mem, w.local.blobWork);
    if (this.scheduler === undefined) this.ready.push(result);
    else this.held.push(result);
  }

  poll(): JobResult[] {
    const s = this.scheduler;
    if (s !== undefined) {
      // Jobs start in submission order (a flush never overtakes an older flush).
      while (this.waiting.length > 0 && s.startNow()) this.run(this.waiting.shift()!);
      for (let i = 0; i < this.held.length; ) {
        if (s.deliverNow()) this.ready.push(...this.held.splice(i, 1));
        else i++;
      }
    }
    return takeAll(this.ready);
  }

  /** Runs every waiting job and delivers every result: the caller needs them now. */
  wait(): JobResult[] {
    while (this.waiting.length > 0) this.run(this.waiting.shift()!);
    this.ready.push(...this.held.splice(0));
    return takeAll(this.ready);
  }

  close(): void {
    this.waiting.length = 0;
    this.held.length = 0;
    this.ready.length = 0;
  }
}
