// The data that crosses between a store and its background jobs. Everything here is
// plain, structured-clonable data (numbers, strings, Uint8Arrays, Maps, plain objects),
// so the same job can run on the caller's thread or on a worker thread: a job is a pure
// function of its spec and the files it names, and its result is installed by the store
// with one manifest edit.

import type { WorkerFunctionRef } from './user-functions.js';
import type { CompactionPlan, TableMeta } from '@lsm/compaction';
import type { EncryptionOptions } from '@lsm/encryption';
import type { CompressionType, FilterOptions, TableDictionaryOptions } from '@lsm/sstable';
import type { BlobFileMeta } from '../blob/blob-meta.js';
import type { ResolvedKvSeparation } from '../blob/kv-separation-options.js';

/** How the tables of one job are compressed (a level's entry of compressionPerLevel, or `compression`). */
export interface TableCompression {
  type: CompressionType;
  /** zstd level; undefined: the default. */
  level: number | undefined;
  /** zstd dictionary training settings; undefined: none. */
  dictionary: TableDictionaryOptions | undefined;
}

/** What every job of one store shares: where files live and how to write them. */
export interface JobStoreConfig {
  dir: string;
  /** The root the worker's NodeFs is confined to: the store's NodeFs root, else `dir`. */
  root: string;
  blockSize: number;
  blockRestartInterval: number;
  filter: FilterOptions | false;
  /** Raw keys (a worker builds its own KeyRing from them). */
  encryption: EncryptionOptions | undefined;
  kvSeparation: ResolvedKvSeparation | undefined;
  /** A built-in merge operator's name (resolved by name on a worker), or undefined. */
  mergeOperatorName: string | undefined;
  /** A built-in prefix extractor's name (resolved by name on a worker), or undefined. */
  prefixExtractorName: string | undefined;
  /** A built-in compaction filter's name (resolved by name on a worker), or undefined. */
  compactionFilterName: string | undefined;
  /** The user's own functions a worker loads from their modules (loadableOnWorker); these win over the names above. */
  userFunctions: WorkerFunctionRef[];
}

/** A range of file numbers handed to a job: it names its outputs from [first, end). */
export interface FileNumberRange {
  first: number;
  end: number;
}

/** Flush: one sealed memtable into an L0 table (and blob files, with K/V separation). */
export interface FlushJobSpec {
  kind: 'flush';
  id: number;
  numbers: FileNumberRange;
  /** The compression of the L0 table. */
  compression: TableCompression;
  /** What the memtable holds (a worker checks the memtable image it is sent against these). */
  entries: number;
  rangeTombstones: number;
}

/** Compaction: a plan's inputs merged into new tables. */
export interface CompactionJobSpec {
  kind: 'compaction';
  id: number;
  numbers: FileNumberRange;
  plan: CompactionPlan;
  /** The compression of the output level's tables. */
  compression: TableCompression;
  /** Seqnos of the snapshots open when the job started, ascending. */
  snapshots: number[];
  /** The newest seqno when the job started. */
  visibleSeqno: number;
  /**
   * The lower edge of the change history kept (keepHistorySeqnos), also one of `snapshots`:
   * no WeakTombstone above it cancels with its value. Absent: no history kept.
   */
  keepChangesAbove?: number;
  /** Blob files whose live values this compaction moves (blob garbage collection). */
  gcBlobFiles: number[];
}

/**
 * Log sync: an fdatasync of the active write-ahead log from a worker, every few MiB
 * written, so that the sync when the log is sealed (on the caller's thread) finds little
 * left to write. It changes no durability promise: nothing is acknowledged by it.
 */
export interface LogSyncJobSpec {
  kind: 'log-sync';
  id: number;
  logNumber: number;
}

/**
 * Removal of obsolete files (names in the store's directory) from a worker: unlinking a
 * large table or log takes milliseconds, and a compaction at 10M keys left 100-190 ms of
 * them in one write call (2026-12-03). Failures are ignored: a file left behind is an
 * orphan the next deletion pass or open removes. Nothing rests on it.
 */
export interface RemoveFilesJobSpec {
  kind: 'remove-files';
  id: number;
  names: string[];
}

export type JobSpec = FlushJobSpec | CompactionJobSpec | LogSyncJobSpec | RemoveFilesJobSpec;

/**
 * Bulk ingestion on a worker: one chunk of a session's sorted pairs (packed by the store's
 * thread, which checked their order; see ops/ingest-chunk.ts). The worker keeps the
 * session's open table across chunks; each result lists the tables finished during its
 * chunk, and the last chunk's also the blob files. A failed chunk abandons the session
 * (every file it wrote is removed) and so fails every later chunk of it.
 */
export interface IngestChunkJobSpec {
  kind: 'ingest-chunk';
  id: number;
  /** File numbers the tables (and blob files) started during this chunk take. */
  numbers: FileNumberRange;
  seqno: number;
  /** Where tables are cut. */
  tableBytes: number;
  compression: TableCompression;
  /** The packed pairs (its buffer is transferred to the worker). */
  chunk: Uint8Array;
  count: number;
  /** The session's first chunk (it opens the session) and last (it finishes it). */
  first: boolean;
  last: boolean;
}

/** Ends an ingestion session early: the worker removes every file it wrote. */
export interface IngestAbortJobSpec {
  kind: 'ingest-abort';
  id: number;
}

/** A job of an ingestion session (worker runners only). */
export type IngestJobSpec = IngestChunkJobSpec | IngestAbortJobSpec;

/** What a job's blob side wrote. */
export interface BlobJobCounts {
  bytesWritten: number;
  dictionaryFiles: number;
  rewrittenValues: number;
  rewrittenBytes: number;
}

/** What a compaction's merge observed. */
export interface MergeCounts {
  bytesRead: number;
  droppedByRangeTombstones: number;
  rangeTombstonesDropped: number;
  mergesCollapsed: number;
  filterRemoved: number;
  filterChanged: number;
  /** The largest seqno of a deletion dropped with nothing newer to show it (-1: none): raises the history horizon. */
  maxDroppedDeletionSeqno: number;
}

/** A finished job: its durable output files, not yet in any version. */
export interface JobSuccess {
  id: number;
  ok: true;
  /** Output tables (with their blob references), durable. */
  tables: TableMeta[];
  blobFiles: BlobFileMeta[];
  tableBytes: number;
  blob: BlobJobCounts;
  merge: MergeCounts | undefined;
  /** Milliseconds the job ran. */
  millis: number;
}

/** A failed job: its output files are removed. The error as data (it crossed a thread). */
export interface JobFailure {
  id: number;
  ok: false;
  error: JobError;
  /** The error object itself, when the job ran on the caller's thread. */
  thrown?: unknown;
  millis: number;
}

/** An error as data: its LSM code (if any), and its cause's errno code (if any). */
export interface JobError {
  code: string | undefined;
  name: string;
  message: string;
  causeCode: string | undefined;
  causeMessage: string | undefined;
}

export type JobResult = JobSuccess | JobFailure;
