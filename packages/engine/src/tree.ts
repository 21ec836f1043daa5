// Tree: the store's public API. It opens and recovers a store and delegates: writes to
// the write path (write/), flushes and compactions to background jobs (jobs/), point
// reads and iterators to the readers (read/), the table set to the versions (versions/),
// separated values to the blob store (blob/).
//
// Promises (tested in test/model.test.ts, crash.test.ts, faults.test.ts, background.test.ts):
// - every write (a whole batch) gets the next seqno; a read at seqno S sees exactly the
//   writes <= S, so all of a batch or none of it;
// - a write is durable once a call that made it asked for sync (or syncWrites is on), or
//   after flush()/sync(); a batch is all or nothing across a crash;
// - files are published by write, fsync, directory fsync, and only then referenced by a
//   manifest edit; inputs of a flush or compaction are deleted only after the edit that
//   replaces them is durable, and never while a reader still uses them;
// - checkpoint() writes a store holding exactly the writes acknowledged before the call,
//   complete or detectably incomplete after a crash (checkpoint.test.ts,
//   checkpoint-crash.test.ts); approximateSize/Count read no data block
//   (approximate-size.test.ts); verify() reads every file and changes nothing, and
//   reports each kind of damage with its file and offset (verify.test.ts);
// - an I/O failure is reported as LSM_IO by the call that met it and leaves the store
//   readable and consistent; a background job that keeps failing puts the store in the
//   background-error state (writes refused, reads go on) until it is reopened.

import { type FsFile, parentDir } from '@lsm/fs';
import { InvalidArgumentError, NoSpaceError, NotSupportedError, bytewiseComparator, isLsmError, toIoError, shownValue } from '@lsm/base';
import { BlockCache, type TableWriterOptions } from '@lsm/sstable';
import { BlobGc } from './blob/blob-gc.js';
import { BlobStore } from './blob/blob-store.js';
import { DEFAULT_MAX_OPEN_BLOB_FILES } from './blob/kv-separation-options.js';
import { type Bytes, toKey } from './coerce.js';
import type { KeyRange as TableKeyRange } from '@lsm/compaction';
import { ClosedError, HistoryGoneError, LockedError, ReadOnlyError } from './errors.js';
import { READ_ONLY_OPEN_ATTEMPTS, vanishedUnderUs } from './read-only-open.js';
import { LOCK } from './file-names.js';
import { listQuietly, undoFailedOpen } from './full-disk-open.js';
import { type CatchUpResult, Follower } from './secondary/follower.js';
import { BackgroundWork } from './jobs/background.js';
import { isBuiltInCompactionFilter, isBuiltInMergeOperator } from './jobs/built-in-functions.js';
import { InlineRunner } from './jobs/inline-runner.js';
import { type JobEnv, tableInputs } from './jobs/job-env.js';
import { WorkerRunner, workerCanRun, workerRunnerFor } from './jobs/worker-runner.js';
import { replayLog } from './log/replay-log.js';
import { Memtable } from './memtable/memtable.js';
import { type ResolvedOptions, type TreeOptions, compressionForLevel, resolveOptions, sameCompression } from './options.js';
import type { DbIterator } from './read/db-iterator.js';
import { type Change, ChangeIterator } from './read/change-iterator.js';
import { type KeyRange, type RangeEstimate, estimateRange, resolveKeyRange } from './read/approximate-size.js';
import { type CheckpointResult, checkTarget, writeCheckpoint } from './ops/checkpoint.js';
import { type VerifyOptions, type VerifyReport, verifyStore } from './ops/verify.js';
import { type IngestOutput, ingestTableBytes, memtableOverlaps, pickIngestLevel, writeIngestTables } from './ops/ingest.js';
import { PointReader } from './read/point-reader.js';
import { PrefixFilterReads } from './read/prefix-filter.js';
import { type RangeOptions, type ReadOptions, readSeqno, resolveBounds } from './read/read-options.js';
import type { ReadSources } from './read/read-sources.js';
import { StoreIterators } from './read/store-iterators.js';
import type { BlobReader } from './read/version-chain.js';
import { Snapshot, SnapshotList } from './snapshot.js';
import { type Counters, type TreeStats, emptyCounters, featureCounters, zstdStatus } from './stats.js';
import { deleteObsoleteFiles } from './versions/obsolete-files.js';
import { removeQuietly } from './remove-quietly.js';
import { openVersions } from './versions/open-versions.js';
import { TableCache } from './versions/table-cache.js';
import type { Version } from './versions/version.js';
import type { VersionSet } from './versions/version-set.js';
import { type BatchRecord, type BatchTarget, type CommitOptions, WriteBatch } from './write/write-batch.js';
import { WritePath, applyOp } from './write/write-path.js';

/** Options of a single write. */
export interface WriteOptions {
  /** fsync the write-ahead log before returning: the write is durable when the call returns. */
  sync?: boolean;
}

export type { ReadOptions, RangeOptions } from './read/read-options.js';
export type { Change } from './read/change-iterator.js';

/** Options of changesSince(). */
export interface ChangesOptions {
  /** Report the changes up to this snapshot's seqno (default: up to the newest write). */
  snapshot?: Snapshot;
}
export type { KeyRange } from './read/approximate-size.js';
export type { CheckpointResult } from './ops/checkpoint.js';
export type { VerifyOptions, VerifyReport, StoreProblem, StoreProblemKind } from './ops/verify.js';

