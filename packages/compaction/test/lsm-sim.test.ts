// Leveled + runCompaction driven like the engine drives them: random writes (all entry
// types, WeakTombstone contract kept), snapshots taken and released, flushes to L0, and
// after each flush "pick, execute (or move), install" until the strategy is satisfied;
// finally a major compaction. After every step: the level invariants hold, every key's
// versions appear newest-first in read order (L0 newest first, then L1, L2, ...), and a
// read of every key at every snapshot and "now" equals the read of the full history.

import { describe, expect, it } from 'vitest';
import { compareBytes, MAX_SEQNO, ValueType, type Entry } from '@lsm/sstable';
import { Leveled, runCompaction, type CompactionPlan, type TableMeta } from '../src/index.js';
import { read, sameRead } from './gc-oracle.js';
import { TestDb } from './harness.js';
import { b, BASE_SEED, key, Rng, s, withSeed } from './helpers.js';

const NUM_LEVELS = 5;

class Sim {
  readonly db = new TestDb();
  readonly levels: TableMeta[][] = Array.from({ length: NUM_LEVELS }, () => []);
  /** Table id -> its entries by user key (newest first). */
  readonly contents = new Map<number, Map<string, Entry[]>>();
  readonly hist = new Map<string, Entry[]>();
  mem: Entry[] = [];
  seq = 0;
  snapshots: number[] = [];
  compactions = 0;
  trivialMoves = 0;
  private readonly values = new Map<string, number>();
  private readonly merges = new Map<string, number>();

  constructor(
    readonly rng: Rng,
    readonly strategy: Leveled,
    readonly nKeys: number,
  ) {}

  write(): void {
    const rng = this.rng;
    const k = key(rng.int(this.nKeys));
    const ks = s(k);
    let type = rng.pick([ValueType.Value, ValueType.Value, ValueType.Value, ValueType.Merge, ValueType.Tombstone, ValueType.WeakTombstone, ValueType.Indirection]);
    const vals = this.values.get(ks) ?? 0;
    const mrg = this.merges.get(ks) ?? 0;
    if (type === ValueType.WeakTombstone && (vals > 1 || mrg > 0)) type = ValueType.Value;
    if (type === ValueType.Value || type === ValueType.Indirection) this.values.set(ks, vals + 1);
    else if (type === ValueType.Merge) this.merges.set(ks, mrg + 1);
    else {
      this.values.set(ks, 0);
      this.merges.set(ks, 0);
    }
    const seqno = ++this.seq;
    const deletion = type === ValueType.Tombstone || type === ValueType.WeakTombstone;
    const e: Entry = { userKey: k, seqno, type, value: deletion ? new Uint8Array(0) : b(`${seqno}`.padEnd(rng.range(8, 90), '.')) };
    this.mem.push(e);
    if (!this.hist.has(ks)) this.hist.set(ks, []);
    this.hist.get(ks)!.unshift(e);
  }

  flush(): void {
    if (this.mem.length === 0) return;
    const t = this.db.writeTable(this.mem);
    this.mem = [];
    this.remember(t);
    this.levels[0]!.unshift(t);
    this.settle();
  }

  /** Pick and apply until the strategy has nothing to do. */
  settle(): void {
    for (let guard = 0; ; guard++) {
      expect(guard).toBeLessThan(500);
      const plan = this.strategy.pick({ levels: this.levels });
      if (plan === null) break;
      this.apply(plan);
    }
    expect(this.levels[0]!.length).toBeLessThan(this.strategy.l0CompactionTrigger);
  }

  major(): void {
    const plan = this.strategy.pickMajor({ levels: this.levels });
    if (plan === null) return;
    expect(Array.isArray(plan)).toBe(false);
    this.apply(plan as CompactionPlan);
  }

