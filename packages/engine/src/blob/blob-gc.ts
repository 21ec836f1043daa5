// BlobGc: K/V separation's bookkeeping for a Tree. It chooses the blob work of each
// compaction (garbage collection of the blob files whose dead share reached gcRatio in
// the current version), counts what flush and compaction jobs wrote,
// decides which blob files on disk are obsolete (no manifest record and no table in any
// live version points at them: iterators pin versions, and snapshots keep their pointers
// in the current version's tables), and reports the blob part of stats().

import type { Fs } from '@lsm/fs';
import { deadShare, liveBlobBytes } from './blob-meta.js';
import type { BlobStore } from './blob-store.js';
import { blobFileName } from '../file-names.js';
import type { ResolvedKvSeparation } from './kv-separation-options.js';
import type { BlobCounters, BlobStats } from '../stats.js';
import type { VersionSet } from '../versions/version-set.js';
import type { BlobJobCounts } from '../jobs/job-types.js';

/** Blob file bookkeeping of one store. */
export class BlobGc {
  constructor(
    private readonly fs: Fs,
    private readonly dir: string,
    private readonly versions: VersionSet,
    private readonly store: BlobStore,
    private readonly settings: ResolvedKvSeparation | undefined,
    private readonly counters: BlobCounters,
  ) {}

  /**
   * The blob work of a compaction, as the set of blob files whose values it moves
   * (collects): undefined when there is none to do. Blob work is needed whenever tables
   * may hold pointers (their references must be counted in the outputs) or separation
   * is on; a file is collected when its dead share is at least gcRatio.
   */
  compactionGcFiles(): Set<number> | undefined {
    const s = this.settings;
    if (s === undefined && this.versions.blobFiles.size === 0) return undefined;
    const gc = new Set<number>();
    if (s !== undefined && this.versions.blobFiles.size > 0) {
      const live = liveBlobBytes(this.versions.current);
      for (const f of this.versions.blobFiles.values()) if (deadShare(f, live.get(f.id) ?? 0) >= s.gcRatio) gc.add(f.id);
    }
    return gc;
  }

  /** Counts what a job's blob side wrote (called once its result is installed). */
  record(job: BlobJobCounts): void {
    this.counters.blobBytesWritten += job.bytesWritten;
    this.counters.blobDictionaryFiles += job.dictionaryFiles;
    this.counters.blobValuesRewritten += job.rewrittenValues;
    this.counters.blobBytesRewritten += job.rewrittenBytes;
  }

  /**
   * Deletes obsolete blob file `id` (the caller checked that no manifest record and no
   * live version reaches it) and counts the bytes reclaimed. A failed removal leaves an
   * orphan that the next attempt (or open) deletes.
   */
  remove(id: number): void {
    this.store.forget(id);
    const path = `${this.dir}/${blobFileName(id)}`;
    try {
      const bytes = this.fs.metadata(path).size;
      this.fs.removeFile(path);
      this.counters.blobFilesDeleted++;
      this.counters.blobBytesReclaimed += bytes;
    } catch {
      // Retried by the next deletion pass.
    }
  }

  /** The blob part of stats(). */
  stats(): BlobStats {
    const files = [...this.versions.blobFiles.values()];
    const live = liveBlobBytes(this.versions.current);
    let bytes = 0;
    let recordBytes = 0;
    let liveBytes = 0;
    for (const f of files) {
      bytes += f.fileSize;
      recordBytes += f.recordBytes;
      liveBytes += Math.min(f.recordBytes, live.get(f.id) ?? 0);
    }
    const c = this.counters;
    return {
      enabled: this.settings !== undefined,
      files: files.length,
      bytes,
      liveBytes,
      deadBytes: recordBytes - liveBytes,
      reclaimedBytes: c.blobBytesReclaimed,
      filesDeleted: c.blobFilesDeleted,
      bytesWritten: c.blobBytesWritten,
      dictionaryFiles: c.blobDictionaryFiles,
      gcValuesRewritten: c.blobValuesRewritten,
      gcBytesRewritten: c.blobBytesRewritten,
      openFiles: this.store.size,
      valueReads: this.store.reads,
    };
  }
}