/** The embedded LSM-tree key-value store. Open with `Tree.open(path, options)`. */
export class Tree {
  private readonly opts: ResolvedOptions;
  private readonly bytewise: boolean;
  private readonly versions: VersionSet;
  private readonly tableCache: TableCache;
  private readonly blockCache: BlockCache | undefined;
  private readonly snapshots = new SnapshotList();
  private readonly openIterators = new Set<{ close(): void }>();
  private readonly counters: Counters = emptyCounters();
  private readonly writes: WritePath;
  /** Flushes and compactions, as jobs (on a worker thread, or inline). */
  private readonly bg: BackgroundWork;
  /** K/V separation: open blob files, and their bookkeeping. */
  private readonly blobs: BlobStore;
  private readonly blobGc: BlobGc;
  /** Point reads and iterators over the store's current memtables and version. */
  private readonly readers: { points: PointReader; iterators: StoreIterators };
  /** What the readers read: memtables, current version, table cache. */
  private readonly sources: ReadSources;
  /** What write batches commit through (kept off the public class). */
  private readonly batchTarget: BatchTarget;
  private closed = false;
  /** A secondary's catch-up state (Tree.openSecondary), else undefined. */
  private follower: Follower | undefined;
  /** A secondary's snapshots and the view each pinned. */
  private readonly pinnedViews = new WeakMap<Snapshot, PinnedView>();

  private constructor(
    readonly path: string,
    opts: ResolvedOptions,
    /** undefined for a read-only store (it takes no lock). */
    private readonly lockFile: FsFile | undefined,
    versions: VersionSet,
    recovered: Memtable[],
    lastSeqno: number,
  ) {
    const fs = opts.fs;
    this.opts = opts;
    this.bytewise = opts.comparator === bytewiseComparator;
    this.versions = versions;
    this.blockCache = opts.blockCacheBytes > 0 ? new BlockCache(opts.blockCacheBytes, { recycleBlocks: true }) : undefined;
    this.tableCache = new TableCache(fs, path, opts.comparator, this.blockCache, opts.maxOpenTables, opts.encryption, opts.prefixExtractor);
    this.blobs = new BlobStore(fs, path, opts.kvSeparation?.maxOpenFiles ?? DEFAULT_MAX_OPEN_BLOB_FILES, opts.encryption);
    this.blobGc = new BlobGc(fs, path, versions, this.blobs, opts.kvSeparation, this.counters);
    const writes = new WritePath(fs, path, opts, versions, this.counters, recovered, lastSeqno, this.bytewise);
    this.writes = writes;
    const sources: ReadSources = {
      comparator: opts.comparator,
      tableCache: this.tableCache,
      active: () => writes.mem,
      sealed: () => writes.sealed,
      version: () => versions.current,
    };
    this.sources = sources;
    this.readers = this.readersOver(sources);
    this.batchTarget = {
      comparator: opts.comparator,
      isBytewise: this.bytewise,
      checkMergeOperand: (operand) => {
        const op = this.opts.mergeOperator;
        if (op === undefined) throw new InvalidArgumentError('merge() needs a store opened with the mergeOperator option');
        op.validateOperand?.(operand);
      },
      commitRecord: (batch, sync) => this.commitRecord(batch, sync),
    };
    const simulated = opts.jobScheduler?.simulateWorker === true;
    const worker = opts.readOnly ? undefined : simulated ? new InlineRunner(opts.jobScheduler, 'worker') : workerRunnerFor(path, opts);
    this.bg = new BackgroundWork(
      {
        versions,
        strategy: opts.compaction,
        counters: this.counters,
        blobGc: this.blobGc,
        autoCompaction: opts.autoCompaction,
        readOnly: opts.readOnly,
        env: this.jobEnv(),
        sealed: () => writes.sealed,
        flushed: (mem) => writes.flushed(mem),
        logNumberAfterFlushing: (mem) => writes.logNumberAfterFlushing(mem),
        snapshots: () => this.snapshots.seqnos(),
        historyEdge: () => (opts.keepHistorySeqnos === undefined ? undefined : Math.max(0, writes.lastSeqno - opts.keepHistorySeqnos)),
        lastSeqno: () => writes.lastSeqno,
        installed: () => this.deleteObsoleteFiles(),
        compressionFor: (level) => compressionForLevel(opts, level),
      },
      {
        inline: new InlineRunner(opts.jobScheduler),
        worker,
        compactionOnWorker: workerCanRun(opts.compactionFilter, isBuiltInCompactionFilter) && workerCanRun(opts.mergeOperator, (m) => isBuiltInMergeOperator(m.name)),
      },
    );
    writes.bg = this.bg;
    writes.resolver = {
      comparator: opts.comparator,
      bytewise: this.bytewise,
      mergeOperator: opts.mergeOperator,
      readBase: (key) => this.readers.points.get(key, writes.lastSeqno),
    };
    if (worker instanceof WorkerRunner) {
      // Results that arrive while the store is idle are installed from the event loop.
      worker.onResult = () => {
        if (this.closed) return;
        try {
          this.bg.pump();
        } catch {
          // Counted by the job bookkeeping; the next write reports what matters.
        }
      };
    }
  }

  /** The env of the jobs this store runs on its own thread. */
  private jobEnv(): JobEnv {
    return {
      fs: this.opts.fs,
      dir: this.path,
      comparator: this.opts.comparator,
      writerOptions: this.writerOptions(),
      kvSeparation: this.opts.kvSeparation,
      blobStore: this.blobs,
      ...tableInputs(this.tableCache),
      mergeOperator: this.opts.mergeOperator,
      compactionFilter: this.opts.compactionFilter,
    };
  }

