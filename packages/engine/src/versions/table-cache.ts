// Open table readers, by file number, bounded in count. A table in use (by an iterator
// or a lookup in progress) is never closed by eviction: users take a reference with
// acquire() and give it back with release().

import type { Fs } from '@lsm/fs';
import { type Comparator, CorruptionError, type InternalIterator, isLsmError, toIoError } from '@lsm/base';
import { type KeyRing } from '@lsm/encryption';
import { type BlockCache, type PrefixExtractor, Table, type TableIteratorOptions } from '@lsm/sstable';
import { tableFileName } from '../file-names.js';

interface Slot {
  table: Table;
  refs: number;
  lastUse: number;
}

/** A bounded pool of open tables. */
export class TableCache {
  private readonly open = new Map<number, Slot>();
  private tick = 0;

  constructor(
    private readonly fs: Fs,
    private readonly dir: string,
    private readonly comparator: Comparator,
    private readonly blockCache: BlockCache | undefined,
    private readonly capacity: number,
    /** The store's keys when it is encrypted: tables must be encrypted with them. */
    private readonly keys?: KeyRing,
    /** The store's prefix extractor: tables written with the same one use their prefix filter. */
    private readonly prefixExtractor?: PrefixExtractor,
  ) {}

  /** Opens (or reuses) table `id` and takes a reference to it. */
  acquire(id: number): Table {
    let slot = this.open.get(id);
    if (slot === undefined) {
      const path = `${this.dir}/${tableFileName(id)}`;
      let table: Table;
      try {
        table = Table.open(this.fs, path, {
          tableId: id,
          cache: this.blockCache,
          comparator: this.comparator,
          ...(this.prefixExtractor === undefined ? {} : { prefixExtractor: this.prefixExtractor }),
          ...(this.keys === undefined ? {} : { encryption: this.keys, fileNumber: id }),
        });
      } catch (err) {
        // The manifest already proved the store encrypted: a table that is not is damage
        // (a planted or swapped file), not a caller mistake.
        if (this.keys !== undefined && isLsmError(err, 'LSM_INVALID_ARGUMENT') && err.message.includes('not encrypted')) {
          throw new CorruptionError(path, 0, 'table is not encrypted, but the store is', { cause: err });
        }
        throw toIoError(err, `opening table ${path}`);
      }
      slot = { table, refs: 0, lastUse: 0 };
      this.open.set(id, slot);
    }
    // Referenced before evicting, so eviction never closes the table being handed out.
    slot.refs++;
    slot.lastUse = ++this.tick;
    this.evict();
    return slot.table;
  }

  /** acquire() of every table in `ids`; on a failure, gives back what it took and throws. */
  acquireAll(ids: readonly number[]): void {
    let taken = 0;
    try {
      for (; taken < ids.length; taken++) this.acquire(ids[taken]!);
    } catch (err) {
      for (let i = 0; i < taken; i++) this.release(ids[i]!);
      throw err;
    }
  }

  /** Gives back a reference taken by acquire(). */
  release(id: number): void {
    const slot = this.open.get(id);
    if (slot !== undefined && slot.refs > 0) slot.refs--;
    if (this.open.size > this.capacity) this.evict();
  }

  /** An iterator over table `id` that holds the table open until the iterator is closed. */
  iterator(id: number, options?: TableIteratorOptions): InternalIterator {
    const table = this.acquire(id);
    let it: InternalIterator;
    try {
      it = table.iterator(options);
    } catch (err) {
      this.release(id);
      throw err;
    }
    const close = it.close.bind(it);
    let released = false;
    it.close = () => {
      close();
      if (!released) {
        released = true;
        this.release(id);
      }
    };
    return it;
  }

  /** Closes least recently used tables nobody holds until within capacity. */
  private evict(): void {
    if (this.open.size <= this.capacity) return;
    const idle = [...this.open.entries()].filter(([, s]) => s.refs === 0).sort((a, b) => a[1].lastUse - b[1].lastUse);
    for (const [id, slot] of idle) {
      if (this.open.size <= this.capacity) break;
      this.open.delete(id);
      slot.table.close();
    }
  }

  /** Closes table `id` if open and idle (its file is about to be deleted). */
  forget(id: number): void {
    const slot = this.open.get(id);
    if (slot === undefined || slot.refs > 0) return;
    this.open.delete(id);
    slot.table.close();
  }

  /** Number of open tables. */
  get size(): number {
    return this.open.size;
  }

  /** Closes every table. */
  close(): void {
    for (const slot of this.open.values()) slot.table.close();
    this.open.clear();
  }
}
