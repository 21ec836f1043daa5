// Leveled compaction (LevelDB / RocksDB style). L0 holds whole flushed memtables that
// overlap each other; every deeper level is one sorted run of disjoint tables, each level
// `levelMultiplier` times bigger than the one above. A compaction takes tables from one
// level plus the tables they overlap in the next and rewrites them into the next; when
// nothing in the next level overlaps, the tables just move (a manifest edit).
// When L0 must be compacted but the base level is large next to it, the newest L0 tables
// are merged into one L0 table instead (intra-L0), which cuts read amplification cheaply.
// Promises: pick/pickMajor are pure functions of the view (no I/O, no hidden state), so
// the same tree always yields the same plan; every plan keeps the level invariants.

import { bytewiseComparator, InvalidArgumentError, type Comparator, shownValue } from '@lsm/base';
import {
  overlappingInL0,
  overlappingInSortedLevel,
  pairwiseDisjoint,
  rangeOf,
  rangesOverlap,
  type KeyRange,
} from './key-range.js';
import { computeLevelTargets, computeScores, type LevelSizingOptions, type LevelTargets } from './level-sizing.js';
import type { CompactionInput, CompactionPlan, CompactionReason, CompactionStrategy } from './strategy.js';
import { compensatedSize, totalBytes, type LevelsView, type TableMeta } from './table-meta.js';

const MiB = 1024 * 1024;

/** Options of the leveled strategy. All optional; invalid values throw InvalidArgumentError. */
export interface LeveledOptions {
  /** L0 tables that trigger an L0 -> base level compaction. Integer >= 1. Default 4. */
  l0CompactionTrigger?: number;
  /** L0 tables at which the engine stalls writes. Integer >= l0CompactionTrigger. Default 20. */
  l0StallFiles?: number;
  /** Target size of the base level (L1 with static sizing), bytes. Default 64 MiB. */
  levelBaseBytes?: number;
  /** Each level's target is this many times the one above. Number in (1, 1000]. Default 10. */
  levelMultiplier?: number;
  /** Levels including L0. Integer in [2, 64]. Default 7. */
  numLevels?: number;
  /** Derive level targets from the last level's size (RocksDB dynamic level bytes). Default true. */
  dynamicLevelBytes?: boolean;
  /** Output tables are cut near this size, bytes. Default 64 MiB. */
  targetTableSize?: number;
  /**
   * A compaction is widened with more tables of its input level (when that adds nothing
   * in the output level) only while its total input stays below this. Default
   * 25 x targetTableSize.
   */
  maxCompactionBytes?: number;
  /**
   * An output table is cut once it overlaps this many bytes of the level below the
   * output level, and a table overlapping more than this there is rewritten rather than
   * trivially moved. Default 10 x targetTableSize.
   */
  maxGrandparentOverlapBytes?: number;
  /**
   * Intra-L0 compaction (RocksDB's PickIntraL0Compaction): when L0 must be compacted but
   * the L0 -> base compaction would be bigger than maxCompactionBytes (the base level is
   * large next to L0), merge the newest L0 tables into one L0 table instead, as long as
   * L0 holds at most levelBaseBytes. Default true.
   */
  intraL0?: boolean;
  /** Fewest L0 tables an intra-L0 compaction merges. Integer >= 2. Default 4. */
  intraL0MinFiles?: number;
  /** User-key order of the tables (must be the engine's). Default bytewise. */
  comparator?: Comparator;
}

/** Per-level numbers behind a pick, for stats and tools. */
export interface LevelStats {
  readonly level: number;
  readonly tables: number;
  readonly bytes: number;
  /** Target bytes (0 for L0 and for levels above the base level). */
  readonly target: number;
  /** >= 1 means the level needs compacting (0 for the last level). */
  readonly score: number;
}

/** The resolved options of a Leveled instance. */
export type ResolvedLeveledOptions = Readonly<Required<LeveledOptions>>;

export class Leveled implements CompactionStrategy {
  readonly name = 'leveled';
  readonly l0StallFiles: number;
  readonly l0CompactionTrigger: number;
  /** Every option with its default applied. */
  readonly options: ResolvedLeveledOptions;
  private readonly cmp: Comparator;
  private readonly sizing: LevelSizingOptions;

