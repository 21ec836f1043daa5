// The options a store is opened with, their defaults, and their validation. Every bad
// option is an LSM_INVALID_ARGUMENT error that names the option.

import {
  type CompactionFilter,
  type CompactionStrategy,
  Leveled,
  type MergeOperator,
  checkCompactionFilter,
  checkMergeOperator,
} from '@lsm/compaction';
import { type Fs, NodeFs } from '@lsm/fs';
import { type Comparator, InvalidArgumentError, bytewiseComparator, isLsmError, shownValue } from '@lsm/base';
import { type EncryptionOptions, KeyRing } from '@lsm/encryption';
import { checkZstdLevel } from '@lsm/zstd-dictionary';
import { type CompressionType, type FilterOptions, type PrefixExtractor, type TableDictionaryOptions, checkDictionaryOptions } from '@lsm/sstable';
import { JobScheduler } from './jobs/inline-runner.js';
import { NUM_LEVELS } from './versions/version.js';
import type { TableCompression } from './jobs/job-types.js';
import { type KvSeparationOptions, type ResolvedKvSeparation, resolveKvSeparation } from './blob/kv-separation-options.js';

/** Options of `Tree.open`. */
export interface TreeOptions {
  /** Where files live. Default: the real disk (NodeFs). */
  fs?: Fs;
  /** Create the store when the directory holds none. Default true. */
  createIfMissing?: boolean;
  /** Fail when a store already exists. Default false. */
  errorIfExists?: boolean;
  /**
   * Open without writing anything under the directory, ever: no lock, no manifest, no log,
   * no table, no deletion. The logs are replayed into memory; writes, flush(), compact()
   * and sync() throw LSM_READ_ONLY. Sees the store as of the open, also beside a live
   * writer. A missing store is LSM_NOT_FOUND. Default false.
   */
  readOnly?: boolean;
  /** User-key order; recorded at creation, must match on every open. Default bytewise. */
  comparator?: Comparator;
  /** Write-ahead log. Default true; false for callers who own durability (only flush() makes writes durable). */
  wal?: boolean;
  /** fsync the log on every write, as if every call passed `{ sync: true }`. Default false. */
  syncWrites?: boolean;
  /**
   * What open does with damage in the middle of a write-ahead log: 'strict' (default)
   * fails with LSM_CORRUPTION; 'salvage' skips the damaged records and opens.
   */
  walRecovery?: 'strict' | 'salvage';
  /** Seal and flush the active memtable once it holds this many bytes. Default 32 MiB. */
  memtableBytes?: number;
  /** Sealed memtables allowed to wait for a failed flush before writes are refused. Default 2. */
  maxSealedMemtables?: number;
  /** Target uncompressed data block size of tables. Default 4096. */
  blockSize?: number;
  /**
   * Entries between restart points in a table's data blocks (each restart point stores
   * its key whole; the others share a prefix with the key before them). A point read
   * binary-searches the restart points, then decodes entries one by one from the one
   * before its key, so a shorter interval means less decoding per read and slightly larger
   * blocks. Default 4: on a 1M-key store with 100-byte values, point reads ran 5% faster
   * than with LevelDB's and RocksDB's 16, for 1.6% more bytes uncompressed (2026-12-03).
   * Tables written with another value stay readable: each records its own.
   */
  blockRestartInterval?: number;
  /**
   * Block compression of tables: 'zstd' (default, level 3) or 'none', or { type: 'zstd', level,
   * dictionary: { maxBytes, sampleBytes? } }. With a dictionary, every table written by a
   * flush or a compaction trains a zstd dictionary on its first data blocks and
   * compresses its data blocks with it (kept only when it pays for itself); so does every
   * blob file, on its first values, when kvSeparation.compression is 'zstd'.
   */
  compression?: CompressionOption;
  /**
   * Block compression per level, one entry (of the same shape as `compression`) for each
   * level from L0 down; a shorter array repeats its last entry for the deeper levels (1
   * to 7 entries), e.g. `['none', 'none', { type: 'zstd', level: 3 }]`. A flush writes
   * with L0's entry, a compaction with its output level's. When given, it overrides
   * `compression` for tables; `compression` (its dictionary settings) still applies to
   * blob files. A table keeps its compression when a trivial move puts it at another
   * level. Default: `compression` at every level.
   */
  compressionPerLevel?: readonly CompressionOption[];
  /**
   * Maps each key to a prefix; every table the store writes then holds a filter over
   * those prefixes. `prefix(p)` scans skip the tables whose filter proves no key with
   * p's prefix is there (when extractor.prefix(p) is defined), and point reads use it
   * on tables without a whole-key filter (`filter: false`). The extractor must be pure,
   * return a prefix of the key (or undefined: the key has none), and give every key that
   * starts with a key of prefix P the prefix P too (fixedPrefixExtractor(n) does). Its
   * name is recorded in each table: tables written with another extractor (or none) are
   * read without their prefix filter, so changing it between opens is safe. Built-in:
   * fixedPrefixExtractor(n); any other extractor keeps flushes and compactions on the
   * caller's thread. Default: none.
   */
  prefixExtractor?: PrefixExtractor;
  /** Whole-key filter of each table (BuRR). Default { bitsPerKey: 10 }; false for none. */
  filter?: FilterOptions | false;
  /** Capacity of the block cache shared by all tables, in bytes. Default 64 MiB. */
  blockCacheBytes?: number;
  /** Table files kept open at once. Default 1000. */
  maxOpenTables?: number;
  /** The compaction strategy. Default: `new Leveled()`. */
  compaction?: CompactionStrategy;
  /** Compact automatically after a flush when the strategy asks for it. Default true. */
  autoCompaction?: boolean;
  /**
   * close() writes the memtables to tables (after syncing the log) when they hold at
   * least this many bytes, so that a store at rest keeps no large log to replay and takes
   * less space (RocksDB flushes at shutdown by default; LevelDB replays the log at the
   * next open). Smaller memtables stay in the log: replaying them is cheap, and a tiny
   * table per close would only make compaction work. 0: always; Number.MAX_SAFE_INTEGER:
   * never. Default 4 MiB.
   */
  flushOnCloseBytes?: number;
  /**
   * Change history kept for `changesSince`: compaction treats `seqno - keepHistorySeqnos`
   * as a snapshot, so it drops no deletion (and cancels no single delete) newer than that,
   * and `changesSince(s)` answers for every `s` at least that far back. Costs what a
   * snapshot that far back costs: older versions and deletions in the window stay on disk
   * until they leave it. Default: none (changesSince answers from the history horizon on).
   */
  keepHistorySeqnos?: number;
  /**
   * Folds merge operands (tree.merge) onto values, in reads and in compaction. Its name is
   * recorded in the store; reopening with an operator of another name is
   * LSM_INVALID_ARGUMENT. Without one, merge() is refused and reading a key that holds
   * operands is LSM_INVALID_ARGUMENT. Built-ins: counterAdd, appendWithSeparator(sep).
   */
  mergeOperator?: MergeOperator;
  /**
   * Called by compaction for the newest value of each key that no snapshot can see:
   * keep it, remove it (it becomes a deletion) or change its value (e.g. `ttlFilter`).
   * Values stored in blob files (K/V separation) are not shown to it.
   */
  compactionFilter?: CompactionFilter;
  /** K/V separation: large values go to blob files (see README). Default off. */
  kvSeparation?: boolean | KvSeparationOptions;
  /**
   * Encryption at rest (AES-256-GCM): every table, blob file, write-ahead log and manifest is
   * encrypted under `key` (32 bytes). `previousKeys` are still accepted for reading during
   * a key rotation (see the README). Must be given for an encrypted store and absent for
   * an unencrypted one (else LSM_INVALID_ARGUMENT); a wrong key is LSM_CORRUPTION
   * "encryption key does not match" at open. Default: none.
   */
  encryption?: EncryptionOptions;
  /**
   * Worker threads that run flushes and compactions off the caller's thread. Default 2
   * on the real disk (NodeFs); 0 runs every job on the caller's thread, inside the write
   * that needs it. The threads are the process's, shared by all its stores: worker i
   * serves every store that uses it and stays when they close (unref'd: it never keeps
   * the process alive), so the process holds the largest count any store asked for. Stores on an in-process Fs (MemFs, CrashFs, FaultFs) always run jobs
   * inline, and so do jobs that need a function a worker cannot load: a custom
   * comparator, prefix extractor, compaction filter or merge operator that neither is a
   * built-in (counterAdd, appendWithSeparator, ttlFilter(), fixedPrefixExtractor) nor
   * was tagged with loadableOnWorker(). stats().jobs shows where jobs ran.
   */
  backgroundThreads?: number;
  /**
   * For tests: defer inline jobs under a seeded JobScheduler, which decides at every
   * store call whether a waiting job starts and whether a finished job's result is
   * installed, so reads, writes, snapshots, iterators and crashes meet jobs in flight.
   * Implies inline jobs.
   */
  jobScheduler?: JobScheduler;
}