  apply(plan: CompactionPlan): void {
    this.checkPlan(plan);
    const removed = new Set(plan.inputs.flatMap((g) => g.tables.map((t) => t.id)));
    let added: readonly TableMeta[];
    if (plan.trivialMove) {
      added = plan.inputs.flatMap((g) => g.tables);
      this.trivialMoves++;
    } else {
      const result = runCompaction(plan, this.db.env(this.snapshots, this.seq));
      expect(this.db.openInputs).toBe(0);
      for (const t of result.outputs) this.remember(t);
      added = result.outputs;
      this.compactions++;
    }
    for (let i = 0; i < this.levels.length; i++) this.levels[i] = this.levels[i]!.filter((t) => !removed.has(t.id));
    this.levels[plan.outputLevel]!.push(...added);
    this.levels[0]!.sort((x, y) => y.largestSeqno - x.largestSeqno || y.id - x.id);
    for (let i = 1; i < this.levels.length; i++) {
      const l = this.levels[i]!;
      l.sort((x, y) => compareBytes(x.smallest, y.smallest));
      for (let j = 1; j < l.length; j++) expect(compareBytes(l[j - 1]!.largest, l[j]!.smallest), `L${i} overlaps after ${plan.reason}`).toBeLessThan(0);
    }
    if (!plan.trivialMove) for (const id of removed) this.db.fs.removeFile(this.db.path(id)); // the engine does this once the version is durable
  }

  /** Independent checks of what the strategy promised. */
  private checkPlan(plan: CompactionPlan): void {
    for (const g of plan.inputs) for (const t of g.tables) expect(this.levels[g.level]!.some((x) => x.id === t.id)).toBe(true);
    const all = plan.inputs.flatMap((g) => g.tables);
    const lo = all.reduce((m, t) => (compareBytes(t.smallest, m) < 0 ? t.smallest : m), all[0]!.smallest);
    const hi = all.reduce((m, t) => (compareBytes(t.largest, m) > 0 ? t.largest : m), all[0]!.largest);
    const deeper = this.levels.slice(plan.outputLevel + 1).flat();
    const overlapsBelow = deeper.some((t) => compareBytes(t.smallest, hi) <= 0 && compareBytes(lo, t.largest) <= 0);
    expect(plan.bottommost).toBe(!overlapsBelow);
    // An L0 table left behind overlaps no L0 input, except (for a move) a newer one.
    const l0in = plan.inputs.find((g) => g.level === 0)?.tables ?? [];
    for (const t of this.levels[0]!) {
      if (l0in.some((x) => x.id === t.id)) continue;
      for (const x of l0in) {
        const overlap = compareBytes(t.smallest, x.largest) <= 0 && compareBytes(x.smallest, t.largest) <= 0;
        expect(overlap && (!plan.trivialMove || t.largestSeqno < x.largestSeqno), `L0 table ${t.id} left behind overlaps input ${x.id}`).toBe(false);
      }
    }
  }

  private remember(t: TableMeta): void {
    const byKey = new Map<string, Entry[]>();
    for (const e of this.db.readTable(t.id)) {
      const k = s(e.userKey);
      if (!byKey.has(k)) byKey.set(k, []);
      byKey.get(k)!.push(e);
    }
    this.contents.set(t.id, byKey);
  }

  /** A key's entries in the order a read visits them. */
  readOrder(k: string): Entry[] {
    const out: Entry[] = [];
    for (const t of this.levels[0]!) out.push(...(this.contents.get(t.id)!.get(k) ?? []));
    const kb = b(k);
    for (let i = 1; i < this.levels.length; i++) {
      const t = this.levels[i]!.find((x) => compareBytes(x.smallest, kb) <= 0 && compareBytes(kb, x.largest) <= 0);
      if (t !== undefined) out.push(...(this.contents.get(t.id)!.get(k) ?? []));
    }
    return out;
  }

  check(): void {
    const points = [...new Set([...this.snapshots, this.seq, MAX_SEQNO])];
    for (const [k, h] of this.hist) {
      const inTree = this.readOrder(k);
      for (let i = 1; i < inTree.length; i++) expect(inTree[i]!.seqno, `versions of ${k} out of order across levels`).toBeLessThan(inTree[i - 1]!.seqno);
      const full = [...this.mem.filter((e) => s(e.userKey) === k).reverse(), ...inTree];
      for (const at of points) {
        if (!sameRead(read(h, at), read(full, at))) {
          const f = (e: Entry) => `${e.seqno}${'TVMWI'[e.type]}`;
          expect.fail(`read of ${k} at ${at}: history ${h.map(f).join(' ')}; tree ${full.map(f).join(' ')}; snapshots ${this.snapshots.join(',')} now ${this.seq}`);
        }
      }
    }
  }

