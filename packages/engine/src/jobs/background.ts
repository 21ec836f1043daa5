// BackgroundWork: a store's flushes and compactions as jobs. It decides what to start
// (the oldest sealed memtable, one at a time, so L0 and the log number advance in
// order; one compaction at a time, picked by the strategy from the current version),
// reserves each job's file numbers, routes it to the worker runner when the job can
// run there and to the inline runner otherwise, installs each result with one manifest
// edit, and applies backpressure: a writer waits only when sealed memtables or L0 files
// reach their limits, and every wait is counted.
//
// Failures: a failed job's files are already removed; it is counted and retried at the
// next trigger: the next store call, never twice in one (a writer blocked at a limit whose
// job just failed is let through rather than retrying; tree.flush() reports the failure). After MAX_CONSECUTIVE_FAILURES failures in a
// row the store enters the background-error state: every write reports the error (its
// code, with the last failure as cause) until the store is reopened; reads go on. A full
// disk (LSM_NO_SPACE) enters that state at the first failure, and leaves it by itself:
// a write at least NO_SPACE_RETRY_MS later lets the failed work run again (one more
// failure puts the store back), so does a timer on the event loop when no write comes,
// and resume() retries at once.

import { type CompactionPlan, type CompactionStrategy, totalBytes } from '@lsm/compaction';
import { LsmError, type LsmErrorCode } from '@lsm/base';
import type { BlobGc } from '../blob/blob-gc.js';
import type { Memtable } from '../memtable/memtable.js';
import type { Counters } from '../stats.js';
import type { VersionSet } from '../versions/version-set.js';
import type { InlineRunner } from './inline-runner.js';
import type { JobEnv } from './job-env.js';
import type { JobRunner } from './job-runner.js';
import type { CompactionJobSpec, FileNumberRange, FlushJobSpec, JobResult, JobSuccess, LogSyncJobSpec, RemoveFilesJobSpec, TableCompression } from './job-types.js';
import { removeQuietly } from '../remove-quietly.js';
import { sameCompression } from '../options.js';
import { errorOf } from './run-job.js';

/** Failed jobs in a row after which writes are refused until reopen. */
export const MAX_CONSECUTIVE_FAILURES = 5;
/** How long a store stopped by a full disk refuses writes before a write retries its jobs. */
export const NO_SPACE_RETRY_MS = 1000;
/** File numbers a growing reservation takes at a time. */
const RESERVE_CHUNK = 16;
/** Compactions started and installed in one pump at most (bounds one call's work inline). */
const MAX_ROUNDS = 64;

/** What BackgroundWork needs from its store. */
export interface BackgroundHost {
  readonly versions: VersionSet;
  readonly strategy: CompactionStrategy;
  readonly counters: Counters;
  readonly blobGc: BlobGc;
  readonly autoCompaction: boolean;
  /** A read-only store: no job ever starts (its recovered memtables stay in memory). */
  readonly readOnly: boolean;
  /** The env of jobs run on this thread. */
  readonly env: JobEnv;
  /** Sealed memtables, oldest first. */
  sealed(): readonly Memtable[];
  /** `mem` is in a table now: the store drops it from its sealed list. */
  flushed(mem: Memtable): void;
  /** The log number to record once `mem` is in a table. */
  logNumberAfterFlushing(mem: Memtable): number;
  snapshots(): number[];
  lastSeqno(): number;
  /**
   * The lower edge of the change history to keep (keepHistorySeqnos: the last seqno minus
   * the window), or undefined: compaction treats it as one more snapshot.
   */
  historyEdge(): number | undefined;
  /** After every install: delete what is obsolete. */
  installed(): void;
  /** The compression of tables written to `level`. */
  compressionFor(level: number): TableCompression;
}

/** Where jobs may run. */
export interface BackgroundRunners {
  inline: InlineRunner;
  /** undefined: everything inline. */
  worker: JobRunner | undefined;
  /** Whether compactions may go to the worker (no user function a worker cannot load). */
  compactionOnWorker: boolean;
}