  constructor(options: LeveledOptions = {}) {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError('Leveled options must be an object');
    const o = resolveOptions(options);
    this.options = Object.freeze(o);
    this.cmp = o.comparator;
    this.l0StallFiles = o.l0StallFiles;
    this.l0CompactionTrigger = o.l0CompactionTrigger;
    this.sizing = {
      levelBaseBytes: o.levelBaseBytes,
      levelMultiplier: o.levelMultiplier,
      numLevels: o.numLevels,
      dynamicLevelBytes: o.dynamicLevelBytes,
      l0CompactionTrigger: o.l0CompactionTrigger,
    };
  }

  /**
   * The most urgent compaction, or null. The level with the highest score >= 1 wins
   * (ties go to the shallower level):
   * - L0 (score = tables / l0CompactionTrigger): the oldest L0 table and every L0 table
   *   overlapping it, transitively, go into the base level with the base-level tables
   *   they overlap. When that is one table overlapping nothing, it is a trivial move,
   *   widened to every other L0 table that can also move (disjoint from the base level,
   *   from each other, and from the older L0 tables that stay).
   * - Ln (score = bytes / target): the table with the least overlap in Ln+1 per byte
   *   (deletion-heavy tables count bigger), plus what it overlaps in Ln+1.
   * Either way the input level is then widened with tables that fit inside the combined
   * key range without pulling in more of the output level (within maxCompactionBytes).
   */
  pick(view: LevelsView): CompactionPlan | null {
    const levels = this.normalize(view);
    const bytes = levels.map(totalBytes);
    const sizing = computeLevelTargets(bytes, levels[0]!.length, this.sizing);
    const scores = computeScores(bytes, levels[0]!.length, sizing, this.sizing);
    let best = -1;
    let bestScore = 0;
    for (let i = 0; i < scores.length - 1; i++) {
      const s = scores[i]!;
      if (s >= 1 && s > bestScore && levels[i]!.length > 0) {
        best = i;
        bestScore = s;
      }
    }
    if (best < 0) return null;
    return best === 0 ? this.pickL0(levels, sizing.baseLevel) : this.pickLevel(levels, best);
  }

  /**
   * Major compaction: every table of every level in one plan, written into the deepest
   * non-empty level below L0 (or into the base level when only L0 holds data). The plan
   * is bottommost, so every deletion and every version no snapshot needs is dropped.
   * Null when the tree is empty.
   */
  pickMajor(view: LevelsView): CompactionPlan | null {
    const levels = this.normalize(view);
    let deepest = 0;
    for (let i = 1; i < levels.length; i++) if (levels[i]!.length > 0) deepest = i;
    const inputs: CompactionInput[] = [];
    for (let i = 0; i < levels.length; i++) if (levels[i]!.length > 0) inputs.push({ level: i, tables: [...levels[i]!] });
    if (inputs.length === 0) return null;
    let outputLevel = deepest;
    if (outputLevel === 0) {
      const bytes = levels.map(totalBytes);
      outputLevel = computeLevelTargets(bytes, levels[0]!.length, this.sizing).baseLevel;
    }
    return this.plan('major', inputs, outputLevel, false, levels);
  }

  /** Base level, targets and scores of every level: what pick() decides from. */
  levelStats(view: LevelsView): { baseLevel: number; levels: LevelStats[] } {
    const levels = this.normalize(view);
    const bytes = levels.map(totalBytes);
    const sizing: LevelTargets = computeLevelTargets(bytes, levels[0]!.length, this.sizing);
    const scores = computeScores(bytes, levels[0]!.length, sizing, this.sizing);
    return {
      baseLevel: sizing.baseLevel,
      levels: levels.map((l, i) => ({ level: i, tables: l.length, bytes: bytes[i]!, target: sizing.targets[i]!, score: scores[i]! })),
    };
  }