  /**
   * Opens (or creates) the store in directory `path`. Recovers the last durable state:
   * the manifest's tables plus every write-ahead-log record after them.
   */
  static open(path: string, options?: TreeOptions): Tree {
    if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path must be a non-empty string');
    const opts = resolveOptions(options);
    const fs = opts.fs;
    const dir = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    if (opts.readOnly) return Tree.recoverReadOnly(dir, opts);
    let lockFile: FsFile;
    try {
      if (!fs.exists(dir)) {
        if (!opts.createIfMissing) throw new InvalidArgumentError(`no store at ${dir} (createIfMissing is false)`);
        fs.createDirAll(dir);
        fs.syncDirectory(parentDir(dir));
      }
      lockFile = fs.open(`${dir}/${LOCK}`, { read: true, write: true, create: true });
    } catch (err) {
      throw toIoError(err, `opening ${dir}`);
    }
    let locked = false;
    try {
      locked = lockFile.tryLock();
    } catch (err) {
      lockFile.close();
      throw toIoError(err, `locking ${dir}`);
    }
    if (!locked) {
      lockFile.close();
      throw new LockedError(dir);
    }
    const before = listQuietly(fs, dir);
    try {
      return Tree.recover(dir, opts, lockFile);
    } catch (err) {
      if (isLsmError(err, 'LSM_NO_SPACE')) undoFailedOpen(fs, dir, before);
      try {
        lockFile.close();
      } catch {
        // Opening already failed; this adds nothing.
      }
      if (isLsmError(err, 'LSM_NO_SPACE')) {
        throw new NoSpaceError(
          `opening the store at ${dir} writes a new manifest and flushes its logs, and the disk is full; free some space, or open it with { readOnly: true } to read it without writing`,
          err,
        );
      }
      throw err;
    }
  }

  /**
   * The manifest's state plus every log it does not cover yet, replayed into a memtable
   * (unless `withLogs` is false: a secondary's follower replays them itself).
   */
  private static replay(dir: string, opts: ResolvedOptions, withLogs = true): { versions: VersionSet; logs: number[]; recovered: Memtable[]; lastSeqno: number } {
    const { versions, logs } = openVersions(opts.fs, dir, opts);
    // Replay every log the manifest does not cover yet, oldest first.
    let lastSeqno = versions.lastSeqno;
    const recovered = new Memtable(opts.comparator, opts.comparator === bytewiseComparator, 0);
    for (const number of withLogs ? logs : []) {
      replayLog(opts.fs, dir, number, opts.encryption, { salvage: opts.walRecovery === 'salvage' }, (seq, type, key, value) => {
        applyOp(recovered, seq, type, key, value);
        if (seq > lastSeqno) lastSeqno = seq;
      });
    }
    return { versions, logs, recovered: recovered.empty ? [] : [recovered], lastSeqno };
  }

  /**
   * A read-only open: the manifest's tables and the logs' records, in memory, with no
   * write. A live writer may replace the manifest, delete a log or a table between our
   * reads: the open then starts over (a few times) from CURRENT. Every table of the
   * version is opened now, so that a table the writer deletes later stays readable
   * through its open handle.
   */
  private static recoverReadOnly(dir: string, opts: ResolvedOptions, secondary = false): Tree {
    for (let attempt = 1; ; attempt++) {
      let tree: Tree | undefined;
      try {
        const { versions, recovered, lastSeqno } = Tree.replay(dir, opts, !secondary);
        tree = new Tree(dir, opts, undefined, versions, recovered, lastSeqno);
        tree.tableCache.acquireAll(versions.current.tableIds());
        if (secondary) {
          const t = tree;
          const writes = t.writes;
          t.follower = new Follower({
            fs: opts.fs,
            dir,
            opts,
            versions,
            tableCache: t.tableCache,
            memtables: writes.sealed,
            setLastSeqno: (seq) => {
              if (seq > writes.lastSeqno) writes.lastSeqno = seq;
            },
          });
          t.follower.catchUp();
        }
        return tree;
      } catch (err) {
        tree?.releaseResources();
        if (attempt >= READ_ONLY_OPEN_ATTEMPTS || !vanishedUnderUs(err)) throw err;
      }
    }
  }

  /**
   * Opens the store in `path` as a secondary: read-only (as `readOnly: true`; writes throw
   * LSM_READ_ONLY) and able to follow a live primary, in another process or this one, with
   * tryCatchUp(). Sees the store as of its open until the first catch-up.
   */
  static openSecondary(path: string, options?: TreeOptions): Tree {
    if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path must be a non-empty string');
    const opts = resolveOptions({ ...options, readOnly: true });
    const dir = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
    return Tree.recoverReadOnly(dir, opts, true);
  }

  /**
   * A secondary (Tree.openSecondary) reads what its primary made durable since the last
   * catch-up (new tables from the manifest, new records from the logs) and makes it
   * visible. Open iterators and snapshots keep the view they started with: the tables
   * they read stay open even when the primary deletes them. Returns what it did.
   */
  tryCatchUp(): CatchUpResult {
    this.checkOpen();
    if (this.follower === undefined) throw new InvalidArgumentError('tryCatchUp() needs a store opened with Tree.openSecondary');
    return this.follower.catchUp();
  }

  private static recover(dir: string, opts: ResolvedOptions, lockFile: FsFile): Tree {
    const { versions, logs, recovered, lastSeqno } = Tree.replay(dir, opts);
    const tree = new Tree(dir, opts, lockFile, versions, recovered, lastSeqno);
    try {
      // Make the recovered writes durable in a table, then start a fresh log: nothing is
      // ever appended after a torn tail.
      // The new log first: the edit that records the recovered table then also retires the
      // replayed logs, atomically. Two edits would let a crash in between replay the same
      // logs into a second table (duplicate entries).
      const w = tree.writes;
      w.startMemtable(opts.wal ? w.createLog() : null);
      tree.bg.drainFlushes();
      if (logs.length > 0) {
        // Every replayed log is now in a table (without a WAL now, every log is obsolete).
        tree.versions.logAndApply({ logNumber: w.mem.logNumber || tree.versions.nextFileNumber, lastSeqno: w.lastSeqno });
      }
      // On this thread: the orphans of a crash are gone when open returns.
      tree.deleteObsoleteFiles(true);
    } catch (err) {
      tree.releaseResources();
      throw err;
    }
    return tree;
  }

