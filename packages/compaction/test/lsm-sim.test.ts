// Strategies + runCompaction driven like the engine drives them: random writes (all entry
// types, WeakTombstone contract kept, range deletions, merge operands folded by an
// append operator), snapshots taken and released, flushes to L0, and after each flush
// "pick, execute (merge, move or drop), install" until the strategy is satisfied; finally
// major compactions. After every step: the level invariants hold (disjoint sorted levels
// under the exclusive-bound rule), every key's versions and covering range tombstones
// appear newest-first in read order (L0 newest first, then L1, L2, ...), and a read of
// every key at every snapshot and "now" equals the read of the full history -- for Fifo,
// of the history above the drop watermark (FIFO forgets the oldest data on purpose).

import { describe, expect, it } from 'vitest';
import { bytewiseComparator, compareBytes, MAX_SEQNO, ValueType, type Entry, type RangeTombstone } from '@lsm/base';
import {
  appendWithSeparator,
  endsBefore,
  Fifo,
  firstTableEndingAtOrAfter,
  Leveled,
  rangeContains,
  runCompaction,
  SizeTiered,
  type CompactionPlan,
  type CompactionStrategy,
  type TableMeta,
} from '../src/index.js';
import { read, resolve, sameRead } from './gc-oracle.js';
import { TestDb } from './harness.js';
import { b, BASE_SEED, key, Rng, s, withSeed } from './helpers.js';

const NUM_LEVELS = 5;
const op = appendWithSeparator(',');

interface SimOptions {
  /** Write range deletions and merge operands (folded by `op` during compaction). */
  rich?: boolean;
  /** Entry types written (default: all). */
  types?: ValueType[];
}

class Sim {
  readonly db = new TestDb();
  readonly levels: TableMeta[][] = Array.from({ length: NUM_LEVELS }, () => []);
  /** Table id -> its entries by user key (newest first) and its range tombstones. */
  readonly contents = new Map<number, Map<string, Entry[]>>();
  readonly tombs = new Map<number, RangeTombstone[]>();
  readonly hist = new Map<string, Entry[]>();
  readonly allTombs: RangeTombstone[] = [];
  mem: Entry[] = [];
  memTombs: RangeTombstone[] = [];
  seq = 0;
  snapshots: number[] = [];
  compactions = 0;
  trivialMoves = 0;
  drops = 0;
  intraL0 = 0;
  collapses = 0;
  rangeDrops = 0;
  exclusiveBounds = 0;
  /** Everything at or below this seqno was dropped by a FIFO drop. */
  watermark = 0;
  private readonly values = new Map<string, number>();
  private readonly merges = new Map<string, number>();

  constructor(
    readonly rng: Rng,
    readonly strategy: CompactionStrategy,
    readonly nKeys: number,
    readonly o: SimOptions = {},
  ) {}

