// Writes a memtable to a new table file: every entry in order, fsync (in the writer's
// finish) and a directory fsync, so that the table's name is durable before any
// manifest edit refers to it. On failure the partial file is removed and the error is
// LSM_IO; the memtable is untouched, so the caller can retry.

import type { TableMeta } from '@lsm/compaction';
import type { Fs } from '@lsm/fs';
import { type FinishedTable, TableWriter, type TableWriterOptions, toIoError } from '@lsm/sstable';
import { tableFileName } from './file-names.js';
import type { Memtable } from './memtable.js';

/** The manifest's description of a table, from what its writer reported. */
export function tableMetaOf(id: number, t: FinishedTable): TableMeta {
  const p = t.properties;
  const empty = new Uint8Array(0);
  return {
    id,
    size: t.fileSize,
    smallest: p.smallestKey ?? empty,
    largest: p.largestKey ?? empty,
    smallestSeqno: p.smallestSeqno,
    largestSeqno: p.largestSeqno,
    entries: p.entryCount,
    tombstones: p.tombstoneCount + p.weakTombstoneCount,
    rangeTombstones: p.rangeTombstoneCount,
  };
}

/** Writes `mem` as table `id` in `dir`. Returns its metadata. */
export function writeMemtable(fs: Fs, dir: string, id: number, mem: Memtable, options: TableWriterOptions): TableMeta {
  const path = `${dir}/${tableFileName(id)}`;
  let writer: TableWriter | undefined;
  let finished = false;
  try {
    writer = new TableWriter(fs, path, { ...options, fileNumber: id });
    const it = mem.iterator();
    for (it.seekToFirst(); it.valid(); it.next()) writer.add(it.userKey(), it.seqno(), it.type(), it.value());
    it.close();
    const done = writer.finish();
    finished = true;
    fs.syncDirectory(dir);
    return tableMetaOf(id, done);
  } catch (err) {
    if (!finished) writer?.abandon();
    else removeQuietly(fs, path);
    throw toIoError(err, `flushing the memtable to ${path}`);
  }
}

/** Removes a file, ignoring failure: a leftover is an orphan the next open deletes. */
export function removeQuietly(fs: Fs, path: string): void {
  try {
    fs.removeFile(path);
  } catch {
    // See above.
  }
}
