import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, isLsmError } from '@lsm/base';
import { Leveled, type CompactionPlan, type LeveledOptions, type TableMeta } from '../src/index.js';
import { meta, MiB, s } from './helpers.js';

type Levels = TableMeta[][];

function tree(spec: Partial<Record<number, TableMeta[]>>, n = 7): { levels: Levels } {
  const levels: Levels = Array.from({ length: n }, (_, i) => spec[i] ?? []);
  return { levels };
}

/** L0 tables listed newest first, as the engine keeps them. */
function l0(...tables: TableMeta[]): TableMeta[] {
  return [...tables].sort((a, b) => b.largestSeqno - a.largestSeqno);
}

function ids(plan: CompactionPlan | null, level: number): number[] {
  return plan?.inputs.find((g) => g.level === level)?.tables.map((t) => t.id) ?? [];
}

const small: LeveledOptions = { levelBaseBytes: 10 * MiB, targetTableSize: 2 * MiB, dynamicLevelBytes: true };

describe('Leveled options', () => {
  it('has the documented defaults', () => {
    const l = new Leveled();
    expect(l.name).toBe('leveled');
    expect(l.l0StallFiles).toBe(20);
    expect(l.l0CompactionTrigger).toBe(4);
    expect(l.options).toMatchObject({
      l0CompactionTrigger: 4,
      l0StallFiles: 20,
      levelBaseBytes: 64 * MiB,
      levelMultiplier: 10,
      numLevels: 7,
      dynamicLevelBytes: true,
      targetTableSize: 64 * MiB,
      maxCompactionBytes: 25 * 64 * MiB,
      maxGrandparentOverlapBytes: 10 * 64 * MiB,
    });
    expect(l.options.comparator.name).toBe('lsm.BytewiseComparator');
  });

  const bad: Array<[string, LeveledOptions]> = [
    ['trigger 0', { l0CompactionTrigger: 0 }],
    ['trigger fractional', { l0CompactionTrigger: 2.5 }],
    ['trigger NaN', { l0CompactionTrigger: NaN }],
    ['stall below trigger', { l0CompactionTrigger: 8, l0StallFiles: 7 }],
    ['levelBaseBytes 0', { levelBaseBytes: 0 }],
    ['levelBaseBytes negative', { levelBaseBytes: -1 }],
    ['levelBaseBytes Infinity', { levelBaseBytes: Infinity }],
    ['multiplier 1', { levelMultiplier: 1 }],
    ['multiplier 0.5', { levelMultiplier: 0.5 }],
    ['multiplier NaN', { levelMultiplier: NaN }],
    ['multiplier string', { levelMultiplier: '10' as unknown as number }],
    ['numLevels 1', { numLevels: 1 }],
    ['numLevels 65', { numLevels: 65 }],
    ['dynamicLevelBytes not boolean', { dynamicLevelBytes: 1 as unknown as boolean }],
    ['targetTableSize 0', { targetTableSize: 0 }],
    ['targetTableSize fractional', { targetTableSize: 1.5 }],
    ['maxCompactionBytes 0', { maxCompactionBytes: 0 }],
    ['maxGrandparentOverlapBytes -5', { maxGrandparentOverlapBytes: -5 }],
    ['comparator without compare', { comparator: { name: 'x' } as never }],
  ];
  for (const [name, o] of bad) {
    it(`rejects ${name}`, () => {
      let err: unknown;
      try {
        new Leveled(o);
      } catch (e) {
        err = e;
      }
      expect(err).toBeInstanceOf(InvalidArgumentError);
      expect(isLsmError(err, 'LSM_INVALID_ARGUMENT')).toBe(true);
    });
  }

  it('rejects a non-object', () => {
    expect(() => new Leveled(null as never)).toThrow(InvalidArgumentError);
  });

  it('accepts a fractional multiplier and derived defaults follow targetTableSize', () => {
    const l = new Leveled({ levelMultiplier: 1.5, targetTableSize: 1000 });
    expect(l.options.maxCompactionBytes).toBe(25_000);
    expect(l.options.maxGrandparentOverlapBytes).toBe(10_000);
  });

  it('refuses a view with tables beyond numLevels, pads a short one', () => {
    const l = new Leveled({ numLevels: 3 });
    expect(() => l.pick({ levels: [[], [], [], [meta('a', 'b', 10)]] })).toThrow(InvalidArgumentError);
    expect(l.pick({ levels: [[], [], [], []] })).toBeNull();
    expect(l.pick({ levels: [] })).toBeNull();
    expect(() => l.pick({} as never)).toThrow(InvalidArgumentError);
  });
});

