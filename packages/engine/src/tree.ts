// Tree: the store. It ties together the write-ahead log, the memtables, the manifest
// (VersionSet), the table files and compaction, behind a synchronous API.
//
// Promises (tested in test/model.test.ts, crash.test.ts, faults.test.ts):
// - every write gets the next seqno; a read at seqno S sees exactly the writes <= S;
// - a write is durable once a call that made it asked for sync (or syncWrites is on), or
//   after flush()/sync(); a batch is all or nothing across a crash;
// - files are published by write, fsync, directory fsync, and only then referenced by a
//   manifest edit; inputs of a flush or compaction are deleted only after the edit that
//   replaces them is durable, and never while a reader still uses them;
// - an I/O failure is reported as LSM_IO by the call that met it and leaves the store
//   readable and consistent.

import { LevelIterator, type TableMeta, counterAdd, firstTableEndingAtOrAfter } from '@lsm/compaction';
import { type Fs, type FsFile, NodeFs, parentDir, readFile } from '@lsm/fs';
import {
  ByteSink,
  type Comparator,
  FragmentedRangeTombstones,
  type RangeTombstone,
  type InternalIterator,
  InvalidArgumentError,
  MergingIterator,
  ValueType,
  bytewiseComparator,
  NotSupportedError,
  prefixSuccessor,
  toIoError,
} from '@lsm/base';
import { FileKind } from '@lsm/encryption';
import { BlockCache, type TableWriterOptions, keyHash } from '@lsm/sstable';
import { type BatchOp, OP_DELETE_RANGE, decodeBatch, encodeBatch } from './batch-codec.js';
import { BlobGc } from './blob-gc.js';
import { BlobStore } from './blob-store.js';
import { DEFAULT_MAX_OPEN_BLOB_FILES } from './kv-separation-options.js';
import { copyBytes } from './byte-slab.js';
import { type Bytes, toKey } from './coerce.js';
import { ClosedError, LockedError } from './errors.js';
import { LOCK, logFileName, parseFileName, tableFileName } from './file-names.js';
import { removeQuietly } from './remove-quietly.js';
import { BackgroundWork } from './jobs/background.js';
import { InlineRunner } from './jobs/inline-runner.js';
import type { JobEnv } from './jobs/job-env.js';
import type { JobStoreConfig } from './jobs/job-types.js';
import { WorkerRunner } from './jobs/worker-runner.js';
import { readLog } from './log-reader.js';
import { openLog, startLog } from './log-encryption.js';
import type { LogWriter } from './log-writer.js';
import { Memtable } from './memtable.js';
import { type ResolvedOptions, type TreeOptions, resolveOptions } from './options.js';
import { DbIterator, type IterBounds } from './db-iterator.js';
import { Snapshot, SnapshotList } from './snapshot.js';
import { TableCache } from './table-cache.js';
import type { Version } from './version.js';
import { VersionSet } from './version-set.js';
import { type CommitOptions, WriteBatch } from './write-batch.js';
import { type TreeStats, emptyCounters, featureCounters, type Counters, zstdStatus } from './stats.js';
import { type BlobReader, VersionChain } from './version-chain.js';

/** Applies one batch operation to a memtable at `seqno`. */
function addOp(mem: Memtable, seqno: number, op: BatchOp, owned: boolean): void {
  if (op.type === OP_DELETE_RANGE) mem.addRangeTombstone(seqno, op.key, op.value, owned);
  else mem.add(seqno, op.type as ValueType, op.key, op.value, owned);
}

/** Whether `t`'s key range holds `k` (an exclusive largest does not). */
function tableCovers(cmp: Comparator, t: TableMeta, k: Uint8Array): boolean {
  if (cmp.compare(k, t.smallest) < 0) return false;
  const c = cmp.compare(k, t.largest);
  return c < 0 || (c === 0 && t.largestExclusive !== true);
}

/** Options of a single write. */
export interface WriteOptions {
  /** fsync the write-ahead log before returning: the write is durable when the call returns. */
  sync?: boolean;
}

/** Options of a point read. */
export interface ReadOptions {
  /** Read as of this snapshot. */
  snapshot?: Snapshot;
  /** Read as of this seqno (must not exceed the current one). */
  seqno?: number;
}

/** Options of range() and prefix(). */
export interface RangeOptions extends ReadOptions {
  gt?: Bytes;
  gte?: Bytes;
  lt?: Bytes;
  lte?: Bytes;
  /** Iterate from the largest key down. */
  reverse?: boolean;
  /** Yield at most this many entries. */
  limit?: number;
}

