// JobEnv: what a flush or compaction job reads and writes through. The store gives its
// own (its Fs, table cache and blob store) to jobs run on the caller's thread; a worker
// builds one per job from the JobStoreConfig and closes it after, so it never keeps a
// deleted file open.

import type { CompactionFilter, MergeOperator, TableMeta } from '@lsm/compaction';
import type { Fs } from '@lsm/fs';
import type { Comparator, InternalIterator, RangeTombstone } from '@lsm/base';
import type { TableWriterOptions } from '@lsm/sstable';
import type { BlobStore } from '../blob/blob-store.js';
import type { ResolvedKvSeparation } from '../blob/kv-separation-options.js';
import type { TableCache } from '../versions/table-cache.js';

/** Everything a job touches. */
export interface JobEnv {
  fs: Fs;
  dir: string;
  comparator: Comparator;
  /** Options of every table the job writes (the job adds the file number). */
  writerOptions: TableWriterOptions;
  kvSeparation: ResolvedKvSeparation | undefined;
  /** Reads blob values (garbage collection, merges collapsing onto a blob value). */
  blobStore: BlobStore;
  /** A fresh iterator over an input table's point entries (not filling the block cache). */
  openInput(meta: TableMeta): InternalIterator;
  /** An input table's range tombstones. */
  inputTombstones(meta: TableMeta): readonly RangeTombstone[];
  mergeOperator: MergeOperator | undefined;
  compactionFilter: CompactionFilter | undefined;
}

/** The input side of a JobEnv over a table cache: iterators that skip the block cache, and tombstones. */
export function tableInputs(cache: TableCache): Pick<JobEnv, 'openInput' | 'inputTombstones'> {
  return {
    openInput: (meta) => cache.iterator(meta.id, { fillCache: false }),
    inputTombstones: (meta) => {
      const table = cache.acquire(meta.id);
      try {
        return table.rangeTombstones();
      } finally {
        cache.release(meta.id);
      }
    },
  };
}
