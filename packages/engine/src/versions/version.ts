// A version: the immutable set of live tables, per level, at one point in time. Reads
// and iterators pin the version they started on (a reference count), so a compaction
// that replaces tables never deletes a file a reader still uses.

import { type TableMeta, endsBefore } from '@lsm/compaction';
import type { Comparator } from '@lsm/base';

/** Number of levels (L0 .. L6). */
export const NUM_LEVELS = 7;

/** An immutable set of tables per level. */
export class Version {
  /** levels[0]: newest first (overlapping); levels[i>0]: sorted by smallest key, disjoint. */
  readonly levels: readonly (readonly TableMeta[])[];
  private refs = 0;
  /** Called when the last reference is dropped from a version that is no longer current. */
  onUnused: ((v: Version) => void) | undefined;

  constructor(levels: readonly (readonly TableMeta[])[]) {
    this.levels = levels;
  }

  /** Takes a reference; the version's files stay on disk until it is released. */
  ref(): void {
    this.refs++;
  }

  /** Drops a reference. */
  unref(): void {
    this.refs--;
    if (this.refs === 0) this.onUnused?.(this);
  }

  /** True while a reader holds this version. */
  get referenced(): boolean {
    return this.refs > 0;
  }

  /** Every table id in this version. */
  tableIds(): number[] {
    const ids: number[] = [];
    for (const level of this.levels) for (const t of level) ids.push(t.id);
    return ids;
  }

  /** Total bytes of tables per level. */
  levelBytes(): number[] {
    return this.levels.map((l) => l.reduce((s, t) => s + t.size, 0));
  }
}

/** Orders L0 newest first: by largest seqno, then by id (a flush's id is larger). */
export function compareL0(a: TableMeta, b: TableMeta): number {
  return b.largestSeqno - a.largestSeqno || b.id - a.id;
}

/** Builds the next version from `base` by removing and adding tables; validates invariants. */
export function applyToVersion(
  base: Version,
  comparator: Comparator,
  deleted: readonly { level: number; id: number }[],
  added: readonly { level: number; meta: TableMeta }[],
): Version {
  const levels: TableMeta[][] = base.levels.map((l) => [...l]);
  while (levels.length < NUM_LEVELS) levels.push([]);
  for (const d of deleted) {
    const level = levels[d.level];
    if (level === undefined) throw new Error(`version edit deletes from level ${d.level}, beyond L${NUM_LEVELS - 1}`);
    const i = level.findIndex((t) => t.id === d.id);
    if (i < 0) throw new Error(`version edit deletes table ${d.id} which is not in L${d.level}`);
    level.splice(i, 1);
  }
  for (const a of added) {
    const level = levels[a.level];
    if (level === undefined) throw new Error(`version edit adds to level ${a.level}, beyond L${NUM_LEVELS - 1}`);
    level.push(a.meta);
  }
  levels[0]!.sort(compareL0);
  for (let i = 1; i < levels.length; i++) {
    const level = levels[i]!;
    level.sort((x, y) => comparator.compare(x.smallest, y.smallest));
    for (let j = 1; j < level.length; j++) {
      if (!endsBefore(comparator, level[j - 1]!, level[j]!.smallest)) {
        throw new Error(`tables ${level[j - 1]!.id} and ${level[j]!.id} overlap in L${i}`);
      }
    }
  }
  return new Version(levels);
}