/** The embedded LSM-tree key-value store. Open with `Tree.open(path, options)`. */
export class Tree {
  private readonly fs: Fs;
  private readonly opts: ResolvedOptions;
  private readonly bytewise: boolean;
  private readonly versions: VersionSet;
  private readonly tableCache: TableCache;
  private readonly blockCache: BlockCache | undefined;
  private readonly snapshots = new SnapshotList();
  private readonly openIterators = new Set<DbIterator>();
  private readonly sink = new ByteSink(64 * 1024);
  private readonly counters: Counters = emptyCounters();
  /** Flushes and compactions, as jobs (on a worker thread, or inline). */
  private readonly bg: BackgroundWork;
  /** K/V separation: open blob files, and their bookkeeping. */
  private readonly blobs: BlobStore;
  private readonly blobGc: BlobGc;
  private mem: Memtable;
  /** Sealed memtables waiting to be flushed, oldest first. */
  private sealed: Memtable[] = [];
  private log: LogWriter | null = null;
  /** The log failed mid-write: the next write starts a new one. */
  private logBroken = false;
  /** A sealed memtable's log tail may not be durable: flush before acknowledging a sync write. */
  private sealedTailUnsynced = false;
  /** The last seqno given to a write (and visible to reads). */
  private lastSeqno: number;
  private closed = false;
  /** Files waiting for readers to let go before they are deleted. */
  private obsoleteCheckPending = false;
  private readonly noTombstones: FragmentedRangeTombstones;
  private readonly chain: VersionChain;
  /** Reads a blob pointer's value (K/V separation), for point reads and iterators. */
  private readonly readBlob: BlobReader;
  private chainBusy = false;
  private tombstoneCache:
    | { version: Version; mem: Memtable; memCount: number; sealed: number; set: FragmentedRangeTombstones }
    | undefined;