  // ---------------------------------------------------------------- writes

  /** Sets `key` to `value`. Returns the write's seqno. */
  put(key: Bytes, value: Bytes, opts?: WriteOptions): number {
    return this.batch().put(key, value).commit(opts);
  }

  /** Deletes `key`. Returns the write's seqno. */
  delete(key: Bytes, opts?: WriteOptions): number {
    return this.batch().delete(key).commit(opts);
  }

  /**
   * Single-delete: removes the newest version of `key` only. For keys written once since
   * their last deletion; with several versions an older one may reappear after compaction.
   */
  deleteWeak(key: Bytes, opts?: WriteOptions): number {
    return this.batch().deleteWeak(key).commit(opts);
  }

  /**
   * Adds a merge operand for `key` (needs the mergeOperator option: LSM_INVALID_ARGUMENT
   * otherwise, or when the operator rejects the operand). Returns the write's seqno.
   */
  merge(key: Bytes, operand: Bytes, opts?: WriteOptions): number {
    return this.batch().merge(key, operand).commit(opts);
  }

  /**
   * Deletes every key in [start, end) with one write (one seqno); later writes to keys in
   * the range are visible again. Returns the seqno (the current one for an empty range).
   */
  deleteRange(start: Bytes, end: Bytes, opts?: WriteOptions): number {
    return this.batch().deleteRange(start, end).commit(opts);
  }

  /** Deletes every key starting with `prefix` (bytewise comparator only). Returns the seqno. */
  deletePrefix(prefix: Bytes, opts?: WriteOptions): number {
    return this.batch().deletePrefix(prefix).commit(opts);
  }

  /**
   * Bulk ingestion: writes `entries`, `[key, value]` pairs (strings or Uint8Arrays) in
   * strictly ascending key order, straight into tables: no log, no memtable. They become
   * visible all at once with ONE new seqno, newer than every earlier write (so they
   * shadow every older version of their keys, and older range deletions do not hide
   * them; snapshots taken before do not see them), and are durable when the call returns:
   * tables fsynced, their names synced, one manifest edit synced. Returns that seqno; an
   * empty input writes nothing and returns the current seqno.
   *
   * Any number of entries: they stream into tables cut at the strategy's target table
   * size (the memtable size when it has none), written as flushes write them (compression,
   * filters, encryption, K/V separation). When the store's jobs run on worker threads, an
   * input over 4 MiB is packed into chunks for a worker started for the call, which
   * writes the tables while this thread reads and checks the next chunk. Memtables holding a key or a range deletion in
   * the ingested range are flushed first; every earlier write is made durable too (as
   * sync() does). The tables go to L0, or, with the leveled strategy, to the deepest
   * level whose key range above is free (see ops/ingest.ts).
   *
   * Keys out of order or repeated: LSM_INVALID_ARGUMENT naming the entries, with nothing
   * visible, every file written removed and the seqno unchanged; so for an error thrown
   * by the iterable itself (rethrown as is). An I/O failure is LSM_IO (LSM_NO_SPACE on a
   * full disk) with nothing visible; when the manifest write itself failed, the edit may
   * still be on disk, so its seqno is used up (a reopen may show the ingested data, all of
   * it) and the tables stay until the next manifest settles it. The iterable must not
   * write to this store while it is read (LSM_INVALID_ARGUMENT).
   */
  ingest(entries: Iterable<readonly [Bytes, Bytes]>): number {
    this.checkOpen();
    this.checkWritable('ingest()');
    if (typeof (entries as { [Symbol.iterator]?: unknown } | null | undefined)?.[Symbol.iterator] !== 'function') {
      throw new InvalidArgumentError('ingest() takes an iterable of [key, value] pairs');
    }
    const bg = this.bg;
    const w = this.writes;
    bg.checkWritable();
    bg.pump();
    const before = w.lastSeqno;
    const seqno = before + 1;
    const numbers = bg.openReservation();
    try {
      let out: IngestOutput;
      try {
        // Large inputs go to a pool worker (through a runner of their own) when the store's jobs run on workers.
        const worker = bg.workerUsable() ? () => workerRunnerFor(this.path, this.opts) : undefined;
        out = writeIngestTables(this.jobEnv(), entries, seqno, ingestTableBytes(this.opts.compaction, this.opts.memtableBytes), numbers, compressionForLevel(this.opts, 0), worker);
      } catch (err) {
        throw toIoError(err, 'ingest(): writing its tables');
      }
      if (w.lastSeqno !== before) {
        out.abandon();
        throw new InvalidArgumentError('ingest(): the store was written while ingest() read its entries; nothing was ingested');
      }
      const range = out.range;
      if (range === undefined) return before;
      try {
        this.prepareIngest(range);
      } catch (err) {
        out.abandon();
        throw err;
      }
      bg.pump();
      // The tables were written with L0's compression: with compressionPerLevel they may go
      // deeper only to a level compressed alike (every table matches its level's setting).
      const deepest = pickIngestLevel(this.opts.comparator, this.opts.compaction, this.versions.current, range, bg.compactionInFlight());
      const level = sameCompression(compressionForLevel(this.opts, deepest), compressionForLevel(this.opts, 0)) ? deepest : 0;
      try {
        this.versions.logAndApply({ added: out.tables.map((meta) => ({ level, meta })), addedBlobs: out.blobFiles, lastSeqno: seqno });
      } catch (err) {
        // The edit may have reached the disk: the seqno is used up (never given to another
        // write), and the files stay until a new manifest settles the question.
        w.lastSeqno = seqno;
        throw toIoError(err, 'ingest(): writing its manifest edit');
      }
      w.lastSeqno = seqno;
      const c = this.counters;
      c.ingests++;
      c.ingestedEntries += out.entries;
      if (out.onWorker) c.ingestedOnWorker += out.entries;
      c.userBytes += out.userBytes;
      c.tableBytesWritten += out.tableBytes;
      this.blobGc.record(out.blob);
    } finally {
      numbers.release();
    }
    this.deleteObsoleteFiles();
    bg.nudge();
    return seqno;
  }