/** Backpressure counts (in stats()). */
export interface StallStats {
  /** Writes that waited, and the total time they waited, in ms. */
  count: number;
  millis: number;
  /** Of those, waits for a flush (sealed memtables at their limit) and for L0 compaction. */
  memtableWaits: number;
  l0Waits: number;
  /** The longest single wait, in ms. */
  maxMillis: number;
  /**
   * Slowdowns: short waits (a few ms each) spread over the writes that come before a
   * limit would be hit, so that no single call waits for a whole flush or compaction.
   */
  slowdowns: number;
  slowdownMillis: number;
}

/** Job counts (in stats()). */
export interface JobStats {
  /** Where jobs run: 'worker' or 'inline'. */
  runner: 'worker' | 'inline';
  /** Why jobs run inline although a worker was configured (it could not start), if so. */
  workerProblem: string | undefined;
  /** Jobs run on the worker / on the caller's thread since open. */
  onWorker: number;
  inline: number;
  /** Jobs in flight now. */
  running: number;
  /** Failed jobs since open. */
  failed: number;
  /** Background fdatasyncs of the active log (every 4 MiB written, on a worker). */
  logSyncs: number;
  /** Obsolete files handed to a worker to remove (tables, logs, manifests): not unlinked on the caller's thread. */
  filesRemovedOnWorker: number;
  /** Set once writes are refused after repeated background failures. */
  backgroundError: string | undefined;
}

interface Running<S> {
  spec: S;
  runner: JobRunner;
}

/** The background work of one store. */
export class BackgroundWork {
  private nextJobId = 1;
  private flushing: (Running<FlushJobSpec> & { mem: Memtable }) | undefined;
  private compacting: (Running<CompactionJobSpec> & { deleted: { level: number; id: number }[] }) | undefined;
  private logSync: Running<LogSyncJobSpec> | undefined;
  private removing: Running<RemoveFilesJobSpec> | undefined;
  /** Obsolete files waiting for the next removal job, and every name queued or being removed. */
  private readonly removalQueue: string[] = [];
  private readonly pendingRemoval = new Set<string>();
  private readonly reserved = new Map<number, FileNumberRange>();
  /** Reservations that grow as they are used (openReservation), by id. */
  private readonly growing = new Map<number, FileNumberRange[]>();
  private failuresInARow = 0;
  /** A job failed since the last external call: no retry until the next one. */
  private retryHeld = false;
  /** Set while a caller waits for the jobs in flight (close, compact): start nothing new. */
  private holdStarts = false;
  /** Something changed (a result installed, a memtable sealed): look for work to start. */
  private wantStart = true;
  /** The failure of the last flush job, for a caller waiting on flushes. */
  private lastFlushFailure: Error | undefined;
  private lastCompactionFailure: Error | undefined;
  /** Set: the store refuses writes. */
  error: LsmError | undefined;
  /** When `error` was set (performance.now()). */
  private errorSince = 0;
  /** A full disk's retry from the event loop, while no write comes to retry. */
  private retryTimer: ReturnType<typeof setTimeout> | undefined;
  private closed = false;
  readonly stalls: StallStats = { count: 0, millis: 0, memtableWaits: 0, l0Waits: 0, maxMillis: 0, slowdowns: 0, slowdownMillis: 0 };
  private onWorker = 0;
  private inline = 0;
  private failed = 0;
  private logSyncs = 0;
  private removedOnWorker = 0;

  constructor(
    private readonly host: BackgroundHost,
    private readonly runners: BackgroundRunners,
  ) {}

  /** True while `n` is a file number reserved for a job not yet installed. */
  isReserved(n: number): boolean {
    for (const r of this.reserved.values()) if (n >= r.first && n < r.end) return true;
    for (const list of this.growing.values()) for (const r of list) if (n >= r.first && n < r.end) return true;
    return false;
  }

  /**
   * File numbers for work whose output count is not known up front (ingest): `next()`
   * hands out numbers from ranges reserved RESERVE_CHUNK at a time, `take(n)` reserves a
   * range of n (for a job on a worker), all kept reserved (no deletion pass removes their
   * files) until `release()`.
   */
  openReservation(): { next(): number; take(count: number): FileNumberRange; release(): void } {
    const id = -this.nextJobId++;
    const list: FileNumberRange[] = [];
    this.growing.set(id, list);
    const v = this.host.versions;
    let cur: FileNumberRange = { first: 0, end: 0 };
    let n = 0;
    const take = (count: number): FileNumberRange => {
      const r = { first: v.nextFileNumber, end: v.nextFileNumber + count };
      v.nextFileNumber = r.end;
      list.push(r);
      return r;
    };
    return {
      next: () => {
        if (n >= cur.end) {
          cur = take(RESERVE_CHUNK);
          n = cur.first;
        }
        return n++;
      },
      take,
      release: () => {
        this.growing.delete(id);
      },
    };
  }

