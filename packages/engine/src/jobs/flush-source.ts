// What a flush job writes: entries in internal-key order (user key ascending, seqno
// descending) and the range deletions. The caller's thread hands its sealed memtable; a
// worker reads the same memtable through its image (memtable-image.ts: the entries' order
// as typed arrays, the keys and values in shared memory).

import { LsmError, type RangeTombstone, type ValueType } from '@lsm/base';
import type { Memtable } from '../memtable/memtable.js';
import { type MemtableImage, eachImageEntry } from '../memtable/memtable-image.js';

/** Entries of one flush. */
export interface FlushSource {
  /** Point entries. */
  readonly size: number;
  readonly rangeTombstones: readonly RangeTombstone[];
  /** Calls `add` with every point entry in internal-key order. */
  each(add: (key: Uint8Array, seqno: number, type: ValueType, value: Uint8Array) => void): void;
}

/** A sealed memtable as a flush source. */
export function memtableSource(mem: Memtable): FlushSource {
  return {
    size: mem.size,
    rangeTombstones: mem.rangeTombstones,
    each(add) {
      const it = mem.iterator();
      try {
        for (it.seekToFirst(); it.valid(); it.next()) add(it.userKey(), it.seqno(), it.type(), it.value());
      } finally {
        it.close();
      }
    },
  };
}

/**
 * A sealed memtable's image as a flush source (on a worker). Throws LSM_CORRUPTION when
 * the image does not hold as many entries as the job was told the memtable has.
 */
export function imageSource(image: MemtableImage, entries: number, rangeTombstones: number): FlushSource {
  if (image.count !== entries || image.rangeTombstones.length !== rangeTombstones) {
    throw new LsmError('LSM_CORRUPTION', `memtable image holds ${image.count} entries and ${image.rangeTombstones.length} range deletions, the memtable ${entries} and ${rangeTombstones}`);
  }
  return {
    size: image.count,
    rangeTombstones: image.rangeTombstones,
    each: (add) => eachImageEntry(image, add),
  };
}
