// The shapes that cross the process boundary: what the parent sends a worker, the one JSON
// line a worker prints, and what the parent makes of each (engine, workload) pair. Kept in
// one file so both sides agree.

import type { EngineName, RunSettings, WorkloadName } from './args.js';
import type { LatencySummary } from './stats.js';

/** Prefix of the progress lines a worker writes on stderr: `@@progress <stage> <done> <total>`. */
export const PROGRESS_PREFIX = '@@progress ';

/** The third argument of `worker.js <engine> <workload> <json>`. */
export interface WorkerRequest {
  settings: RunSettings;
  /** A directory that does not exist yet (the worker's store). */
  dir: string;
  /** Print progress lines on stderr. */
  progress: boolean;
  /** Write a CPU profile of the timed phase to this file. */
  profile?: string;
}

/** Where a write-amplification figure comes from. */
export type WriteAmpSource = 'engine stats' | '/proc/self/io write_bytes' | 'directory growth';

/** The JSON line a worker prints when the workload ran. */
export interface WorkerResult {
  ok: true;
  engine: EngineName;
  workload: WorkloadName;
  label: string;
  api: { writes: 'sync' | 'async'; reads: 'sync' | 'async'; scans: 'sync' | 'async' };
  notes: string[];
  ops: number;
  seconds: number;
  opsPerSec: number;
  /** MB (10^6 bytes) of keys and values moved per second. */
  mbPerSec: number;
  /** Per-operation latency, microseconds. */
  latency: LatencySummary;
  latencyUnit: 'op' | 'batch' | 'chunk';
  /** Apparent size of the store's files after the workload and close. */
  diskBytes: number;
  /** Bytes of keys and values the timed phase wrote (0 for read workloads). */
  userBytesWritten: number;
  /** Bytes written to storage / user bytes; null for workloads that write nothing. */
  writeAmp: number | null;
  writeAmpSource: WriteAmpSource | null;
  /** wchar of /proc/self/io (bytes handed to write calls) / user bytes; null if unavailable or nothing written. */
  writeAmpSyscalls: number | null;
  /** write_bytes of /proc/self/io from the start of the timed phase to after close (null if unavailable). */
  ioWriteBytes: number | null;
  /** wchar of /proc/self/io over the same span (null if unavailable). */
  ioWchar: number | null;
  /** @lsm/engine only: its own WAL + table bytes written during the timed phase. */
  engineBytesWritten: number | null;
  /** CPU seconds of the whole process (all threads) during the timed phase. */
  cpuSeconds: number;
  /** Peak resident set size of the process, bytes. */
  maxRssBytes: number;
  /** Untimed load before the timed phase, seconds (0 if none). */
  loadSeconds: number;
  /** Untimed wait after the load until the process stopped writing, seconds. */
  settleSeconds: number;
  counts: Record<string, number>;
  /** FNV-1a of the timed phase's keys in order: equal across engines for the same settings. */
  keyDigest: string;
  /** With --repeat: ops/s of every run, in run order (this result is the median run). */
  repeats?: number[];
}

/** The JSON line a worker prints when it failed but could still report. */
export interface WorkerFailure {
  ok: false;
  error: string;
}

/** One (engine, workload) pair as the parent reports it. */
export type PairResult =
  | WorkerResult
  | { ok: false; engine: EngineName; workload: WorkloadName; error: string; seconds: number };
