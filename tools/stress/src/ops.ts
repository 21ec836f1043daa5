// The operation stream: what a run does, as plain data. `generateOps(seed, n, params)` is a
// pure function of its arguments, and op i depends only on the ops before it, so the first
// L ops of a stream of any length are the same L ops: that is what makes replays exact and
// lets shrink.ts re-run a truncated stream. Ops refer to keys, values, snapshots and tables
// by small numbers; the runner turns them into bytes and store calls.
//
// Adding an op is one entry in OP_KINDS here and one executor in runner.ts.

import type { FaultOp } from '@lsm/fs';
import { Rng } from './rng.js';

/** A value, regenerated from its spec: `len` bytes from `seed`. */
export interface ValueSpec {
  len: number;
  seed: number;
}

/** One operation inside a batch. `clear` empties the batch built so far. */
export type BatchItem =
  | { kind: 'put'; key: number; value: ValueSpec }
  | { kind: 'delete'; key: number }
  | { kind: 'deleteWeak'; key: number }
  | { kind: 'merge'; key: number; operand: ValueSpec }
  | { kind: 'deleteRange'; lo: number; hi: number }
  | { kind: 'deletePrefix'; key: number; length: number }
  | { kind: 'clear' };

/** Range bounds by key number; `undefined` is unbounded. */
export interface ScanSpec {
  lo: number | undefined;
  loInclusive: boolean;
  hi: number | undefined;
  hiInclusive: boolean;
  reverse: boolean;
  limit: number | undefined;
}

/** What an injected (non-fatal) fault does: fail with an errno, or accept only `bytes` of a write. */
export type FaultSpec = { type: 'error'; code: 'EIO' | 'ENOSPC' } | { type: 'shortWrite'; bytes: number };

/** Every operation the stress tool can run. */
export type Op =
  | { kind: 'put'; key: number; value: ValueSpec; sync: boolean }
  | { kind: 'delete'; key: number; sync: boolean }
  | { kind: 'deleteWeak'; key: number; sync: boolean }
  | { kind: 'merge'; key: number; operand: ValueSpec; sync: boolean }
  /** Deletes [keyString(lo), keyString(hi)); lo === hi is the empty range (writes nothing), lo > hi must be refused. */
  | { kind: 'deleteRange'; lo: number; hi: number; sync: boolean }
  /** Deletes every key starting with the first `length` characters of keyString(key). */
  | { kind: 'deletePrefix'; key: number; length: number; sync: boolean }
  | { kind: 'batch'; items: BatchItem[]; sync: boolean }
  /** tree.ingest() of puts of these keys (the runner sorts them in byte order and drops repeats). */
  | { kind: 'ingest'; keys: number[]; values: ValueSpec[] }
  | { kind: 'get'; key: number }
  | { kind: 'multiGet'; keys: number[] }
  | { kind: 'scan'; scan: ScanSpec }
  | { kind: 'prefix'; key: number; length: number; reverse: boolean; limit: number | undefined }
  | { kind: 'snapshot' }
  | { kind: 'snapshotRead'; slot: number; key: number; scan: ScanSpec | undefined }
  | { kind: 'release'; slot: number }
  | { kind: 'iterOpen'; scan: ScanSpec }
  | { kind: 'iterStep'; slot: number; steps: number }
  /** tree.checkpoint() into a fresh directory, which is then opened and checked against the oracle. */
  | { kind: 'checkpoint' }
  /**
   * tree.changesSince(s): s is `back` of the way from the history horizon to the read seqno
   * (of the live snapshot at `snapshot`, or now); `gone`: s below the horizon instead
   * (LSM_HISTORY_GONE expected); `stopAfter`: the loop breaks after that many records.
   */
  | { kind: 'changes'; back: number; snapshot: number | undefined; gone: boolean; stopAfter: number | undefined }
  | { kind: 'flush' }
  | { kind: 'sync' }
  | { kind: 'compact' }
  | { kind: 'reopen'; crashAfterClose: boolean }
  | { kind: 'crash'; kill: { op: FaultOp; path: string | undefined; after: number } | undefined; window: number }
  | { kind: 'fault'; op: FaultOp; path: string | undefined; after: number; times: number; fault: FaultSpec; window: number; thenCrash: boolean }
  | { kind: 'corrupt'; mode: 'flip' | 'read'; table: number; at: number; mask: number; keys: number[]; after: number };