  /** The plan of the compaction in flight (started, not installed yet), if any. */
  compactionInFlight(): CompactionPlan | undefined {
    return this.compacting?.spec.plan;
  }

  get running(): number {
    return (this.flushing === undefined ? 0 : 1) + (this.compacting === undefined ? 0 : 1) + (this.logSync === undefined ? 0 : 1) + (this.removing === undefined ? 0 : 1);
  }

  /**
   * Hands obsolete files (names in the store's directory) to a worker to remove, when
   * there is one: a removal blocks the caller's thread for milliseconds per large file.
   * Returns false when the caller must remove them itself. Names already queued or being
   * removed are skipped (a deletion pass that runs meanwhile lists them again).
   */
  removeInBackground(names: readonly string[]): boolean {
    if (!this.workerUsable() || this.host.readOnly) return false;
    for (const n of names) {
      if (this.pendingRemoval.has(n)) continue;
      this.pendingRemoval.add(n);
      this.removalQueue.push(n);
    }
    this.startRemoval();
    return true;
  }

  /** True while `name` waits for or is in a removal job. */
  isBeingRemoved(name: string): boolean {
    return this.pendingRemoval.has(name);
  }

  /** Submits the queued removals as one job, unless one runs (its end submits the rest). */
  private startRemoval(): void {
    if (this.removing !== undefined || this.removalQueue.length === 0) return;
    const names = this.removalQueue.splice(0);
    if (!this.workerUsable()) {
      // The worker went away: remove them here.
      for (const n of names) {
        removeQuietly(this.host.env.fs, `${this.host.env.dir}/${n}`);
        this.pendingRemoval.delete(n);
      }
      return;
    }
    const spec: RemoveFilesJobSpec = { kind: 'remove-files', id: this.nextJobId++, names };
    this.removing = { spec, runner: this.runners.worker! };
    this.removedOnWorker += names.length;
    this.runners.worker!.submit(spec, { env: this.host.env, blobWork: false });
  }

  /**
   * Starts an fdatasync of the active log `logNumber` on a worker (when there is one and
   * no such sync runs), so that sealing the log later has little left to sync. Returns
   * whether it started one.
   */
  syncLogInBackground(logNumber: number): boolean {
    if (this.logSync !== undefined || !this.workerUsable() || this.holdStarts || this.host.readOnly) return false;
    const spec: LogSyncJobSpec = { kind: 'log-sync', id: this.nextJobId++, logNumber };
    this.logSync = { spec, runner: this.runners.worker! };
    this.logSyncs++;
    this.runners.worker!.submit(spec, { env: this.host.env, blobWork: false });
    return true;
  }

  /** The job part of stats(). */
  stats(): JobStats {
    return {
      runner: this.workerUsable() ? 'worker' : 'inline',
      workerProblem: this.runners.worker?.unusable,
      onWorker: this.onWorker,
      inline: this.inline,
      running: this.running,
      failed: this.failed,
      logSyncs: this.logSyncs,
      filesRemovedOnWorker: this.removedOnWorker,
      backgroundError: this.error?.message,
    };
  }

  /**
   * Throws the background error, if the store is in that state. A full disk's error is
   * thrown only for NO_SPACE_RETRY_MS: then the failed work may run again.
   */
  checkWritable(): void {
    const e = this.error;
    if (e === undefined) return;
    if (e.code === 'LSM_NO_SPACE' && performance.now() - this.errorSince >= NO_SPACE_RETRY_MS) {
      this.leaveErrorState();
      return;
    }
    throw e;
  }

