// The oracle: every write the run made, with its seqno and what the store said about it.
// Point writes (put, delete, weak delete, merge operand) are kept per key; range deletions
// (deleteRange, and deletePrefix as the range [prefix, successor(prefix))) are kept in one
// list, since each covers many keys. A write is `acked` (its call returned: visible now,
// durable once a later sync point passes), `failed` (its call threw LSM_IO after using up
// seqnos: invisible now, but its log record may have reached the disk, so it may reappear
// after a reopen), or, once a reopen has shown whether it came back, `present` or `absent`.
//
// A write call (a batch) takes one seqno for all its operations, which apply in order:
// each recorded write also has an `ord`, its place in the order of all writes (seqno,
// then position in its batch). A read of key k as of seqno S has exactly one right
// answer, built from the visible writes at or below S: walk k's point writes newest first,
// collecting merge operands, until the first put (the base is its value), point delete,
// or a write before the newest visible range deletion covering k (the base is "nothing");
// the answer is the base when there are no operands, else the merge operator's fold of
// the operands (oldest first) onto the base. A range deletion deletes every version of
// every key in [start, end) written before it (older batches, and the operations of its
// own batch before it), and nothing written after it.
//
// `floor` is for FIFO compaction, which drops the oldest tables whole: writes with seqno
// <= floor are gone from the store, and reads are built from the writes above it only
// (fifo-floor.ts infers the floor from what the store shows). It is 0 everywhere else.
// Keys are ASCII strings (the stress tool's keys are), so string order is bytewise order.

import type { MergeFold } from './merge-model.js';

/** What a write did. A weak delete reads as a delete; `deleteRange` covers [key, end). */
export type WriteKind = 'put' | 'delete' | 'deleteWeak' | 'merge' | 'deleteRange';

/** Whether and how a write call ended. */
type Status = 'acked' | 'failed' | 'present' | 'absent';

/** One write: a point write of a key, or a range deletion of [key, end). */
interface Version {
  readonly seq: number;
  /** Place in the order of every write: seqno, then position in its batch. */
  readonly ord: number;
  readonly kind: WriteKind;
  /** The put's value or the merge's operand. */
  readonly value: Uint8Array | undefined;
  status: Status;
  readonly batch: number;
}

/** A range deletion of [start, end). */
interface RangeVersion extends Version {
  readonly start: string;
  readonly end: string;
}

/** One operation of a write call, as the oracle records it. `end` is set for deleteRange only. */
export interface WriteItem {
  key: string;
  kind: WriteKind;
  value: Uint8Array | undefined;
  end?: string;
}

/** A failed write call whose fate is decided at the next reopen. */
export interface PendingBatch {
  readonly id: number;
  /** The batch's seqno (every item carries it). */
  readonly seq: number;
  readonly items: readonly (WriteItem & { seq: number; ord: number })[];
}

/** Which failed calls to count as present when evaluating a key (the fate solver's guess). */
export type Fates = ReadonlySet<number>;

const NO_FATES: Fates = new Set();

/** Bytewise equality of two optional values. */
export function sameValue(a: Uint8Array | undefined, b: Uint8Array | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  return a.length === b.length && Buffer.from(a.buffer, a.byteOffset, a.length).equals(b);
}

/** Lower bound of `key` in the sorted list. */
function lowerBound(list: readonly string[], key: string): number {
  let lo = 0;
  let hi = list.length;
  while (lo < hi) {
    const m = (lo + hi) >>> 1;
    if (list[m]! < key) lo = m + 1;
    else hi = m;
  }
  return lo;
}

/** The smallest string greater than every string starting with `prefix` (ASCII, non-empty). */
export function prefixEnd(prefix: string): string {
  if (prefix.length === 0) throw new Error('prefixEnd of the empty prefix');
  return prefix.slice(0, -1) + String.fromCharCode(prefix.charCodeAt(prefix.length - 1) + 1);
}

