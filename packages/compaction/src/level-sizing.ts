// Level byte targets and compaction scores for leveled compaction. Static sizing is
// LevelDB's: L1 holds levelBaseBytes and each level below holds `levelMultiplier` times
// more. Dynamic sizing is RocksDB's level_compaction_dynamic_level_bytes: targets are
// derived from the size of the largest level, so the last level holds ~90% of the data
// (space amplification ~1.11 with a multiplier of 10) at any database size, and L0
// compacts straight into the first level that should hold data (the "base level"),
// leaving the levels above it empty while the tree is small.
// Promises: pure functions of the level sizes; never throws on a valid view.

/** The inputs of the sizing computation (validated by Leveled). */
export interface LevelSizingOptions {
  readonly levelBaseBytes: number;
  readonly levelMultiplier: number;
  readonly numLevels: number;
  readonly dynamicLevelBytes: boolean;
  readonly l0CompactionTrigger: number;
}

/** Where L0 compacts to and how big every level may grow. */
export interface LevelTargets {
  /** The level L0 compacts into (1 with static sizing). Levels 1..baseLevel-1 stay empty. */
  readonly baseLevel: number;
  /**
   * Target bytes per level, indexed by level. targets[0] is 0 (L0 is governed by its file
   * count) and levels above the base level are 0 (they should hold nothing).
   */
  readonly targets: readonly number[];
}

/**
 * Computes the base level and per-level targets from the current bytes per level
 * (`levelBytes[0]` is L0) and the number of L0 files.
 *
 * Dynamic sizing, following RocksDB's VersionStorageInfo::CalculateBaseBytes:
 * 1. With no data below L0, the base level is the last level.
 * 2. Otherwise take the largest level size M and divide it by the multiplier once per
 *    level between the first non-empty level and the last: that is what the first
 *    non-empty level would need to hold for the last level to hold M.
 *    - If that is at most levelBaseBytes / multiplier, the tree is small: the first
 *      non-empty level is the base and gets a target just above that minimum.
 *    - Otherwise move the base level up (towards L1), dividing by the multiplier each
 *      step, until its target fits in levelBaseBytes (or L1 is reached).
 * 3. When L0 is backlogged (bigger than the base target and either bigger than
 *    levelBaseBytes or holding twice the compaction trigger in files), the base target
 *    grows to the L0 size and the multiplier between base and last level shrinks to fit,
 *    so L0 -> base compactions are not starved by base -> base+1 ones.
 * 4. Targets grow by the multiplier from the base level down; no level's target is
 *    below levelBaseBytes (an hourglass-shaped tree would starve L0).
 */
export function computeLevelTargets(levelBytes: readonly number[], l0Files: number, o: LevelSizingOptions): LevelTargets {
  const n = o.numLevels;
  const targets = new Array<number>(n).fill(0);
  if (!o.dynamicLevelBytes) {
    let size = o.levelBaseBytes;
    for (let i = 1; i < n; i++) {
      targets[i] = size;
      size *= o.levelMultiplier;
    }
    return { baseLevel: 1, targets };
  }

  let maxLevelSize = 0;
  let firstNonEmpty = -1;
  for (let i = 1; i < n; i++) {
    const b = levelBytes[i] ?? 0;
    if (b > 0) {
      if (firstNonEmpty < 0) firstNonEmpty = i;
      if (b > maxLevelSize) maxLevelSize = b;
    }
  }
  const baseMax = o.levelBaseBytes;
  if (firstNonEmpty < 0) {
    // Nothing below L0: L0 compacts straight into the last level.
    targets[n - 1] = baseMax;
    return { baseLevel: n - 1, targets };
  }

  const baseMin = baseMax / o.levelMultiplier;
  let cur = maxLevelSize;
  for (let i = n - 2; i >= firstNonEmpty; i--) cur /= o.levelMultiplier;

  let baseLevel = firstNonEmpty;
  let baseLevelSize: number;
  if (cur <= baseMin) {
    baseLevelSize = baseMin + 1;
  } else {
    while (baseLevel > 1 && cur > baseMax) {
      baseLevel--;
      cur /= o.levelMultiplier;
    }
    baseLevelSize = cur > baseMax ? baseMax : Math.max(1, cur);
  }

  let multiplier = o.levelMultiplier;
  const l0Bytes = levelBytes[0] ?? 0;
  if (l0Bytes > baseLevelSize && (l0Bytes > o.levelBaseBytes || Math.floor(l0Files / 2) >= o.l0CompactionTrigger)) {
    baseLevelSize = l0Bytes;
    multiplier = baseLevel === n - 1 ? 1 : Math.pow(maxLevelSize / baseLevelSize, 1 / (n - baseLevel - 1));
  }

  let size = baseLevelSize;
  for (let i = baseLevel; i < n; i++) {
    if (i > baseLevel) size *= multiplier;
    targets[i] = Math.max(size, baseMax);
  }
  return { baseLevel, targets };
}

/**
 * Compaction scores per level: a level with score >= 1 needs compacting, the highest
 * score goes first. L0: files / l0CompactionTrigger (L0 tables overlap, so reads pay per
 * file, not per byte). Levels base..last-1: bytes / target. The last level has no score
 * (there is nowhere to compact it to), nor do levels above the base level.
 */
export function computeScores(levelBytes: readonly number[], l0Files: number, sizing: LevelTargets, o: LevelSizingOptions): number[] {
  const n = o.numLevels;
  const scores = new Array<number>(n).fill(0);
  scores[0] = l0Files / o.l0CompactionTrigger;
  for (let i = sizing.baseLevel; i < n - 1; i++) {
    const target = sizing.targets[i]!;
    scores[i] = target > 0 ? (levelBytes[i] ?? 0) / target : 0;
  }
  return scores;
}
