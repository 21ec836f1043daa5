// FIFO compaction (RocksDB's kCompactionStyleFIFO): nothing is ever merged; the oldest
// tables are dropped whole once the tree is bigger than maxTotalBytes, and (optionally)
// once they are older than ttlMs. For logs, metrics and caches, where old data may go.
// Drops come as 'drop' plans: the engine removes the tables by a manifest edit.
// Invariants: tables are dropped only from the oldest end of the age order -- the
// deepest non-empty level first (any of its tables: nothing lies below them), then the
// next level up, then L0 oldest first -- so a drop never uncovers older data (a dropped
// table's deletions hid nothing that stays). A FIFO drop ignores snapshots: data goes
// even if a snapshot could read it (that is the point of the strategy).
// Promises: pure function of the view and the clock; no I/O.

import { InvalidArgumentError, bytewiseComparator, type Comparator, shownValue } from '@lsm/base';
import type { CompactionInput, CompactionPlan, CompactionStrategy } from './strategy.js';
import { totalBytes, type LevelsView, type TableMeta } from './table-meta.js';

/** Options of the FIFO strategy. */
export interface FifoOptions {
  /** Drop the oldest tables while the tree holds more than this many bytes. Integer >= 1. Default 1 GiB. */
  maxTotalBytes?: number;
  /**
   * Also drop tables whose creationTime (TableMeta.creationTime) is more than this many ms
   * in the past, oldest first. Tables without creationTime are never dropped for age (and
   * stop the walk: nothing newer than them is dropped for age either). Absent: no TTL.
   */
  ttlMs?: number;
  /** The clock for the TTL, ms since the epoch. Default Date.now. */
  now?: () => number;
  /**
   * Write-stall threshold on L0 tables. FIFO never merges, so L0 grows to
   * maxTotalBytes / (table size) tables: the default (Number.MAX_SAFE_INTEGER) never stalls.
   */
  l0StallFiles?: number;
  /** Sorts level tables in plans (must be the engine's). Default bytewise. */
  comparator?: Comparator;
}

export class Fifo implements CompactionStrategy {
  readonly name = 'fifo';
  readonly l0StallFiles: number;
  readonly maxTotalBytes: number;
  readonly ttlMs: number | undefined;
  private readonly now: () => number;
  private readonly cmp: Comparator;

  constructor(options: FifoOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('Fifo options must be an object');
    this.maxTotalBytes = positiveInt(options.maxTotalBytes, 1024 * 1024 * 1024, 'maxTotalBytes');
    this.l0StallFiles = positiveInt(options.l0StallFiles, Number.MAX_SAFE_INTEGER, 'l0StallFiles');
    if (options.ttlMs !== undefined) this.ttlMs = positiveInt(options.ttlMs, 0, 'ttlMs');
    const now = options.now ?? Date.now;
    if (typeof now !== 'function') throw new InvalidArgumentError('Fifo: now must be a function');
    this.now = now;
    this.cmp = options.comparator ?? bytewiseComparator;
    if (typeof this.cmp?.compare !== 'function') throw new InvalidArgumentError('Fifo: comparator must be a Comparator');
  }

  /**
   * A drop plan for the tables past the TTL (oldest first, stopping at the first one that
   * is not) plus, while the rest is bigger than maxTotalBytes, the next oldest ones; null
   * when nothing is due. Reason 'fifo-ttl' when the TTL dropped something, else 'fifo-size'.
   */
  pick(view: LevelsView): CompactionPlan | null {
    const byAge = this.ageOrder(view);
    let total = 0;
    for (const x of byAge) total += x.t.size;
    let n = 0;
    let ttlDrops = 0;
    if (this.ttlMs !== undefined) {
      const cutoff = this.now() - this.ttlMs;
      while (n < byAge.length) {
        const c = byAge[n]!.t.creationTime;
        if (c === undefined || !(c < cutoff)) break;
        total -= byAge[n]!.t.size;
        n++;
      }
      ttlDrops = n;
    }
    while (n < byAge.length && total > this.maxTotalBytes) {
      total -= byAge[n]!.t.size;
      n++;
    }
    if (n === 0) return null;
    // The L0 tables of one bulk ingest share their largest seqno: they go together or not
    // at all (an ingest is visible all at once; dropping part of it would split it).
    while (n < byAge.length && byAge[n]!.level === 0 && byAge[n - 1]!.level === 0 && byAge[n]!.t.largestSeqno === byAge[n - 1]!.t.largestSeqno) n++;
    return this.dropPlan(byAge.slice(0, n), ttlDrops > 0 ? 'fifo-ttl' : 'fifo-size');
  }

  /** FIFO has nothing to merge: a major compaction only applies the drops that are due (pick). */
  pickMajor(view: LevelsView): CompactionPlan | null {
    return this.pick(view);
  }

  /** Every table, oldest first: deepest level first (by largestSeqno), then up to L0 (oldest first). */
  private ageOrder(view: LevelsView): { t: TableMeta; level: number }[] {
    if (typeof view !== 'object' || view === null || !Array.isArray(view.levels)) {
      throw new InvalidArgumentError('view.levels must be an array of levels');
    }
    const out: { t: TableMeta; level: number }[] = [];
    for (let level = view.levels.length - 1; level >= 0; level--) {
      const l = view.levels[level];
      if (!Array.isArray(l)) throw new InvalidArgumentError(`view.levels[${level}] must be an array`);
      const sorted = [...l].sort((a, b) => a.largestSeqno - b.largestSeqno || a.id - b.id);
      for (const t of sorted) out.push({ t, level });
    }
    return out;
  }

  private dropPlan(tables: { t: TableMeta; level: number }[], reason: string): CompactionPlan {
    const levels = [...new Set(tables.map((x) => x.level))].sort((a, b) => a - b);
    const inputs: CompactionInput[] = levels.map((level) => {
      const ts = tables.filter((x) => x.level === level).map((x) => x.t);
      // Plan order: L0 newest first, sorted levels by key.
      if (level === 0) ts.sort((a, b) => b.largestSeqno - a.largestSeqno || b.id - a.id);
      else ts.sort((a, b) => this.cmp.compare(a.smallest, b.smallest));
      return { level, tables: ts };
    });
    return {
      kind: 'drop',
      reason,
      inputs,
      outputLevel: levels[levels.length - 1]!,
      trivialMove: false,
      bottommost: false,
      targetTableSize: Number.MAX_SAFE_INTEGER,
    };
  }
}

function positiveInt(v: number | undefined, dflt: number, name: string): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < 1) {
    throw new InvalidArgumentError(`${name} must be a safe integer >= 1, got ${shownValue(v)}`);
  }
  return x;
}
