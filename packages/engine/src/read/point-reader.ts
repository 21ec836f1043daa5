// Point reads: the newest version of a key visible at a seqno, resolved through the
// sources newest first (active memtable, sealed memtables newest first, L0 tables newest
// first, then one table per sorted level). An entry found in one source is newer than
// anything below it, and so is a range tombstone, which therefore deletes whatever the
// lower sources hold; merge operands gather until a base value, a deletion or the end.
// With a prefix extractor, a table without a whole-key filter is asked its prefix filter
// first (its range tombstones still apply).

import { firstTableEndingAtOrAfter, type MergeOperator, type TableMeta } from '@lsm/compaction';
import { type Comparator, ValueType } from '@lsm/base';
import { keyHash } from '@lsm/sstable';
import type { Memtable } from '../memtable/memtable.js';
import type { ReadSources } from './read-sources.js';
import type { PrefixFilterReads, PrefixProbe } from './prefix-filter.js';
import { type BlobReader, VersionChain } from './version-chain.js';

/** Whether `t`'s key range holds `k` (an exclusive largest does not). */
export function tableCovers(cmp: Comparator, t: TableMeta, k: Uint8Array): boolean {
  if (cmp.compare(k, t.smallest) < 0) return false;
  const c = cmp.compare(k, t.largest);
  return c < 0 || (c === 0 && t.largestExclusive !== true);
}

/** Resolves point reads of one store. */
export class PointReader {
  /** One chain reused across reads; a merge operator that reads the store re-enters. */
  private readonly chain: VersionChain;
  private busy = false;

  constructor(
    private readonly src: ReadSources,
    private readonly mergeOperator: MergeOperator | undefined,
    private readonly readBlob: BlobReader,
    /** The store's prefix filter use, when it has a prefix extractor. */
    private readonly prefixFilter?: PrefixFilterReads,
  ) {
    this.chain = new VersionChain(mergeOperator, readBlob);
  }

  /** The value of `k` as of `seq`, or undefined. */
  get(k: Uint8Array, seq: number): Uint8Array | undefined {
    const outer = !this.busy;
    const chain = outer ? this.chain : new VersionChain(this.mergeOperator, this.readBlob);
    this.busy = true;
    try {
      chain.reset(k, -1);
      return this.lookup(chain, k, seq);
    } finally {
      if (outer) this.busy = false;
    }
  }

  private lookup(chain: VersionChain, k: Uint8Array, seq: number): Uint8Array | undefined {
    const src = this.src;
    if (this.memGet(chain, src.active(), k, seq)) return chain.result;
    const sealed = src.sealed();
    for (let i = sealed.length - 1; i >= 0; i--) if (this.memGet(chain, sealed[i]!, k, seq)) return chain.result;
    const v = src.version();
    const cmp = src.comparator;
    const hash = keyHash(k);
    const probe = this.prefixFilter?.keyProbe(k);
    for (const t of v.levels[0]!) {
      if (!tableCovers(cmp, t, k)) continue;
      if (this.tableGet(chain, t, k, seq, hash, probe)) return chain.result;
    }
    for (let level = 1; level < v.levels.length; level++) {
      const tables = v.levels[level]!;
      // Skips a table whose exclusive largest equals the key.
      const t = tables[firstTableEndingAtOrAfter(cmp, tables, k)];
      if (t === undefined || !tableCovers(cmp, t, k)) continue;
      if (this.tableGet(chain, t, k, seq, hash, probe)) return chain.result;
    }
    return chain.end();
  }

  /** Feeds a memtable's versions of `k` to `chain`; true once the key is resolved. */
  private memGet(chain: VersionChain, m: Memtable, k: Uint8Array, seq: number): boolean {
    // An empty memtable (the active one after open or a flush) costs no search.
    if (m.empty) return false;
    if (m.rangeTombstones.length > 0) chain.cover(m.maxCoveringSeqno(k, seq));
    const e = m.get(k, seq);
    if (e === undefined) return chain.tomb >= 0 && chain.hiddenBelow();
    if (e.type !== ValueType.Merge) return chain.push(e.type, e.seqno, e.value);
    m.versions(k, seq, (type, s, value) => !chain.push(type, s, value));
    return chain.done || (chain.tomb >= 0 && chain.hiddenBelow());
  }

  /** Feeds a table's versions of `k` to `chain`; true once the key is resolved. */
  private tableGet(chain: VersionChain, meta: TableMeta, k: Uint8Array, seq: number, hash: ReturnType<typeof keyHash>, probe: PrefixProbe | undefined): boolean {
    const cache = this.src.tableCache;
    const table = cache.acquire(meta.id);
    try {
      if (meta.rangeTombstones > 0) chain.cover(table.fragmentedRangeTombstones().maxCoveringSeqno(k, seq));
      // The whole-key filter (in table.get) answers better when the table has one.
      const skip = probe !== undefined && table.properties.filterSize === 0 && !this.prefixFilter!.mayHold(table, probe);
      const r = skip ? undefined : table.get(k, seq, hash);
      if (r !== undefined) {
        if (chain.push(r.type, r.seqno, r.value)) return true;
        for (const e of r.olderEntries ?? []) if (chain.push(e.type, e.seqno, e.value)) return true;
      }
      // A covering tombstone deletes everything older, and everything below is older.
      return chain.tomb >= 0 && chain.hiddenBelow();
    } finally {
      cache.release(meta.id);
    }
  }
}
