// The write path of a store: the active memtable and its write-ahead log, the sealed
// memtables waiting for their flush, and the seqno counter. A commit takes the next
// seqno (one per batch: every operation of the batch carries it), resolves the batch
// into at most one operation per key (batch-normalize.ts), appends one log record
// (fsynced when asked) and applies the batch to the active memtable; a full memtable is
// sealed behind a new log and handed to background work, waiting only when the limits
// say so (backpressure).
//
// Promises: a write is acknowledged only once its log record is written (and synced when
// asked); a sealed memtable's log is synced before any write in the next log can be
// acknowledged as durable, and when that sync fails the sealed memtables reach a table
// first (`sealedTailUnsynced`); after a failed log write nothing is ever appended to that
// log, and the seqno it took is never given out again; a read as of any seqno sees all of
// a batch or none of it.

import { type Fs, type FsFile } from '@lsm/fs';
import { type Comparator, type ValueType, toIoError } from '@lsm/base';
import { FileKind } from '@lsm/encryption';
import { logFileName } from '../file-names.js';
import type { BackgroundWork } from '../jobs/background.js';
import { startLog } from '../log/log-encryption.js';
import type { LogWriter } from '../log/log-writer.js';
import { Memtable } from '../memtable/memtable.js';
import type { ResolvedOptions } from '../options.js';
import { removeQuietly } from '../remove-quietly.js';
import type { Counters } from '../stats.js';
import type { VersionSet } from '../versions/version-set.js';
import { OP_DELETE_RANGE, stampBatch, visitBatch } from './batch-codec.js';
import { type BatchResolver, normalizeBatch } from './batch-normalize.js';
import type { BatchRecord } from './write-batch.js';

/** The longest slowdown of one write, in ms (well under the 50 ms a server can bear). */
const MAX_SLOWDOWN_MS = 8;
/**
 * Log bytes after which a worker is asked to fdatasync the active log (RocksDB's
 * wal_bytes_per_sync): the sync when the log is sealed then writes at most about this
 * much, instead of a whole memtable's worth (32 MiB: about 85 ms here) on the caller's thread.
 */
const BACKGROUND_SYNC_BYTES = 4 << 20;
/**
 * L0 tables below the stall limit at which writes start to slow down (12 of the default
 * 20). With 4, a 10M-key fillrandom reached the limit while one L0 compaction ran and one
 * write call waited 584 ms (387k keys/s); with 8 its longest call was 31.7-40.6 ms at
 * 341-352k keys/s, and with 12, 31.0 ms at 332k/s (2026-12-04): the wider ramp trades about a tenth of
 * the throughput of a compaction-bound load for no call that freezes the event loop.
 */
const SLOWDOWN_L0_MARGIN = 8;

/** Applies one batch operation to a memtable at `seqno` (its bytes are copied). */
export function applyOp(mem: Memtable, seqno: number, type: number, key: Uint8Array, value: Uint8Array): void {
  if (type === OP_DELETE_RANGE) mem.addRangeTombstone(seqno, key, value);
  else mem.add(seqno, type as ValueType, key, value);
}

/** The memtables, the log and the seqno counter of one store. */
export class WritePath {
  /** The memtable taking writes. */
  mem: Memtable;
  /** Sealed memtables waiting to be flushed, oldest first. */
  readonly sealed: Memtable[];
  /** The last seqno given to a write (and visible to reads). */
  lastSeqno: number;
  /** A sealed memtable's log tail may not be durable: flush before acknowledging a sync write. */
  sealedTailUnsynced = false;
  private log: LogWriter | null = null;
  /** The log failed mid-write: the next write starts a new one. */
  private logBroken = false;
  /** Log size at the last sync (or background sync request) of the active log. */
  private syncedTo = 0;
  private readonly comparator: Comparator;
  private readonly bytewise: boolean;
  /** Set once the store's background work exists (it needs this write path first). */
  bg!: BackgroundWork;
  /** Resolves batches that write a key twice or hold range deletions (set once the store's readers exist). */
  resolver!: BatchResolver;