  /**
   * An idle store stopped by a full disk retries by itself: once NO_SPACE_RETRY_MS has
   * passed, from the event loop (the timer does not keep the process alive). A failure
   * sets the state, and this timer, again.
   */
  private retryLater(): void {
    if (this.retryTimer !== undefined || this.host.readOnly) return;
    this.retryTimer = setTimeout(() => {
      this.retryTimer = undefined;
      if (this.closed || this.error?.code !== 'LSM_NO_SPACE') return;
      this.leaveErrorState();
      try {
        this.pump();
      } catch {
        // A failure is recorded by the job bookkeeping (and re-arms this timer).
      }
    }, NO_SPACE_RETRY_MS);
    this.retryTimer.unref?.();
  }

  /** Clears the background-error state; the next failure in a row enters it again. */
  private leaveErrorState(): void {
    this.error = undefined;
    this.failuresInARow = MAX_CONSECUTIVE_FAILURES - 1;
    this.retryHeld = false;
    this.wantStart = true;
  }

  /**
   * Leaves the background-error state now and runs the failed work again: the sealed
   * memtables are flushed before it returns. Throws (and the store is back in that
   * state) when the work fails again.
   */
  resume(): void {
    if (this.error === undefined) return;
    this.leaveErrorState();
    this.drainFlushes();
    this.pump();
    if (this.error !== undefined) throw this.error;
  }

  /**
   * Installs finished jobs and starts what can start. Cheap when nothing happened.
   * `newCall`: the first pump of a store call, which may retry a job that failed in an
   * earlier call; later pumps of the same call (nudge, waits) do not.
   */
  pump(newCall = true): void {
    if (newCall) this.retryHeld = false;
    for (let round = 0; round < MAX_ROUNDS; round++) {
      for (const r of this.collect()) this.install(r);
      if (!this.wantStart) return;
      this.wantStart = false;
      if (!this.start()) return;
    }
  }

  /** A memtable was sealed (or the caller wants work looked for): start what can start. */
  nudge(): void {
    this.wantStart = true;
    this.pump(false);
  }

  private collect(): JobResult[] {
    const a = this.runners.inline.poll();
    const w = this.runners.worker;
    if (w === undefined || w.inFlight === 0) return a;
    const b = w.poll();
    return a.length === 0 ? b : b.length === 0 ? a : [...a, ...b];
  }

  /** Blocks until some job finishes (inline jobs run now), then installs what is ready. */
  private waitOne(): void {
    const results = this.runners.inline.inFlight > 0 ? this.runners.inline.wait() : (this.runners.worker?.wait(1000) ?? []);
    for (const r of results) this.install(r);
    this.start();
  }

  // ------------------------------------------------------------ starting jobs

  /** Starts a flush and a compaction when there is one to start. True if anything started. */
  private start(): boolean {
    if (this.error !== undefined || this.retryHeld || this.holdStarts || this.host.readOnly) return false;
    let started = false;
    const sealed = this.host.sealed();
    if (this.flushing === undefined && sealed.length > 0) {
      this.startFlush(sealed[0]!);
      started = true;
    }
    if (this.compacting === undefined) started = this.startCompaction() || started;
    return started;
  }

  private reserve(id: number, count: number): FileNumberRange {
    const v = this.host.versions;
    const range = { first: v.nextFileNumber, end: v.nextFileNumber + count };
    v.nextFileNumber = range.end;
    this.reserved.set(id, range);
    return range;
  }

  private startFlush(mem: Memtable): void {
    const id = this.nextJobId++;
    const kv = this.host.env.kvSeparation;
    const count = 1 + (kv === undefined ? 0 : 2 * Math.ceil(mem.approximateBytes / kv.blobFileBytes) + 8);
    const onWorker = this.workerUsable();
    const spec: FlushJobSpec = {
      kind: 'flush',
      id,
      numbers: this.reserve(id, count),
      compression: this.host.compressionFor(0),
      entries: mem.size,
      rangeTombstones: mem.rangeTombstones.length,
    };
    const runner = onWorker ? this.runners.worker! : this.runners.inline;
    this.flushing = { spec, mem, runner };
    this.count(runner);
    runner.submit(spec, { env: this.host.env, mem, blobWork: kv !== undefined });
  }

  /** True when a worker runner exists and can take jobs (its worker could start). */
  workerUsable(): boolean {
    const w = this.runners.worker;
    return w !== undefined && w.unusable === undefined;
  }

  private count(runner: JobRunner): void {
    if (runner.kind === 'worker') this.onWorker++;
    else this.inline++;
  }