describe('Leveled.pick: L0', () => {
  const l = new Leveled(small);

  it('does nothing below the L0 trigger', () => {
    const t = tree({ 0: l0(meta('a', 'z', MiB), meta('a', 'z', MiB), meta('a', 'z', MiB)) });
    expect(l.pick(t)).toBeNull();
  });

  it('at the trigger, compacts overlapping L0 tables into the base level (the last one, for an empty tree)', () => {
    const tables = [meta('a', 'm', MiB), meta('c', 'z', MiB), meta('b', 'x', MiB), meta('a', 'z', MiB)];
    const p = l.pick(tree({ 0: l0(...tables) }))!;
    expect(p.reason).toBe('l0-files');
    expect(p.outputLevel).toBe(6);
    expect(p.trivialMove).toBe(false);
    expect(p.bottommost).toBe(true);
    expect(p.targetTableSize).toBe(2 * MiB);
    expect(ids(p, 0).sort()).toEqual(tables.map((t) => t.id).sort());
    expect(p.inputs).toHaveLength(1);
  });

  it('with static sizing the base level is L1', () => {
    const ls = new Leveled({ ...small, dynamicLevelBytes: false });
    const p = ls.pick(tree({ 0: l0(meta('a', 'm', MiB), meta('c', 'z', MiB), meta('b', 'x', MiB), meta('a', 'z', MiB)) }))!;
    expect(p.outputLevel).toBe(1);
  });

  it('takes the oldest L0 table and its transitive overlaps, not disjoint ones', () => {
    const oldest = meta('a', 'c', MiB, { largestSeqno: 1 });
    const bridge = meta('c', 'f', MiB, { largestSeqno: 5 }); // overlaps oldest
    const far = meta('e', 'h', MiB, { largestSeqno: 9 }); // overlaps bridge only
    const apart = meta('x', 'z', MiB, { largestSeqno: 7 }); // overlaps nothing
    const base6 = [meta('a', 'b', MiB), meta('g', 'g', MiB), meta('p', 'q', MiB)];
    const p = l.pick(tree({ 0: l0(oldest, bridge, far, apart), 6: base6 }))!;
    expect(ids(p, 0).sort()).toEqual([oldest.id, bridge.id, far.id].sort());
    // Base-level tables overlapping [a, h], and not [p, q].
    expect(ids(p, 6)).toEqual([base6[0]!.id, base6[1]!.id]);
    expect(p.trivialMove).toBe(false);
    expect(p.inputs.map((g) => g.level)).toEqual([0, 6]);
  });

  it('moves disjoint L0 tables that overlap nothing below (trivial move), all at once', () => {
    const a = meta('a', 'b', MiB, { largestSeqno: 1 });
    const c = meta('c', 'd', MiB, { largestSeqno: 2 });
    const e = meta('e', 'f', MiB, { largestSeqno: 3 });
    const g = meta('g', 'h', MiB, { largestSeqno: 4 });
    const p = l.pick(tree({ 0: l0(a, c, e, g), 6: [meta('m', 'n', MiB)] }))!;
    expect(p.trivialMove).toBe(true);
    expect(p.outputLevel).toBe(6);
    expect(ids(p, 0)).toEqual([g.id, e.id, c.id, a.id]); // the level's newest-first order
    expect(p.bottommost).toBe(true);
  });

  it('a trivial move leaves behind tables that overlap the base level or an older table that stays', () => {
    const a = meta('a', 'b', MiB, { largestSeqno: 1 }); // moves
    const c = meta('m', 'n', MiB, { largestSeqno: 2 }); // overlaps base: stays
    const d = meta('n', 'o', MiB, { largestSeqno: 3 }); // overlaps older c that stays: stays
    const e = meta('x', 'y', MiB, { largestSeqno: 4 }); // moves
    const p = l.pick(tree({ 0: l0(a, c, d, e), 6: [meta('m', 'm', MiB)] }))!;
    expect(p.trivialMove).toBe(true);
    expect(ids(p, 0)).toEqual([e.id, a.id]);
  });

  it('no trivial move when the table overlaps the base level: it is merged with what it overlaps', () => {
    const a = meta('a', 'd', MiB, { largestSeqno: 1 });
    const others = [meta('p', 'q', MiB, { largestSeqno: 2 }), meta('r', 's', MiB, { largestSeqno: 3 }), meta('t', 'u', MiB, { largestSeqno: 4 })];
    const under = meta('c', 'e', MiB);
    const p = l.pick(tree({ 0: l0(a, ...others), 6: [under] }))!;
    expect(p.trivialMove).toBe(false);
    expect(ids(p, 0)).toEqual([a.id]);
    expect(ids(p, 6)).toEqual([under.id]);
  });

  it('widens L0 inputs within the combined range when the base level adds nothing', () => {
    const a = meta('c', 'd', MiB, { largestSeqno: 1 });
    const inside = meta('f', 'g', MiB, { largestSeqno: 2 }); // within the base table's range
    const outside = meta('x', 'y', MiB, { largestSeqno: 3 });
    const four = meta('q', 'r', MiB, { largestSeqno: 4 });
    const under = meta('a', 'h', MiB);
    const p = l.pick(tree({ 0: l0(a, inside, outside, four), 6: [under, meta('q', 'q', MiB)] }))!;
    expect(ids(p, 0).sort()).toEqual([a.id, inside.id].sort());
    expect(ids(p, 6)).toEqual([under.id]);
  });

  it('reports deeper overlapping tables and bottommost = false when older data lies below', () => {
    // Static sizing: base L1; L2 and L3 hold data under part of the range.
    const ls = new Leveled({ ...small, dynamicLevelBytes: false });
    const inL2 = meta('b', 'c', MiB);
    const inL3 = meta('d', 'e', MiB);
    const p = ls.pick(
      tree({ 0: l0(meta('a', 'f', MiB), meta('a', 'f', MiB), meta('a', 'f', MiB), meta('a', 'f', MiB)), 2: [inL2, meta('x', 'y', MiB)], 3: [inL3] }),
    )!;
    expect(p.outputLevel).toBe(1);
    expect(p.bottommost).toBe(false);
    expect(p.deeperTables!.map((d) => [d.level, d.tables.map((t) => t.id)])).toEqual([
      [2, [inL2.id]],
      [3, [inL3.id]],
    ]);
    const p2 = ls.pick(tree({ 0: l0(meta('a', 'f', MiB), meta('a', 'f', MiB), meta('a', 'f', MiB), meta('a', 'f', MiB)), 2: [meta('x', 'y', MiB)] }))!;
    expect(p2.bottommost).toBe(true);
    expect(p2.deeperTables).toEqual([]);
  });
});