function visible(v: Version, fates: Fates): boolean {
  return v.status === 'acked' || v.status === 'present' || (v.status === 'failed' && fates.has(v.batch));
}

/** Every write of the run, and the answers reads must give. */
export class Oracle {
  private readonly versions = new Map<string, Version[]>();
  /** Range deletions in seqno order. */
  private readonly ranges: RangeVersion[] = [];
  private readonly sorted: string[] = [];
  private readonly pending = new Map<number, PendingBatch>();
  private nextBatch = 1;
  private nextOrd = 1;
  /** Writes with seqno <= this were dropped (FIFO); 0 when nothing was. */
  floor = 0;

  /** `fold` is the merge operator's semantics (needed once a merge operand is recorded). */
  constructor(private readonly fold?: MergeFold) {}

  /** Records one write call (acked or failed): all its items at seqno `seq`, applied in order. */
  record(items: readonly WriteItem[], seq: number, acked: boolean): void {
    const id = this.nextBatch++;
    const recorded: (WriteItem & { seq: number; ord: number })[] = [];
    const status: Status = acked ? 'acked' : 'failed';
    items.forEach((it) => {
      const ord = this.nextOrd++;
      if (it.kind === 'deleteRange') {
        if (it.end === undefined || !(it.key < it.end)) throw new Error(`oracle: range deletion [${it.key}, ${it.end}) is empty`);
        this.ranges.push({ seq, ord, kind: 'deleteRange', value: undefined, status, batch: id, start: it.key, end: it.end });
        recorded.push({ key: it.key, kind: it.kind, value: undefined, end: it.end, seq, ord });
        return;
      }
      let list = this.versions.get(it.key);
      if (list === undefined) {
        list = [];
        this.versions.set(it.key, list);
        this.sorted.splice(lowerBound(this.sorted, it.key), 0, it.key);
      }
      const value = it.kind === 'put' || it.kind === 'merge' ? it.value : undefined;
      list.push({ seq, ord, kind: it.kind, value, status, batch: id });
      recorded.push({ key: it.key, kind: it.kind, value, seq, ord });
    });
    if (!acked && items.length > 0) this.pending.set(id, { id, seq, items: recorded });
  }

  /** `ord` of the newest range deletion covering `key` at or below seqno `seq` that `ok` accepts, or -1. */
  private coveringRange(key: string, seq: number, ok: (v: Version) => boolean): number {
    for (let i = this.ranges.length - 1; i >= 0; i--) {
      const r = this.ranges[i]!;
      if (r.seq <= seq && r.start <= key && key < r.end && ok(r)) return r.ord;
    }
    return -1;
  }