  tableEntries(): Entry[] {
    return this.levels.flat().flatMap((t) => [...this.contents.get(t.id)!.values()].flat());
  }
}

describe('Leveled + runCompaction, driven like the engine', () => {
  for (const dynamic of [true, false]) {
    it(`keeps every read at every snapshot through flushes, compactions, moves and a major compaction (dynamic=${dynamic})`, () => {
      let compactions = 0;
      let moves = 0;
      for (let round = 0; round < 4; round++) {
        const seed = BASE_SEED + round + (dynamic ? 0 : 100);
        withSeed(seed, () => {
          const rng = new Rng(seed);
          const strategy = new Leveled({
            l0CompactionTrigger: 3,
            l0StallFiles: 12,
            levelBaseBytes: 12 * 1024,
            levelMultiplier: 4,
            numLevels: NUM_LEVELS,
            dynamicLevelBytes: dynamic,
            targetTableSize: 3 * 1024,
          });
          // Sequential key ranges early on give trivial moves; random keys later give merges.
          const sim = new Sim(rng, strategy, rng.range(150, 600));
          const memSize = rng.range(40, 160);
          const ops = 4000;
          for (let i = 0; i < ops; i++) {
            sim.write();
            if (rng.bool(0.004)) sim.snapshots.push(sim.seq);
            if (sim.snapshots.length > 0 && rng.bool(0.003)) sim.snapshots.splice(rng.int(sim.snapshots.length), 1);
            if (sim.mem.length >= memSize) {
              sim.flush();
              sim.check();
            }
          }
          sim.flush();
          sim.check();
          // Major compaction with snapshots still open: reads at them survive.
          sim.major();
          sim.check();
          expect(sim.levels.filter((l) => l.length > 0).length).toBe(1);
          // Release every snapshot and compact again: nothing but the newest state is left.
          sim.snapshots = [];
          sim.major();
          sim.check();
          const left = sim.tableEntries();
          expect(left.filter((e) => e.type === ValueType.Tombstone || e.type === ValueType.WeakTombstone)).toEqual([]);
          const perKey = new Map<string, Entry[]>();
          for (const e of left) perKey.set(s(e.userKey), [...(perKey.get(s(e.userKey)) ?? []), e]);
          for (const [, es] of perKey) {
            // One value, or a chain of merge operands on (at most) one base.
            expect(es.filter((e) => e.type !== ValueType.Merge).length).toBeLessThanOrEqual(1);
            expect(es.slice(0, -1).every((e) => e.type === ValueType.Merge)).toBe(true);
          }
          compactions += sim.compactions;
          moves += sim.trivialMoves;
        });
      }
      expect(compactions).toBeGreaterThan(20);
      expect(moves).toBeGreaterThan(0);
    });
  }

  it('moves sequentially written data down without rewriting it', () => {
    const strategy = new Leveled({ l0CompactionTrigger: 2, levelBaseBytes: 8 * 1024, levelMultiplier: 4, numLevels: NUM_LEVELS, targetTableSize: 2048 });
    const sim = new Sim(new Rng(BASE_SEED), strategy, 1);
    for (let batch = 0; batch < 30; batch++) {
      for (let i = 0; i < 50; i++) {
        const seqno = ++sim.seq;
        const k = key(batch * 50 + i);
        const e: Entry = { userKey: k, seqno, type: ValueType.Value, value: b('v'.repeat(40)) };
        sim.mem.push(e);
        sim.hist.set(s(k), [e]);
      }
      sim.flush();
    }
    sim.check();
    expect(sim.compactions).toBe(0);
    expect(sim.trivialMoves).toBeGreaterThan(0);
  });
});