  private pickL0(levels: readonly (readonly TableMeta[])[], baseLevel: number): CompactionPlan {
    const cmp = this.cmp;
    const l0 = levels[0]!;
    const base = levels[baseLevel]!;
    // Oldest first: data must leave L0 in age order wherever tables overlap.
    const byAge = [...l0].sort((a, b) => a.largestSeqno - b.largestSeqno || a.id - b.id);
    const oldest = byAge[0]!;
    const closure = overlappingInL0(cmp, l0, oldest);
    let inputs = closure.tables;
    let outputs = overlappingInSortedLevel(cmp, base, closure.range);

    if (outputs.length === 0 && inputs.length === 1 && this.grandparentOk(levels, baseLevel, oldest)) {
      return this.plan('l0-files', [{ level: 0, tables: this.widenL0Move(levels, baseLevel, byAge) }], baseLevel, true, levels);
    }
    ({ inputs, outputs } = this.widen(levels, 0, baseLevel, inputs, outputs));
    if (outputs.length === 0 && pairwiseDisjoint(cmp, inputs) && inputs.every((t) => this.grandparentOk(levels, baseLevel, t))) {
      return this.plan('l0-files', [{ level: 0, tables: inputs }], baseLevel, true, levels);
    }
    if (this.options.intraL0 && totalBytes(inputs) + totalBytes(outputs) > this.options.maxCompactionBytes) {
      const intra = this.pickIntraL0(l0);
      if (intra !== null) return intra;
    }
    return this.plan('l0-files', this.inputList(0, inputs, baseLevel, outputs), baseLevel, false, levels);
  }

  /**
   * Intra-L0: the longest run of the newest L0 tables (at least intraL0MinFiles, at most
   * maxCompactionBytes in all) merged into one L0 table, when L0 holds at most
   * levelBaseBytes (beyond that L0 must drain into the base level, or it would grow
   * without bound). The run is a newest-first prefix of L0 whose seqnos are all above
   * those of every older L0 table it overlaps, so the output (whose largestSeqno is the
   * run's newest) sits where the run was in L0's newest-first order and no key's
   * versions get out of order. Not bottommost: older L0 tables and deeper levels may
   * hold what its deletions delete. Null when no such run exists.
   */
  private pickIntraL0(l0: readonly TableMeta[]): CompactionPlan | null {
    const o = this.options;
    if (totalBytes(l0) > o.levelBaseBytes) return null;
    const newestFirst = [...l0].sort((a, b) => b.largestSeqno - a.largestSeqno || b.id - a.id);
    let n = 0;
    let bytes = 0;
    while (n < newestFirst.length && bytes + newestFirst[n]!.size <= o.maxCompactionBytes) bytes += newestFirst[n++]!.size;
    for (; n >= o.intraL0MinFiles; n--) {
      const run = newestFirst.slice(0, n);
      const minSeq = Math.min(...run.map((t) => t.smallestSeqno));
      const range = rangeOf(this.cmp, run);
      const older = newestFirst.slice(n).filter((t) => rangesOverlap(this.cmp, t, range));
      if (older.every((t) => t.largestSeqno < minSeq)) {
        return {
          reason: 'intra-l0',
          inputs: [{ level: 0, tables: run }],
          outputLevel: 0,
          trivialMove: false,
          bottommost: false,
          targetTableSize: Number.MAX_SAFE_INTEGER,
        };
      }
    }
    return null;
  }

  /**
   * The L0 tables a trivial move can take along with the oldest one: walking from oldest
   * to newest, a table moves when it overlaps nothing in the base level, nothing already
   * moving, and no older table that stays in L0 (an older table left above a newer one
   * would shadow it).
   */
  private widenL0Move(levels: readonly (readonly TableMeta[])[], baseLevel: number, byAge: readonly TableMeta[]): TableMeta[] {
    const cmp = this.cmp;
    const base = levels[baseLevel]!;
    const moving: TableMeta[] = [];
    const staying: TableMeta[] = [];
    for (const t of byAge) {
      const ok =
        overlappingInSortedLevel(cmp, base, t).length === 0 &&
        !moving.some((m) => rangesOverlap(cmp, m, t)) &&
        !staying.some((s) => rangesOverlap(cmp, s, t)) &&
        this.grandparentOk(levels, baseLevel, t);
      (ok ? moving : staying).push(t);
    }
    // Keep the level's newest-first order in the plan.
    return levels[0]!.filter((t) => moving.includes(t));
  }

