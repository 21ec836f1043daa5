// A tiny stand-in for the engine's file handling, for end-to-end tests: real sstable
// tables on an Fs (MemFs or FaultFs over it), numbered files, an env for runCompaction
// that counts open input iterators, and helpers to read a table back.

import { MemFs, type Fs } from '@lsm/fs';
import { ArrayIterator, bytewiseComparator, type Entry, type InternalIterator, type RangeTombstone } from '@lsm/base';
import { Table, TableWriter, type TableWriterOptions } from '@lsm/sstable';
import { tableMetaFromProperties, type CompactionEnv, type TableMeta } from '../src/index.js';

export class TestDb {
  nextId = 1;
  openInputs = 0;
  maxOpenInputs = 0;
  inputsOpened: number[] = [];
  outputsCreated: number[] = [];

  constructor(
    readonly fs: Fs = new MemFs(),
    readonly dir = '/db',
    readonly writerOptions: TableWriterOptions = { blockSize: 512 },
  ) {
    fs.createDirAll(dir);
  }

  path(id: number): string {
    return `${this.dir}/${String(id).padStart(6, '0')}.sst`;
  }

  exists(id: number): boolean {
    return this.fs.exists(this.path(id));
  }

  /** Writes entries (any order; sorted here) and range tombstones as a new table and returns its metadata. */
  writeTable(entries: readonly Entry[], tombstones: readonly RangeTombstone[] = []): TableMeta {
    const sorted = new ArrayIterator(entries, bytewiseComparator);
    const id = this.nextId++;
    const w = new TableWriter(this.fs, this.path(id), this.writerOptions);
    for (sorted.seekToFirst(); sorted.valid(); sorted.next()) w.add(sorted.userKey(), sorted.seqno(), sorted.type(), sorted.value());
    for (const t of tombstones) w.addRangeTombstone(t.start, t.end, t.seqno);
    const r = w.finish();
    return tableMetaFromProperties(bytewiseComparator, id, r.fileSize, r.properties);
  }

  /** A table's range tombstones (copied). */
  readTombstones(id: number): RangeTombstone[] {
    const t = Table.open(this.fs, this.path(id));
    try {
      return t.rangeTombstones().map((x) => ({ start: x.start.slice(), end: x.end.slice(), seqno: x.seqno }));
    } finally {
      t.close();
    }
  }

  openTombstones = (meta: TableMeta): readonly RangeTombstone[] => this.readTombstones(meta.id);

  /** Every entry of a table, in order (copied). */
  readTable(id: number): Entry[] {
    const t = Table.open(this.fs, this.path(id));
    try {
      const it = t.iterator();
      const out: Entry[] = [];
      for (it.seekToFirst(); it.valid(); it.next()) {
        out.push({ userKey: it.userKey().slice(), seqno: it.seqno(), type: it.type(), value: it.value().slice() });
      }
      it.close();
      return out;
    } finally {
      t.close();
    }
  }

  properties(id: number) {
    const t = Table.open(this.fs, this.path(id));
    try {
      return { props: t.properties, fileSize: t.fileSize };
    } finally {
      t.close();
    }
  }

  /** An iterator over a table that closes the table with it, counted. */
  openInput = (meta: TableMeta): InternalIterator => {
    const t = Table.open(this.fs, this.path(meta.id));
    const it = t.iterator({ fillCache: false });
    this.openInputs++;
    this.maxOpenInputs = Math.max(this.maxOpenInputs, this.openInputs);
    this.inputsOpened.push(meta.id);
    const close = it.close.bind(it);
    let closed = false;
    it.close = () => {
      close();
      if (!closed) {
        closed = true;
        this.openInputs--;
        t.close();
      }
    };
    return it;
  };

  env(snapshots: readonly number[], visibleSeqno: number, extra: Partial<CompactionEnv> = {}): CompactionEnv {
    return {
      comparator: bytewiseComparator,
      openInput: this.openInput,
      openInputTombstones: this.openTombstones,
      newOutput: () => {
        const id = this.nextId++;
        this.outputsCreated.push(id);
        return { id, writer: new TableWriter(this.fs, this.path(id), this.writerOptions) };
      },
      snapshots,
      visibleSeqno,
      ...extra,
    };
  }
}