  write(): void {
    const rng = this.rng;
    if (this.o.rich && rng.bool(0.02)) {
      const a = rng.int(this.nKeys);
      const z = Math.min(this.nKeys + 1, a + rng.range(1, 25));
      const t = { start: key(a), end: key(z), seqno: ++this.seq };
      this.memTombs.push(t);
      this.allTombs.push(t);
      for (let k = a; k < z; k++) {
        this.values.set(s(key(k)), 0);
        this.merges.set(s(key(k)), 0);
      }
      return;
    }
    const k = key(rng.int(this.nKeys));
    const ks = s(k);
    const types = this.o.types ?? [ValueType.Value, ValueType.Value, ValueType.Value, ValueType.Merge, ValueType.Tombstone, ValueType.WeakTombstone, ValueType.Indirection];
    let type = rng.pick(this.o.rich ? [...types, ValueType.Merge, ValueType.Merge] : types);
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

  get memSize(): number {
    return this.mem.length + this.memTombs.length;
  }

  flush(): void {
    if (this.memSize === 0) return;
    const t = this.db.writeTable(this.mem, this.memTombs);
    this.mem = [];
    this.memTombs = [];
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
    if (this.strategy instanceof Leveled) expect(this.levels[0]!.length).toBeLessThan(this.strategy.l0CompactionTrigger);
    if (this.strategy instanceof SizeTiered) expect(this.levels[0]!.length).toBeLessThanOrEqual(this.strategy.options.maxRuns);
    if (this.strategy instanceof Fifo) expect(this.levels.flat().reduce((n, t) => n + t.size, 0)).toBeLessThanOrEqual(this.strategy.maxTotalBytes);
  }

  major(): void {
    const picked = this.strategy.pickMajor({ levels: this.levels });
    if (picked === null) return;
    for (const plan of Array.isArray(picked) ? picked : [picked]) this.apply(plan);
  }

  apply(plan: CompactionPlan): void {
    this.checkPlan(plan);
    const removed = new Set(plan.inputs.flatMap((g) => g.tables.map((t) => t.id)));
    let added: readonly TableMeta[];
    if (plan.kind === 'drop') {
      added = [];
      this.drops++;
      for (const g of plan.inputs) for (const t of g.tables) this.watermark = Math.max(this.watermark, t.largestSeqno);
    } else if (plan.trivialMove) {
      added = plan.inputs.flatMap((g) => g.tables);
      this.trivialMoves++;
    } else {
      const result = runCompaction(plan, { ...this.db.env(this.snapshots, this.seq), ...(this.o.rich ? { mergeOperator: op } : {}) });
      expect(this.db.openInputs).toBe(0);
      for (const t of result.outputs) this.remember(t);
      added = result.outputs;
      this.compactions++;
      if (plan.reason === 'intra-l0') this.intraL0++;
      this.collapses += result.mergesCollapsed;
      this.rangeDrops += result.droppedByRangeTombstones;
      if (plan.outputLevel === 0) expect(result.outputs.length).toBeLessThanOrEqual(1);
    }
    for (let i = 0; i < this.levels.length; i++) this.levels[i] = this.levels[i]!.filter((t) => !removed.has(t.id));
    this.levels[plan.outputLevel]!.push(...added);
    this.levels[0]!.sort((x, y) => y.largestSeqno - x.largestSeqno || y.id - x.id);
    for (let i = 1; i < this.levels.length; i++) {
      const l = this.levels[i]!;
      l.sort((x, y) => compareBytes(x.smallest, y.smallest));
      for (let j = 1; j < l.length; j++) expect(endsBefore(bytewiseComparator, l[j - 1]!, l[j]!.smallest), `L${i} overlaps after ${plan.reason}`).toBe(true);
    }
    if (!plan.trivialMove) for (const id of removed) this.db.fs.removeFile(this.db.path(id)); // the engine does this once the version is durable
  }

  /** Independent checks of what the strategy promised. */
  private checkPlan(plan: CompactionPlan): void {
    for (const g of plan.inputs) for (const t of g.tables) expect(this.levels[g.level]!.some((x) => x.id === t.id)).toBe(true);
    const all = plan.inputs.flatMap((g) => g.tables);
    if (plan.kind === 'drop') {
      // Only the oldest data goes: nothing left in the tree is older than a dropped table.
      const left = this.levels.flat().filter((t) => !all.includes(t));
      const newestDropped = Math.max(...all.map((t) => t.largestSeqno));
      for (const t of left) expect(t.smallestSeqno, `table ${t.id} left behind is older than a dropped one`).toBeGreaterThan(newestDropped);
      return;
    }
    const overlap = (a: TableMeta, x: TableMeta) => !endsBefore(bytewiseComparator, a, x.smallest) && !endsBefore(bytewiseComparator, x, a.smallest);
    const deeper = this.levels.slice(plan.outputLevel + 1).flat();
    if (plan.bottommost) for (const t of deeper) for (const x of all) expect(overlap(t, x), `bottommost plan, but table ${t.id} below overlaps`).toBe(false);
    if (this.strategy instanceof Leveled && plan.outputLevel > 0) {
      const overlapsBelow = deeper.some((t) => all.some((x) => overlap(t, x)));
      expect(plan.bottommost).toBe(!overlapsBelow);
    }
    // An L0 table left behind that overlaps an L0 input must be older than all of the input (intra-L0,
    // size-tiered) -- or, for a Leveled L0 -> base plan, none may overlap (a move may leave a newer one).
    const l0in = plan.inputs.find((g) => g.level === 0)?.tables ?? [];
    const minIn = Math.min(...l0in.map((t) => t.smallestSeqno));
    for (const t of this.levels[0]!) {
      if (l0in.some((x) => x.id === t.id)) continue;
      for (const x of l0in) {
        if (!overlap(t, x)) continue;
        if (plan.outputLevel === 0) expect(t.largestSeqno < minIn || t.smallestSeqno > x.largestSeqno, `L0 table ${t.id} interleaves with the L0 output`).toBe(true);
        else if (this.strategy instanceof Leveled) expect(plan.trivialMove && t.largestSeqno > x.largestSeqno, `L0 table ${t.id} left behind overlaps input ${x.id}`).toBe(true);
        else expect(t.smallestSeqno > x.largestSeqno, `newer L0 table ${t.id} left above input ${x.id}`).toBe(true);
      }
    }
  }

  private remember(t: TableMeta): void {
    const byKey = new Map<string, Entry[]>();
    for (const e of this.db.readTable(t.id)) {
      const k = s(e.userKey);
      if (!byKey.has(k)) byKey.set(k, []);
      byKey.get(k)!.push(e);
      expect(rangeContains(bytewiseComparator, t, e.userKey), `table ${t.id} bounds miss ${k}`).toBe(true);
    }
    this.contents.set(t.id, byKey);
    if (t.largestExclusive === true) this.exclusiveBounds++;
    const ts = this.db.readTombstones(t.id);
    for (const x of ts) {
      expect(compareBytes(x.start, t.smallest) >= 0 && compareBytes(x.end, t.largest) <= 0, `table ${t.id} bounds miss a tombstone`).toBe(true);
    }
    this.tombs.set(t.id, ts);
  }

  /** A key's entries in the order a read visits them, and the covering tombstone seqnos per table visited. */
  readOrder(k: string): { entries: Entry[]; tombs: number[]; order: number[][] } {
    const kb = b(k);
    const entries: Entry[] = [];
    const tombs: number[] = [];
    const order: number[][] = [];
    const visit = (t: TableMeta) => {
      const es = this.contents.get(t.id)!.get(k) ?? [];
      const ts = this.tombs.get(t.id)!.filter((x) => compareBytes(x.start, kb) <= 0 && compareBytes(kb, x.end) < 0).map((x) => x.seqno);
      entries.push(...es);
      tombs.push(...ts);
      order.push([...es.map((e) => e.seqno), ...ts]);
    };
    for (const t of this.levels[0]!) visit(t);
    for (let i = 1; i < this.levels.length; i++) {
      const l = this.levels[i]!;
      const j = firstTableEndingAtOrAfter(bytewiseComparator, l, kb);
      if (j < l.length && compareBytes(l[j]!.smallest, kb) <= 0) visit(l[j]!);
    }
    return { entries, tombs, order };
  }

  check(): void {
    const points = [...new Set([...this.snapshots, this.seq, MAX_SEQNO])].filter((p) => p > this.watermark);
    const live = (x: { seqno: number }) => x.seqno > this.watermark;
    const opt = this.o.rich ? op : undefined;
    const keys = new Set([...this.hist.keys()]);
    for (const k of keys) {
      const h = (this.hist.get(k) ?? []).filter(live);
      const kb = b(k);
      const hTombs = this.allTombs.filter((t) => live(t) && compareBytes(t.start, kb) <= 0 && compareBytes(kb, t.end) < 0).map((t) => t.seqno);
      const inTree = this.readOrder(k);
      // Versions newest first across tables: everything in a table read earlier is newer than anything read later.
      for (let i = 1; i < inTree.order.length; i++) {
        const prevMin = Math.min(...inTree.order.slice(0, i).flat());
        for (const x of inTree.order[i]!) expect(x, `versions of ${k} out of order across tables`).toBeLessThan(prevMin);
      }
      const full = [...this.mem.filter((e) => s(e.userKey) === k).reverse(), ...inTree.entries];
      const memT = this.memTombs.filter((t) => compareBytes(t.start, kb) <= 0 && compareBytes(kb, t.end) < 0).map((t) => t.seqno);
      for (const at of points) {
        const want = resolve(read(h, at, hTombs), opt, kb);
        const got = resolve(read(full, at, [...inTree.tombs, ...memT]), opt, kb);
        if (!sameRead(want, got)) {
          const f = (e: Entry) => `${e.seqno}${'TVMWI'[e.type]}`;
          expect.fail(`read of ${k} at ${at}: history ${h.map(f).join(' ')} rt ${hTombs}; tree ${full.map(f).join(' ')} rt ${inTree.tombs}; snapshots ${this.snapshots.join(',')} now ${this.seq}`);
        }
      }
    }
  }

  tableEntries(): Entry[] {
    return this.levels.flat().flatMap((t) => [...this.contents.get(t.id)!.values()].flat());
  }
}

/** Random writes with snapshots and flushes, checking after each flush. */
function drive(sim: Sim, ops: number, memSize: number): void {
  const rng = sim.rng;
  for (let i = 0; i < ops; i++) {
    sim.write();
    if (rng.bool(0.004)) sim.snapshots.push(sim.seq);
    if (sim.snapshots.length > 0 && rng.bool(0.003)) sim.snapshots.splice(rng.int(sim.snapshots.length), 1);
    if (sim.memSize >= memSize) {
      sim.flush();
      sim.check();
    }
  }
  sim.flush();
  sim.check();
}

/** After releasing every snapshot and a major compaction: one value per key, or a chain of operands on at most one base. */
function checkFullyCompacted(sim: Sim, rich: boolean): void {
  const left = sim.tableEntries();
  expect(left.filter((e) => e.type === ValueType.Tombstone || e.type === ValueType.WeakTombstone)).toEqual([]);
  const perKey = new Map<string, Entry[]>();
  for (const e of left) perKey.set(s(e.userKey), [...(perKey.get(s(e.userKey)) ?? []), e]);
  for (const [, es] of perKey) {
    expect(es.filter((e) => e.type !== ValueType.Merge).length).toBeLessThanOrEqual(1);
    expect(es.slice(0, -1).every((e) => e.type === ValueType.Merge)).toBe(true);
    // With the operator, only operands on an Indirection (which needs a blob read) stay unmerged.
    if (rich && es.length > 1) expect(es[es.length - 1]!.type).toBe(ValueType.Indirection);
  }
  // Range tombstones all went at the bottom.
  for (const t of sim.levels.flat()) expect(sim.tombs.get(t.id)).toEqual([]);
}

describe('Leveled + runCompaction, driven like the engine', () => {
  for (const [dynamic, rich] of [
    [true, false],
    [false, false],
    [true, true],
    [false, true],
  ] as const) {
    it(`keeps every read at every snapshot through flushes, compactions, moves and a major compaction (dynamic=${dynamic}${rich ? ', range deletions and merges' : ''})`, () => {
      let compactions = 0;
      let moves = 0;
      let collapses = 0;
      let rangeDrops = 0;
      let exclusive = 0;
      for (let round = 0; round < 4; round++) {
        const seed = BASE_SEED + round + (dynamic ? 0 : 100) + (rich ? 1000 : 0);
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
          const sim = new Sim(rng, strategy, rng.range(150, 600), { rich });
          drive(sim, 4000, rng.range(40, 160));
          // Major compaction with snapshots still open: reads at them survive.
          sim.major();
          sim.check();
          expect(sim.levels.filter((l) => l.length > 0).length).toBe(1);
          // Release every snapshot and compact again: nothing but the newest state is left.
          sim.snapshots = [];
          sim.major();
          sim.check();
          checkFullyCompacted(sim, rich);
          compactions += sim.compactions;
          moves += sim.trivialMoves;
          collapses += sim.collapses;
          rangeDrops += sim.rangeDrops;
          exclusive += sim.exclusiveBounds;
        });
      }
      expect(compactions).toBeGreaterThan(20);
      expect(moves).toBeGreaterThan(0);
      if (rich) {
        expect(collapses).toBeGreaterThan(50);
        expect(rangeDrops).toBeGreaterThan(50);
        expect(exclusive).toBeGreaterThan(5); // tables ending at a tombstone end, incl. cuts through a tombstone
      }
    });
  }