  constructor(
    private readonly fs: Fs,
    private readonly dir: string,
    private readonly opts: ResolvedOptions,
    private readonly versions: VersionSet,
    private readonly counters: Counters,
    recovered: Memtable[],
    lastSeqno: number,
    bytewise: boolean,
  ) {
    this.comparator = opts.comparator;
    this.bytewise = bytewise;
    this.sealed = recovered;
    this.lastSeqno = lastSeqno;
    this.mem = new Memtable(this.comparator, bytewise, 0);
  }

  /** Whether the log's tail can be trusted (a log exists and no write to it failed). */
  get logUsable(): boolean {
    return this.log !== null && !this.logBroken;
  }

  /** Logs of the memtables not yet in a table. */
  activeLogs(): number[] {
    return [this.mem.logNumber, ...this.sealed.map((m) => m.logNumber)];
  }

  /**
   * Applies a batch: its record, stamped with the next seqno and resolved to one
   * operation per key, appended to the log, then its operations to the active memtable.
   * Returns the batch's seqno.
   */
  commit(batch: BatchRecord, sync: boolean): number {
    if (batch.count === 0) return this.lastSeqno;
    this.makeRoomForWrite();
    if (sync && this.sealedTailUnsynced) this.bg.drainFlushes();
    const seqno = this.lastSeqno + 1;
    let record = batch.bytes;
    stampBatch(record, seqno, batch.count);
    // Reads the store and runs the merge operator for some batches: a failure here
    // leaves nothing written and the seqno unused.
    const resolved = normalizeBatch(record, batch.rangeDeletes, this.resolver);
    if (resolved !== null) record = resolved.bytes;
    if (this.opts.wal) {
      if (!this.logUsable) this.rotate();
      const log = this.log!;
      try {
        log.addRecord(record);
        this.counters.walBytes += record.length;
        if (sync) {
          log.sync();
          this.counters.walSyncs++;
          this.syncedTo = log.size;
        } else if (log.size - this.syncedTo >= BACKGROUND_SYNC_BYTES && this.bg.syncLogInBackground(log.logNumber)) {
          this.syncedTo = log.size;
        }
      } catch (err) {
        // The log may now end in a partial record: never append after it. The record may
        // also be complete on disk (a failed fsync), so a reopen may still show the write:
        // its seqno is used up, never given to another write.
        this.logBroken = true;
        this.lastSeqno = seqno;
        throw toIoError(err, 'writing the write-ahead log');
      }
    }
    const mem = this.mem;
    visitBatch(record, 'a write batch', 0, (seqno, type, key, value) => applyOp(mem, seqno, type, key, value));
    const c = this.counters;
    c.userBytes += batch.userBytes;
    c.rangeDeletes += batch.rangeDeletes;
    c.mergeOperands += batch.mergeOperands;
    c.writes += batch.count;
    this.lastSeqno = seqno;
    return seqno;
  }

  /**
   * Installs finished jobs; when the active memtable is full, seals it and starts its
   * flush. Waits (backpressure, counted in stats().stalls) only while sealed memtables
   * or L0 tables are at their limits. Refuses the write in the background-error state.
   */
  private makeRoomForWrite(): void {
    const bg = this.bg;
    bg.pump();
    bg.checkWritable();
    const fill = this.mem.approximateBytes / this.opts.memtableBytes;
    if (fill < 1) {
      this.slowDown(fill);
      return;
    }
    bg.waitWhile(() => this.sealed.length >= this.opts.maxSealedMemtables, 'memtable');
    this.rotate();
    bg.nudge();
    bg.waitWhile(() => this.versions.current.levels[0]!.length >= this.opts.compaction.l0StallFiles, 'l0');
  }

