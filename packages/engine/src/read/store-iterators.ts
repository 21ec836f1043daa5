// Opens a store's iterators: one merging iterator over the memtables, every L0 table and
// one lazily-opening LevelIterator per sorted level, wrapped in a DbIterator that applies
// the seqno, the bounds and every range tombstone. The version is pinned (its files stay
// on disk) until the iterator closes. The range tombstones of the memtables and tables
// are fragmented once and reused while none of them changes (iterators share the
// immutable result). With a prefix extractor, a prefix scan reads only the tables its
// prefix filters do not rule out (read/prefix-filter.ts).

import { LevelIterator, type MergeOperator } from '@lsm/compaction';
import { FragmentedRangeTombstones, type InternalIterator, MergingIterator, type RangeTombstone } from '@lsm/base';
import type { Memtable } from '../memtable/memtable.js';
import type { Version } from '../versions/version.js';
import { DbIterator, type IterBounds } from './db-iterator.js';
import type { ReadSources } from './read-sources.js';
import type { PrefixFilterReads } from './prefix-filter.js';
import type { BlobReader } from './version-chain.js';

/** Opens iterators over one store. */
export class StoreIterators {
  private readonly noTombstones: FragmentedRangeTombstones;
  private cache: { version: Version; mem: Memtable; memCount: number; sealed: number; set: FragmentedRangeTombstones } | undefined;

  constructor(
    private readonly src: ReadSources,
    private readonly mergeOperator: MergeOperator | undefined,
    private readonly readBlob: BlobReader,
    /** The store's prefix filter use, when it has a prefix extractor. */
    private readonly prefixFilter?: PrefixFilterReads,
  ) {
    this.noTombstones = FragmentedRangeTombstones.empty(src.comparator);
  }

  /**
   * An iterator as of `seq` within `bounds`. `closed` is called once when it closes (after
   * its version is released), with `freedFiles` true when that release left an older
   * version unused (its files may now be obsolete); `storeClosed` tells it the store is gone.
   */
  open(seq: number, bounds: IterBounds, closed: (it: DbIterator, freedFiles: boolean) => void, storeClosed: () => boolean): DbIterator {
    const src = this.src;
    const version = src.version();
    version.ref();
    const children: InternalIterator[] = [src.active().iterator()];
    const sealed = src.sealed();
    for (let i = sealed.length - 1; i >= 0; i--) children.push(sealed[i]!.iterator());
    let tombstones: FragmentedRangeTombstones;
    try {
      const pf = this.prefixFilter;
      const p = bounds.prefix;
      const probe = pf === undefined || p === undefined ? undefined : pf.scanProbe(p);
      const l0 = probe === undefined ? version.levels[0]! : pf!.scanTables(src.comparator, src.tableCache, version.levels[0]!, false, p!, probe);
      for (const t of l0) children.push(src.tableCache.iterator(t.id));
      for (let level = 1; level < version.levels.length; level++) {
        const all = version.levels[level]!;
        const tables = probe === undefined || all.length === 0 ? all : pf!.scanTables(src.comparator, src.tableCache, all, true, p!, probe);
        if (tables.length > 0) children.push(new LevelIterator(src.comparator, tables, (meta) => src.tableCache.iterator(meta.id)));
      }
      tombstones = this.rangeTombstones(version);
    } catch (err) {
      for (const c of children) c.close();
      version.unref();
      throw err;
    }
    const merged = new MergingIterator(children, src.comparator);
    const it: DbIterator = new DbIterator(
      merged,
      src.comparator,
      seq,
      bounds,
      () => {
        version.unref();
        // Only the last reader of a replaced version frees files; the common case (the
        // version is still current) needs no deletion pass and no directory listing.
        closed(it, !version.referenced && version !== src.version());
      },
      storeClosed,
      tombstones,
      this.mergeOperator,
      this.readBlob,
    );
    return it;
  }

  /** Every range tombstone of the memtables and of `version`'s tables, fragmented. */
  private rangeTombstones(version: Version): FragmentedRangeTombstones {
    const src = this.src;
    const mem = src.active();
    const sealed = src.sealed();
    const c = this.cache;
    const memCount = mem.rangeTombstones.length;
    if (c !== undefined && c.version === version && c.mem === mem && c.memCount === memCount && c.sealed === sealed.length) return c.set;
    const list: RangeTombstone[] = [...mem.rangeTombstones];
    for (const m of sealed) list.push(...m.rangeTombstones);
    for (const level of version.levels) {
      for (const t of level) {
        if (t.rangeTombstones === 0) continue;
        const table = src.tableCache.acquire(t.id);
        try {
          list.push(...table.rangeTombstones());
        } finally {
          src.tableCache.release(t.id);
        }
      }
    }
    const set = list.length === 0 ? this.noTombstones : FragmentedRangeTombstones.build(list, src.comparator);
    this.cache = { version, mem, memCount, sealed: sealed.length, set };
    return set;
  }
}
