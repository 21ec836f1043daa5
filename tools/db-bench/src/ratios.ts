// The ratios a run is about: @lsm/engine's throughput divided by each peer's, per workload,
// and against the best peer. Shared by the table, the chart and the JSON.
//
// Promises: a ratio is null when either side failed or is missing (never 0 or NaN);
// ratios > 1 mean @lsm/engine did more operations per second.

import type { EngineName, WorkloadName } from './args.js';
import type { PairResult } from './result.js';

/** The peers, in report order. */
export const PEERS = ['classic-level', 'rocksdb', 'lmdb'] as const satisfies readonly EngineName[];
/** A peer engine. */
export type PeerName = (typeof PEERS)[number];

/** @lsm/engine against the peers on one workload. */
export interface WorkloadRatios {
  workload: WorkloadName;
  /** lsm ops/s ÷ peer ops/s; null if either is missing or failed. */
  vs: Record<PeerName, number | null>;
  /** The peer with the most ops/s, and lsm's ratio to it (null if no peer or lsm result). */
  best: { engine: PeerName; ratio: number } | null;
}

/** The ops/s of a pair, or null if it failed or did not run. */
export function opsOf(results: readonly PairResult[], engine: EngineName, workload: WorkloadName): number | null {
  const r = results.find((x) => x.engine === engine && x.workload === workload);
  return r !== undefined && r.ok ? r.opsPerSec : null;
}

/** The ratios of every workload that ran. */
export function computeRatios(results: readonly PairResult[], workloads: readonly WorkloadName[]): WorkloadRatios[] {
  return workloads.map((workload) => {
    const ours = opsOf(results, 'lsm', workload);
    const vs = {} as Record<PeerName, number | null>;
    let best: { engine: PeerName; ops: number } | null = null;
    for (const peer of PEERS) {
      const theirs = opsOf(results, peer, workload);
      vs[peer] = ours !== null && theirs !== null && theirs > 0 ? ours / theirs : null;
      if (theirs !== null && (best === null || theirs > best.ops)) best = { engine: peer, ops: theirs };
    }
    return { workload, vs, best: best !== null && ours !== null && best.ops > 0 ? { engine: best.engine, ratio: ours / best.ops } : null };
  });
}