  /** Picks a compaction (when automatic, or when L0 is at the stall threshold) and starts it. */
  private startCompaction(): boolean {
    const h = this.host;
    const stalled = h.versions.current.levels[0]!.length >= h.strategy.l0StallFiles;
    if (!h.autoCompaction && !stalled) return false;
    const plan = h.strategy.pick(h.versions.current);
    if (plan === null) return false;
    return this.startPlan(plan);
  }

  /** Starts `plan`: a manifest-only plan is applied now; a merge becomes a job. */
  private startPlan(picked: CompactionPlan): boolean {
    const h = this.host;
    // A move between levels compressed differently rewrites its tables instead, so every
    // table the store writes or moves carries its level's compression.
    const plan = picked.trivialMove && !picked.inputs.every((g) => sameCompression(h.compressionFor(g.level), h.compressionFor(picked.outputLevel))) ? { ...picked, trivialMove: false } : picked;
    const deleted = plan.inputs.flatMap((g) => g.tables.map((t) => ({ level: g.level, id: t.id })));
    if (plan.kind === 'drop' || plan.trivialMove) {
      // FIFO drops its inputs, and a trivial move relinks them, by a manifest edit alone.
      const added = plan.kind === 'drop' ? [] : plan.inputs.flatMap((g) => g.tables.map((meta) => ({ level: plan.outputLevel, meta })));
      // A drop loses whatever its tables held, deletions too: the history horizon rises to their newest seqno.
      let dropped = -1;
      if (plan.kind === 'drop') for (const g of plan.inputs) for (const t of g.tables) dropped = Math.max(dropped, t.largestSeqno);
      try {
        h.versions.logAndApply({ deleted, added, ...(dropped > h.versions.historyHorizon ? { historyHorizon: dropped } : {}) });
      } catch (err) {
        h.counters.compactionErrors++;
        this.lastCompactionFailure = this.failedJob(0, err as Error, 'compaction');
        return false;
      }
      this.succeeded();
      if (plan.kind === 'drop') {
        h.counters.compactions++;
        h.counters.tablesDropped += deleted.length;
      } else h.counters.trivialMoves++;
      this.wantStart = true;
      h.installed();
      return true;
    }
    const id = this.nextJobId++;
    const gc = h.blobGc.compactionGcFiles();
    const inputBytes = plan.inputs.reduce((s, g) => s + totalBytes(g.tables), 0);
    let gcBytes = 0;
    for (const f of gc ?? []) gcBytes += h.versions.blobFiles.get(f)?.recordBytes ?? 0;
    const kv = h.env.kvSeparation;
    const unit = Math.max(1, Math.min(plan.targetTableSize, kv?.blobFileBytes ?? plan.targetTableSize));
    const count = 2 * Math.ceil((inputBytes + gcBytes) / unit) + 32;
    const edge = h.historyEdge();
    const snapshots = h.snapshots();
    if (edge !== undefined && !snapshots.includes(edge)) snapshots.push(edge);
    const spec: CompactionJobSpec = {
      kind: 'compaction',
      id,
      numbers: this.reserve(id, count),
      plan,
      compression: h.compressionFor(plan.outputLevel),
      snapshots,
      visibleSeqno: h.lastSeqno(),
      gcBlobFiles: [...(gc ?? [])],
      ...(edge !== undefined ? { keepChangesAbove: edge } : {}),
    };
    const runner = this.runners.compactionOnWorker && this.workerUsable() ? this.runners.worker! : this.runners.inline;
    this.compacting = { spec, runner, deleted };
    this.count(runner);
    runner.submit(spec, { env: h.env, blobWork: gc !== undefined });
    return true;
  }

  // ------------------------------------------------------------ installing results

