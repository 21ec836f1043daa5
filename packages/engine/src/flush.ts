// Writes a memtable to a new table file: every entry in order, fsync (in the writer's
// finish) and a directory fsync, so that the table's name is durable before any
// manifest edit refers to it. On failure the partial file is removed and the error is
// LSM_IO; the memtable is untouched, so the caller can retry.

import { type TableMeta, tableMetaFromProperties } from '@lsm/compaction';
import type { Fs } from '@lsm/fs';
import { type Comparator, bytewiseComparator, toIoError } from '@lsm/base';
import { type FinishedTable, TableWriter, type TableWriterOptions } from '@lsm/sstable';
import { tableFileName } from './file-names.js';
import type { Memtable } from './memtable.js';

/**
 * The manifest's description of a table, from what its writer reported: bounds that cover
 * its range tombstones (an exclusive largest when a tombstone ends past the point keys),
 * so reads and compactions find the table for every key it deletes.
 */
export function tableMetaOf(id: number, t: FinishedTable, cmp: Comparator): TableMeta {
  return tableMetaFromProperties(cmp, id, t.fileSize, t.properties);
}

/**
 * Writes `mem` as table `id` in `dir`. Returns its metadata. `wrap` may interpose on the
 * table writer (K/V separation stores large values in blob files through it).
 */
export function writeMemtable(
  fs: Fs,
  dir: string,
  id: number,
  mem: Memtable,
  options: TableWriterOptions,
  wrap?: (w: TableWriter) => Pick<TableWriter, 'add' | 'finish' | 'abandon'>,
): TableMeta {
  const path = `${dir}/${tableFileName(id)}`;
  let writer: Pick<TableWriter, 'add' | 'finish' | 'abandon'> | undefined;
  let finished = false;
  try {
    const table = new TableWriter(fs, path, { ...options, fileNumber: id });
    writer = wrap === undefined ? table : wrap(table);
    const it = mem.iterator();
    for (it.seekToFirst(); it.valid(); it.next()) writer.add(it.userKey(), it.seqno(), it.type(), it.value());
    it.close();
    // Range tombstones carry no values: straight to the table, past any wrapper.
    for (const t of mem.rangeTombstones) table.addRangeTombstone(t.start, t.end, t.seqno);
    const done = writer.finish();
    finished = true;
    fs.syncDirectory(dir);
    return tableMetaOf(id, done, options.comparator ?? bytewiseComparator);
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