/** The kind names. */
export type OpKind = Op['kind'];

/** Parameters of a stream besides its seed (part of the replay command line). */
export interface StreamParams {
  /** On average one crash per this many ops; 0 for none. */
  crashEvery: number;
}

/** File operations a crash's kill rule can fire on (where the process dies). */
export const KILL_OPS: readonly FaultOp[] = ['write', 'sync', 'rename', 'syncDirectory', 'open', 'remove'];
/** File operations a non-fatal fault can fail. */
export const FAULT_OPS: readonly FaultOp[] = ['write', 'sync', 'rename', 'syncDirectory', 'open', 'remove', 'read', 'readDir', 'size'];
/** Path substrings a fault rule may be limited to. */
const FAULT_PATHS: readonly (string | undefined)[] = ['.sst', '.log', 'MANIFEST', 'CURRENT', '.blob', undefined];

/** Per-stream shape, drawn once from the seed. */
interface Shape {
  keySpace: number;
  hot: number;
  largeValues: boolean;
}

function key(rng: Rng, s: Shape): number {
  return rng.chance(0.6) ? rng.int(s.hot) : rng.int(s.keySpace);
}

function value(rng: Rng, s: Shape): ValueSpec {
  const r = rng.next();
  // Mostly small; sometimes larger than a block; rarely larger than a 32 KiB log block
  // (a record in several fragments).
  const len = r < 0.7 ? rng.int(40) : r < 0.97 || !s.largeValues ? rng.range(40, 1500) : rng.range(20_000, 70_000);
  return { len, seed: rng.u32() };
}

/** A merge operand: mostly a few bytes (merged values grow by every operand). */
function operand(rng: Rng): ValueSpec {
  return { len: rng.chance(0.9) ? rng.int(12) : rng.range(12, 300), seed: rng.u32() };
}

/** A range deletion's span: mostly a few keys, sometimes wide, rarely empty (lo === hi) or reversed (lo > hi). */
function span(rng: Rng, s: Shape): { lo: number; hi: number } {
  const lo = key(rng, s);
  const r = rng.next();
  if (r < 0.03) return { lo, hi: lo };
  if (r < 0.05) return { lo: lo + 1 + rng.int(5), hi: lo };
  const width = r < 0.8 ? rng.range(1, 6) : rng.range(1, Math.max(2, s.keySpace >> 1));
  return { lo, hi: Math.min(s.keySpace, lo + width) };
}

/** Prefix length of keyString(k) for a prefix deletion: 10 is one key (and its suffixed form), 9 ten keys, 8 a hundred; 4 ("key-") everything, rarely. */
function prefixLength(rng: Rng): number {
  return rng.chance(0.02) ? 4 : rng.pick([7, 8, 9, 9, 10, 10, 11]);
}

function scanSpec(rng: Rng, s: Shape): ScanSpec {
  let lo = rng.chance(0.7) ? rng.int(s.keySpace) : undefined;
  let hi = rng.chance(0.7) ? rng.int(s.keySpace) : undefined;
  if (lo !== undefined && hi !== undefined && lo > hi) [lo, hi] = [hi, lo];
  return {
    lo,
    loInclusive: rng.chance(0.5),
    hi,
    hiInclusive: rng.chance(0.5),
    reverse: rng.chance(0.5),
    limit: rng.chance(0.3) ? rng.range(0, 30) : undefined,
  };
}

function sync(rng: Rng): boolean {
  return rng.chance(0.15);
}

