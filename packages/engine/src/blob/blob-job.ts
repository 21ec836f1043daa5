// BlobJob: the blob side of one flush or one compaction (K/V separation and blob GC).
// It hands out table writers that, for every entry written to a table:
// - store a Value of at least minValueSize in a blob file and write an Indirection entry
//   (a pointer) instead (at flush; in compaction too, e.g. a large merge result);
// - pass an Indirection entry through, counting its record bytes as referenced by that
//   table -- unless its blob file is being garbage-collected (dead share >= gcRatio when
//   the job started): then the value is read, appended to a new blob file, and the new
//   pointer is written instead. The old record's bytes become dead as the input table goes.
// Blob files are cut at blobFileBytes. In an encrypted store every blob file is written
// encrypted with the store's keys. With a dictionary setting, each new blob file first
// holds back its first values (and the table entries arriving meanwhile, see
// blob-hold-back.ts), trains a dictionary on them, and is written with it (or with plain
// zstd when it does not pay). finish() fsyncs the last blob file and the directory, so
// every blob file is durable before the manifest edit that records it (and the tables
// pointing into it); abandon() removes every blob file the job created.

import type { OutputTableWriter, TableMeta } from '@lsm/compaction';
import type { Fs } from '@lsm/fs';
import { DEFAULT_ZSTD_LEVEL } from '@lsm/zstd-dictionary';
import { ValueType, toIoError } from '@lsm/base';
import {
  BlobFileWriter,
  type BlobPointer,
  type FinishedTable,
  type TableWriter,
  chooseBlobDictionary,
  decodeBlobPointer,
  encodeBlobPointer,
} from '@lsm/sstable';
import { HoldBack } from './blob-hold-back.js';
import type { BlobFileMeta } from './blob-meta.js';
import type { BlobStore } from './blob-store.js';
import { blobFileName, tableFileName } from '../file-names.js';
import { removeQuietly } from '../remove-quietly.js';
import type { ResolvedKvSeparation } from './kv-separation-options.js';

/** What a job needs from its store. */
export interface BlobJobContext {
  fs: Fs;
  dir: string;
  newFileNumber: () => number;
  /** Reads values being collected; its keys (if any) encrypt the new blob files. */
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
  /** Blob files written with a trained dictionary. */
  dictionaryFiles = 0;
  private writer: BlobFileWriter | undefined;
  /** Defined while the first values of the next blob file are sampled for its dictionary. */
  private held: HoldBack<SeparatingTableWriter> | undefined;
  private readonly tables = new Map<number, SeparatingTableWriter>();

  constructor(private readonly ctx: BlobJobContext) {}

  /** A writer for table `id` that separates and collects values on the way in. */
  tableWriter(id: number, inner: TableWriter): SeparatingTableWriter {
    const w = new SeparatingTableWriter(id, inner, this);
    this.tables.set(id, w);
    return w;
  }