  private pickLevel(levels: readonly (readonly TableMeta[])[], level: number): CompactionPlan {
    const cmp = this.cmp;
    const src = levels[level]!;
    const next = levels[level + 1]!;
    // RocksDB's kMinOverlappingRatio: the table that costs least to push down per byte it
    // frees, which also keeps write amplification low. Ties go to the smallest key.
    let chosen = src[0]!;
    let bestRatio = Infinity;
    for (const t of src) {
      const ratio = totalBytes(overlappingInSortedLevel(cmp, next, t)) / Math.max(1, compensatedSize(t));
      if (ratio < bestRatio) {
        bestRatio = ratio;
        chosen = t;
      }
    }
    let inputs: TableMeta[] = [chosen];
    let outputs = overlappingInSortedLevel(cmp, next, chosen);
    if (outputs.length === 0 && this.grandparentOk(levels, level + 1, chosen)) {
      return this.plan('level-size', [{ level, tables: inputs }], level + 1, true, levels);
    }
    ({ inputs, outputs } = this.widen(levels, level, level + 1, inputs, outputs));
    return this.plan('level-size', this.inputList(level, inputs, level + 1, outputs), level + 1, false, levels);
  }

  /**
   * LevelDB's SetupOtherInputs: take every input-level table inside the key range of
   * inputs + outputs, if that pulls in no further output-level table and the whole
   * compaction stays under maxCompactionBytes.
   */
  private widen(
    levels: readonly (readonly TableMeta[])[],
    level: number,
    outputLevel: number,
    inputs: TableMeta[],
    outputs: TableMeta[],
  ): { inputs: TableMeta[]; outputs: TableMeta[] } {
    if (outputs.length === 0) return { inputs, outputs };
    const cmp = this.cmp;
    const all = rangeOf(cmp, [...inputs, ...outputs]);
    const wider = level === 0 ? overlappingInL0(cmp, levels[0]!, all).tables : overlappingInSortedLevel(cmp, levels[level]!, all);
    if (wider.length <= inputs.length) return { inputs, outputs };
    if (totalBytes(wider) + totalBytes(outputs) >= this.options.maxCompactionBytes) return { inputs, outputs };
    const widerOutputs = overlappingInSortedLevel(cmp, levels[outputLevel]!, rangeOf(cmp, wider));
    if (widerOutputs.length !== outputs.length) return { inputs, outputs };
    return { inputs: wider, outputs };
  }

  /** True when moving `t` into `outputLevel` would not overlap too much of the level below. */
  private grandparentOk(levels: readonly (readonly TableMeta[])[], outputLevel: number, t: KeyRange): boolean {
    const gp = levels[outputLevel + 1];
    if (gp === undefined) return true;
    return totalBytes(overlappingInSortedLevel(this.cmp, gp, t)) <= this.options.maxGrandparentOverlapBytes;
  }

  private inputList(level: number, inputs: TableMeta[], outputLevel: number, outputs: TableMeta[]): CompactionInput[] {
    const list: CompactionInput[] = [{ level, tables: inputs }];
    if (outputs.length > 0) list.push({ level: outputLevel, tables: outputs });
    return list;
  }

  /** Builds a plan, working out bottommost and the overlapping deeper tables. */
  private plan(
    reason: CompactionReason,
    inputs: CompactionInput[],
    outputLevel: number,
    trivialMove: boolean,
    levels: readonly (readonly TableMeta[])[],
  ): CompactionPlan {
    const cmp = this.cmp;
    const range = rangeOf(cmp, inputs.flatMap((g) => g.tables));
    const deeperTables: { level: number; tables: TableMeta[] }[] = [];
    for (let i = outputLevel + 1; i < levels.length; i++) {
      const tables = overlappingInSortedLevel(cmp, levels[i]!, range);
      if (tables.length > 0) deeperTables.push({ level: i, tables });
    }
    return {
      reason,
      inputs,
      outputLevel,
      trivialMove,
      bottommost: deeperTables.length === 0,
      targetTableSize: this.options.targetTableSize,
      deeperTables,
      maxGrandparentOverlapBytes: this.options.maxGrandparentOverlapBytes,
    };
  }