/** How each op kind is drawn: relative weight and a generator. `crash` is weighted by --crash-every. */
export const OP_KINDS: Record<OpKind, { weight: number; gen: (rng: Rng, s: Shape) => Op }> = {
  put: { weight: 300, gen: (r, s) => ({ kind: 'put', key: key(r, s), value: value(r, s), sync: sync(r) }) },
  delete: { weight: 60, gen: (r, s) => ({ kind: 'delete', key: key(r, s), sync: sync(r) }) },
  deleteWeak: { weight: 40, gen: (r, s) => ({ kind: 'deleteWeak', key: key(r, s), sync: sync(r) }) },
  merge: { weight: 50, gen: (r, s) => ({ kind: 'merge', key: key(r, s), operand: operand(r), sync: sync(r) }) },
  deleteRange: { weight: 10, gen: (r, s) => ({ kind: 'deleteRange', ...span(r, s), sync: sync(r) }) },
  deletePrefix: { weight: 4, gen: (r, s) => ({ kind: 'deletePrefix', key: key(r, s), length: prefixLength(r), sync: sync(r) }) },
  batch: {
    weight: 80,
    gen: (r, s) => {
      const items: BatchItem[] = [];
      const n = r.range(1, 12);
      for (let i = 0; i < n; i++) {
        const x = r.next();
        if (x < 0.55) items.push({ kind: 'put', key: key(r, s), value: value(r, s) });
        else if (x < 0.7) items.push({ kind: 'delete', key: key(r, s) });
        else if (x < 0.78) items.push({ kind: 'deleteWeak', key: key(r, s) });
        else if (x < 0.9) items.push({ kind: 'merge', key: key(r, s), operand: operand(r) });
        else if (x < 0.95) items.push({ kind: 'deleteRange', ...span(r, s) });
        else if (x < 0.97) items.push({ kind: 'deletePrefix', key: key(r, s), length: prefixLength(r) });
        else items.push({ kind: 'clear' });
      }
      return { kind: 'batch', items, sync: sync(r) };
    },
  },
  ingest: {
    weight: 6,
    gen: (r, s) => {
      const n = r.range(1, 24);
      const keys = Array.from({ length: n }, () => key(r, s));
      return { kind: 'ingest', keys, values: keys.map(() => value(r, s)) };
    },
  },
  get: { weight: 120, gen: (r, s) => ({ kind: 'get', key: key(r, s) }) },
  multiGet: { weight: 20, gen: (r, s) => ({ kind: 'multiGet', keys: Array.from({ length: r.range(1, 8) }, () => key(r, s)) }) },
  scan: { weight: 25, gen: (r, s) => ({ kind: 'scan', scan: scanSpec(r, s) }) },
  prefix: {
    weight: 10,
    gen: (r, s) => ({ kind: 'prefix', key: key(r, s), length: r.range(4, 10), reverse: r.chance(0.5), limit: r.chance(0.3) ? r.range(0, 20) : undefined }),
  },
  snapshot: { weight: 12, gen: () => ({ kind: 'snapshot' }) },
  snapshotRead: { weight: 25, gen: (r, s) => ({ kind: 'snapshotRead', slot: r.int(8), key: key(r, s), scan: r.chance(0.3) ? scanSpec(r, s) : undefined }) },
  release: { weight: 8, gen: (r) => ({ kind: 'release', slot: r.int(8) }) },
  iterOpen: { weight: 6, gen: (r, s) => ({ kind: 'iterOpen', scan: scanSpec(r, s) }) },
  iterStep: { weight: 20, gen: (r) => ({ kind: 'iterStep', slot: r.int(4), steps: r.range(1, 25) }) },
  checkpoint: { weight: 2, gen: () => ({ kind: 'checkpoint' }) },
  changes: {
    weight: 5,
    gen: (r) => ({
      kind: 'changes',
      back: r.next(),
      snapshot: r.chance(0.3) ? r.int(8) : undefined,
      gone: r.chance(0.1),
      stopAfter: r.chance(0.15) ? r.int(10) : undefined,
    }),
  },
  flush: { weight: 10, gen: () => ({ kind: 'flush' }) },
  sync: { weight: 8, gen: () => ({ kind: 'sync' }) },
  compact: { weight: 3, gen: () => ({ kind: 'compact' }) },
  reopen: { weight: 4, gen: (r) => ({ kind: 'reopen', crashAfterClose: r.chance(0.3) }) },
  crash: {
    weight: 0, // set from --crash-every
    gen: (r) => {
      // One time in seven: power loss right now, between operations. Otherwise the
      // process dies at the n-th matching file operation within the next `window` ops.
      if (r.chance(1 / 7)) return { kind: 'crash', kill: undefined, window: 0 };
      const op = r.pick(KILL_OPS);
      const path = r.chance(0.5) ? undefined : r.pick(FAULT_PATHS);
      return { kind: 'crash', kill: { op, path, after: r.int(op === 'write' ? 150 : 30) }, window: r.range(1, 60) };
    },
  },
  fault: {
    weight: 4,
    gen: (r) => {
      const f = r.next();
      const fault: FaultSpec = f < 0.15 ? { type: 'shortWrite', bytes: r.int(40) } : { type: 'error', code: f < 0.6 ? 'EIO' : 'ENOSPC' };
      const op = fault.type === 'shortWrite' ? 'write' : r.pick(FAULT_OPS);
      // thenCrash: when the window ends, close() and lose power (an app that saw errors, closed, and the machine died).
      return { kind: 'fault', op, path: r.pick(FAULT_PATHS), after: r.int(8), times: r.range(1, 3), fault, window: r.range(1, 30), thenCrash: r.chance(0.3) };
    },
  },
  corrupt: {
    weight: 2,
    gen: (r, s) => ({
      kind: 'corrupt',
      mode: r.chance(0.6) ? 'flip' : 'read',
      table: r.u32(),
      at: r.next(),
      mask: r.range(1, 255),
      keys: Array.from({ length: 12 }, () => key(r, s)),
      after: r.int(20),
    }),
  },
};

