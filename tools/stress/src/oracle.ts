// The oracle: every write the run made, per key, with its seqno and what the store said
// about it. A write is `acked` (its call returned: visible now, durable once a later sync
// point passes), `failed` (its call threw LSM_IO after using up seqnos: invisible now, but
// its log record may have reached the disk, so it may reappear after a reopen), or, once
// a reopen has shown whether it came back, `present` or `absent`. Reads at any seqno have
// exactly one right answer: the newest acked-or-present version at or below that seqno.
// Keys are ASCII strings (the stress tool's keys are), so string order is bytewise order.

/** What a write did to its key. A weak delete reads as a delete. */
export type WriteKind = 'put' | 'delete' | 'deleteWeak';

/** One write of a key. */
interface Version {
  readonly seq: number;
  readonly kind: WriteKind;
  readonly value: Uint8Array | undefined;
  status: 'acked' | 'failed' | 'present' | 'absent';
  readonly batch: number;
}

/** One operation of a write call, as the oracle records it. */
export interface WriteItem {
  key: string;
  kind: WriteKind;
  value: Uint8Array | undefined;
}

/** A failed write call whose fate is decided at the next reopen. */
export interface PendingBatch {
  readonly id: number;
  readonly first: number;
  readonly last: number;
  readonly items: readonly { key: string; seq: number; kind: WriteKind; value: Uint8Array | undefined }[];
}

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

/** Every write of the run, and the answers reads must give. */
export class Oracle {
  private readonly versions = new Map<string, Version[]>();
  private readonly sorted: string[] = [];
  private readonly pending = new Map<number, PendingBatch>();
  private nextBatch = 1;

  /** Records one write call that used seqnos first, first+1, ... (acked or failed). */
  record(items: readonly WriteItem[], first: number, acked: boolean): void {
    const id = this.nextBatch++;
    const recorded: PendingBatch['items'][number][] = [];
    items.forEach((it, i) => {
      let list = this.versions.get(it.key);
      if (list === undefined) {
        list = [];
        this.versions.set(it.key, list);
        this.sorted.splice(lowerBound(this.sorted, it.key), 0, it.key);
      }
      const value = it.kind === 'put' ? it.value : undefined;
      list.push({ seq: first + i, kind: it.kind, value, status: acked ? 'acked' : 'failed', batch: id });
      recorded.push({ key: it.key, seq: first + i, kind: it.kind, value });
    });
    if (!acked && items.length > 0) this.pending.set(id, { id, first, last: first + items.length - 1, items: recorded });
  }

  /** The value a read as of `seq` must return. */
  get(key: string, seq: number): Uint8Array | undefined {
    const list = this.versions.get(key);
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i]!;
      if (v.seq <= seq && (v.status === 'acked' || v.status === 'present')) return v.value;
    }
    return undefined;
  }

  /** The value as of `seq` counting acked writes only (what reopen must show without failed writes). */
  ackedValue(key: string, seq: number): Uint8Array | undefined {
    const list = this.versions.get(key);
    if (list === undefined) return undefined;
    for (let i = list.length - 1; i >= 0; i--) {
      const v = list[i]!;
      if (v.seq <= seq && v.status !== 'failed' && v.status !== 'absent') return v.value;
    }
    return undefined;
  }

  /** Seqno of the newest version of `key` that is not failed/absent, or -1. */
  newestCertainSeq(key: string): number {
    const list = this.versions.get(key) ?? [];
    for (let i = list.length - 1; i >= 0; i--) if (list[i]!.status === 'acked' || list[i]!.status === 'present') return list[i]!.seq;
    return -1;
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

  /** Every key ever written, in order. */
  get keys(): readonly string[] {
    return this.sorted;
  }

  /**
   * Whether a weak (single) delete of `key` is well-defined now: the key's newest write is
   * one acknowledged put, and the write before it (if any) is an acknowledged delete. Any
   * failed or undecided write in between makes it unsafe (it may be a hidden extra version).
   */
  weakDeleteSafe(key: string, extra: readonly WriteItem[] = []): boolean {
    const list: { kind: WriteKind; status: string }[] = [...(this.versions.get(key) ?? [])];
    for (const e of extra) if (e.key === key) list.push({ kind: e.kind, status: 'acked' });
    const last = list[list.length - 1];
    const before = list[list.length - 2];
    if (last === undefined || last.kind !== 'put' || last.status !== 'acked') return false;
    return before === undefined || (before.kind !== 'put' && before.status === 'acked');
  }

  /** Forgets every write with seqno > `seq` (what a crash lost, or never happened). */
  truncateAfter(seq: number): void {
    for (const list of this.versions.values()) {
      while (list.length > 0 && list[list.length - 1]!.seq > seq) list.pop();
    }
    for (const [id, b] of this.pending) if (b.first > seq) this.pending.delete(id);
  }

  /** Failed write calls not yet decided, newest first. */
  pendingBatches(): PendingBatch[] {
    return [...this.pending.values()].sort((a, b) => b.first - a.first);
  }

  /** Decides a failed write call: it came back after the reopen (present) or not (absent). */
  resolve(id: number, present: boolean): void {
    const b = this.pending.get(id);
    if (b === undefined) return;
    this.pending.delete(id);
    for (const it of b.items) {
      const v = this.versions.get(it.key)?.find((x) => x.seq === it.seq);
      if (v !== undefined) v.status = present ? 'present' : 'absent';
    }
  }

  /** Acknowledged writes with seqno in (from, to]: what a recovery that stopped at `from` lost. */
  ackedBetween(from: number, to: number): number {
    let n = 0;
    for (const list of this.versions.values()) for (const v of list) if (v.status === 'acked' && v.seq > from && v.seq <= to) n++;
    return n;
  }
}
