// What the manifest knows about blob files (K/V separation), and the per-table blob
// references: for each table, how many record bytes of each blob file its Indirection
// entries point at. From these the engine derives each blob file's live and dead bytes
// (dead = record bytes - bytes the current version's tables point at), which blob files
// compaction should garbage-collect, and which no live version can reach any more.

import type { TableMeta } from '@lsm/compaction';
import type { Version } from '../versions/version.js';

/** A blob file recorded in the manifest. */
export interface BlobFileMeta {
  readonly id: number;
  readonly fileSize: number;
  readonly recordCount: number;
  /** Bytes of all its records: pointers into it can add up to at most this. */
  readonly recordBytes: number;
}

/** Blob file id -> record bytes referenced (TableMeta.blobRefs). */
export type BlobRefs = ReadonlyMap<number, number>;

/** Bytes each blob file has referenced by the tables of `v`. */
export function liveBlobBytes(v: Version): Map<number, number> {
  const live = new Map<number, number>();
  for (const level of v.levels) {
    for (const t of level) {
      const refs = t.blobRefs;
      if (refs === undefined) continue;
      for (const [id, bytes] of refs) live.set(id, (live.get(id) ?? 0) + bytes);
    }
  }
  return live;
}

/** Ids of the blob files that some table of `v` points at. */
export function referencedBlobIds(v: Version, into: Set<number>): void {
  for (const level of v.levels) {
    for (const t of level) {
      const refs = t.blobRefs;
      if (refs !== undefined) for (const id of refs.keys()) into.add(id);
    }
  }
}

/** Dead share of a blob file given its live bytes: 0 (all live) .. 1 (nothing points at it). */
export function deadShare(f: BlobFileMeta, live: number): number {
  return f.recordBytes === 0 ? 1 : Math.max(0, f.recordBytes - live) / f.recordBytes;
}