  /** `meta` with the blob references its writer counted. */
  annotate(meta: TableMeta): TableMeta {
    const refs = this.tables.get(meta.id)?.refs;
    return refs !== undefined && refs.size > 0 ? { ...meta, blobRefs: refs } : meta;
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

  /** @internal Bytes held back for table writer `w` (part of its size estimate). */
  heldFor(w: SeparatingTableWriter): number {
    return this.held?.heldFor(w) ?? 0;
  }

  /**
   * @internal Stores `value` of `key` in a blob file and adds the pointer entry to `w`'s
   * table -- now, or (while a dictionary sample is gathered) when the hold is released.
   */
  separate(w: SeparatingTableWriter, key: Uint8Array, seqno: number, value: Uint8Array): void {
    const s = this.ctx.settings!;
    if (this.held === undefined) {
      if (this.writer !== undefined && this.writer.size >= s.blobFileBytes) this.finishWriter();
      if (this.writer === undefined && s.dictionary !== undefined) this.held = new HoldBack(s.dictionary.sampleBytes);
    }
    if (this.held !== undefined) {
      this.held.holdValue(w, key, seqno, value);
      if (this.held.full) this.release();
      return;
    }
    if (this.writer === undefined) this.startWriter(undefined);
    w.addPointer(key, seqno, this.writer!.add(key, value));
  }

  /** @internal Adds a plain entry to `w`'s table, behind any held entries. */
  pass(w: SeparatingTableWriter, key: Uint8Array, seqno: number, type: ValueType, value: Uint8Array): void {
    if (this.held === undefined) {
      w.addNow(key, seqno, type, value);
      return;
    }
    this.held.holdEntry(w, key, seqno, type, value);
    if (this.held.full) this.release();
  }

  /**
   * @internal Ends a dictionary sample: trains on the held values, starts the blob file
   * with the dictionary (if it pays), writes the values and replays every held entry into
   * its table in arrival order. No-op when nothing is held.
   */
  release(): void {
    const held = this.held;
    if (held === undefined) return;
    this.held = undefined;
    const samples = held.samples();
    if (samples.length === 0) {
      for (const e of held.entries) e.writer.addNow(e.key, e.seqno, e.type!, e.value);
      return;
    }
    const s = this.ctx.settings!;
    const dict = chooseBlobDictionary(samples, s.dictionary!.maxBytes, s.compressionLevel ?? DEFAULT_ZSTD_LEVEL);
    this.startWriter(dict);
    // The sample fits one file (sampleBytes <= blobFileBytes), so no cut happens here.
    for (const e of held.entries) {
      if (e.type === undefined) e.writer.addPointer(e.key, e.seqno, this.writer!.add(e.key, e.value));
      else e.writer.addNow(e.key, e.seqno, e.type, e.value);
    }
  }

  /** @internal An abandoned table writer's held entries go with it. */
  dropHeld(w: SeparatingTableWriter): void {
    this.held?.drop(w);
  }

  private startWriter(dictionary: Uint8Array | undefined): void {
    const s = this.ctx.settings!;
    const id = this.ctx.newFileNumber();
    this.created.push(id);
    const keys = this.ctx.store.keys;
    this.writer = new BlobFileWriter(this.ctx.fs, `${this.ctx.dir}/${blobFileName(id)}`, id, {
      compression: s.compression,
      compressionLevel: s.compressionLevel,
      ...(keys !== undefined ? { encryption: keys } : {}),
      ...(dictionary !== undefined ? { dictionary } : {}),
    });
    if (dictionary !== undefined) this.dictionaryFiles++;
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
      this.release();
      if (this.writer !== undefined) this.finishWriter();
      if (this.created.length > 0) this.ctx.fs.syncDirectory(this.ctx.dir);
    } catch (err) {
      throw toIoError(err, 'finishing blob files');
    }
  }

  /** Removes every blob file this job created. Never throws. */
  abandon(): void {
    this.held = undefined;
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
      job.separate(this, userKey, seqno, value);
      return;
    }
    if (type === ValueType.Indirection) {
      const p = decodeBlobPointer(value, tableFileName(this.id));
      if (!job.collects(p.fileId)) {
        this.ref(p);
        job.pass(this, userKey, seqno, type, value);
        return;
      }
      const v = job.readBlob(p, userKey);
      job.rewrittenValues++;
      job.rewrittenBytes += p.size;
      if (job.separates(v.length)) job.separate(this, userKey, seqno, v);
      else job.pass(this, userKey, seqno, ValueType.Value, v);
      return;
    }
    job.pass(this, userKey, seqno, type, value);
  }

  /** Range tombstones carry no value and the table sorts them itself: straight to the table. */
  addRangeTombstone(start: Uint8Array, end: Uint8Array, seqno: number): void {
    this.inner.addRangeTombstone(start, end, seqno);
  }

  /** @internal Adds an entry to the table itself (its turn has come). */
  addNow(userKey: Uint8Array, seqno: number, type: ValueType, value: Uint8Array): void {
    this.inner.add(userKey, seqno, type, value);
  }

  /** @internal Adds the pointer entry of a separated value. */
  addPointer(userKey: Uint8Array, seqno: number, p: BlobPointer): void {
    this.ref(p);
    this.inner.add(userKey, seqno, ValueType.Indirection, encodeBlobPointer(p));
  }

  private ref(p: BlobPointer): void {
    this.refs.set(p.fileId, (this.refs.get(p.fileId) ?? 0) + p.size);
  }

  /** Releases any held entries (they belong in this table), then finishes the table. */
  finish(): FinishedTable {
    this.job.release();
    return this.inner.finish();
  }

  abandon(): void {
    this.job.dropHeld(this);
    this.inner.abandon();
  }

  get estimatedFileSize(): number {
    return this.inner.estimatedFileSize + this.job.heldFor(this);
  }
}