  /**
   * Before ingested tables covering `range` are installed: memtables holding a key or a
   * range deletion in it go to tables (a read meets memtables first, and theirs would be
   * older), and every earlier write is made durable, so that a crash never keeps the
   * ingested data but loses a write acknowledged before it.
   */
  private prepareIngest(range: TableKeyRange): void {
    const w = this.writes;
    const cmp = this.opts.comparator;
    const overlaps = memtableOverlaps(cmp, w.mem, range) || w.sealed.some((m) => memtableOverlaps(cmp, m, range));
    // FIFO drops whole tables oldest first and promises that a drop removes only the
    // oldest writes: every earlier write must be in a table older than the ingested ones,
    // not in a memtable that a later flush would make newer than them.
    const fifo = this.opts.compaction.name === 'fifo';
    if (overlaps || fifo || !this.opts.wal || !w.logUsable) {
      if (!w.mem.empty) w.rotate();
      this.bg.drainFlushes();
      return;
    }
    if (w.sealedTailUnsynced) this.bg.drainFlushes();
    if (!w.mem.empty) w.syncLog();
  }

  /**
   * A new write batch: operations applied in order and atomically by its commit(), all
   * with one seqno (see WriteBatch).
   */
  batch(): WriteBatch {
    this.checkOpen();
    return new WriteBatch(this.batchTarget);
  }

  /** Applies a batch (WriteBatch.commit, through batchTarget). */
  private commitRecord(batch: BatchRecord, sync: boolean | undefined): number {
    this.checkOpen();
    this.checkWritable('a write');
    if (sync !== undefined && typeof sync !== 'boolean') throw new InvalidArgumentError('option sync must be a boolean');
    return this.writes.commit(batch, sync === true || this.opts.syncWrites);
  }

  /** Options for every table this store writes (each job sets the compression of its output level). */
  private writerOptions(): TableWriterOptions {
    return {
      comparator: this.opts.comparator,
      blockSize: this.opts.blockSize,
      restartInterval: this.opts.blockRestartInterval,
      filter: this.opts.filter,
      encryption: this.opts.encryption,
      prefixExtractor: this.opts.prefixExtractor,
    };
  }

  /** Writes the active memtable (and any sealed one) to tables; durable when it returns. */
  flush(): void {
    this.checkOpen();
    this.checkWritable('flush()');
    this.bg.checkWritable();
    if (!this.writes.mem.empty) this.writes.rotate();
    this.bg.drainFlushes();
    this.bg.nudge();
  }

  /** Makes every acknowledged write durable (fsync of the log; a flush without a log). */
  sync(): void {
    this.checkOpen();
    this.checkWritable('sync()');
    const w = this.writes;
    if (!this.opts.wal || !w.logUsable) {
      // No log, or a broken one whose tail is unknown: make everything durable through tables.
      this.flush();
      return;
    }
    if (w.sealedTailUnsynced) this.bg.drainFlushes();
    w.syncLog();
  }

  /**
   * Leaves the background-error state (a full disk, or jobs that failed too often) and
   * runs the failed work again now: returns once the sealed memtables are in tables.
   * Throws the error again, and stays in that state, when the work still fails. A no-op
   * on a store without a background error. On a full disk (LSM_NO_SPACE) a write also
   * retries by itself, at most once a second.
   */
  resume(): void {
    this.checkOpen();
    this.checkWritable('resume()');
    this.bg.resume();
  }

  /**
   * Writes a checkpoint of the store into directory `dir`, which must not exist or be
   * empty (LSM_INVALID_ARGUMENT otherwise): a store of its own, opened with
   * `Tree.open(dir, sameOptions)`, holding every write acknowledged before the call
   * (flushed or not) and none after it, independent of this store from then on. Tables
   * and blob files are hard-linked where the Fs allows it (copied otherwise), the
   * write-ahead logs copied up to their length now; an encrypted store's checkpoint is
   * encrypted with the same keys. Without a write-ahead log (or after a log write failed)
   * the memtables are flushed first. Iterators, snapshots and jobs in flight go on
   * unaffected. After a crash during the call the source is intact and `dir` is complete,
   * or holds the CHECKPOINT-INCOMPLETE marker (Tree.open refuses it: LSM_CORRUPTION), or
   * holds nothing. A failure is LSM_IO, with the files written so far removed.
   */
  checkpoint(dir: string): CheckpointResult {
    this.checkOpen();
    this.checkWritable('checkpoint()');
    const fs = this.opts.fs;
    const target = checkTarget(fs, dir);
    const w = this.writes;
    // Memtables whose writes a log cannot give back (no log, or a write to it failed) go to tables first.
    if (!this.opts.wal || !w.logUsable || w.sealed.some((m) => !m.logIntact)) this.flush();
    const logNumber = this.versions.logNumber;
    const logs = this.opts.wal ? w.activeLogs().filter((n) => n > 0 && n >= logNumber).sort((a, b) => a - b) : [];
    return writeCheckpoint({ fs, dir: this.path, versions: this.versions, keys: this.opts.encryption, seqno: w.lastSeqno, logs }, target);
  }

