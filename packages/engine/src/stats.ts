// The counters a store keeps and the shape stats() reports.

import type { BlockCacheStats } from '@lsm/sstable';

/** Running totals since open. */
export interface Counters {
  writes: number;
  gets: number;
  iterators: number;
  userBytes: number;
  walBytes: number;
  walSyncs: number;
  flushes: number;
  flushErrors: number;
  compactions: number;
  trivialMoves: number;
  compactionErrors: number;
  tableBytesWritten: number;
  compactionBytesRead: number;
}

/** All counters at zero. */
export function emptyCounters(): Counters {
  return {
    writes: 0,
    gets: 0,
    iterators: 0,
    userBytes: 0,
    walBytes: 0,
    walSyncs: 0,
    flushes: 0,
    flushErrors: 0,
    compactions: 0,
    trivialMoves: 0,
    compactionErrors: 0,
    tableBytesWritten: 0,
    compactionBytesRead: 0,
  };
}

/** What Tree.stats() returns. Counters are since this open. */
export interface TreeStats {
  /** Seqno of the last write. */
  seqno: number;
  activeMemtable: { bytes: number; entries: number };
  sealedMemtables: number;
  levels: { level: number; tables: number; bytes: number; entries: number }[];
  tables: number;
  snapshots: number;
  openIterators: number;
  openTables: number;
  blockCache: BlockCacheStats | undefined;
  writes: number;
  gets: number;
  userBytesWritten: number;
  walBytesWritten: number;
  walSyncs: number;
  flushes: number;
  flushErrors: number;
  compactions: number;
  trivialMoves: number;
  compactionErrors: number;
  /** Bytes of tables written by flushes and compactions. */
  tableBytesWritten: number;
  compactionBytesRead: number;
  /** (WAL bytes + table bytes written) / user bytes written, since open. */
  writeAmplification: number;
}
