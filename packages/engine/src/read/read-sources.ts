// What a store's readers read from: the memtables (active, then sealed) and the current
// version's tables, through the table cache. Point reads and iterators take this view
// of the store instead of the store itself.

import type { Comparator } from '@lsm/base';
import type { Memtable } from '../memtable/memtable.js';
import type { TableCache } from '../versions/table-cache.js';
import type { Version } from '../versions/version.js';

/** The store as its readers see it. */
export interface ReadSources {
  readonly comparator: Comparator;
  readonly tableCache: TableCache;
  /** The memtable taking writes. */
  active(): Memtable;
  /** Sealed memtables waiting for their flush, oldest first. */
  sealed(): readonly Memtable[];
  /** The current version. */
  version(): Version;
}
