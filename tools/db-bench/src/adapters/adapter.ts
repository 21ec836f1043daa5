// The one interface every engine is driven through. Workloads only talk to an Adapter, so
// the same loop, key stream and timing code runs for every engine; each adapter maps the
// calls to its engine's fastest public API of the kind the brief asks for (synchronous
// where the engine has it) and says in `notes` where it cannot.
//
// Promises an adapter keeps: it never keeps a reference to the key and value views it is
// given after the call (or its promise) returns, it creates nothing outside `dir`, and
// `close()` releases the directory.

import type { EngineName, RunSettings } from '../args.js';

/** One batch of writes: `length` entries of `keys`, with `values` (puts) or without (deletes). */
export interface WriteBatchView {
  keys: Uint8Array[];
  /** The values of a put batch; undefined for a delete batch. */
  values: Uint8Array[] | undefined;
  length: number;
}

/** Called for every entry an iterator yields. */
export type Visit = (key: Uint8Array, value: Uint8Array) => void;

/** Where an iteration starts and how far it goes. */
export interface ScanSpec {
  reverse: boolean;
  /** First key (inclusive, forward only); undefined for the start (or end) of the store. */
  from: Uint8Array | undefined;
  /** Entries to read at most (Infinity for all). */
  limit: number;
}

/** Whether each kind of call is synchronous or has to be awaited. */
export interface ApiKinds {
  writes: 'sync' | 'async';
  reads: 'sync' | 'async';
  scans: 'sync' | 'async';
}

/** Write counters an engine reports itself (only @lsm/engine has them). */
export interface EngineWriteCounters {
  userBytes: number;
  walBytes: number;
  tableBytes: number;
}

/** An engine under test. */
export interface Adapter {
  readonly engine: EngineName;
  /** Package and version, e.g. "classic-level 3.0.0 (LevelDB 1.20)". */
  readonly label: string;
  readonly api: ApiKinds;
  /** What a reader of the results should know about how this engine is driven. */
  readonly notes: readonly string[];
  /** Opens (or reopens) the store in its directory. */
  open(): Promise<void>;
  /** Closes the store, releasing the directory; waits for the engine's own shutdown work. */
  close(): Promise<void>;
  /** The engine's own settle step after the untimed load (before the uniform close + reopen). */
  settle(): Promise<void>;
  /** Applies one batch atomically (puts or deletes). */
  write(batch: WriteBatchView): void | Promise<void>;
  /** Point read; present when `api.reads` is 'sync'. */
  get?(key: Uint8Array): Uint8Array | undefined;
  /** Point read; present when `api.reads` is 'async'. */
  getAsync?(key: Uint8Array): Promise<Uint8Array | undefined>;
  /** Iterates; returns the number of entries visited. Present when `api.scans` is 'sync'. */
  scan?(spec: ScanSpec, visit: Visit): number;
  /** Iterates; resolves to the number of entries visited. Present when `api.scans` is 'async'. */
  scanAsync?(spec: ScanSpec, visit: Visit): Promise<number>;
  /** The engine's own write counters since open, if it keeps them. */
  writeCounters?(): EngineWriteCounters;
}

/** Creates an adapter for `dir` with a run's settings. */
export type AdapterFactory = (dir: string, settings: RunSettings) => Promise<Adapter>;
