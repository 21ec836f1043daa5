// JobOutputs: the one path by which a flush or a compaction creates, finishes and
// abandons its output files. Its tables are compressed as the job's spec says (the
// output level's compression). File numbers come from the range the store reserved for the
// job (so a job on another thread never asks the store for one), or, for work on the
// store's own thread that cannot know its size up front (ingest), from a source that
// reserves more as it goes; every table goes
// through the job's BlobJob when K/V separation or blob references are in play. finish()
// makes every output's name durable (a directory fsync) before the result can be
// recorded in the manifest; abandon() removes every file the job created.

import { tableMetaFromProperties, type TableMeta } from '@lsm/compaction';
import { InvalidArgumentError } from '@lsm/base';
import { TableWriter } from '@lsm/sstable';
import { BlobJob } from '../blob/blob-job.js';
import type { BlobFileMeta } from '../blob/blob-meta.js';
import { tableFileName } from '../file-names.js';
import { removeQuietly } from '../remove-quietly.js';
import type { JobEnv } from './job-env.js';
import type { BlobJobCounts, FileNumberRange, TableCompression } from './job-types.js';

/** A writer of one output table (a TableWriter, or the BlobJob's wrapper of one). */
export type OutputWriter = Pick<TableWriter, 'add' | 'finish' | 'abandon' | 'addRangeTombstone' | 'estimatedFileSize'>;

/** Output files of one job. */
export class JobOutputs {
  /** Tables created (finished or not). */
  readonly created: number[] = [];
  private next: number;
  private readonly blobs: BlobJob | undefined;

  constructor(
    private readonly env: JobEnv,
    /** The job's reserved range, or a function handing out reserved numbers one by one. */
    private readonly numbers: FileNumberRange | (() => number),
    /** undefined: no blob work; else the blob files whose values this job moves. */
    gcBlobFiles: ReadonlySet<number> | undefined,
    /** The compression of the job's tables (the spec's: its output level's). */
    private readonly compression: TableCompression,
  ) {
    this.next = typeof numbers === 'function' ? 0 : numbers.first;
    this.blobs =
      gcBlobFiles === undefined
        ? undefined
        : new BlobJob({ fs: env.fs, dir: env.dir, newFileNumber: () => this.newNumber(), store: env.blobStore, settings: env.kvSeparation, gcFiles: gcBlobFiles });
  }

  /** The next reserved file number. */
  newNumber(): number {
    if (typeof this.numbers === 'function') return this.numbers();
    if (this.next >= this.numbers.end) {
      throw new InvalidArgumentError(`job used all ${this.numbers.end - this.numbers.first} file numbers reserved for it`);
    }
    return this.next++;
  }

  /** A new output table: its id and the writer to fill. */
  newTable(): { id: number; writer: OutputWriter; table: TableWriter } {
    const id = this.newNumber();
    this.created.push(id);
    const table = new TableWriter(this.env.fs, `${this.env.dir}/${tableFileName(id)}`, {
      ...this.env.writerOptions,
      compression: this.compression.type,
      compressionLevel: this.compression.level,
      dictionary: this.compression.dictionary,
      fileNumber: id,
    });
    return { id, writer: this.blobs === undefined ? table : this.blobs.tableWriter(id, table), table };
  }

  /** The metadata of a finished output table, with its blob references. */
  tableMeta(id: number, done: ReturnType<TableWriter['finish']>): TableMeta {
    return this.annotate(tableMetaFromProperties(this.env.comparator, id, done.fileSize, done.properties));
  }

  /** `meta` with the blob references its writer counted. */
  annotate(meta: TableMeta): TableMeta {
    return this.blobs === undefined ? meta : this.blobs.annotate(meta);
  }

  /** Finishes the blob files and makes every output's name durable. */
  finish(): { blobFiles: BlobFileMeta[]; blob: BlobJobCounts } {
    this.blobs?.finish();
    this.env.fs.syncDirectory(this.env.dir);
    const b = this.blobs;
    return {
      blobFiles: b === undefined ? [] : [...b.files],
      blob: {
        bytesWritten: b?.bytesWritten ?? 0,
        dictionaryFiles: b?.dictionaryFiles ?? 0,
        rewrittenValues: b?.rewrittenValues ?? 0,
        rewrittenBytes: b?.rewrittenBytes ?? 0,
      },
    };
  }

  /** Removes every file this job created (also after finish(), when the result is dropped). Never throws. */
  abandon(): void {
    for (const id of this.created) removeQuietly(this.env.fs, `${this.env.dir}/${tableFileName(id)}`);
    this.blobs?.abandon();
  }
}