/** The compression of tables (and of blob files): a type, or a type with a zstd level and dictionary settings. */
export type CompressionOption = CompressionType | { type: CompressionType; level?: number; dictionary?: TableDictionaryOptions };

/** Options after defaults. */
export interface ResolvedOptions {
  fs: Fs;
  createIfMissing: boolean;
  errorIfExists: boolean;
  readOnly: boolean;
  comparator: Comparator;
  wal: boolean;
  syncWrites: boolean;
  walRecovery: 'strict' | 'salvage';
  memtableBytes: number;
  maxSealedMemtables: number;
  blockSize: number;
  blockRestartInterval: number;
  compression: CompressionType;
  compressionLevel: number | undefined;
  compressionDictionary: TableDictionaryOptions | undefined;
  /** One entry per level (NUM_LEVELS), or undefined: `compression` everywhere. */
  compressionPerLevel: TableCompression[] | undefined;
  prefixExtractor: PrefixExtractor | undefined;
  filter: FilterOptions | false;
  blockCacheBytes: number;
  maxOpenTables: number;
  compaction: CompactionStrategy;
  autoCompaction: boolean;
  flushOnCloseBytes: number;
  /** undefined: no history kept. */
  keepHistorySeqnos: number | undefined;
  mergeOperator: MergeOperator | undefined;
  compactionFilter: CompactionFilter | undefined;
  /** undefined: off. */
  kvSeparation: ResolvedKvSeparation | undefined;
  /** The keys, when the store is encrypted. */
  encryption: KeyRing | undefined;
  /** The same keys as given (a worker builds its own KeyRing from them). */
  encryptionOptions: EncryptionOptions | undefined;
  backgroundThreads: number;
  jobScheduler: JobScheduler | undefined;
}

