// Reads through the tables' prefix filters (option prefixExtractor). A scan of the keys
// starting with p reads only the tables whose key range reaches such keys and whose
// prefix filter does not rule out p's extracted prefix; a point read of a table without
// a whole-key filter asks the prefix filter before reading the table. Promises: a table
// is passed over only when its filter proves it holds no point entry with the prefix
// (range tombstones are read elsewhere, from every table), so results never change; a
// table written with another extractor (or none) is always read (Table.mayContainPrefix
// says true); every table passed over is counted in stats().prefixFilterSkips.

import { type TableMeta, endsBefore, firstTableEndingAtOrAfter } from '@lsm/compaction';
import { type Comparator, compareBytes, prefixSuccessor } from '@lsm/base';
import { type Hash64, type PrefixExtractor, type Table, keyHash } from '@lsm/sstable';
import type { TableCache } from '../versions/table-cache.js';

/** An extracted prefix and its filter hash. */
export interface PrefixProbe {
  readonly prefix: Uint8Array;
  readonly hash: Hash64;
}

/** One store's use of its prefix filters. */
export class PrefixFilterReads {
  constructor(
    readonly extractor: PrefixExtractor,
    /** Where skipped tables are counted. */
    private readonly counters: { prefixFilterSkips: number },
  ) {}

  /**
   * For a scan of the keys starting with `p`: the prefix all of them share, or undefined
   * when the extractor gives `p` none (p is shorter than the extracted prefix) or gives a
   * value that is not a prefix of `p` (an extractor breaking its contract: no filter).
   */
  scanProbe(p: Uint8Array): PrefixProbe | undefined {
    const q = this.extractor.prefix(p);
    if (q === undefined || q.length > p.length || compareBytes(q, p.subarray(0, q.length)) !== 0) return undefined;
    return { prefix: q, hash: keyHash(q) };
  }

  /** For a point read of `k`: its prefix, or undefined when it has none. */
  keyProbe(k: Uint8Array): PrefixProbe | undefined {
    const q = this.extractor.prefix(k);
    return q === undefined ? undefined : { prefix: q, hash: keyHash(q) };
  }

  /** False, and counted, when `table`'s prefix filter proves it holds no point entry with the probe's prefix. */
  mayHold(table: Table, probe: PrefixProbe): boolean {
    if (table.properties.entryCount === 0) return false;
    if (table.mayContainPrefix(probe.prefix, probe.hash)) return true;
    this.counters.prefixFilterSkips++;
    return false;
  }

  /** mayHold() of table `meta`, opened through `cache`. */
  tableMayHold(cache: TableCache, meta: TableMeta, probe: PrefixProbe): boolean {
    const table = cache.acquire(meta.id);
    try {
      return this.mayHold(table, probe);
    } finally {
      cache.release(meta.id);
    }
  }

  /**
   * The tables of one level a scan of the keys starting with `p` must read: those whose
   * key range reaches such keys (bytewise order) and whose filter may hold them. `sorted`:
   * a disjoint level sorted by key (i > 0), searched by bisection; else every table is
   * looked at (L0). The result keeps the level's order.
   */
  scanTables(cmp: Comparator, cache: TableCache, tables: readonly TableMeta[], sorted: boolean, p: Uint8Array, probe: PrefixProbe): TableMeta[] {
    const end = prefixSuccessor(p);
    const out: TableMeta[] = [];
    for (let i = sorted ? firstTableEndingAtOrAfter(cmp, tables, p) : 0; i < tables.length; i++) {
      const t = tables[i]!;
      const startsPast = end !== undefined && cmp.compare(t.smallest, end) >= 0;
      if (startsPast && sorted) break;
      if (startsPast || endsBefore(cmp, t, p)) continue;
      if (this.tableMayHold(cache, t, probe)) out.push(t);
    }
    return out;
  }
}