  private constructor(
    readonly path: string,
    opts: ResolvedOptions,
    private readonly lockFile: FsFile,
    versions: VersionSet,
    recovered: Memtable[],
    lastSeqno: number,
  ) {
    this.fs = opts.fs;
    this.opts = opts;
    this.bytewise = opts.comparator === bytewiseComparator;
    this.noTombstones = FragmentedRangeTombstones.empty(opts.comparator);
    this.readBlob = (k, pointer) => this.blobs.read(pointer, k, 'a table of this store');
    this.chain = new VersionChain(opts.mergeOperator, this.readBlob);
    this.versions = versions;
    this.blockCache = opts.blockCacheBytes > 0 ? new BlockCache(opts.blockCacheBytes) : undefined;
    this.tableCache = new TableCache(this.fs, path, opts.comparator, this.blockCache, opts.maxOpenTables, opts.encryption);
    this.lastSeqno = lastSeqno;
    this.sealed = recovered;
    this.mem = new Memtable(opts.comparator, this.bytewise, 0);
    this.blobs = new BlobStore(this.fs, path, opts.kvSeparation?.maxOpenFiles ?? DEFAULT_MAX_OPEN_BLOB_FILES, opts.encryption);
    this.blobGc = new BlobGc(this.fs, path, versions, this.blobs, opts.kvSeparation, this.counters);
    const env: JobEnv = {
      fs: this.fs,
      dir: path,
      comparator: opts.comparator,
      writerOptions: this.writerOptions(),
      kvSeparation: opts.kvSeparation,
      blobStore: this.blobs,
      openInput: (meta) => this.tableCache.iterator(meta.id, { fillCache: false }),
      inputTombstones: (meta) => {
        const table = this.tableCache.acquire(meta.id);
        try {
          return table.rangeTombstones();
        } finally {
          this.tableCache.release(meta.id);
        }
      },
      mergeOperator: opts.mergeOperator,
      compactionFilter: opts.compactionFilter,
    };
    const worker = workerRunnerFor(path, opts);
    this.bg = new BackgroundWork(
      {
        versions,
        strategy: opts.compaction,
        counters: this.counters,
        blobGc: this.blobGc,
        autoCompaction: opts.autoCompaction,
        env,
        sealed: () => this.sealed,
        flushed: (mem) => {
          const i = this.sealed.indexOf(mem);
          if (i >= 0) this.sealed.splice(i, 1);
          if (this.sealed.length === 0) this.sealedTailUnsynced = false;
        },
        logNumberAfterFlushing: (mem) => this.logNumberAfterFlushing(mem),
        snapshots: () => this.snapshots.seqnos(),
        lastSeqno: () => this.lastSeqno,
        installed: () => this.deleteObsoleteFiles(),
      },
      {
        inline: new InlineRunner(opts.jobScheduler),
        worker,
        compactionOnWorker: opts.compactionFilter === undefined && (opts.mergeOperator === undefined || isBuiltInMergeOperator(opts.mergeOperator.name)),
      },
    );
    if (worker !== undefined) {
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

  /**
   * Opens (or creates) the store in directory `path`. Recovers the last durable state:
   * the manifest's tables plus every write-ahead-log record after them.
   */
  static open(path: string, options?: TreeOptions): Tree {
    if (typeof path !== 'string' || path.length === 0) throw new InvalidArgumentError('path must be a non-empty string');
    const opts = resolveOptions(options);
    const fs = opts.fs;
    const dir = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
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
    try {
      return Tree.recover(dir, opts, lockFile);
    } catch (err) {
      try {
        lockFile.close();
      } catch {
        // Opening already failed; this adds nothing.
      }
      throw err;
    }
  }

  private static recover(dir: string, opts: ResolvedOptions, lockFile: FsFile): Tree {
    const fs = opts.fs;
    let versions: VersionSet;
    if (VersionSet.exists(fs, dir)) {
      if (opts.errorIfExists) throw new InvalidArgumentError(`a store already exists at ${dir} (errorIfExists is true)`);
      versions = VersionSet.recover(fs, dir, opts.comparator, opts.mergeOperator?.name, opts.encryption);
    } else {
      if (!opts.createIfMissing) throw new InvalidArgumentError(`no store at ${dir} (createIfMissing is false)`);
      // Leftovers of a creation that crashed before CURRENT was written.
      for (const name of fs.readDir(dir)) {
        const p = parseFileName(name);
        if (p !== undefined && p.kind !== 'lock') removeQuietly(fs, `${dir}/${name}`);
      }
      versions = VersionSet.create(fs, dir, opts.comparator, opts.mergeOperator?.name, opts.encryption);
    }
    // A crash can leave files numbered past the manifest's counter (a table written just
    // before its edit would have been recorded): never hand those numbers out again.
    const parsedNames = fs.readDir(dir).map((n) => parseFileName(n));
    for (const p of parsedNames) {
      if (p !== undefined && p.number >= versions.nextFileNumber) versions.nextFileNumber = p.number + 1;
    }
    // Replay every log the manifest does not cover yet, oldest first.
    const bytewise = opts.comparator === bytewiseComparator;
    const logs = parsedNames
      .filter((p): p is NonNullable<typeof p> => p !== undefined && p.kind === 'log' && p.number >= versions.logNumber)
      .map((p) => p.number)
      .sort((a, b) => a - b);
    let lastSeqno = versions.lastSeqno;
    const recovered = new Memtable(opts.comparator, bytewise, 0);
    for (const number of logs) {
      const path = `${dir}/${logFileName(number)}`;
      let data: Uint8Array;
      try {
        data = readFile(fs, path);
      } catch (err) {
        throw toIoError(err, `reading write-ahead log ${path}`);
      }
      const crypt = openLog(data, path, FileKind.WriteAheadLog, number, opts.encryption, dir);
      if (crypt === null) continue; // created, but its header never became durable: no records
      readLog(
        data,
        path,
        number,
        (rec, offset) => {
          const batch = decodeBatch(rec, path, offset);
          let seq = batch.first;
          for (const op of batch.ops) addOp(recovered, seq++, op, false);
          if (batch.ops.length > 0) lastSeqno = Math.max(lastSeqno, seq - 1);
        },
        { salvage: opts.walRecovery === 'salvage', cipher: crypt.cipher, start: crypt.start },
      );
    }
    const tree = new Tree(dir, opts, lockFile, versions, recovered.empty ? [] : [recovered], lastSeqno);
    try {
      // Make the recovered writes durable in a table, then start a fresh log: nothing is
      // ever appended after a torn tail.
      // The new log first: the edit that records the recovered table then also retires the
      // replayed logs, atomically. Two edits would let a crash in between replay the same
      // logs into a second table (duplicate entries).
      tree.installLog(opts.wal ? tree.createLog() : null);
      tree.bg.drainFlushes();
      if (logs.length > 0) {
        // Every replayed log is now in a table (without a WAL now, every log is obsolete).
        tree.versions.logAndApply({ logNumber: tree.mem.logNumber || tree.versions.nextFileNumber, lastSeqno: tree.lastSeqno });
      }
      tree.deleteObsoleteFiles();
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

  /** @internal For WriteBatch: the key order. */
  get comparator(): Comparator {
    return this.opts.comparator;
  }

  /** @internal For WriteBatch: whether keys sort bytewise. */
  get isBytewise(): boolean {
    return this.bytewise;
  }

  /** @internal For WriteBatch.merge: refuses operands the store cannot merge. */
  checkMergeOperand(operand: Uint8Array): void {
    const op = this.opts.mergeOperator;
    if (op === undefined) throw new InvalidArgumentError('merge() needs a store opened with the mergeOperator option');
    op.validateOperand?.(operand);
  }

  /** A new write batch: operations applied atomically by its commit(). */
  batch(): WriteBatch {
    this.checkOpen();
    return new WriteBatch(this);
  }

  /** @internal Applies a batch's operations (WriteBatch.commit calls this). */
  commitOps(ops: BatchOp[], sync: boolean | undefined): number {
    this.checkOpen();
    if (sync !== undefined && typeof sync !== 'boolean') throw new InvalidArgumentError('option sync must be a boolean');
    if (ops.length === 0) return this.lastSeqno;
    this.makeRoomForWrite();
    const syncNow = sync === true || this.opts.syncWrites;
    if (syncNow && this.sealedTailUnsynced) this.bg.drainFlushes();
    const first = this.lastSeqno + 1;
    if (this.opts.wal) {
      if (this.log === null || this.logBroken) this.rotateMemtable();
      const log = this.log!;
      try {
        const record = encodeBatch(this.sink, first, ops);
        log.addRecord(record);
        this.counters.walBytes += record.length;
        if (syncNow) {
          log.sync();
          this.counters.walSyncs++;
        }
      } catch (err) {
        // The log may now end in a partial record: never append after it. The record may
        // also be complete on disk (a failed fsync), so a reopen may still show the write:
        // its seqnos are used up, never given to another write.
        this.logBroken = true;
        this.lastSeqno = first + ops.length - 1;
        throw toIoError(err, 'writing the write-ahead log');
      }
    }
    let seq = first;
    for (const op of ops) {
      addOp(this.mem, seq++, op, true);
      this.counters.userBytes += op.key.length + op.value.length;
    }
    this.lastSeqno = seq - 1;
    this.counters.writes += ops.length;
    for (const op of ops) {
      if (op.type === OP_DELETE_RANGE) this.counters.rangeDeletes++;
      else if (op.type === ValueType.Merge) this.counters.mergeOperands++;
    }
    return this.lastSeqno;
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
    if (this.mem.approximateBytes < this.opts.memtableBytes) return;
    bg.waitWhile(() => this.sealed.length >= this.opts.maxSealedMemtables, 'memtable');
    this.rotateMemtable();
    bg.nudge();
    bg.waitWhile(() => this.versions.current.levels[0]!.length >= this.opts.compaction.l0StallFiles, 'l0');
  }

  /**
   * Seals the active memtable (if it holds anything) and starts a new one with a new
   * log. The old log is synced first, so that a later sync write in the new log never
   * becomes durable while earlier writes in the old one could still be lost; when that
   * sync fails (or the log broke), the sealed memtables must reach a table before the
   * next sync write is acknowledged (`sealedTailUnsynced`).
   */
  private rotateMemtable(): void {
    const next = this.opts.wal ? this.createLog() : null; // throws before anything changes
    if (this.log !== null) {
      if (!this.mem.empty) {
        if (this.logBroken) {
          this.sealedTailUnsynced = true;
          this.mem.logIntact = false;
        }
        else {
          try {
            this.log.sync();
            this.counters.walSyncs++;
          } catch {
            this.sealedTailUnsynced = true;
          }
        }
      }
      this.closeLogQuietly();
    }
    if (!this.mem.empty) this.sealed.push(this.mem);
    this.installLog(next);
  }

  /** Creates a new, empty log file and makes its name durable. */
  private createLog(): LogWriter {
    const number = this.versions.newFileNumber();
    const path = `${this.path}/${logFileName(number)}`;
    let file: FsFile | undefined;
    try {
      file = this.fs.open(path, { write: true, createNew: true });
      this.fs.syncDirectory(this.path);
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
  private installLog(log: LogWriter | null): void {
    this.log = log;
    this.logBroken = false;
    this.mem = new Memtable(this.opts.comparator, this.bytewise, log?.logNumber ?? 0);
  }

  private closeLogQuietly(): void {
    try {
      this.log?.close();
    } catch {
      // A log we stop using; its content was already written (or the failure reported).
    }
    this.log = null;
  }

  /**
   * The log number to record once `mem` is in a table: the log of the oldest memtable
   * still holding unflushed writes, or of the active log; with no log at all, past every
   * file number, so no existing log is ever replayed over data already in a table.
   */
  private logNumberAfterFlushing(mem: Memtable): number {
    for (const m of this.sealed) if (m !== mem && m.logNumber > 0) return m.logNumber;
    if (this.mem !== mem && this.mem.logNumber > 0) return this.mem.logNumber;
    return this.versions.nextFileNumber;
  }

  /** Options for every table this store writes. */
  writerOptions(): TableWriterOptions {
    return {
      comparator: this.opts.comparator,
      blockSize: this.opts.blockSize,
      compression: this.opts.compression,
      compressionLevel: this.opts.compressionLevel,
      dictionary: this.opts.compressionDictionary,
      filter: this.opts.filter,
      encryption: this.opts.encryption,
    };
  }

  /** Writes the active memtable (and any sealed one) to tables; durable when it returns. */
  flush(): void {
    this.checkOpen();
    this.bg.checkWritable();
    if (!this.mem.empty) this.rotateMemtable();
    this.bg.drainFlushes();
    this.bg.nudge();
  }

  /** Makes every acknowledged write durable (fsync of the log; a flush without a log). */
  sync(): void {
    this.checkOpen();
    if (!this.opts.wal) {
      this.flush();
      return;
    }
    if (this.log === null || this.logBroken) {
      // The broken log's tail is unknown: make everything durable through tables.
      this.flush();
      return;
    }
    if (this.sealedTailUnsynced) this.bg.drainFlushes();
    try {
      this.log.sync();
      this.counters.walSyncs++;
    } catch (err) {
      this.logBroken = true;
      throw toIoError(err, 'syncing the write-ahead log');
    }
  }

  /** Major compaction: merges everything down, dropping what no snapshot needs. */
  compact(): void {
    this.checkOpen();
    this.flush();
    this.bg.runPlans(() => {
      const picked = this.opts.compaction.pickMajor(this.versions.current);
      return picked === null ? [] : Array.isArray(picked) ? picked : [picked];
    });
  }

  // ---------------------------------------------------------------- reads

  private readSeqno(opts: ReadOptions | undefined): number {
    if (opts === undefined) return this.lastSeqno;
    if (typeof opts !== 'object' || opts === null) throw new InvalidArgumentError('read options must be an object');
    if (opts.snapshot !== undefined) {
      if (!(opts.snapshot instanceof Snapshot)) throw new InvalidArgumentError('option snapshot must be a Snapshot of this tree');
      opts.snapshot.check();
      return opts.snapshot.seqno;
    }
    if (opts.seqno !== undefined) {
      if (!Number.isSafeInteger(opts.seqno) || opts.seqno < 0) {
        throw new InvalidArgumentError(`option seqno must be a safe integer >= 0, got ${String(opts.seqno)}`);
      }
      return Math.min(opts.seqno, this.lastSeqno);
    }
    return this.lastSeqno;
  }

  /** The value of `key`, or undefined. Reads as of `opts.snapshot` / `opts.seqno` if given. */
  get(key: Bytes, opts?: ReadOptions): Uint8Array | undefined {
    this.checkOpen();
    this.bg.pump();
    const k = toKey(key);
    const seq = this.readSeqno(opts);
    this.counters.gets++;
    return this.getAt(k, seq);
  }

  /** Values of several keys (undefined where absent), as of one seqno. */
  multiGet(keys: readonly Bytes[], opts?: ReadOptions): (Uint8Array | undefined)[] {
    this.checkOpen();
    if (!Array.isArray(keys)) throw new InvalidArgumentError('keys must be an array');
    this.bg.pump();
    const seq = this.readSeqno(opts);
    this.counters.gets += keys.length;
    return keys.map((key, i) => this.getAt(toKey(key, `keys[${i}]`), seq));
  }

  private getAt(k: Uint8Array, seq: number): Uint8Array | undefined {
    // Sources newest first: an entry found in one is newer than anything below it, and so
    // is a range tombstone, which therefore deletes whatever the lower sources hold.
    // One chain reused across reads; a merge operator that reads the store re-enters here.
    const chain = this.chainBusy ? new VersionChain(this.opts.mergeOperator, this.readBlob) : this.chain;
    const outer = !this.chainBusy;
    this.chainBusy = true;
    try {
      chain.reset(k, -1);
      return this.lookup(chain, k, seq);
    } finally {
      if (outer) this.chainBusy = false;
    }
  }

  private lookup(chain: VersionChain, k: Uint8Array, seq: number): Uint8Array | undefined {
    if (this.memGet(chain, this.mem, k, seq)) return chain.result;
    for (let i = this.sealed.length - 1; i >= 0; i--) if (this.memGet(chain, this.sealed[i]!, k, seq)) return chain.result;
    const v = this.versions.current;
    const cmp = this.opts.comparator;
    const hash = keyHash(k);
    for (const t of v.levels[0]!) {
      if (!tableCovers(cmp, t, k)) continue;
      if (this.tableGet(chain, t, k, seq, hash)) return chain.result;
    }
    for (let level = 1; level < v.levels.length; level++) {
      const tables = v.levels[level]!;
      // Skips a table whose exclusive largest equals the key.
      const t = tables[firstTableEndingAtOrAfter(cmp, tables, k)];
      if (t === undefined || !tableCovers(cmp, t, k)) continue;
      if (this.tableGet(chain, t, k, seq, hash)) return chain.result;
    }
    return chain.end();
  }

  /** Feeds a memtable's versions of `k` to `chain`; true once the key is resolved. */
  private memGet(chain: VersionChain, m: Memtable, k: Uint8Array, seq: number): boolean {
    if (m.rangeTombstones.length > 0) chain.cover(m.maxCoveringSeqno(k, seq));
    const e = m.get(k, seq);
    if (e === undefined) return chain.tomb >= 0 && chain.hiddenBelow();
    if (e.type !== ValueType.Merge) return chain.push(e.type, e.seqno, e.value);
    m.versions(k, seq, (type, s, value) => !chain.push(type, s, value));
    return chain.done || (chain.tomb >= 0 && chain.hiddenBelow());
  }

  /** Feeds a table's versions of `k` to `chain`; true once the key is resolved. */
  private tableGet(chain: VersionChain, meta: TableMeta, k: Uint8Array, seq: number, hash: ReturnType<typeof keyHash>): boolean {
    const table = this.tableCache.acquire(meta.id);
    try {
      if (meta.rangeTombstones > 0) chain.cover(table.fragmentedRangeTombstones().maxCoveringSeqno(k, seq));
      const r = table.get(k, seq, hash);
      if (r !== undefined) {
        if (chain.push(r.type, r.seqno, r.value)) return true;
        for (const e of r.olderEntries ?? []) if (chain.push(e.type, e.seqno, e.value)) return true;
      }
      // A covering tombstone deletes everything older, and everything below is older.
      return chain.tomb >= 0 && chain.hiddenBelow();
    } finally {
      this.tableCache.release(meta.id);
    }
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
    const seq = this.readSeqno(opts);
    const bounds = resolveBounds(opts, prefix);
    const version = this.versions.current;
    version.ref();
    const children: InternalIterator[] = [this.mem.iterator()];
    for (let i = this.sealed.length - 1; i >= 0; i--) children.push(this.sealed[i]!.iterator());
    try {
      for (const t of version.levels[0]!) children.push(this.tableCache.iterator(t.id));
      for (let level = 1; level < version.levels.length; level++) {
        const tables = version.levels[level]!;
        if (tables.length > 0) children.push(new LevelIterator(this.opts.comparator, tables, (meta) => this.tableCache.iterator(meta.id)));
      }
    } catch (err) {
      for (const c of children) c.close();
      version.unref();
      throw err;
    }
    let tombstones: FragmentedRangeTombstones;
    try {
      tombstones = this.allRangeTombstones(version);
    } catch (err) {
      for (const c of children) c.close();
      version.unref();
      throw err;
    }
    const merged = new MergingIterator(children, this.opts.comparator);
    const it: DbIterator = new DbIterator(
      merged,
      this.opts.comparator,
      seq,
      bounds,
      () => {
        this.openIterators.delete(it);
        version.unref();
        if (!this.closed) this.deleteObsoleteFiles();
      },
      () => this.closed,
      tombstones,
      this.opts.mergeOperator,
      this.readBlob,
    );
    this.openIterators.add(it);
    this.counters.iterators++;
    return it;
  }

  /**
   * Every range tombstone of the memtables and of `version`'s tables, fragmented once and
   * reused while neither changes (iterators share the immutable result).
   */
  private allRangeTombstones(version: Version): FragmentedRangeTombstones {
    const c = this.tombstoneCache;
    const memCount = this.mem.rangeTombstones.length;
    if (c !== undefined && c.version === version && c.mem === this.mem && c.memCount === memCount && c.sealed === this.sealed.length) return c.set;
    const list: RangeTombstone[] = [...this.mem.rangeTombstones];
    for (const m of this.sealed) list.push(...m.rangeTombstones);
    for (const level of version.levels) {
      for (const t of level) {
        if (t.rangeTombstones === 0) continue;
        const table = this.tableCache.acquire(t.id);
        try {
          list.push(...table.rangeTombstones());
        } finally {
          this.tableCache.release(t.id);
        }
      }
    }
    const set = list.length === 0 ? this.noTombstones : FragmentedRangeTombstones.build(list, this.opts.comparator);
    this.tombstoneCache = { version, mem: this.mem, memCount, sealed: this.sealed.length, set };
    return set;
  }

  /** Pins the current seqno: reads through the snapshot see the store as it is now. */
  snapshot(): Snapshot {
    this.checkOpen();
    this.snapshots.add(this.lastSeqno);
    return new Snapshot(this.lastSeqno, this, this.snapshots);
  }

  /** The seqno of the last write. */
  get seqno(): number {
    return this.lastSeqno;
  }

  /** Counters and shape of the store. */
  stats(): TreeStats {
    this.checkOpen();
    const v = this.versions.current;
    const c = this.counters;
    return {
      seqno: this.lastSeqno,
      activeMemtable: { bytes: this.mem.approximateBytes, entries: this.mem.size },
      sealedMemtables: this.sealed.length,
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
      writeAmplification: c.userBytes === 0 ? 0 : (c.walBytes + c.tableBytesWritten + c.blobBytesWritten) / c.userBytes,
      blobs: this.blobGc.stats(),
      jobs: this.bg.stats(),
      stalls: { ...this.bg.stalls },
      zstd: zstdStatus(),
    };
  }

  // ---------------------------------------------------------------- files

  /**
   * Deletes files no live version (current, or pinned by a reader) uses: tables replaced
   * by compaction, logs below the manifest's log number, old manifests, temp files.
   */
  private deleteObsoleteFiles(): void {
    if (this.closed) return;
    let names: string[];
    try {
      names = this.fs.readDir(this.path);
    } catch {
      return; // Retried after the next flush or compaction.
    }
    // After a failed manifest write, the failed edit may be on disk and name tables no
    // version holds: delete no table until a new manifest has settled the question.
    const tablesSettled = this.versions.manifestSettled;
    const live = this.versions.liveTableIds();
    const liveBlobs = this.versions.liveBlobIds();
    const activeLogs = new Set<number>([this.mem.logNumber, ...this.sealed.map((m) => m.logNumber)]);
    for (const name of names) {
      const p = parseFileName(name);
      if (p === undefined) continue;
      let obsolete = false;
      // All work is synchronous: a table that no version holds and no running compaction
      // is writing is an orphan, whatever its number.
      if (p.kind === 'table') obsolete = tablesSettled && !live.has(p.number) && !this.bg.isReserved(p.number);
      else if (p.kind === 'log') obsolete = p.number < this.versions.logNumber && !activeLogs.has(p.number);
      else if (p.kind === 'manifest') obsolete = p.number !== this.versions.manifestNumber;
      else if (p.kind === 'temp') obsolete = true;
      else if (p.kind === 'blob') obsolete = tablesSettled && !liveBlobs.has(p.number) && !this.bg.isReserved(p.number);
      if (!obsolete) continue;
      if (p.kind === 'blob') {
        this.blobGc.remove(p.number);
        continue;
      }
      if (p.kind === 'table') {
        this.tableCache.forget(p.number);
        // Its blocks can never be read again (table ids are never reused): free them now.
        this.blockCache?.eraseTable(p.number);
      }
      removeQuietly(this.fs, `${this.path}/${name}`);
    }
  }

  // ---------------------------------------------------------------- lifecycle

  private checkOpen(): void {
    if (this.closed) throw new ClosedError('tree');
  }

  /** True after close(). */
  get isClosed(): boolean {
    return this.closed;
  }

  /**
   * Closes the store: ends open iterators, syncs the log (or, without a log, flushes the
   * memtable), and releases the directory lock. Idempotent.
   */
  close(): void {
    if (this.closed) return;
    let failure: unknown;
    try {
      // Jobs in flight finish and are installed: no thread writes into the directory
      // once its lock is released.
      this.bg.drainAll(false);
      if (!this.opts.wal || this.logBroken || this.sealedTailUnsynced || this.log === null) {
        // No log, or one whose tail cannot be trusted: make every write durable in tables.
        if (!this.mem.empty) {
          this.sealed.push(this.mem);
          this.mem = new Memtable(this.opts.comparator, this.bytewise, 0);
        }
        this.bg.drainFlushes();
      } else {
        this.log.sync();
      }
    } catch (err) {
      failure = err;
    }
    for (const it of [...this.openIterators]) it.close();
    this.closed = true;
    this.releaseResources();
    if (failure !== undefined) throw toIoError(failure, 'closing the store');
  }

  private releaseResources(): void {
    this.closed = true;
    this.bg.close();
    this.closeLogQuietly();
    this.versions.close();
    this.tableCache.close();
    this.blobs.close();
    try {
      this.lockFile.close();
    } catch {
      // The lock is released with the handle either way.
    }
  }
}

/** Turns gt/gte/lt/lte/reverse/limit into byte bounds, rejecting contradictions. */
function resolveBounds(opts: RangeOptions | undefined, prefix: Uint8Array | undefined): IterBounds {
  const o = opts ?? {};
  if (typeof o !== 'object' || o === null) throw new InvalidArgumentError('range options must be an object');
  if (o.gt !== undefined && o.gte !== undefined) throw new InvalidArgumentError('give gt or gte, not both');
  if (o.lt !== undefined && o.lte !== undefined) throw new InvalidArgumentError('give lt or lte, not both');
  let limit = Number.POSITIVE_INFINITY;
  if (o.limit !== undefined && o.limit !== Number.POSITIVE_INFINITY) {
    if (!Number.isInteger(o.limit) || o.limit < 0) throw new InvalidArgumentError(`option limit must be an integer >= 0, got ${String(o.limit)}`);
    limit = o.limit;
  }
  if (o.reverse !== undefined && typeof o.reverse !== 'boolean') throw new InvalidArgumentError('option reverse must be a boolean');
  const bounds: IterBounds = { lowerInclusive: true, upperInclusive: false, reverse: o.reverse === true, limit };
  if (o.gte !== undefined) bounds.lower = toKey(o.gte, 'gte');
  if (o.gt !== undefined) {
    bounds.lower = toKey(o.gt, 'gt');
    bounds.lowerInclusive = false;
  }
  if (o.lt !== undefined) bounds.upper = toKey(o.lt, 'lt');
  if (o.lte !== undefined) {
    bounds.upper = toKey(o.lte, 'lte');
    bounds.upperInclusive = true;
  }
  if (prefix !== undefined) {
    bounds.prefix = prefix;
    if (bounds.lower === undefined) bounds.lower = prefix;
    if (bounds.upper === undefined) {
      // The smallest key above every key with the prefix (bytewise), when one exists.
      const succ = prefixSuccessor(prefix);
      if (succ !== undefined) bounds.upper = succ;
    }
  }
  return bounds;
}

export type { CommitOptions, Version };

/** The worker runner of a store on the real disk (undefined: every job runs inline). */
function workerRunnerFor(dir: string, opts: ResolvedOptions): WorkerRunner | undefined {
  if (opts.backgroundThreads === 0 || !(opts.fs instanceof NodeFs) || opts.comparator !== bytewiseComparator) return undefined;
  if (opts.jobScheduler !== undefined) return undefined;
  const config: JobStoreConfig = {
    dir,
    root: opts.fs.root ?? dir,
    blockSize: opts.blockSize,
    compression: opts.compression,
    compressionLevel: opts.compressionLevel,
    compressionDictionary: opts.compressionDictionary,
    filter: opts.filter,
    encryption: opts.encryptionOptions,
    kvSeparation: opts.kvSeparation,
    mergeOperatorName: opts.mergeOperator !== undefined && isBuiltInMergeOperator(opts.mergeOperator.name) ? opts.mergeOperator.name : undefined,
  };
  return new WorkerRunner(config, opts.backgroundThreads);
}

/** Whether a worker can load the merge operator of this name (a built-in). */
function isBuiltInMergeOperator(name: string): boolean {
  return name === counterAdd.name || /^lsm\.append\(sep=[0-9a-f]*\)$/.test(name);
}