  /**
   * Spreads backpressure over many writes instead of one long wait: once the active
   * memtable is half full while every sealed slot is taken (the next seal would have to
   * wait for a flush), or once L0 is within SLOWDOWN_L0_MARGIN tables of its stall limit,
   * each write first waits a little for a job to finish (LevelDB's slowdown, made
   * proportional): up to MAX_SLOWDOWN_MS as the memtable fills, ending early when a job
   * finishes. The hard limits remain (makeRoomForWrite).
   */
  private slowDown(fill: number): void {
    let ms = 0;
    if (this.sealed.length >= this.opts.maxSealedMemtables && fill > 0.5) ms = (fill - 0.5) * 2 * MAX_SLOWDOWN_MS;
    const l0 = this.versions.current.levels[0]!.length;
    const stall = this.opts.compaction.l0StallFiles;
    if (l0 >= stall - SLOWDOWN_L0_MARGIN) ms = Math.max(ms, ((l0 - (stall - SLOWDOWN_L0_MARGIN) + 1) / (SLOWDOWN_L0_MARGIN + 1)) * MAX_SLOWDOWN_MS);
    if (ms > 0) this.bg.slowdown(ms);
  }

  /**
   * Seals the active memtable (if it holds anything) and starts a new one with a new
   * log. The old log is synced first, so that a later sync write in the new log never
   * becomes durable while earlier writes in the old one could still be lost; when that
   * sync fails (or the log broke), the sealed memtables must reach a table before the
   * next sync write is acknowledged (`sealedTailUnsynced`).
   */
  rotate(): void {
    const next = this.opts.wal ? this.createLog() : null; // throws before anything changes
    if (this.log !== null) {
      if (!this.mem.empty) {
        if (this.logBroken) {
          this.sealedTailUnsynced = true;
          this.mem.logIntact = false;
        } else {
          try {
            this.log.sync();
            this.counters.walSyncs++;
          } catch {
            this.sealedTailUnsynced = true;
          }
        }
      }
      this.closeLog();
    }
    this.sealActive();
    this.startMemtable(next);
  }

  /** Moves the active memtable (if it holds anything) to the sealed list. */
  sealActive(): void {
    if (this.mem.empty) return;
    this.sealed.push(this.mem);
    this.mem = new Memtable(this.comparator, this.bytewise, 0);
  }

  /** Creates a new, empty log file and makes its name durable. */
  createLog(): LogWriter {
    const number = this.versions.newFileNumber();
    const path = `${this.dir}/${logFileName(number)}`;
    let file: FsFile | undefined;
    try {
      file = this.fs.open(path, { write: true, createNew: true });
      this.fs.syncDirectory(this.dir);
      return startLog(file, number, FileKind.WriteAheadLog, this.opts.encryption, true);
    } catch (err) {
      try {
        file?.close();
      } catch {
        // Already failing.
      }
      removeQuietly(this.fs, path);
      throw toIoError(err, `creating write-ahead log ${path}`);
    }
  }

  /** Makes `log` (null without a WAL) the active log, with a new empty memtable. */
  startMemtable(log: LogWriter | null): void {
    this.log = log;
    this.syncedTo = log?.size ?? 0;
    this.logBroken = false;
    this.mem = new Memtable(this.comparator, this.bytewise, log?.logNumber ?? 0);
  }

  /** Removes `mem` from the sealed list once it is in a table. */
  flushed(mem: Memtable): void {
    const i = this.sealed.indexOf(mem);
    if (i >= 0) this.sealed.splice(i, 1);
    if (this.sealed.length === 0) this.sealedTailUnsynced = false;
  }

  /**
   * The log number to record once `mem` is in a table: the log of the oldest memtable
   * still holding unflushed writes, or of the active log; with no log at all, past every
   * file number, so no existing log is ever replayed over data already in a table.
   */
  logNumberAfterFlushing(mem: Memtable): number {
    for (const m of this.sealed) if (m !== mem && m.logNumber > 0) return m.logNumber;
    if (this.mem !== mem && this.mem.logNumber > 0) return this.mem.logNumber;
    return this.versions.nextFileNumber;
  }

  /** fsyncs the active log; a failure breaks it (the next write starts a new one). */
  syncLog(): void {
    try {
      this.log!.sync();
      this.counters.walSyncs++;
    } catch (err) {
      this.logBroken = true;
      throw toIoError(err, 'syncing the write-ahead log');
    }
  }

  /** Closes the active log, ignoring failure (its content was already written, or the failure reported). */
  closeLog(): void {
    try {
      this.log?.close();
    } catch {
      // See above.
    }
    this.log = null;
  }
}
