// The counters a store keeps and the shape stats() reports.

import type { BlockCacheStats } from '@lsm/sstable';
import { zstdBackendInUse } from '@lsm/zstd';
import type { JobStats, StallStats } from './jobs/background.js';

/** Running totals of K/V separation since open. */
export interface BlobCounters {
  blobBytesWritten: number;
  blobValuesRewritten: number;
  blobBytesRewritten: number;
  blobBytesReclaimed: number;
  blobFilesDeleted: number;
  blobDictionaryFiles: number;
}

/** K/V separation in stats(): blob files recorded in the manifest, and totals since open. */
export interface BlobStats {
  /** Whether the store was opened with kvSeparation. */
  enabled: boolean;
  /** Blob files in the current version. */
  files: number;
  /** Their total size on disk. */
  bytes: number;
  /** Record bytes that tables of the current version point at. */
  liveBytes: number;
  /** Record bytes nothing in the current version points at (garbage). */
  deadBytes: number;
  /** Bytes of blob files deleted since open. */
  reclaimedBytes: number;
  filesDeleted: number;
  /** Bytes of blob files written by flushes and compactions since open. */
  bytesWritten: number;
  /** Blob files written since open with a trained zstd dictionary (compression.dictionary). */
  dictionaryFiles: number;
  /** Values (and their record bytes) compaction moved out of collected blob files. */
  gcValuesRewritten: number;
  gcBytesRewritten: number;
  /** Blob files open for reading now. */
  openFiles: number;
  /** Values read through blob pointers since open. */
  valueReads: number;
}

/** Totals of range deletions, merges and what compaction dropped or folded, since open (in stats() as is). */
export interface FeatureCounters {
  /** Range deletions (deleteRange, deletePrefix) and merge operands written. */
  rangeDeletes: number;
  mergeOperands: number;
  /** Entries compaction dropped because a range tombstone covered them. */
  droppedByRangeTombstones: number;
  /** Range tombstones compaction dropped (shadowed in their snapshot stripe, or at the bottom). */
  rangeTombstonesDropped: number;
  /** Runs of merge operands compaction folded into one value. */
  mergesCollapsed: number;
  /** Values the compaction filter removed / changed. */
  filterRemoved: number;
  filterChanged: number;
  /** Tables dropped whole by the strategy (FIFO). */
  tablesDropped: number;
}

/** Running totals since open. */
export interface Counters extends BlobCounters, FeatureCounters {
  writes: number;
  gets: number;
  iterators: number;
  userBytes: number;
  walBytes: number;
  walSyncs: number;
  flushes: number;
  flushErrors: number;
  compactions: number;
  trivialMoves: number;
  compactionErrors: number;
  tableBytesWritten: number;
  compactionBytesRead: number;
  /** ingest() calls that ingested something, and the entries they wrote. */
  ingests: number;
  ingestedEntries: number;
  /** Of those, the entries whose tables a worker thread wrote (inputs over 4 MiB on a store with background threads). */
  ingestedOnWorker: number;
  prefixFilterSkips: number;
}

/** The feature counters at zero. */
export function emptyFeatureCounters(): FeatureCounters {
  return { rangeDeletes: 0, mergeOperands: 0, droppedByRangeTombstones: 0, rangeTombstonesDropped: 0, mergesCollapsed: 0, filterRemoved: 0, filterChanged: 0, tablesDropped: 0 };
}

/** The feature counters of `c` (a copy). */
export function featureCounters(c: FeatureCounters): FeatureCounters {
  const out = emptyFeatureCounters();
  for (const k of Object.keys(out) as (keyof FeatureCounters)[]) out[k] = c[k];
  return out;
}

/** All counters at zero. */
export function emptyCounters(): Counters {
  return {
    writes: 0,
    gets: 0,
    iterators: 0,
    userBytes: 0,
    walBytes: 0,
    walSyncs: 0,
    flushes: 0,
    flushErrors: 0,
    compactions: 0,
    trivialMoves: 0,
    compactionErrors: 0,
    tableBytesWritten: 0,
    compactionBytesRead: 0,
    ingests: 0,
    ingestedEntries: 0,
    ingestedOnWorker: 0,
    prefixFilterSkips: 0,
    ...emptyFeatureCounters(),
    blobBytesWritten: 0,
    blobValuesRewritten: 0,
    blobBytesRewritten: 0,
    blobBytesReclaimed: 0,
    blobFilesDeleted: 0,
    blobDictionaryFiles: 0,
  };
}

/** What Tree.stats() returns. Counters are since this open. */
export interface TreeStats extends FeatureCounters {
  /** Seqno of the last write. */
  seqno: number;
  activeMemtable: { bytes: number; entries: number };
  sealedMemtables: number;
  levels: { level: number; tables: number; bytes: number; entries: number }[];
  tables: number;
  snapshots: number;
  openIterators: number;
  openTables: number;
  blockCache: BlockCacheStats | undefined;
  writes: number;
  gets: number;
  userBytesWritten: number;
  walBytesWritten: number;
  walSyncs: number;
  flushes: number;
  flushErrors: number;
  compactions: number;
  trivialMoves: number;
  compactionErrors: number;
  /** Bytes of tables written by flushes, compactions and ingest(). */
  tableBytesWritten: number;
  compactionBytesRead: number;
  /** ingest() calls that ingested something, and the entries they wrote. */
  ingests: number;
  ingestedEntries: number;
  /** Of those, the entries whose tables a worker thread wrote (inputs over 4 MiB on a store with background threads). */
  ingestedOnWorker: number;
  /**
   * changesSince's history horizon: compaction has dropped deletions up to this seqno, so
   * changesSince(s) needs s >= it (0: nothing dropped yet). Kept in the manifest.
   */
  historyHorizon: number;
  /**
   * Tables passed over since open because their prefix filter proved they hold no key with
   * the prefix a prefix() scan or a point read asked for (option prefixExtractor).
   */
  prefixFilterSkips: number;
  /** (WAL bytes + table bytes + blob file bytes written) / user bytes written, since open. */
  writeAmplification: number;
  /** K/V separation: blob files, live and dead bytes, garbage collection. */
  blobs: BlobStats;
  /** Flush and compaction jobs: where they run, how many ran, failures, the background error. */
  jobs: JobStats;
  /** Backpressure: writes that waited for a flush or an L0 compaction, and for how long. */
  stalls: StallStats;
  /**
   * The zstd this thread runs: 'native' (zstd-napi), 'wasm' (the WebAssembly fallback, when
   * the native binding is not built or LSM_ZSTD=wasm), or 'unused' until something in this
   * thread has needed zstd. Flush and compaction jobs on the worker thread choose the same way.
   */
  zstd: 'native' | 'wasm' | 'unused';
}

/** The `zstd` field of stats(): the backend in use in this thread, without loading one. */
export function zstdStatus(): TreeStats['zstd'] {
  return zstdBackendInUse() ?? 'unused';
}