  private install(r: JobResult): void {
    const h = this.host;
    const f = this.flushing;
    const c = this.compacting;
    if (this.logSync !== undefined && this.logSync.spec.id === r.id) {
      // Nothing rests on it: a failure shows again in the sync the writer makes itself.
      this.logSync = undefined;
      return;
    }
    if (this.removing !== undefined && this.removing.spec.id === r.id) {
      // A file it could not remove is an orphan for the next pass (or open).
      for (const n of this.removing.spec.names) this.pendingRemoval.delete(n);
      this.removing = undefined;
      this.startRemoval();
      return;
    }
    if (f !== undefined && f.spec.id === r.id) {
      this.flushing = undefined;
      this.lastFlushFailure = r.ok ? undefined : this.failedJob(r.id, errorOf(r), 'flush');
      if (r.ok) {
        if (!this.installFlush(f.mem, r)) return;
        h.flushed(f.mem);
        h.counters.flushes++;
      } else h.counters.flushErrors++;
    } else if (c !== undefined && c.spec.id === r.id) {
      this.compacting = undefined;
      this.lastCompactionFailure = r.ok ? undefined : this.failedJob(r.id, errorOf(r), 'compaction');
      if (r.ok) {
        if (!this.installCompaction(c.deleted, c.spec.plan.outputLevel, r)) return;
      } else h.counters.compactionErrors++;
    } else return; // a result of a job this store no longer waits for (cannot happen)
    this.reserved.delete(r.id);
    this.wantStart = true;
    h.installed();
  }

  private installFlush(mem: Memtable, r: JobSuccess): boolean {
    const h = this.host;
    try {
      // Record exactly what is now durable in tables: recovery derives the next seqno from
      // it and from the logs, so it must not claim writes that only sit in an unsynced log.
      // If this edit fails it may still have reached the disk: its table is not deleted
      // until a new manifest is installed (the store deletes no table meanwhile).
      h.versions.logAndApply({
        added: r.tables.map((meta) => ({ level: 0, meta })),
        addedBlobs: r.blobFiles,
        logNumber: h.logNumberAfterFlushing(mem),
        lastSeqno: Math.max(h.versions.lastSeqno, mem.largestSeqno),
      });
    } catch (err) {
      this.reserved.delete(r.id);
      h.counters.flushErrors++;
      this.lastFlushFailure = this.failedJob(r.id, err as Error, 'flush');
      return false;
    }
    this.succeeded();
    h.counters.tableBytesWritten += r.tableBytes;
    h.blobGc.record(r.blob);
    return true;
  }

  private installCompaction(deleted: { level: number; id: number }[], level: number, r: JobSuccess): boolean {
    const h = this.host;
    const horizon = r.merge?.maxDroppedDeletionSeqno ?? -1;
    try {
      h.versions.logAndApply({
        deleted,
        added: r.tables.map((meta) => ({ level, meta })),
        addedBlobs: r.blobFiles,
        // Deletions dropped with nothing newer to show them: changes up to there are gone.
        ...(horizon > h.versions.historyHorizon ? { historyHorizon: horizon } : {}),
      });
    } catch (err) {
      // The edit may be on disk: the outputs stay until a new manifest settles it.
      this.reserved.delete(r.id);
      h.counters.compactionErrors++;
      this.lastCompactionFailure = this.failedJob(r.id, err as Error, 'compaction');
      return false;
    }
    this.succeeded();
    const c = h.counters;
    c.compactions++;
    c.tableBytesWritten += r.tableBytes;
    const m = r.merge!;
    c.compactionBytesRead += m.bytesRead;
    c.droppedByRangeTombstones += m.droppedByRangeTombstones;
    c.rangeTombstonesDropped += m.rangeTombstonesDropped;
    c.mergesCollapsed += m.mergesCollapsed;
    c.filterRemoved += m.filterRemoved;
    c.filterChanged += m.filterChanged;
    h.blobGc.record(r.blob);
    return true;
  }

  private succeeded(): void {
    this.failuresInARow = 0;
  }

  /** Counts a failure; the store refuses writes after too many in a row. Returns `err`. */
  private failedJob(id: number, err: Error, kind: string): Error {
    this.reserved.delete(id);
    this.failed++;
    this.failuresInARow++;
    this.retryHeld = true;
    const code: LsmErrorCode = err instanceof LsmError ? err.code : 'LSM_IO';
    if (code === 'LSM_NO_SPACE' && this.error === undefined) {
      this.error = new LsmError(
        code,
        `background ${kind} needs space the disk does not have; writes are refused until space is freed (a write retries ` +
          `after ${NO_SPACE_RETRY_MS} ms, tree.resume() retries at once); every acknowledged write is in the logs: ${err.message}`,
        { cause: err },
      );
      this.error.name = 'NoSpaceError';
      this.errorSince = performance.now();
      this.retryLater();
    } else if (this.failuresInARow >= MAX_CONSECUTIVE_FAILURES && this.error === undefined) {
      this.error = new LsmError(
        code,
        `background ${kind} failed ${this.failuresInARow} times in a row; the store refuses writes until it is reopened or resume() succeeds: ${err.message}`,
        { cause: err },
      );
      this.errorSince = performance.now();
    }
    return err;
  }

