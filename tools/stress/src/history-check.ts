// changesSince checked against the oracle's history. A call changesSince(s) (as of now, or
// of a live snapshot) must, by the engine's contract (packages/engine/README.md, "Change
// capture"):
// - refuse s below the store's history horizon with LSM_HISTORY_GONE, and answer for any s
//   from the horizon to the read seqno;
// - give point records in strictly ascending key order, each with a seqno in (s, read];
// - give, for every key whose newest change in the window is a point write, one record:
//   `put` (with the value the key has at the read seqno) for a put or merge operand,
//   `delete` for a deletion, carrying that write's seqno; and no record of its own for a
//   key whose newest change is a range deletion, or that did not change;
// - give range records that each lie inside the range deletions written at their seqno;
// - and, applied in order to the oracle's state at s, give the oracle's state at the read
//   seqno exactly.
// A loop that breaks early (`stopAfter`) checks the records it saw and closes the iterator.

import { type Change, LsmError } from '@lsm/engine';
import { keyText, showValue } from './compare.js';
import { StressFailure, describeError } from './failure.js';
import type { Op } from './ops.js';
import { sameValue } from './oracle.js';
import type { Runner } from './runner.js';

type ChangesOp = Extract<Op, { kind: 'changes' }>;

/** Every visible pair as of `seq`, by key, from the oracle. */
function stateAt(r: Runner, seq: number): Map<string, Uint8Array> {
  return new Map(r.oracle.scan(seq, undefined, true, undefined, true, false, undefined));
}

/** Whether [start, end) lies inside the union of `ranges`. */
function covered(start: string, end: string, ranges: [string, string][]): boolean {
  let at = start;
  for (const [lo, hi] of ranges.slice().sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0))) {
    if (lo > at) break;
    if (hi > at) at = hi;
    if (at >= end) return true;
  }
  return at >= end;
}

/** Runs one changesSince call and checks it against the oracle. */
export function checkChanges(r: Runner, op: ChangesOp): void {
  const tree = r.tree!;
  const snap = op.snapshot === undefined ? undefined : r.snapshotAt(op.snapshot);
  const read = snap?.seqno ?? tree.seqno;
  const horizon = tree.stats().historyHorizon;
  const opts = snap === undefined ? undefined : { snapshot: snap.snap };

  if (op.gone) {
    if (horizon === 0) return;
    const since = Math.floor(op.back * horizon); // in [0, horizon)
    let err: unknown;
    try {
      tree.changesSince(since, opts).close();
    } catch (e) {
      err = e;
    }
    if (!(err instanceof LsmError && err.code === 'LSM_HISTORY_GONE')) {
      throw new StressFailure(`changesSince(${since}) below the history horizon ${horizon}: expected LSM_HISTORY_GONE, got ${err === undefined ? 'an answer' : describeError(err)}`);
    }
    r.stats.historyGone++;
    return;
  }

  if (horizon > read) return; // a snapshot older than the horizon: no seqno to ask from
  const since = Math.min(read, horizon + Math.floor(op.back * (read - horizon + 1)));
  const what = `changesSince(${since})${snap === undefined ? '' : ` with the snapshot at ${read}`}`;
  const records: Change[] = [];
  try {
    const it = tree.changesSince(since, opts);
    try {
      for (const c of it) {
        records.push(c);
        if (op.stopAfter !== undefined && records.length >= op.stopAfter) break;
      }
    } finally {
      it.close();
    }
  } catch (err) {
    // The background work run at the call may have raised the horizon past `since`.
    if (err instanceof LsmError && err.code === 'LSM_HISTORY_GONE' && tree.stats().historyHorizon > since) {
      r.stats.historyGone++;
      return;
    }
    throw err;
  }
  r.stats.changeScans++;
  r.stats.changeRecords += records.length;
  r.read();

  // Each record on its own.
  let lastKey: string | undefined;
  for (const [i, c] of records.entries()) {
    if (!(c.seqno > since && c.seqno <= read)) throw new StressFailure(`${what}: record ${i} has seqno ${c.seqno}, outside (${since}, ${read}]`, 0, true);
    if (c.type === 'deleteRange') {
      const start = keyText(c.start);
      const end = keyText(c.end);
      if (!(start < end) || !covered(start, end, r.oracle.rangesAt(c.seqno))) {
        throw new StressFailure(`${what}: record ${i} deletes [${start}, ${end}) at seqno ${c.seqno}, which no range deletion written then covers`, 0, true);
      }
      continue;
    }
    const k = keyText(c.key);
    if (lastKey !== undefined && !(k > lastKey)) throw new StressFailure(`${what}: record ${i} (${k}) is not after the previous point record (${lastKey})`, 0, true);
    lastKey = k;
    const want = r.oracle.newestChange(k, since, read);
    if (want === undefined || want.by !== 'point') {
      throw new StressFailure(`${what}: record ${i} is a ${c.type} of ${k} at seqno ${c.seqno}, but ${want === undefined ? 'the key did not change' : `its newest change is a range deletion at ${want.seq}`}`, 0, true);
    }
    const type = want.kind === 'put' || want.kind === 'merge' ? 'put' : 'delete';
    if (c.type !== type || c.seqno !== want.seq) {
      throw new StressFailure(`${what}: record ${i} is a ${c.type} of ${k} at seqno ${c.seqno}, expected a ${type} at ${want.seq} (a ${want.kind})`, 0, true);
    }
    if (c.type === 'put') {
      const value = r.oracle.get(k, read);
      if (!sameValue(c.value, value)) throw new StressFailure(`${what}: put of ${k} carries ${showValue(c.value)}, the value at ${read} is ${showValue(value)}`, 0, true);
    }
  }
  if (op.stopAfter !== undefined && records.length >= op.stopAfter) return; // broke early

  // Completeness: every key whose newest change is a point write has its record.
  const reported = new Set<string>();
  for (const c of records) if (c.type !== 'deleteRange') reported.add(keyText(c.key));
  for (const k of r.oracle.keys) {
    if (reported.has(k)) continue;
    const want = r.oracle.newestChange(k, since, read);
    if (want?.by === 'point') throw new StressFailure(`${what}: no record for ${k}, whose newest change is a ${want.kind} at seqno ${want.seq}`, 0, true);
  }

  // Applying the records to the state at `since` gives the state at `read`.
  const replica = stateAt(r, since);
  for (const c of records) {
    if (c.type === 'put') replica.set(keyText(c.key), c.value);
    else if (c.type === 'delete') replica.delete(keyText(c.key));
    else {
      const start = keyText(c.start);
      const end = keyText(c.end);
      for (const k of [...replica.keys()]) if (start <= k && k < end) replica.delete(k);
    }
  }
  const want = stateAt(r, read);
  const problems: string[] = [];
  for (const k of new Set([...replica.keys(), ...want.keys()])) {
    if (!sameValue(replica.get(k), want.get(k)) && problems.length < 5) problems.push(`${k}: replica has ${showValue(replica.get(k))}, the store ${showValue(want.get(k))}`);
  }
  if (problems.length > 0) throw new StressFailure(`${what}: applying the ${records.length} records to the state at ${since} does not give the state at ${read} (${problems.join('; ')})`, 0, true);
}
