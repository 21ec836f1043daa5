// Deletes the files of a store that nothing needs any more: tables and blob files that no
// live version (the current one, or one pinned by a reader) uses and no job in flight is
// writing, logs below the manifest's log number that no memtable still needs, manifests
// other than the current one, and temp files. A file that cannot be removed now is an
// orphan that the next pass (or the next open) removes. Blob files are removed here (their
// collector keeps counts); the rest go to `remove`, which may unlink them on a worker:
// their names are never used again (file numbers only grow), so a late removal is safe.

import type { Fs } from '@lsm/fs';
import type { BlockCache } from '@lsm/sstable';
import type { BlobGc } from '../blob/blob-gc.js';
import { parseFileName } from '../file-names.js';
import type { TableCache } from './table-cache.js';
import type { VersionSet } from './version-set.js';

/** What a deletion pass looks at. */
export interface ObsoleteFilesContext {
  fs: Fs;
  dir: string;
  versions: VersionSet;
  tableCache: TableCache;
  blockCache: BlockCache | undefined;
  blobGc: BlobGc;
  /** Logs of the memtables not yet in a table (active and sealed). */
  activeLogs(): Iterable<number>;
  /** True for a file number reserved by a job whose result is not installed yet. */
  isReserved(n: number): boolean;
  /**
   * Removes files (names in `dir`) whose tables are already forgotten, quietly; a store
   * with a worker thread hands them to it. Names it is still removing are skipped.
   */
  remove(names: string[]): void;
  /** True for a name an earlier pass handed to `remove` that may still exist. */
  isBeingRemoved(name: string): boolean;
}

/** One deletion pass. Never throws. */
export function deleteObsoleteFiles(c: ObsoleteFilesContext): void {
  let names: string[];
  try {
    names = c.fs.readDir(c.dir);
  } catch {
    return; // Retried after the next flush or compaction.
  }
  const v = c.versions;
  // After a failed manifest write, the failed edit may be on disk and name tables no
  // version holds: delete no table until a new manifest has settled the question.
  const settled = v.manifestSettled;
  const live = v.liveTableIds();
  const liveBlobs = v.liveBlobIds();
  const activeLogs = new Set<number>(c.activeLogs());
  const doomed: string[] = [];
  for (const name of names) {
    const p = parseFileName(name);
    if (p === undefined || c.isBeingRemoved(name)) continue;
    let obsolete = false;
    if (p.kind === 'table') obsolete = settled && !live.has(p.number) && !c.isReserved(p.number);
    else if (p.kind === 'log') obsolete = p.number < v.logNumber && !activeLogs.has(p.number);
    else if (p.kind === 'manifest') obsolete = p.number !== v.manifestNumber;
    else if (p.kind === 'temp') obsolete = true;
    else if (p.kind === 'blob') obsolete = settled && !liveBlobs.has(p.number) && !c.isReserved(p.number);
    if (!obsolete) continue;
    if (p.kind === 'blob') {
      c.blobGc.remove(p.number);
      continue;
    }
    if (p.kind === 'table') {
      c.tableCache.forget(p.number);
      // Its blocks can never be read again (table ids are never reused): free them now.
      c.blockCache?.eraseTable(p.number);
    }
    doomed.push(name);
  }
  if (doomed.length > 0) c.remove(doomed);
}

