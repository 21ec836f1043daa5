// BlobStore: reads separated values for a Tree. It decodes the pointer of an Indirection
// entry, opens the blob file it names through a bounded LRU of open readers (a file
// evicted or forgotten is simply reopened on its next use; every read is synchronous and
// returns a copy, so no reference counting is needed), and returns the value, checked
// against its key. A damaged pointer or record is LSM_CORRUPTION naming the file. An open
// reader holds what costs to set up once per file: the checked key (encrypted stores) and
// the prepared zstd dictionary (blob files that have one). In an encrypted store every
// blob file must be encrypted with the store's keys: a plaintext one is LSM_CORRUPTION.

import type { Fs } from '@lsm/fs';
import { CorruptionError, isLsmError } from '@lsm/base';
import { type KeyRing } from '@lsm/encryption';
import { BlobFileReader, decodeBlobPointer } from '@lsm/sstable';
import { blobFileName } from '../file-names.js';

/** Open blob files of one store. */
export class BlobStore {
  /** Insertion order is recency order: a hit is moved to the end. */
  private readonly open = new Map<number, BlobFileReader>();
  /** Values read through pointers since open. */
  reads = 0;

  constructor(
    private readonly fs: Fs,
    private readonly dir: string,
    private readonly capacity: number,
    /** The store's keys when it is encrypted (blob files are written and read with them). */
    readonly keys?: KeyRing,
  ) {}

  /** The reader of blob file `id`, opened if needed. */
  reader(id: number): BlobFileReader {
    let r = this.open.get(id);
    if (r !== undefined) {
      this.open.delete(id);
      this.open.set(id, r);
      return r;
    }
    r = this.openFile(id);
    this.open.set(id, r);
    while (this.open.size > this.capacity) {
      const [oldest, reader] = this.open.entries().next().value as [number, BlobFileReader];
      this.open.delete(oldest);
      reader.close();
    }
    return r;
  }

  private openFile(id: number): BlobFileReader {
    const path = `${this.dir}/${blobFileName(id)}`;
    try {
      return BlobFileReader.open(this.fs, path, id, this.keys === undefined ? {} : { encryption: this.keys });
    } catch (err) {
      // The manifest already proved the store encrypted: a plaintext blob file is damage
      // (a planted or swapped file), not a caller mistake -- as for tables.
      if (this.keys !== undefined && isLsmError(err, 'LSM_INVALID_ARGUMENT') && err.message.includes('not encrypted')) {
        throw new CorruptionError(path, 0, 'blob file is not encrypted, but the store is', { cause: err });
      }
      throw err;
    }
  }

  /**
   * The value an Indirection entry of `key` points at. `where` names the table the
   * pointer came from, for the error a malformed pointer raises.
   */
  read(pointer: Uint8Array, key: Uint8Array, where: string): Uint8Array {
    const p = decodeBlobPointer(pointer, where);
    this.reads++;
    return this.reader(p.fileId).read(p, key);
  }

  /** Closes blob file `id` if open (it is about to be deleted). */
  forget(id: number): void {
    const r = this.open.get(id);
    if (r === undefined) return;
    this.open.delete(id);
    r.close();
  }

  /** Number of open blob files. */
  get size(): number {
    return this.open.size;
  }

  /** Closes every blob file. */
  close(): void {
    for (const r of this.open.values()) r.close();
    this.open.clear();
  }
}