describe('Leveled.pick: level size', () => {
  it('picks the table with the least next-level overlap per byte, with its overlaps', () => {
    const l = new Leveled({ ...small, dynamicLevelBytes: false, levelBaseBytes: 4 * MiB });
    // L1 is 6 MiB > 4 MiB target.
    const t1 = meta('a', 'c', 2 * MiB); // overlaps 3 MiB below: ratio 1.5
    const t2 = meta('d', 'f', 2 * MiB); // overlaps 1 MiB below: ratio 0.5 <- chosen
    const t3 = meta('g', 'i', 2 * MiB); // overlaps 4 MiB below: ratio 2
    const l2 = [meta('a', 'b', 3 * MiB), meta('e', 'e', 1 * MiB), meta('h', 'i', 4 * MiB)];
    const p = l.pick(tree({ 1: [t1, t2, t3], 2: l2 }))!;
    expect(p.reason).toBe('level-size');
    expect(p.outputLevel).toBe(2);
    expect(ids(p, 1)).toEqual([t2.id]);
    expect(ids(p, 2)).toEqual([l2[1]!.id]);
    expect(p.trivialMove).toBe(false);
    expect(p.bottommost).toBe(true);
  });

  it('deletion-heavy tables look bigger to the picker', () => {
    const l = new Leveled({ ...small, dynamicLevelBytes: false, levelBaseBytes: 4 * MiB });
    const plain = meta('a', 'c', 2 * MiB, { entries: 1000, tombstones: 0 }); // ratio 1
    const deletes = meta('d', 'f', 2 * MiB, { entries: 1000, tombstones: 1000 }); // compensated 3x: ratio 1/3 (1 without compensation: a tie)
    const p = l.pick(tree({ 1: [plain, deletes, meta('g', 'h', 1 * MiB)], 2: [meta('a', 'b', 2 * MiB), meta('e', 'e', 2 * MiB), meta('g', 'h', 9 * MiB)] }))!;
    expect(ids(p, 1)).toEqual([deletes.id]);
  });

  it('trivially moves a table with no overlap below', () => {
    const l = new Leveled({ ...small, dynamicLevelBytes: false, levelBaseBytes: 4 * MiB });
    const lone = meta('m', 'n', 2 * MiB);
    const p = l.pick(tree({ 1: [meta('a', 'c', 2 * MiB), lone, meta('x', 'z', 2 * MiB)], 2: [meta('a', 'b', MiB), meta('y', 'z', MiB)] }))!;
    expect(p.trivialMove).toBe(true);
    expect(p.inputs).toEqual([{ level: 1, tables: [lone] }]);
    expect(p.outputLevel).toBe(2);
  });

  it('rewrites instead of moving a table that would overlap too much of the level below its destination', () => {
    const l = new Leveled({ ...small, dynamicLevelBytes: false, levelBaseBytes: 4 * MiB, maxGrandparentOverlapBytes: 5 * MiB });
    const lone = meta('m', 'n', 5 * MiB);
    const p = l.pick(tree({ 1: [lone], 3: [meta('m', 'm', 3 * MiB), meta('n', 'n', 3 * MiB)] }))!;
    expect(p.trivialMove).toBe(false);
    expect(p.inputs).toEqual([{ level: 1, tables: [lone] }]);
    expect(p.outputLevel).toBe(2);
    expect(p.bottommost).toBe(false);
    expect(p.maxGrandparentOverlapBytes).toBe(5 * MiB);
    expect(p.deeperTables![0]!.level).toBe(3);
  });

  it('widens the input level inside the combined range, within maxCompactionBytes', () => {
    const base = { ...small, dynamicLevelBytes: false, levelBaseBytes: 4 * MiB };
    const a = meta('b', 'c', 3 * MiB); // overlaps the wide L2 table
    const b2 = meta('e', 'f', 3 * MiB); // also inside it: joins
    const c = meta('x', 'y', 3 * MiB); // elsewhere
    const wide = meta('a', 'g', 1 * MiB);
    const view = tree({ 1: [a, b2, c], 2: [wide, meta('x', 'x', 30 * MiB)] });
    const p = new Leveled(base).pick(view)!;
    expect(ids(p, 1)).toEqual([a.id, b2.id]);
    expect(ids(p, 2)).toEqual([wide.id]);
    const limited = new Leveled({ ...base, maxCompactionBytes: 6 * MiB }).pick(view)!;
    expect(ids(limited, 1)).toEqual([a.id]);
  });

  it('scores decide between levels: the highest wins, L0 included', () => {
    const l = new Leveled({ ...small, dynamicLevelBytes: false, levelBaseBytes: 4 * MiB });
    const l0s = l0(meta('a', 'z', MiB), meta('a', 'z', MiB), meta('a', 'z', MiB), meta('a', 'z', MiB), meta('a', 'z', MiB)); // 1.25
    const over = [meta('a', 'c', 6 * MiB), meta('d', 'f', 6 * MiB)]; // L1 12 MiB / 4 MiB = 3
    expect(l.pick(tree({ 0: l0s, 1: over }))!.outputLevel).toBe(2);
    const lessOver = [meta('a', 'c', 2 * MiB), meta('d', 'f', 2.5 * MiB)]; // 1.125
    expect(l.pick(tree({ 0: l0s, 1: lessOver }))!.reason).toBe('l0-files');
    expect(l.pick(tree({ 1: lessOver }))!.reason).toBe('level-size');
    expect(l.pick(tree({ 1: [meta('a', 'c', 4 * MiB)] }))).not.toBeNull(); // score exactly 1 compacts
    expect(l.pick(tree({ 1: [meta('a', 'c', 4 * MiB - 1)] }))).toBeNull();
  });

  it('levels past the base are scored against dynamic targets; the last level never', () => {
    const l = new Leveled(small); // base 10 MiB
    // L6 = 200 MiB: L5 target 20 MiB (> 10 MiB, so the base is L4); L5 holds 30 MiB (score 1.5).
    const view = tree({ 5: [meta('a', 'm', 15 * MiB), meta('n', 'z', 15 * MiB)], 6: [meta('a', 'z', 200 * MiB)] });
    const stats = l.levelStats(view);
    expect(stats.baseLevel).toBe(4);
    expect(stats.levels[4]!.target).toBe(10 * MiB);
    expect(stats.levels[5]!.target).toBeCloseTo(20 * MiB, -2);
    expect(stats.levels[5]!.score).toBeCloseTo(1.5, 3);
    expect(stats.levels[6]!.score).toBe(0);
    const p = l.pick(view)!;
    expect(p.outputLevel).toBe(6);
    expect(p.bottommost).toBe(true);
    // A huge last level alone is never compacted.
    expect(l.pick(tree({ 6: [meta('a', 'z', 5000 * MiB)] }))).toBeNull();
  });
});