function intOption(name: string, v: unknown, def: number, min: number, max: number): number {
  if (v === undefined) return def;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < min || v > max) {
    throw new InvalidArgumentError(`option ${name} must be an integer in [${min}, ${max}], got ${shownValue(v)}`);
  }
  return v;
}

function boolOption(name: string, v: unknown, def: boolean): boolean {
  if (v === undefined) return def;
  if (typeof v !== 'boolean') throw new InvalidArgumentError(`option ${name} must be a boolean, got ${typeof v}`);
  return v;
}

/** Runs a check from a lower package (@lsm/sstable, @lsm/zstd-dictionary), making sure its InvalidArgumentError names the option. */
function renamed<T>(name: string, check: () => T): T {
  try {
    return check();
  } catch (err) {
    if (isLsmError(err, 'LSM_INVALID_ARGUMENT') && !err.message.includes(name)) throw new InvalidArgumentError(`option ${name}: ${err.message}`);
    throw err;
  }
}

/** The calls of @lsm/fs's Fs interface: a record over its keys, so the compiler keeps the list complete. */
const FS_METHOD_RECORD: Record<keyof Fs, true> = {
  open: true, createDirAll: true, readDir: true, removeFile: true, removeDirAll: true, rename: true, metadata: true,
  exists: true, syncDirectory: true, hardLink: true,
};
const FS_METHODS = Object.keys(FS_METHOD_RECORD);

/** The `fs` option: an object with every call of the Fs interface (checked up front, not at its first use deep inside open). */
function fsOption(v: unknown): Fs {
  if (v === undefined) return new NodeFs();
  if (typeof v !== 'object' || v === null) throw new InvalidArgumentError(`option fs must be an Fs (NodeFs, MemFs, ... from @lsm/fs), got ${shownValue(v)}`);
  const missing = FS_METHODS.filter((m) => typeof (v as Record<string, unknown>)[m] !== 'function');
  if (missing.length > 0) throw new InvalidArgumentError(`option fs must be an Fs (NodeFs, MemFs, ... from @lsm/fs): it has no ${missing.join(', ')}`);
  return v as Fs;
}

function schedulerOption(v: unknown): JobScheduler | undefined {
  if (v === undefined) return undefined;
  if (!(v instanceof JobScheduler)) throw new InvalidArgumentError('option jobScheduler must be a JobScheduler');
  return v;
}