  /** The view's levels padded to numLevels; a view with data beyond numLevels is refused. */
  private normalize(view: LevelsView): (readonly TableMeta[])[] {
    if (typeof view !== 'object' || view === null || !Array.isArray(view.levels)) {
      throw new InvalidArgumentError('view.levels must be an array of levels');
    }
    const n = this.options.numLevels;
    const levels: (readonly TableMeta[])[] = [];
    for (let i = 0; i < view.levels.length; i++) {
      const l = view.levels[i];
      if (!Array.isArray(l)) throw new InvalidArgumentError(`view.levels[${i}] must be an array`);
      if (i >= n) {
        if (l.length > 0) throw new InvalidArgumentError(`view has tables in L${i}, but the strategy has ${n} levels`);
        continue;
      }
      levels.push(l);
    }
    while (levels.length < n) levels.push([]);
    return levels;
  }
}

function resolveOptions(o: LeveledOptions): Required<LeveledOptions> {
  const l0CompactionTrigger = integer(o.l0CompactionTrigger, 4, 'l0CompactionTrigger', 1, 1 << 20);
  const l0StallFiles = integer(o.l0StallFiles, Math.max(20, l0CompactionTrigger), 'l0StallFiles', l0CompactionTrigger, 1 << 20);
  const levelBaseBytes = integer(o.levelBaseBytes, 64 * MiB, 'levelBaseBytes', 1, Number.MAX_SAFE_INTEGER);
  const levelMultiplier = o.levelMultiplier ?? 10;
  if (typeof levelMultiplier !== 'number' || !Number.isFinite(levelMultiplier) || levelMultiplier <= 1 || levelMultiplier > 1000) {
    throw new InvalidArgumentError(`levelMultiplier must be a number in (1, 1000], got ${shownValue(o.levelMultiplier)}`);
  }
  const numLevels = integer(o.numLevels, 7, 'numLevels', 2, 64);
  const dynamicLevelBytes = o.dynamicLevelBytes ?? true;
  if (typeof dynamicLevelBytes !== 'boolean') throw new InvalidArgumentError('dynamicLevelBytes must be a boolean');
  const targetTableSize = integer(o.targetTableSize, 64 * MiB, 'targetTableSize', 1, Number.MAX_SAFE_INTEGER);
  const maxCompactionBytes = integer(o.maxCompactionBytes, 25 * targetTableSize, 'maxCompactionBytes', 1, Number.MAX_SAFE_INTEGER);
  const maxGrandparentOverlapBytes = integer(
    o.maxGrandparentOverlapBytes,
    10 * targetTableSize,
    'maxGrandparentOverlapBytes',
    1,
    Number.MAX_SAFE_INTEGER,
  );
  const intraL0 = o.intraL0 ?? true;
  if (typeof intraL0 !== 'boolean') throw new InvalidArgumentError('intraL0 must be a boolean');
  const intraL0MinFiles = integer(o.intraL0MinFiles, 4, 'intraL0MinFiles', 2, 1 << 20);
  const comparator = o.comparator ?? bytewiseComparator;
  if (typeof comparator !== 'object' || comparator === null || typeof comparator.compare !== 'function' || typeof comparator.name !== 'string') {
    throw new InvalidArgumentError('comparator must have a name and a compare function');
  }
  return {
    l0CompactionTrigger,
    l0StallFiles,
    levelBaseBytes,
    levelMultiplier,
    numLevels,
    dynamicLevelBytes,
    targetTableSize,
    maxCompactionBytes,
    maxGrandparentOverlapBytes,
    intraL0,
    intraL0MinFiles,
    comparator,
  };
}

function integer(v: number | undefined, dflt: number, name: string, min: number, max: number): number {
  const x = v ?? dflt;
  if (typeof x !== 'number' || !Number.isSafeInteger(x) || x < min || x > max) {
    throw new InvalidArgumentError(`${name} must be an integer in [${min}, ${max}], got ${shownValue(v)}`);
  }
  return x;
}