  // ------------------------------------------------------------ waiting

  /**
   * Backpressure before a write: waits while `blocked()` holds and some job can change
   * it. Counted in the stall stats.
   */
  waitWhile(blocked: () => boolean, reason: 'memtable' | 'l0'): void {
    this.pump(false);
    if (!blocked()) return;
    const t0 = performance.now();
    try {
      while (blocked()) {
        this.checkWritable();
        if (this.running === 0) {
          // Nothing can change it (no work, or a job failed in this call): let the write through.
          if (!this.start()) break;
          continue;
        }
        this.waitOne();
      }
      this.checkWritable();
    } finally {
      const ms = performance.now() - t0;
      const s = this.stalls;
      s.count++;
      s.millis += ms;
      if (ms > s.maxMillis) s.maxMillis = ms;
      if (reason === 'memtable') s.memtableWaits++;
      else s.l0Waits++;
    }
  }

  /**
   * A short wait for a job on a worker (at most `ms`; it ends as soon as a job finishes),
   * then installs what finished. Counted as a slowdown. No-op when no worker job runs.
   */
  slowdown(ms: number): void {
    const w = this.runners.worker;
    if (w === undefined || w.inFlight === 0 || ms <= 0) return;
    const t0 = performance.now();
    for (const r of w.wait(ms)) this.install(r);
    this.start();
    this.stalls.slowdowns++;
    this.stalls.slowdownMillis += performance.now() - t0;
  }

  /** Waits until every sealed memtable is in a table; throws a flush's failure. */
  drainFlushes(): void {
    this.pump();
    while (this.host.sealed().length > 0) {
      if (this.flushing === undefined) {
        this.checkWritable();
        const failed = this.lastFlushFailure;
        this.lastFlushFailure = undefined;
        // A flush that failed in this call is not tried again in it: report it.
        if (failed !== undefined && this.retryHeld) throw failed;
        // Another job's failure in this call holds retries, but not this flush.
        this.retryHeld = false;
        this.start();
        if (this.flushing === undefined) break;
      }
      const id = this.flushing.spec.id;
      while (this.flushing !== undefined && this.flushing.spec.id === id) this.waitOne();
      const failure = this.lastFlushFailure;
      if (failure !== undefined) {
        this.lastFlushFailure = undefined;
        throw failure;
      }
    }
  }

  /** Waits for every job in flight, starting none; with `throwFailures`, throws a compaction's failure. */
  drainAll(throwFailures: boolean): void {
    this.lastCompactionFailure = undefined;
    this.holdStarts = true;
    try {
      while (this.running > 0) this.waitOne();
    } finally {
      this.holdStarts = false;
    }
    const e = this.lastCompactionFailure;
    this.lastCompactionFailure = undefined;
    if (throwFailures && e !== undefined) throw e;
  }

  /**
   * Runs the plans `pick` gives once no job is in flight (a major compaction), one after
   * another, waiting for each; throws a failure.
   */
  runPlans(pick: () => readonly CompactionPlan[]): void {
    this.drainAll(true);
    this.holdStarts = true;
    try {
      for (const plan of pick()) {
        this.checkWritable();
        this.startPlan(plan);
        while (this.compacting !== undefined) this.waitOne();
        const e = this.lastCompactionFailure;
        this.lastCompactionFailure = undefined;
        if (e !== undefined) throw e;
      }
    } finally {
      this.holdStarts = false;
    }
  }

  /** Stops the runners. Results not installed become orphans that the next open deletes. */
  close(): void {
    this.closed = true;
    if (this.retryTimer !== undefined) clearTimeout(this.retryTimer);
    this.runners.worker?.close();
    this.runners.inline.close();
    this.flushing = undefined;
    this.compacting = undefined;
    this.removing = undefined;
    this.reserved.clear();
  }
}