  /**
   * Checks every file the store depends on and reports what is wrong (it never throws for
   * damage, and changes nothing): every block of every live table (checksums, structure,
   * key order) and what the manifest records for it (key bounds, seqno range, counts,
   * size), the order and disjointness of the tables of levels >= 1, every blob pointer
   * (a recorded blob file, inside its records, a record that checks out) and every blob
   * file, the manifest to its end, and every live write-ahead log (a torn tail of the
   * newest one is what a crash leaves: not a problem). Reads through the store's Fs and
   * keys; works on a read-only store. `onProgress(done, total)` is called in bytes.
   */
  verify(opts?: VerifyOptions): VerifyReport {
    this.checkOpen();
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) throw new InvalidArgumentError('verify() options must be an object');
    if (opts?.onProgress !== undefined && typeof opts.onProgress !== 'function') throw new InvalidArgumentError('option onProgress must be a function');
    const version = this.versions.current;
    version.ref();
    try {
      return verifyStore(
        {
          fs: this.opts.fs,
          dir: this.path,
          comparator: this.opts.comparator,
          keys: this.opts.encryption,
          version,
          blobFiles: this.versions.blobFiles,
          logNumber: this.versions.logNumber,
          activeLogs: this.opts.readOnly || !this.opts.wal ? [] : this.writes.activeLogs(),
        },
        opts,
      );
    } finally {
      version.unref();
    }
  }

  /** Major compaction: merges everything down, dropping what no snapshot needs. */
  compact(): void {
    this.checkOpen();
    this.checkWritable('compact()');
    this.flush();
    this.bg.runPlans(() => {
      const picked = this.opts.compaction.pickMajor(this.versions.current);
      return picked === null ? [] : Array.isArray(picked) ? picked : [picked];
    });
  }

  // ---------------------------------------------------------------- reads

  /** The value of `key`, or undefined. Reads as of `opts.snapshot` / `opts.seqno` if given. */
  get(key: Bytes, opts?: ReadOptions): Uint8Array | undefined {
    this.checkOpen();
    this.bg.pump();
    const k = toKey(key);
    const seq = readSeqno(opts, this.writes.lastSeqno);
    this.counters.gets++;
    return this.readersFor(opts).points.get(k, seq);
  }

  /** Values of several keys (undefined where absent), as of one seqno. */
  multiGet(keys: readonly Bytes[], opts?: ReadOptions): (Uint8Array | undefined)[] {
    this.checkOpen();
    if (!Array.isArray(keys)) throw new InvalidArgumentError('keys must be an array');
    this.bg.pump();
    const seq = readSeqno(opts, this.writes.lastSeqno);
    this.counters.gets += keys.length;
    const points = this.readersFor(opts).points;
    return keys.map((key, i) => points.get(toKey(key, `keys[${i}]`), seq));
  }

  /** Iterates `[key, value]` pairs in key order (or reverse), within bounds, as of one seqno. */
  range(opts?: RangeOptions): DbIterator {
    this.checkOpen();
    return this.iterate(opts, undefined);
  }

  /** Iterates the keys that start with `prefix`. */
  prefix(prefix: Bytes, opts?: RangeOptions): DbIterator {
    this.checkOpen();
    if (!this.bytewise) {
      // Keys sharing a prefix are contiguous only in an order that agrees with bytewise on prefixes.
      throw new NotSupportedError('prefix() needs the bytewise comparator; use range() with bounds');
    }
    return this.iterate(opts, toKey(prefix, 'prefix'));
  }

  private iterate(opts: RangeOptions | undefined, prefix: Uint8Array | undefined): DbIterator {
    this.bg.pump();
    const seq = readSeqno(opts, this.writes.lastSeqno);
    const bounds = resolveBounds(opts, prefix);
    const it = this.readersFor(opts).iterators.open(
      seq,
      bounds,
      (done, freedFiles) => {
        this.openIterators.delete(done);
        if (freedFiles && !this.closed) this.deleteObsoleteFiles();
      },
      () => this.closed,
    );
    this.openIterators.add(it);
    this.counters.iterators++;
    return it;
  }

  /**
   * Change capture: the changes newer than `seqno` (typically the seqno a copy was last in
   * sync at), in key order, as of now (or as of `opts.snapshot`). For each key its newest
   * change in (seqno, now]: `{ type: 'put', key, seqno, value }` (for merge operands, the
   * value the key resolves to) or `{ type: 'delete', key, seqno }`; every range deletion
   * in that window as `{ type: 'deleteRange', start, end, seqno }`, before the point
   * changes at or after its start (a key whose newest change is a range deletion has no
   * record of its own). Applying the records in order to a copy in sync at `seqno` gives
   * the store as of now. Tables and memtables with nothing newer than `seqno` are skipped
   * without being opened. The iterator pins what it reads until it ends or `close()`.
   *
   * `seqno` must be a safe integer >= 0 and at most the read seqno (LSM_INVALID_ARGUMENT);
   * below the history horizon (compaction dropped deletions up to there, see
   * keepHistorySeqnos) it is LSM_HISTORY_GONE: the answer could be incomplete.
   */
  changesSince(seqno: number, opts?: ChangesOptions): ChangeIterator {
    this.checkOpen();
    if (typeof seqno !== 'number' || !Number.isSafeInteger(seqno) || seqno < 0) {
      throw new InvalidArgumentError(`changesSince(): seqno must be a safe integer >= 0, got ${shownValue(seqno)}`);
    }
    if (opts !== undefined && (typeof opts !== 'object' || opts === null)) throw new InvalidArgumentError('changesSince(): options must be an object');
    if (opts?.snapshot !== undefined && this.follower !== undefined) {
      throw new NotSupportedError("changesSince() with a secondary's snapshot is not supported; call it without one");
    }
    this.bg.pump();
    const read = readSeqno(opts?.snapshot === undefined ? undefined : { snapshot: opts.snapshot }, this.writes.lastSeqno);
    if (seqno > read) {
      throw new InvalidArgumentError(`changesSince(): seqno ${seqno} is after the seqno read (${read}); a copy cannot be ahead of the store`);
    }
    const horizon = this.versions.historyHorizon;
    if (seqno < horizon) throw new HistoryGoneError(seqno, horizon);
    const { version, active, sealed, sources } = this.pinSources();
    let it: ChangeIterator;
    try {
      it = new ChangeIterator(
        { comparator: this.opts.comparator, sources, mergeOperator: this.opts.mergeOperator, readBlob: (k, pointer) => this.blobs.read(pointer, k, 'a table of this store') },
        version,
        [active, ...sealed.slice().reverse()],
        seqno,
        read,
        (done) => {
          version.unref();
          this.openIterators.delete(done);
          if (!version.referenced && version !== this.versions.current && !this.closed) this.deleteObsoleteFiles();
        },
        () => this.closed,
      );
    } catch (err) {
      version.unref();
      throw err;
    }
    this.openIterators.add(it);
    this.counters.iterators++;
    return it;
  }

  /**
   * About how many bytes the keys in `range` (`gt`/`gte`, `lt`/`lte`; none: the whole
   * store) take: table bytes on disk with the blob-file bytes their values use, plus
   * memtable bytes. Computed from table metadata and index blocks (which may be in the
   * block cache), never a data block, so the error is up to a data block at each end of
   * every table the range cuts. Counts what is stored: older versions and deletions too,
   * until compaction removes them. A lower bound after the upper one is
   * LSM_INVALID_ARGUMENT; an empty range is 0.
   */
  approximateSize(range?: KeyRange): number {
    return this.estimate(range).bytes;
  }

  /**
   * About how many entries the keys in `range` hold, estimated as approximateSize is (entry
   * counts of tables and memtables, apportioned the same way). Entries are versions: a key
   * written three times and not yet compacted counts three times; tombstones count.
   */
  approximateCount(range?: KeyRange): number {
    return this.estimate(range).count;
  }

  private estimate(range: KeyRange | undefined): RangeEstimate {
    this.checkOpen();
    const bounds = resolveKeyRange(range, this.opts.comparator);
    this.bg.pump();
    return estimateRange(this.sources, bounds);
  }

  /** Pins the current seqno: reads through the snapshot see the store as it is now. */
  snapshot(): Snapshot {
    this.checkOpen();
    const seq = this.writes.lastSeqno;
    this.snapshots.add(seq);
    if (this.follower === undefined) return new Snapshot(seq, this, this.snapshots);
    // A secondary's catch-up replaces its memtable and version: the snapshot keeps the
    // ones it started with (and so the tables, open even if the primary deletes them).
    const view = this.pinView();
    const snap = new Snapshot(seq, this, this.snapshots, () => {
      this.pinnedViews.delete(snap);
      view.unpin();
    });
    this.pinnedViews.set(snap, view);
    return snap;
  }

  /** The current version (referenced: the caller unrefs it) and memtables, as read sources that stay as they are now. */
  private pinSources(): { version: Version; active: Memtable; sealed: Memtable[]; sources: ReadSources } {
    const version = this.versions.current;
    version.ref();
    const active = this.writes.mem;
    const sealed = [...this.writes.sealed];
    const sources: ReadSources = {
      comparator: this.opts.comparator,
      tableCache: this.tableCache,
      active: () => active,
      sealed: () => sealed,
      version: () => version,
    };
    return { version, active, sealed, sources };
  }

  /** The readers of the current version and memtables, pinned until unpin(). */
  private pinView(): PinnedView {
    const { version, sources } = this.pinSources();
    return { ...this.readersOver(sources), unpin: () => version.unref() };
  }

  /** Point reads and iterators over `sources` (blob values read through this store's blob files). */
  private readersOver(sources: ReadSources): { points: PointReader; iterators: StoreIterators } {
    const readBlob: BlobReader = (k, pointer) => this.blobs.read(pointer, k, 'a table of this store');
    const pe = this.opts.prefixExtractor;
    const pf = pe === undefined ? undefined : new PrefixFilterReads(pe, this.counters);
    return {
      points: new PointReader(sources, this.opts.mergeOperator, readBlob, pf),
      iterators: new StoreIterators(sources, this.opts.mergeOperator, readBlob, pf),
    };
  }

  /**
   * The seqno of the last write: of the last committed batch (every single-key call is a
   * batch of one). Seqnos grow by one per batch, so `seqno - 1` is the store just before
   * it; reads as of `seqno` see every acknowledged write.
   */
  get seqno(): number {
    return this.writes.lastSeqno;
  }

  /** Counters and shape of the store. */
  stats(): TreeStats {
    this.checkOpen();
    const v = this.versions.current;
    const c = this.counters;
    const mem = this.writes.mem;
    return {
      seqno: this.writes.lastSeqno,
      activeMemtable: { bytes: mem.approximateBytes, entries: mem.size },
      sealedMemtables: this.writes.sealed.length,
      levels: v.levels.map((tables, level) => ({
        level,
        tables: tables.length,
        bytes: tables.reduce((s, t) => s + t.size, 0),
        entries: tables.reduce((s, t) => s + t.entries, 0),
      })),
      tables: v.levels.reduce((s, l) => s + l.length, 0),
      snapshots: this.snapshots.size,
      openIterators: this.openIterators.size,
      openTables: this.tableCache.size,
      blockCache: this.blockCache?.stats(),
      writes: c.writes,
      gets: c.gets,
      userBytesWritten: c.userBytes,
      walBytesWritten: c.walBytes,
      walSyncs: c.walSyncs,
      flushes: c.flushes,
      flushErrors: c.flushErrors,
      compactions: c.compactions,
      ...featureCounters(c),
      trivialMoves: c.trivialMoves,
      compactionErrors: c.compactionErrors,
      tableBytesWritten: c.tableBytesWritten,
      compactionBytesRead: c.compactionBytesRead,
      ingests: c.ingests,
      ingestedEntries: c.ingestedEntries,
      ingestedOnWorker: c.ingestedOnWorker,
      historyHorizon: this.versions.historyHorizon,
      prefixFilterSkips: c.prefixFilterSkips,
      writeAmplification: c.userBytes === 0 ? 0 : (c.walBytes + c.tableBytesWritten + c.blobBytesWritten) / c.userBytes,
      blobs: this.blobGc.stats(),
      jobs: this.bg.stats(),
      stalls: { ...this.bg.stalls },
      zstd: zstdStatus(),
    };
  }

  /**
   * Deletes the files nothing needs any more (see versions/obsolete-files.ts): on a worker
   * when the store has one, unless `here`.
   */
  private deleteObsoleteFiles(here = false): void {
    if (this.closed || this.opts.readOnly) return;
    deleteObsoleteFiles({
      fs: this.opts.fs,
      dir: this.path,
      versions: this.versions,
      tableCache: this.tableCache,
      blockCache: this.blockCache,
      blobGc: this.blobGc,
      activeLogs: () => this.writes.activeLogs(),
      isReserved: (n) => this.bg.isReserved(n),
      remove: (names) => {
        if (!here && this.bg.removeInBackground(names)) return;
        for (const name of names) removeQuietly(this.opts.fs, `${this.path}/${name}`);
      },
      // Here, a name a worker may still be removing is removed again (quietly).
      isBeingRemoved: (name) => !here && this.bg.isBeingRemoved(name),
    });
  }

  // ---------------------------------------------------------------- lifecycle

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('tree');
  }

  /** The readers for a read: a secondary's snapshot has its own, over what it pinned. */
  private readersFor(opts: ReadOptions | undefined): { points: PointReader; iterators: StoreIterators } {
    const snap = opts?.snapshot;
    const view = snap === undefined ? undefined : this.pinnedViews.get(snap);
    return view ?? this.readers;
  }

  private checkWritable(what: string): void {
    if (this.opts.readOnly) throw new ReadOnlyError(what, this.path);
  }

  /** True for a store opened with `readOnly: true`. */
  get readOnly(): boolean {
    return this.opts.readOnly;
  }

  /** True after close(). */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Closes the store: waits for the jobs in flight, ends open iterators, syncs the log
   * (or, without a trustworthy log, flushes the memtables), and releases the directory
   * lock. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    if (this.opts.readOnly) {
      // Nothing was written, nothing to make durable.
      for (const it of [...this.openIterators]) it.close();
      this.releaseResources();
      return;
    }
    let failure: unknown;
    const w = this.writes;
    try {
      // Jobs in flight finish and are installed: no thread writes into the directory
      // once its lock is released.
      this.bg.drainAll(false);
      if (!this.opts.wal || !w.logUsable || w.sealedTailUnsynced) {
        // No log, or one whose tail cannot be trusted: make every write durable in tables.
        w.sealActive();
        this.bg.drainFlushes();
      } else {
        w.syncLog();
        this.flushForClose();
      }
      // What the flushes made obsolete (their logs) is removed before the lock is released.
      this.bg.drainAll(false);
    } catch (err) {
      failure = err;
    }
    for (const it of [...this.openIterators]) it.close();
    this.closed = true;
    this.releaseResources();
    if (isLsmError(failure, 'LSM_NO_SPACE')) {
      // What could not be written is still in the logs; say so, the store is closed.
      throw new NoSpaceError(
        `closing the store at ${this.path}: the store is closed, but its memtables could not be written to tables; every acknowledged write is in its logs, and the next open (with space free) replays them`,
        failure,
      );
    }
    if (failure !== undefined) throw toIoError(failure, 'closing the store');
  }

  /**
   * flushOnCloseBytes: the memtables to tables when they hold that much, their logs then
   * obsolete. Every write is already durable in the synced log, so a failure here loses
   * nothing and is not the caller's: the next open replays the log instead.
   */
  private flushForClose(): void {
    const w = this.writes;
    let bytes = w.mem.approximateBytes;
    for (const m of w.sealed) bytes += m.approximateBytes;
    if (bytes === 0 || bytes < this.opts.flushOnCloseBytes) return;
    try {
      this.bg.checkWritable();
      this.writes.sealActive();
      this.bg.drainFlushes();
    } catch {
      // Counted in the job bookkeeping; see above.
    }
  }

  private releaseResources(): void {
    this.closed = true;
    this.bg.close();
    this.writes.closeLog();
    this.versions.close();
    this.tableCache.close();
    this.blobs.close();
    try {
      this.lockFile?.close();
    } catch {
      // The lock is released with the handle either way.
    }
  }
}

/** A secondary snapshot's readers, over the version and memtables it pinned. */
interface PinnedView {
  readonly points: PointReader;
  readonly iterators: StoreIterators;
  unpin(): void;
}

export type { CatchUpResult, CommitOptions, Version };