  /**
   * The value a read as of `seq` must return, counting the failed calls in `fates` as
   * present and writes at or below `floor` (default: the oracle's) as dropped.
   */
  valueWith(key: string, seq: number, fates: Fates, floor = this.floor): Uint8Array | undefined {
    const ok = (v: Version): boolean => v.seq > floor && visible(v, fates);
    const deletedBelow = this.coveringRange(key, seq, ok);
    const list = this.versions.get(key) ?? [];
    const operands: Uint8Array[] = [];
    let base: Uint8Array | undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i]!;
      if (v.seq <= floor || v.ord < deletedBelow) break;
      if (v.seq > seq || !ok(v)) continue;
      if (v.kind === 'merge') {
        operands.push(v.value!);
        continue;
      }
      base = v.kind === 'put' ? v.value : undefined;
      break;
    }
    if (operands.length === 0) return base;
    if (this.fold === undefined) throw new Error(`oracle: key ${key} has merge operands but no merge fold was given`);
    return this.fold(base, operands.reverse());
  }

  /** The value a read as of `seq` must return. */
  get(key: string, seq: number): Uint8Array | undefined {
    return this.valueWith(key, seq, NO_FATES);
  }

  /**
   * `ord` of the newest certain (acked or present) write that hides everything older from
   * `key`: a put, a point delete or a covering range deletion (merge operands hide
   * nothing). -1 when there is none. A failed write before this cannot change the key.
   */
  newestCertainBase(key: string): number {
    const certain = (v: Version): boolean => v.seq > this.floor && (v.status === 'acked' || v.status === 'present');
    let best = this.coveringRange(key, Number.POSITIVE_INFINITY, certain);
    const list = this.versions.get(key) ?? [];
    for (let i = list.length - 1; i >= 0 && list[i]!.ord > best; i--) {
      const v = list[i]!;
      if (v.kind !== 'merge' && certain(v)) best = v.ord;
    }
    return best;
  }

  /**
   * The visible pairs as of `seq` between the bounds (undefined: unbounded), in key order
   * or reversed, at most `limit`, optionally only keys starting with `prefix`.
   */
  scan(
    seq: number,
    lo: string | undefined,
    loInclusive: boolean,
    hi: string | undefined,
    hiInclusive: boolean,
    reverse: boolean,
    limit: number | undefined,
    prefix?: string,
  ): [string, Uint8Array][] {
    const out: [string, Uint8Array][] = [];
    const max = limit ?? Number.POSITIVE_INFINITY;
    if (max === 0) return out;
    const keys = this.sorted;
    const inRange = (k: string): boolean => {
      if (lo !== undefined && (k < lo || (k === lo && !loInclusive))) return false;
      if (hi !== undefined && (k > hi || (k === hi && !hiInclusive))) return false;
      return prefix === undefined || k.startsWith(prefix);
    };
    const start = lo === undefined ? 0 : lowerBound(keys, lo);
    if (!reverse) {
      for (let i = start; i < keys.length && out.length < max; i++) {
        const k = keys[i]!;
        if (hi !== undefined && k > hi) break;
        if (!inRange(k)) continue;
        const v = this.get(k, seq);
        if (v !== undefined) out.push([k, v]);
      }
    } else {
      const end = hi === undefined ? keys.length : Math.min(keys.length, lowerBound(keys, hi) + 1);
      for (let i = end - 1; i >= start && out.length < max; i--) {
        const k = keys[i]!;
        if (!inRange(k)) continue;
        const v = this.get(k, seq);
        if (v !== undefined) out.push([k, v]);
      }
    }
    return out;
  }

  /**
   * The newest visible change of `key` with a seqno in (from, to] (writes at or below the
   * floor are gone): `point` (a put, a merge operand or a deletion, with its kind) or
   * `range` (a range deletion over the key, later in the order of writes than any point
   * write); undefined when nothing changed the key in that window. What changesSince must
   * report for the key: a record of its own for `point`, none for `range`.
   */
  newestChange(key: string, from: number, to: number): { by: 'point'; seq: number; kind: WriteKind } | { by: 'range'; seq: number } | undefined {
    const inWindow = (v: Version): boolean => v.seq > from && v.seq <= to && v.seq > this.floor && visible(v, NO_FATES);
    let rangeOrd = -1;
    let rangeSeq = 0;
    for (const r of this.ranges) {
      if (r.start <= key && key < r.end && inWindow(r) && r.ord > rangeOrd) {
        rangeOrd = r.ord;
        rangeSeq = r.seq;
      }
    }
    const list = this.versions.get(key) ?? [];
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i]!;
      if (!inWindow(v)) continue;
      if (v.ord > rangeOrd) return { by: 'point', seq: v.seq, kind: v.kind };
      break;
    }
    return rangeOrd < 0 ? undefined : { by: 'range', seq: rangeSeq };
  }

  /** The visible range deletions written at seqno `seq` (above the floor), as [start, end) pairs. */
  rangesAt(seq: number): [string, string][] {
    return this.ranges.filter((r) => r.seq === seq && r.seq > this.floor && visible(r, NO_FATES)).map((r) => [r.start, r.end]);
  }

  /** Seqnos of every write that can change `key` (its point writes and covering range deletions), ascending. */
  seqsOf(key: string): number[] {
    const out = (this.versions.get(key) ?? []).map((v) => v.seq);
    for (const r of this.ranges) if (r.start <= key && key < r.end) out.push(r.seq);
    return out.sort((a, b) => a - b);
  }

  /** Every key ever written by a point write, in order. */
  get keys(): readonly string[] {
    return this.sorted;
  }

  /** The keys among `candidates` in [start, end). */
  static keysIn(candidates: Iterable<string>, start: string, end: string): string[] {
    const out: string[] = [];
    for (const k of candidates) if (start <= k && k < end) out.push(k);
    return out;
  }

  /**
   * Whether a weak (single) delete of `key` is well-defined now: the key's newest write is
   * one acknowledged put, and the write before it (if any) is an acknowledged deletion
   * (point delete, weak delete, or a range deletion covering the key). A merge operand, a
   * failed or an undecided write in between makes it unsafe (a merge is one more version
   * under the put's name; a failed write may be a hidden extra version). Of a key's writes
   * in one batch the store keeps only the last (the later one wins, merges fold into it),
   * so only that one counts. `extra` are the items of the batch being built: when one of
   * them touches the key, the weak delete would replace it in the batch: refused.
   */
  weakDeleteSafe(key: string, extra: readonly WriteItem[] = []): boolean {
    if (extra.some((e) => (e.kind === 'deleteRange' ? e.key <= key && key < e.end! : e.key === key))) return false;
    const all: { seq: number; ord: number; kind: WriteKind; status: Status }[] = [];
    for (const v of this.versions.get(key) ?? []) all.push(v);
    for (const r of this.ranges) if (r.start <= key && key < r.end) all.push(r);
    all.sort((a, b) => a.ord - b.ord);
    const history = all.filter((v, i) => i + 1 === all.length || all[i + 1]!.seq !== v.seq);
    const last = history[history.length - 1];
    const before = history[history.length - 2];
    if (last === undefined || last.kind !== 'put' || last.status !== 'acked') return false;
    return before === undefined || (before.status === 'acked' && (before.kind === 'delete' || before.kind === 'deleteWeak' || before.kind === 'deleteRange'));
  }

  /** Forgets every write with seqno > `seq` (what a crash lost, or never happened). */
  truncateAfter(seq: number): void {
    for (const list of this.versions.values()) {
      while (list.length > 0 && list[list.length - 1]!.seq > seq) list.pop();
    }
    while (this.ranges.length > 0 && this.ranges[this.ranges.length - 1]!.seq > seq) this.ranges.pop();
    for (const [id, b] of this.pending) if (b.seq > seq) this.pending.delete(id);
  }

  /** Failed write calls not yet decided, newest first. */
  pendingBatches(): PendingBatch[] {
    return [...this.pending.values()].sort((a, b) => b.seq - a.seq);
  }

  /** Decides a failed write call: it came back after the reopen (present) or not (absent). */
  resolve(id: number, present: boolean): void {
    const b = this.pending.get(id);
    if (b === undefined) return;
    this.pending.delete(id);
    const status: Status = present ? 'present' : 'absent';
    for (const it of b.items) {
      const v = it.kind === 'deleteRange' ? this.ranges.find((x) => x.ord === it.ord) : this.versions.get(it.key)?.find((x) => x.ord === it.ord);
      if (v !== undefined) v.status = status;
    }
  }

  /** Acknowledged writes with seqno in (from, to]: what a recovery that stopped at `from` lost. */
  ackedBetween(from: number, to: number): number {
    let n = 0;
    const count = (v: Version): void => {
      if (v.status === 'acked' && v.seq > from && v.seq <= to) n++;
    };
    for (const list of this.versions.values()) list.forEach(count);
    this.ranges.forEach(count);
    return n;
  }
}