/** Every option `Tree.open` knows: a record over TreeOptions' keys, so the compiler keeps it complete. */
const KNOWN_OPTION_RECORD: Record<keyof TreeOptions, true> = {
  fs: true, createIfMissing: true, errorIfExists: true, readOnly: true, comparator: true, wal: true, syncWrites: true,
  walRecovery: true, memtableBytes: true, maxSealedMemtables: true, blockSize: true, blockRestartInterval: true,
  compression: true, compressionPerLevel: true, prefixExtractor: true, filter: true, blockCacheBytes: true,
  maxOpenTables: true, compaction: true, autoCompaction: true, flushOnCloseBytes: true, keepHistorySeqnos: true,
  mergeOperator: true, compactionFilter: true, kvSeparation: true, encryption: true, backgroundThreads: true,
  jobScheduler: true,
};
const KNOWN_OPTIONS: ReadonlySet<string> = new Set(Object.keys(KNOWN_OPTION_RECORD));

/** Edit distance (insertions, deletions, substitutions) between two short names. */
function distance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/**
 * Refuses an option `Tree.open` does not know (with a value): a misspelt `syncWrite: true`
 * silently ignored would leave writes unsynced. Names the closest known option.
 */
function checkKnownOptions(opts: object): void {
  for (const [key, value] of Object.entries(opts)) {
    if (KNOWN_OPTIONS.has(key) || value === undefined) continue;
    let best: string | undefined;
    let bestDistance = Infinity;
    for (const known of KNOWN_OPTIONS) {
      const d = distance(key.toLowerCase(), known.toLowerCase());
      if (d < bestDistance) [best, bestDistance] = [known, d];
    }
    const hint = best !== undefined && bestDistance <= Math.max(2, Math.floor(key.length / 3)) ? ` (did you mean ${best}?)` : '';
    throw new InvalidArgumentError(`unknown option ${JSON.stringify(key)}${hint}`);
  }
}

/** Applies defaults and validates. */
export function resolveOptions(o: TreeOptions | undefined): ResolvedOptions {
  if (o !== undefined && (typeof o !== 'object' || o === null)) throw new InvalidArgumentError('options must be an object');
  const opts = o ?? {};
  checkKnownOptions(opts);
  // zstd by default: it runs on the background worker, so it costs writers nothing
  // measurable, and the store takes about half the disk (README, Performance).
  const { type: compression, level: compressionLevel, dictionary: compressionDictionary } =
    opts.compression === undefined ? { type: 'zstd' as const, level: undefined, dictionary: undefined } : parseCompression('compression', opts.compression);
  const comparator = opts.comparator ?? bytewiseComparator;
  if (typeof comparator?.compare !== 'function' || typeof comparator.name !== 'string' || comparator.name === '') {
    throw new InvalidArgumentError('option comparator must have a non-empty name and a compare function');
  }
  if (opts.walRecovery !== undefined && opts.walRecovery !== 'strict' && opts.walRecovery !== 'salvage') {
    throw new InvalidArgumentError(`option walRecovery must be 'strict' or 'salvage', got ${JSON.stringify(opts.walRecovery)}`);
  }
  // The picker compares keys too: it must use the store's order.
  const compaction = opts.compaction ?? new Leveled({ comparator });
  if (typeof compaction?.pick !== 'function') throw new InvalidArgumentError('option compaction must be a CompactionStrategy');
  return {
    fs: fsOption(opts.fs),
    createIfMissing: boolOption('createIfMissing', opts.createIfMissing, true),
    errorIfExists: boolOption('errorIfExists', opts.errorIfExists, false),
    readOnly: boolOption('readOnly', opts.readOnly, false),
    comparator,
    wal: boolOption('wal', opts.wal, true),
    syncWrites: boolOption('syncWrites', opts.syncWrites, false),
    walRecovery: opts.walRecovery ?? 'strict',
    memtableBytes: intOption('memtableBytes', opts.memtableBytes, 32 << 20, 1024, 2 ** 31),
    maxSealedMemtables: intOption('maxSealedMemtables', opts.maxSealedMemtables, 2, 1, 64),
    blockSize: intOption('blockSize', opts.blockSize, 4096, 64, 64 << 20),
    blockRestartInterval: intOption('blockRestartInterval', opts.blockRestartInterval, 4, 1, 65536),
    compression,
    compressionLevel,
    compressionDictionary,
    compressionPerLevel: compressionPerLevelOption(opts.compressionPerLevel),
    prefixExtractor: prefixExtractorOption(opts.prefixExtractor),
    filter: opts.filter === undefined ? { bitsPerKey: 10 } : opts.filter,
    blockCacheBytes: intOption('blockCacheBytes', opts.blockCacheBytes, 64 << 20, 0, 2 ** 46),
    maxOpenTables: intOption('maxOpenTables', opts.maxOpenTables, 1000, 8, 1_000_000),
    compaction,
    autoCompaction: boolOption('autoCompaction', opts.autoCompaction, true),
    flushOnCloseBytes: intOption('flushOnCloseBytes', opts.flushOnCloseBytes, 4 << 20, 0, Number.MAX_SAFE_INTEGER),
    keepHistorySeqnos: opts.keepHistorySeqnos === undefined ? undefined : intOption('keepHistorySeqnos', opts.keepHistorySeqnos, 0, 0, Number.MAX_SAFE_INTEGER),
    mergeOperator: opts.mergeOperator === undefined ? undefined : checkMergeOperator(opts.mergeOperator, 'option mergeOperator'),
    compactionFilter: opts.compactionFilter === undefined ? undefined : checkCompactionFilter(opts.compactionFilter, 'option compactionFilter'),
    kvSeparation: resolveKvSeparation(opts.kvSeparation, compressionDictionary),
    encryption: opts.encryption === undefined ? undefined : new KeyRing(opts.encryption, 'option encryption'),
    encryptionOptions: opts.encryption,
    backgroundThreads: intOption('backgroundThreads', opts.backgroundThreads, 2, 0, 16),
    jobScheduler: schedulerOption(opts.jobScheduler),
  };
}