  it('merges the newest L0 tables into one (intra-L0) when the base level is large, and keeps every read', () => {
    let intra = 0;
    for (let round = 0; round < 3; round++) {
      const seed = BASE_SEED + 200 + round;
      withSeed(seed, () => {
        const rng = new Rng(seed);
        // maxCompactionBytes small next to the base level: L0 -> base is "too big" once L1 has grown.
        const strategy = new Leveled({
          l0CompactionTrigger: 5,
          l0StallFiles: 30,
          levelBaseBytes: 64 * 1024,
          levelMultiplier: 4,
          numLevels: NUM_LEVELS,
          targetTableSize: 4 * 1024,
          maxCompactionBytes: 24 * 1024,
          intraL0MinFiles: 3,
        });
        const sim = new Sim(rng, strategy, 400, { rich: true });
        drive(sim, 5000, 60);
        sim.major();
        sim.check();
        intra += sim.intraL0;
      });
    }
    expect(intra).toBeGreaterThan(0);
  });

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

describe('SizeTiered + runCompaction, driven like the engine', () => {
  for (const rich of [false, true]) {
    it(`keeps every read at every snapshot; runs stay few and age-ordered${rich ? ' (range deletions and merges)' : ''}`, () => {
      const reasons = new Map<string, number>();
      for (let round = 0; round < 4; round++) {
        const seed = BASE_SEED + 300 + round + (rich ? 50 : 0);
        withSeed(seed, () => {
          const rng = new Rng(seed);
          const strategy = new SizeTiered({ minMergeWidth: rng.range(2, 4), maxMergeWidth: 8, sizeRatio: rng.pick([1, 20]), maxRuns: 10 });
          const sim = new Sim(rng, strategy, rng.range(100, 500), { rich });
          const pick = strategy.pick.bind(strategy);
          strategy.pick = (v) => {
            const p = pick(v);
            if (p !== null) reasons.set(p.reason, (reasons.get(p.reason) ?? 0) + 1);
            return p;
          };
          drive(sim, 3000, rng.range(30, 120));
          expect(sim.levels.slice(1).flat()).toEqual([]); // size-tiered writes only L0
          sim.major();
          sim.check();
          expect(sim.levels[0]!.length).toBe(1);
          sim.snapshots = [];
          sim.major();
          sim.check();
          checkFullyCompacted(sim, rich);
        });
      }
      expect(reasons.get('size-ratio') ?? 0).toBeGreaterThan(5);
      expect(reasons.get('size-amplification') ?? 0).toBeGreaterThan(0);
    });
  }

  it('folds a tree left in deeper levels (by Leveled) into its runs', () => {
    const seed = BASE_SEED + 400;
    withSeed(seed, () => {
      const rng = new Rng(seed);
      const leveled = new Leveled({ l0CompactionTrigger: 2, levelBaseBytes: 8 * 1024, levelMultiplier: 4, numLevels: NUM_LEVELS, targetTableSize: 2048 });
      const sim = new Sim(rng, leveled, 300, { rich: true });
      drive(sim, 1500, 50);
      expect(sim.levels.slice(1).flat().length).toBeGreaterThan(0);
      const tiered = new SizeTiered({ minMergeWidth: 2, maxRuns: 4 });
      const sim2 = Object.assign(sim, { strategy: tiered }) as Sim;
      drive(sim2, 1500, 50);
      sim2.major();
      sim2.check();
      expect(sim2.levels.flat().length).toBeGreaterThan(0);
    });
  });
});

describe('Fifo, driven like the engine', () => {
  it('drops the oldest tables past the size cap; reads above the drop watermark are the history', () => {
    for (let round = 0; round < 3; round++) {
      const seed = BASE_SEED + 500 + round;
      withSeed(seed, () => {
        const rng = new Rng(seed);
        const strategy = new Fifo({ maxTotalBytes: rng.range(8, 30) * 1024 });
        const sim = new Sim(rng, strategy, rng.range(50, 300), { types: [ValueType.Value, ValueType.Value, ValueType.Tombstone, ValueType.Merge] });
        drive(sim, 3000, rng.range(20, 80));
        expect(sim.drops).toBeGreaterThan(3);
        expect(sim.compactions).toBe(0);
        expect(sim.watermark).toBeGreaterThan(0);
      });
    }
  });

  it('drops tables older than the TTL by the injected clock, oldest first', () => {
    let clock = 1_000_000;
    const strategy = new Fifo({ maxTotalBytes: 1 << 30, ttlMs: 10_000, now: () => clock });
    const sim = new Sim(new Rng(BASE_SEED + 600), strategy, 100);
    const created = new Map<number, number>();
    const write = sim.db.writeTable.bind(sim.db);
    // Stamp each flushed table with the fake clock (the engine fills creationTime from the table).
    sim.db.writeTable = (es, ts) => {
      const m = { ...write(es, ts), creationTime: clock };
      created.set(m.id, clock);
      return m;
    };
    for (let step = 0; step < 40; step++) {
      for (let i = 0; i < 20; i++) sim.write();
      sim.flush();
      sim.check();
      for (const t of sim.levels.flat()) expect(clock - created.get(t.id)!).toBeLessThanOrEqual(10_000);
      clock += 1_000;
    }
    expect(sim.drops).toBeGreaterThan(10);
    expect(sim.levels[0]!.length).toBe(11);
  });
});