describe('Leveled.pickMajor', () => {
  const l = new Leveled(small);

  it('is null for an empty tree', () => {
    expect(l.pickMajor(tree({}))).toBeNull();
  });

  it('merges everything into the deepest non-empty level', () => {
    const a = meta('a', 'z', MiB, { largestSeqno: 100 });
    const b1 = meta('a', 'c', MiB);
    const b2 = meta('d', 'f', MiB);
    const c = meta('b', 'y', MiB);
    const p = l.pickMajor(tree({ 0: [a], 3: [b1, b2], 5: [c] }))!;
    expect(p.reason).toBe('major');
    expect(p.outputLevel).toBe(5);
    expect(p.bottommost).toBe(true);
    expect(p.trivialMove).toBe(false);
    expect(p.inputs.map((g) => [g.level, g.tables.map((t) => t.id)])).toEqual([
      [0, [a.id]],
      [3, [b1.id, b2.id]],
      [5, [c.id]],
    ]);
  });

  it('with only L0 data, targets the base level', () => {
    expect(l.pickMajor(tree({ 0: [meta('a', 'b', 1)] }))!.outputLevel).toBe(6);
    expect(new Leveled({ dynamicLevelBytes: false }).pickMajor(tree({ 0: [meta('a', 'b', 1)] }))!.outputLevel).toBe(1);
  });

  it('rewrites a tree that is already one level (old versions and deletions may be reclaimable)', () => {
    const t = meta('a', 'b', MiB, { tombstones: 3 });
    const p = l.pickMajor(tree({ 6: [t] }))!;
    expect(p.outputLevel).toBe(6);
    expect(p.inputs).toEqual([{ level: 6, tables: [t] }]);
  });
});

describe('Leveled with a custom comparator', () => {
  it('orders keys by it', () => {
    const reverse = { name: 'test.reverse', compare: (a: Uint8Array, b: Uint8Array) => -Buffer.compare(a, b) };
    const l = new Leveled({ ...small, comparator: reverse, dynamicLevelBytes: false });
    // Under reverse order [z..x] is "smaller" than [c..a].
    const p = l.pick(
      tree({ 0: l0(meta('c', 'a', MiB, { largestSeqno: 1 }), meta('z', 'x', MiB, { largestSeqno: 2 }), meta('q', 'p', MiB, { largestSeqno: 3 }), meta('n', 'm', MiB, { largestSeqno: 4 })), 1: [meta('z', 'y', MiB), meta('b', 'b', MiB)] }),
    )!;
    // The oldest is [c..a]; it overlaps L1's [b..b] only.
    expect(p.trivialMove).toBe(false);
    expect(ids(p, 0).map(String)).toHaveLength(1);
    expect(s(p.inputs[1]!.tables[0]!.smallest)).toBe('b');
  });
});