/** Validates one compression option (`name` is how messages call it). */
function parseCompression(name: string, c: unknown): TableCompression {
  const type = typeof c === 'string' ? c : typeof c === 'object' && c !== null ? (c as { type?: unknown }).type : undefined;
  if (type !== 'none' && type !== 'zstd') {
    throw new InvalidArgumentError(`option ${name} must be 'none' or 'zstd' (or an object with that type), got ${JSON.stringify(type ?? c) ?? String(c)}`);
  }
  let level: number | undefined;
  let dictionary: TableDictionaryOptions | undefined;
  if (typeof c === 'object' && c !== null) {
    const o = c as { level?: number; dictionary?: TableDictionaryOptions };
    level = o.level;
    if (level !== undefined) {
      if (type !== 'zstd') throw new InvalidArgumentError(`option ${name}.level needs type 'zstd'`);
      renamed(`${name}.level`, () => checkZstdLevel(level!));
    }
    if (o.dictionary !== undefined) {
      if (type !== 'zstd') throw new InvalidArgumentError(`option ${name}.dictionary needs type 'zstd'`);
      dictionary = renamed(`${name}.dictionary`, () => checkDictionaryOptions(o.dictionary!, `option ${name}.dictionary`));
    }
  }
  return { type, level, dictionary };
}

/** compressionPerLevel, validated and repeated to one entry per level (undefined: not given). */
function compressionPerLevelOption(v: unknown): TableCompression[] | undefined {
  if (v === undefined) return undefined;
  if (!Array.isArray(v) || v.length < 1 || v.length > NUM_LEVELS) {
    throw new InvalidArgumentError(`option compressionPerLevel must be an array of 1 to ${NUM_LEVELS} entries, got ${Array.isArray(v) ? `${v.length} entries` : typeof v}`);
  }
  const given = v.map((c: unknown, i) => parseCompression(`compressionPerLevel[${i}]`, c));
  return Array.from({ length: NUM_LEVELS }, (_, level) => given[Math.min(level, given.length - 1)]!);
}

/** prefixExtractor, validated. */
function prefixExtractorOption(v: unknown): PrefixExtractor | undefined {
  if (v === undefined) return undefined;
  const e = v as Partial<PrefixExtractor> | null;
  if (typeof e !== 'object' || e === null || typeof e.name !== 'string' || e.name === '' || typeof e.prefix !== 'function') {
    throw new InvalidArgumentError('option prefixExtractor must be an object with a non-empty name and a prefix(key) function (e.g. fixedPrefixExtractor(n))');
  }
  return e as PrefixExtractor;
}

/** Whether tables written with `a` and with `b` are compressed alike. */
export function sameCompression(a: TableCompression, b: TableCompression): boolean {
  return a === b || (a.type === b.type && a.level === b.level && JSON.stringify(a.dictionary) === JSON.stringify(b.dictionary));
}

/** The compression of tables written to `level`. */
export function compressionForLevel(opts: ResolvedOptions, level: number): TableCompression {
  const per = opts.compressionPerLevel;
  if (per !== undefined) return per[Math.min(level, per.length - 1)]!;
  return { type: opts.compression, level: opts.compressionLevel, dictionary: opts.compressionDictionary };
}