/** A stream's key space: key numbers are in [0, keySpace). */
export function streamShape(seed: number): Shape {
  const rng = new Rng(seed ^ 0x51ed270b);
  const keySpace = rng.pick([30, 300, 3000]);
  return { keySpace, hot: Math.max(5, Math.floor(keySpace / 10)), largeValues: rng.chance(0.5) };
}

/**
 * The first `count` ops of the stream for `seed`. Pure: same arguments, same ops; and
 * `generateOps(seed, m)` is a prefix of `generateOps(seed, n)` for m <= n.
 */
export function generateOps(seed: number, count: number, params: StreamParams): Op[] {
  const shape = streamShape(seed);
  const rng = new Rng(seed);
  const kinds = Object.keys(OP_KINDS) as OpKind[];
  const base = kinds.reduce((s, k) => s + OP_KINDS[k].weight, 0);
  // Crash weight so that a crash op is drawn about once per `crashEvery` ops.
  const crashWeight = params.crashEvery > 0 ? base / Math.max(1, params.crashEvery - 1) : 0;
  const weights = kinds.map((k) => (k === 'crash' ? crashWeight : OP_KINDS[k].weight));
  const total = weights.reduce((a, b) => a + b, 0);
  const ops: Op[] = [];
  for (let i = 0; i < count; i++) {
    let x = rng.next() * total;
    let k = 0;
    while (k < kinds.length - 1 && x >= weights[k]!) x -= weights[k++]!;
    ops.push(OP_KINDS[kinds[k]!].gen(rng, shape));
  }
  return ops;
}

/** Key number `i` as text: "key-000042", some with a suffix so lengths vary (ASCII only). */
export function keyString(i: number): string {
  const base = `key-${String(i).padStart(6, '0')}`;
  return i % 5 === 0 ? `${base}-${'x'.repeat(i % 37)}` : base;
}

/** Key number `i` as bytes. */
export function keyBytes(i: number): Uint8Array {
  return new TextEncoder().encode(keyString(i));
}

/** A one-line description of an op, for failure reports. */
export function describeOp(op: Op): string {
  return JSON.stringify(op, (k, v) => (k === 'items' && Array.isArray(v) && v.length > 6 ? `${v.length} items` : v));
}
