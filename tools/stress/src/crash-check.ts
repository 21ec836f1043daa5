// The recovery check, run after every reopen (after a crash or a clean close). With R the
// recovered seqno, it requires:
//   1. R >= the last write acknowledged as durable (nothing durable was lost);
//   2. R <= the last seqno any call used (nothing was invented);
//   3. R is the end of some write call (a batch is all or nothing);
//   4. the store holds exactly the acknowledged writes up to R, plus, for each write call
//      that failed with LSM_IO after taking seqnos <= R, either all of it or none of it:
//      the failed calls' fates are solved for (a small search), and must explain every
//      key at once. This covers every kind of write: a failed range deletion must have
//      deleted all the keys it covers or none, and merge operands of failed calls fold
//      into a key's value exactly when their calls came back.
// With FIFO compaction the store may also have dropped its oldest writes: the contents must
// then be explained by the writes above a watermark W no lower than before (fifo-floor.ts).
// It then settles the oracle: writes above R are forgotten, failed calls become present
// or absent, so later checks have one right answer again.

import type { Tree } from '@lsm/engine';
import { keyText, showValue } from './compare.js';
import { lowestFloor } from './fifo-floor.js';
import { StressFailure } from './failure.js';
import { Oracle, type PendingBatch, sameValue } from './oracle.js';

/** What the runner knows about the writes before the reopen. */
export interface RecoveryBounds {
  /** Every acknowledged write with seqno <= this was durable. */
  durable: number;
  /** The largest seqno any write call used. */
  attempted: number;
  /** Seqnos at which a write call ended (plus the seqno the store was last recovered at). */
  batchEnds: ReadonlySet<number>;
  /** FIFO: the oldest writes may have been dropped; the watermark is inferred (fifo-floor.ts). */
  fifo?: boolean;
}

/** Search steps allowed when solving for the fates of failed writes. */
const SEARCH_BUDGET = 200_000;

/** Every visible pair of the store, by key. */
export function observe(tree: { range(): IterableIterator<[Uint8Array, Uint8Array]> & { close?: () => void } }): Map<string, Uint8Array> {
  const out = new Map<string, Uint8Array>();
  const it = tree.range();
  try {
    for (const [k, v] of it) out.set(keyText(k), v);
  } finally {
    if (typeof it.close === 'function') it.close();
    else it.return?.();
  }
  return out;
}

/**
 * Checks the reopened `tree` against `oracle` and settles the oracle at the recovered
 * seqno. Throws StressFailure (with the count of acknowledged writes lost) on any breach.
 */
export function checkRecovery(tree: Tree, oracle: Oracle, b: RecoveryBounds, what: string): void {
  const r = tree.seqno;
  if (r < b.durable) {
    const lost = oracle.ackedBetween(r, b.durable);
    throw new StressFailure(`${what}: recovered seqno ${r} is below the last durable write ${b.durable}: ${lost} acknowledged durable writes lost`, lost);
  }
  if (r > b.attempted) throw new StressFailure(`${what}: recovered seqno ${r} is above the last seqno ever used (${b.attempted})`);
  if (!b.batchEnds.has(r)) throw new StressFailure(`${what}: recovered seqno ${r} is inside a write batch (not all or nothing)`);
  oracle.truncateAfter(r);
  const observed = observe(tree);
  const candidates = new Set<string>([...oracle.keys, ...observed.keys()]);

  // Failed writes that could change what a key shows: newer than the key's newest certain
  // put, delete or covering range deletion (merge operands hide nothing). A failed range
  // deletion can change every key it covers.
  const relevant: { batch: PendingBatch; keys: string[] }[] = [];
  const affected = new Set<string>();
  for (const batch of oracle.pendingBatches()) {
    const keys = new Set<string>();
    for (const it of batch.items) {
      const covered = it.kind === 'deleteRange' ? Oracle.keysIn(candidates, it.key, it.end!) : [it.key];
      for (const k of covered) if (it.ord > oracle.newestCertainBase(k)) keys.add(k);
    }
    if (keys.size === 0) {
      oracle.resolve(batch.id, false); // hidden under later writes either way
      continue;
    }
    relevant.push({ batch, keys: [...keys] });
    for (const k of keys) affected.add(k);
  }

  // FIFO: the writes at or below a watermark at least the previous one are gone; the keys no
  // failed write could explain decide it.
  if (b.fifo === true) {
    const w = lowestFloor(oracle, [{ observed, seq: r }], oracle.floor, affected);
    if (w === undefined) throw new StressFailure(`${what}: no FIFO watermark >= ${oracle.floor} explains the contents at recovered seqno ${r} (a FIFO drop only removes the oldest writes)`);
    oracle.floor = w;
  }

  // Keys no failed write could explain must match the acknowledged writes exactly.
  let lost = 0;
  const problems: string[] = [];
  for (const k of candidates) {
    if (affected.has(k)) continue;
    const want = oracle.get(k, r);
    const got = observed.get(k);
    if (!sameValue(got, want)) {
      if (want !== undefined) lost++;
      if (problems.length < 5) problems.push(`${k}: got ${showValue(got)}, expected ${showValue(want)}`);
    }
  }
  if (problems.length > 0) {
    throw new StressFailure(`${what}: contents at recovered seqno ${r} differ from the acknowledged writes (${problems.join('; ')})`, lost);
  }

  // Solve for the failed writes' fates: newest first, each present or absent; once the last
  // failed call touching a key is decided, the key's value under the chosen fates (merge
  // operands of several calls fold together) must be what the store shows.
  const lastIndex = new Map<string, number>();
  relevant.forEach((x, i) => {
    for (const k of x.keys) lastIndex.set(k, i);
  });
  const settles: string[][] = relevant.map(() => []);
  for (const [k, i] of lastIndex) settles[i]!.push(k);
  const present = new Set<number>();
  let steps = 0;
  const consistent = (i: number): boolean => settles[i]!.every((k) => sameValue(observed.get(k), oracle.valueWith(k, r, present)));
  const solve = (i: number): boolean => {
    if (++steps > SEARCH_BUDGET) throw new StressFailure(`${what}: too many failed writes (${relevant.length}) to decide their fates`);
    if (i === relevant.length) return true;
    const id = relevant[i]!.batch.id;
    present.add(id);
    if (consistent(i) && solve(i + 1)) return true;
    present.delete(id);
    return consistent(i) && solve(i + 1);
  };
  if (!solve(0)) {
    const details = [...affected].slice(0, 5).map((k) => `${k}: got ${showValue(observed.get(k))}, acknowledged ${showValue(oracle.get(k, r))}`);
    let missing = 0;
    for (const k of affected) if (oracle.get(k, r) !== undefined && !sameValue(observed.get(k), oracle.get(k, r))) missing++;
    throw new StressFailure(
      `${what}: no all-or-nothing choice of the ${relevant.length} failed write calls explains the contents at seqno ${r} (${details.join('; ')})`,
      missing,
    );
  }
  for (const x of relevant) oracle.resolve(x.batch.id, present.has(x.batch.id));
}
