// The table-writing half of a bulk ingestion (Tree.ingest), on whichever thread runs it:
// sorted pairs in (already checked by the caller: strictly ascending, well-formed), tables
// out, cut near the target size, at one seqno, through the job output path flushes and
// compactions use (compression, filters, encryption, K/V separation). The store's thread
// feeds it pairs one by one; a worker feeds it the chunks the store's thread packed
// (ingest-chunk.ts), so that the caller only checks and copies while the worker does the
// expensive part (blocks, compression, filters, checksums, writes).
//
// A session's file numbers come in ranges: each chunk brings one (a worker never asks the
// store), and the store's thread hands out numbers as it goes. Tables finished so far are
// durable files in no version; abandon() removes every file the session created.

import type { TableMeta } from '@lsm/compaction';
import { ValueType } from '@lsm/base';
import type { BlobFileMeta } from '../blob/blob-meta.js';
import type { JobEnv } from '../jobs/job-env.js';
import { JobOutputs, type OutputWriter } from '../jobs/job-outputs.js';
import type { BlobJobCounts, FileNumberRange, TableCompression } from '../jobs/job-types.js';
import { forEachPacked } from './ingest-chunk.js';

/** What a finished session wrote besides its tables. */
export interface IngestSessionFiles {
  blobFiles: BlobFileMeta[];
  blob: BlobJobCounts;
}

/** Writes one ingestion's tables from sorted pairs. */
export class IngestSession {
  private readonly out: JobOutputs;
  private cur: { id: number; writer: OutputWriter } | undefined;
  /** Tables finished and not yet taken by takeFinished(). */
  private finished: TableMeta[] = [];
  private range: FileNumberRange = { first: 0, end: 0 };
  private next = 0;

  /**
   * `numbers`: a source of reserved file numbers (the store's thread), or undefined when
   * every chunk brings its range (a worker: see addPacked).
   */
  constructor(
    env: JobEnv,
    private readonly seqno: number,
    private readonly tableBytes: number,
    compression: TableCompression,
    numbers?: () => number,
  ) {
    this.out = new JobOutputs(env, numbers ?? (() => this.fromRange()), env.kvSeparation === undefined ? undefined : new Set(), compression);
  }

  private fromRange(): number {
    if (this.next >= this.range.end) throw new RangeError(`ingest: a chunk used all ${this.range.end - this.range.first} file numbers reserved for it`);
    return this.next++;
  }

  /** Adds one pair (keys strictly ascending across calls). */
  add(key: Uint8Array, value: Uint8Array): void {
    // A cut only between keys, and only once the table holds something.
    if (this.cur !== undefined && this.cur.writer.estimatedFileSize >= this.tableBytes) this.finishCurrent();
    if (this.cur === undefined) {
      const t = this.out.newTable();
      this.cur = { id: t.id, writer: t.writer };
    }
    this.cur.writer.add(key, this.seqno, ValueType.Value, value);
  }

  /** Adds the `count` pairs packed in `chunk`, taking new file numbers from `numbers` (when given). */
  addPacked(chunk: Uint8Array, count: number, numbers?: FileNumberRange): void {
    if (numbers !== undefined) {
      this.range = numbers;
      this.next = numbers.first;
    }
    forEachPacked(chunk, count, (key, value) => this.add(key, value));
  }

  private finishCurrent(): void {
    const c = this.cur!;
    this.cur = undefined;
    this.finished.push(this.out.tableMeta(c.id, c.writer.finish()));
  }

  /** The tables finished since the last call, in key order. */
  takeFinished(): TableMeta[] {
    const t = this.finished;
    this.finished = [];
    return t;
  }

  /** Finishes the last table and the blob files and makes every name durable. */
  finish(): IngestSessionFiles {
    if (this.cur !== undefined) this.finishCurrent();
    return this.out.finish();
  }

  /** Removes every file the session created (finished or not). Never throws. */
  abandon(): void {
    try {
      this.cur?.writer.abandon();
    } catch {
      // Failing already; the removal below covers its file either way.
    }
    this.cur = undefined;
    this.out.abandon();
  }
}
