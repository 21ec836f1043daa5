// BlobJob: the blob side of one flush or one compaction (K/V separation and blob GC).
// It hands out table writers that, for every entry written to a table:
// - store a Value of at least minValueSize in a blob file and write an Indirection entry
//   (a pointer) instead (at flush; in compaction too, e.g. a large merge result);
// - pass an Indirection entry through, counting its record bytes as referenced by that
//   table -- unless its blob file is being garbage-collected (dead share >= gcRatio when
//   the job started): then the value is read, appended to a new blob file, and the new
//   pointer is written instead. The old record's bytes become dead as the input table goes.
// Blob files are cut at blobFileBytes. finish() fsyncs the last one and the directory, so
// every blob file is durable before the manifest edit that records it (and the tables
// pointing into it); abandon() removes every blob file the job created.

import type { OutputTableWriter, TableMeta } from '@lsm/compaction';
import type { Fs } from '@lsm/fs';
import {
  BlobFileWriter,
  type BlobPointer,
  type FinishedTable,
  type TableWriter,
  ValueType,
  decodeBlobPointer,
  encodeBlobPointer,
  toIoError,
} from '@lsm/sstable';
import type { BlobFileMeta, BlobTableMeta } from './blob-meta.js';
import type { BlobStore } from './blob-store.js';
import { blobFileName, tableFileName } from './file-names.js';
import { removeQuietly } from './flush.js';
import type { ResolvedKvSeparation } from './kv-separation-options.js';

/** What a job needs from its store. */
export interface BlobJobContext {
  fs: Fs;
  dir: string;
  newFileNumber: () => number;
  store: BlobStore;
  /** undefined: separation is off (pointers are kept, nothing new is separated or collected). */
  settings: ResolvedKvSeparation | undefined;
  /** Blob files whose live values this job moves to new blob files. */
  gcFiles: ReadonlySet<number>;
}

/** The blob files and references one flush or compaction produces. */
export class BlobJob {
  /** Ids of every blob file this job created (finished or not). */
  readonly created: number[] = [];
  /** Blob files finished (durable once finish() returned). */
  readonly files: BlobFileMeta[] = [];
  /** Bytes of blob files written. */
  bytesWritten = 0;
  /** Values moved out of collected blob files, and their bytes. */
  rewrittenValues = 0;
  rewrittenBytes = 0;
  private writer: BlobFileWriter | undefined;
  private readonly tables = new Map<number, SeparatingTableWriter>();

  constructor(private readonly ctx: BlobJobContext) {}

  /** A writer for table `id` that separates and collects values on the way in. */
  tableWriter(id: number, inner: TableWriter): SeparatingTableWriter {
    const w = new SeparatingTableWriter(id, inner, this);
    this.tables.set(id, w);
    return w;
  }

  /** `meta` with the blob references its writer counted (the same object, annotated). */
  annotate(meta: TableMeta): TableMeta {
    const refs = this.tables.get(meta.id)?.refs;
    if (refs !== undefined && refs.size > 0) (meta as BlobTableMeta).blobRefs = refs;
    return meta;
  }

  /** @internal Whether a plain value this large goes to a blob file. */
  separates(len: number): boolean {
    return this.ctx.settings !== undefined && len >= this.ctx.settings.minValueSize;
  }

  /** @internal Whether pointers into blob file `id` are rewritten. */
  collects(id: number): boolean {
    return this.ctx.gcFiles.has(id);
  }

  /** @internal Reads the value a pointer names (for collection). */
  readBlob(p: BlobPointer, key: Uint8Array): Uint8Array {
    return this.ctx.store.reader(p.fileId).read(p, key);
  }

  /** @internal Appends a value to the current blob file, starting one if needed. */
  append(key: Uint8Array, value: Uint8Array): BlobPointer {
    const s = this.ctx.settings!;
    if (this.writer !== undefined && this.writer.size >= s.blobFileBytes) this.finishWriter();
    if (this.writer === undefined) {
      const id = this.ctx.newFileNumber();
      this.created.push(id);
      this.writer = new BlobFileWriter(this.ctx.fs, `${this.ctx.dir}/${blobFileName(id)}`, id, {
        compression: s.compression,
        compressionLevel: s.compressionLevel,
      });
    }
    return this.writer.add(key, value);
  }

  private finishWriter(): void {
    const w = this.writer!;
    this.writer = undefined;
    const done = w.finish();
    this.bytesWritten += done.fileSize;
    this.files.push({ id: done.fileId, fileSize: done.fileSize, recordCount: done.recordCount, recordBytes: done.recordBytes });
  }

  /** Finishes the last blob file and makes every blob file's name durable. */
  finish(): void {
    try {
      if (this.writer !== undefined) this.finishWriter();
      if (this.created.length > 0) this.ctx.fs.syncDirectory(this.ctx.dir);
    } catch (err) {
      throw toIoError(err, 'finishing blob files');
    }
  }

  /** Removes every blob file this job created. Never throws. */
  abandon(): void {
    this.writer?.abandon();
    this.writer = undefined;
    for (const id of this.created) removeQuietly(this.ctx.fs, `${this.ctx.dir}/${blobFileName(id)}`);
  }
}

/** A table writer that separates large values and rewrites pointers into collected blob files. */
export class SeparatingTableWriter implements OutputTableWriter {
  /** Blob file id -> record bytes this table points at. */
  readonly refs = new Map<number, number>();

  constructor(
    private readonly id: number,
    private readonly inner: TableWriter,
    private readonly job: BlobJob,
  ) {}

  add(userKey: Uint8Array, seqno: number, type: ValueType, value: Uint8Array): void {
    const job = this.job;
    if (type === ValueType.Value && job.separates(value.length)) {
      this.addPointer(userKey, seqno, job.append(userKey, value));
      return;
    }
    if (type === ValueType.Indirection) {
      const p = decodeBlobPointer(value, tableFileName(this.id));
      if (!job.collects(p.fileId)) {
        this.ref(p);
        this.inner.add(userKey, seqno, type, value);
        return;
      }
      const v = job.readBlob(p, userKey);
      job.rewrittenValues++;
      job.rewrittenBytes += p.size;
      if (job.separates(v.length)) this.addPointer(userKey, seqno, job.append(userKey, v));
      else this.inner.add(userKey, seqno, ValueType.Value, v);
      return;
    }
    this.inner.add(userKey, seqno, type, value);
  }

  /** Range tombstones carry no value: straight to the table. */
  addRangeTombstone(start: Uint8Array, end: Uint8Array, seqno: number): void {
    this.inner.addRangeTombstone(start, end, seqno);
  }

  private addPointer(userKey: Uint8Array, seqno: number, p: BlobPointer): void {
    this.ref(p);
    this.inner.add(userKey, seqno, ValueType.Indirection, encodeBlobPointer(p));
  }

  private ref(p: BlobPointer): void {
    this.refs.set(p.fileId, (this.refs.get(p.fileId) ?? 0) + p.size);
  }

  finish(): FinishedTable {
    return this.inner.finish();
  }

  abandon(): void {
    this.inner.abandon();
  }

  get estimatedFileSize(): number {
    return this.inner.estimatedFileSize;
  }
}
