// The store's side of an ingestion whose tables a worker writes: it sends the packed
// chunks in order (at most MAX_IN_FLIGHT unanswered, so memory stays at a few chunks),
// collects the tables each chunk finished, and stops at the first failure. While the
// worker builds one chunk's blocks, filters and compression, the caller's thread checks
// and packs the next one: the two cores work on the same ingestion.

import type { TableMeta } from '@lsm/compaction';
import type { BlobFileMeta } from '../blob/blob-meta.js';
import type { ResolvedKvSeparation } from '../blob/kv-separation-options.js';
import type { BlobJobCounts, FileNumberRange, JobFailure, JobResult, TableCompression } from '../jobs/job-types.js';
import { errorOf } from '../jobs/run-job.js';
import type { WorkerRunner } from '../jobs/worker-runner.js';

/** Chunks sent and not answered, at most (one being written, one waiting). */
const MAX_IN_FLIGHT = 2;

/** What an ingestion session on a worker wrote. */
export interface RemoteIngestOutput {
  tables: TableMeta[];
  blobFiles: BlobFileMeta[];
  blob: BlobJobCounts;
}

/**
 * File numbers a chunk of `bytes` bytes and `count` pairs may need: one per table that can
 * start in it (every pair, when tables are tiny; else about one per tableBytes of its
 * encoded size, doubled for safety), and blob files as a flush of the same bytes reserves.
 */
export function numbersForChunk(bytes: number, count: number, tableBytes: number, kv: ResolvedKvSeparation | undefined): number {
  const tables = tableBytes <= 4096 ? count + 1 : Math.min(count + 1, 4 + 2 * Math.ceil((bytes + 64 * count) / (tableBytes - 1024)));
  return tables + (kv === undefined ? 0 : 2 * Math.ceil(bytes / kv.blobFileBytes) + 8);
}

/** Drives one ingestion session on a pool worker, through a runner of its own. */
export class RemoteIngest {
  private nextId = 1;
  private inFlight = 0;
  private first = true;
  private failure: JobFailure | undefined;
  private readonly out: RemoteIngestOutput = { tables: [], blobFiles: [], blob: { bytesWritten: 0, dictionaryFiles: 0, rewrittenValues: 0, rewrittenBytes: 0 } };

  constructor(
    private readonly runner: WorkerRunner,
    private readonly seqno: number,
    private readonly tableBytes: number,
    private readonly compression: TableCompression,
    private readonly numbers: (count: number) => FileNumberRange,
    private readonly kv: ResolvedKvSeparation | undefined,
  ) {}

  /** Sends a chunk (its buffer is transferred); throws the session's first failure, if any. */
  send(chunk: Uint8Array, count: number, last: boolean): void {
    this.throwIfFailed();
    this.runner.submitIngest({
      kind: 'ingest-chunk',
      id: this.nextId++,
      numbers: this.numbers(numbersForChunk(chunk.length, count, this.tableBytes, this.kv)),
      seqno: this.seqno,
      tableBytes: this.tableBytes,
      compression: this.compression,
      chunk,
      count,
      first: this.first,
      last,
    });
    this.first = false;
    this.inFlight++;
    while (this.inFlight >= MAX_IN_FLIGHT) this.collect();
    this.throwIfFailed();
  }

  /** After the last chunk: waits for every answer; the session's tables in key order. */
  finish(): RemoteIngestOutput {
    while (this.inFlight > 0) this.collect();
    this.throwIfFailed();
    return this.out;
  }

  /**
   * Ends the session early: waits for the chunks in flight, then has the worker remove
   * every file the session wrote. Never throws (a lost worker leaves orphans that the
   * next deletion pass, or the next open, removes once the store's reservation ends).
   */
  abort(): void {
    try {
      while (this.inFlight > 0) this.collect();
      this.runner.submitIngest({ kind: 'ingest-abort', id: this.nextId++ });
      this.inFlight++;
      while (this.inFlight > 0) this.collect();
    } catch {
      // Best effort (see above).
    }
  }

  /** Detaches its runner from the pool. */
  close(): void {
    this.runner.close();
  }

  private collect(): void {
    for (const r of this.runner.wait(1000)) this.accept(r);
  }

  private accept(r: JobResult): void {
    this.inFlight--;
    if (!r.ok) {
      this.failure ??= r;
      return;
    }
    for (const t of r.tables) this.out.tables.push(t);
    for (const b of r.blobFiles) this.out.blobFiles.push(b);
    const blob = this.out.blob;
    blob.bytesWritten += r.blob.bytesWritten;
    blob.dictionaryFiles += r.blob.dictionaryFiles;
    blob.rewrittenValues += r.blob.rewrittenValues;
    blob.rewrittenBytes += r.blob.rewrittenBytes;
  }

  private throwIfFailed(): void {
    if (this.failure !== undefined) throw errorOf(this.failure);
  }
}
