import { describe, expect, it } from 'vitest';
import { ArrayIterator, bytewiseComparator, FragmentedRangeTombstones, InvalidArgumentError, isLsmError, ValueType, type Entry, type InternalIterator } from '@lsm/base';
import { appendWithSeparator, emptyGcStats, GcIterator, SnapshotStripes, type GcStats } from '../src/index.js';
import { b, s } from './helpers.js';

const T = ValueType.Tombstone;
const W = ValueType.WeakTombstone;
const NAMES = ['T', 'V', 'M', 'W', 'I'];

/** "a@5V a@4T b@3M" -> entries. */
function entries(spec: string): Entry[] {
  return spec
    .split(/\s+/)
    .filter(Boolean)
    .map((tok) => {
      const m = /^(\w+)@(\d+)([TVMWI])$/.exec(tok)!;
      const type = NAMES.indexOf(m[3]!) as ValueType;
      return { userKey: b(m[1]!), seqno: Number(m[2]), type, value: type === T || type === W ? new Uint8Array(0) : b(`${m[1]}${m[2]}`) };
    });
}

function gc(
  spec: string,
  opts: { snapshots?: number[]; visible?: number; bottom?: boolean | ((k: string) => boolean); keepChangesAbove?: number } = {},
): { out: string; stats: GcStats } {
  const list = entries(spec);
  const visible = opts.visible ?? Math.max(0, ...list.map((e) => e.seqno));
  const bottom = opts.bottom ?? false;
  const it = new GcIterator(new ArrayIterator(list), {
    comparator: bytewiseComparator,
    snapshots: opts.snapshots ?? [],
    visibleSeqno: visible,
    keyIsBottommost: (k) => (typeof bottom === 'function' ? bottom(s(k)) : bottom),
    ...(opts.keepChangesAbove !== undefined ? { keepChangesAbove: opts.keepChangesAbove } : {}),
  });
  const out: string[] = [];
  for (it.seekToFirst(); it.valid(); it.next()) {
    out.push(`${s(it.userKey())}@${it.seqno()}${NAMES[it.type()]}`);
    if (it.type() !== T && it.type() !== W) expect(s(it.value())).toBe(`${s(it.userKey())}${it.seqno()}`);
  }
  return { out: out.join(' '), stats: it.stats };
}

describe('GcIterator: shadowed versions', () => {
  it('without snapshots keeps only the newest version', () => {
    const r = gc('a@3V a@2V a@1V b@5V');
    expect(r.out).toBe('a@3V b@5V');
    expect(r.stats).toEqual({ ...emptyGcStats(), entriesIn: 4, entriesOut: 2, droppedVersions: 2, droppedTombstones: 0 });
  });

  it('keeps the newest version of each snapshot stripe', () => {
    expect(gc('a@5V a@4V a@3V a@2V a@1V', { snapshots: [2, 4] }).out).toBe('a@5V a@4V a@2V');
    // A snapshot equal to a seqno sees that version.
    expect(gc('a@5V a@3V a@1V', { snapshots: [3] }).out).toBe('a@5V a@3V');
    // A snapshot older than every version needs none of them.
    expect(gc('a@5V a@3V', { snapshots: [1] }).out).toBe('a@5V');
  });

  it('treats Indirection like a Value', () => {
    expect(gc('a@3I a@2V a@1I', { snapshots: [2] }).out).toBe('a@3I a@2V');
  });

  it('keeps versions written above visibleSeqno for future readers, in their own stripe', () => {
    expect(gc('a@7V a@6V a@5V a@4V', { visible: 5 }).out).toBe('a@7V a@5V');
  });

  it('accepts snapshots in any order and duplicated', () => {
    expect(gc('a@5V a@4V a@3V a@2V a@1V', { snapshots: [4, 2, 4] }).out).toBe('a@5V a@4V a@2V');
  });
});

describe('GcIterator: tombstones', () => {
  it('drops a tombstone in the oldest stripe when nothing older can exist below, with what it hides', () => {
    const r = gc('a@3T a@2V a@1V b@1V', { bottom: true });
    expect(r.out).toBe('b@1V');
    expect(r.stats).toEqual({ ...emptyGcStats(), entriesIn: 4, entriesOut: 1, droppedVersions: 2, droppedTombstones: 1, maxDroppedDeletionSeqno: 3 });
  });

  it('keeps it when a deeper level may hold the key', () => {
    expect(gc('a@3T a@2V', { bottom: false }).out).toBe('a@3T');
    expect(gc('a@3T b@2T', { bottom: (k) => k === 'b' }).out).toBe('a@3T');
  });

  it('keeps it when a snapshot below it still sees older data', () => {
    const r = gc('a@3T a@2V a@1V', { snapshots: [2], bottom: true });
    expect(r.out).toBe('a@3T a@2V');
    // The tombstone's stripe reaches the snapshot: seqno <= smallest snapshot.
    expect(gc('a@3T a@2V', { snapshots: [3], bottom: true }).out).toBe('');
  });

  it('drops the older of two deletions in one stripe as shadowed', () => {
    const r = gc('a@4T a@3T a@2V');
    expect(r.out).toBe('a@4T');
    expect(r.stats.droppedTombstones).toBe(1);
    expect(r.stats.droppedVersions).toBe(1);
  });

  it('a tombstone hidden by a value stays (a weak tombstone may later cancel the value), except at the bottom', () => {
    expect(gc('a@4V a@3T a@2V').out).toBe('a@4V a@3T');
    expect(gc('a@4V a@3T a@2V', { bottom: true }).out).toBe('a@4V');
  });

  it('a deletion hidden by a tombstone goes: the tombstone hides the same and never cancels', () => {
    expect(gc('a@5T a@4T a@3W a@1T').out).toBe('a@5T');
  });

  it('regression: a hidden tombstone dropped under a value let a later weak tombstone uncover older data', () => {
    // First compaction (not at the bottom: older data for the key lies deeper).
    const first = gc('a@1029V a@912T').out;
    expect(first).toBe('a@1029V a@912T');
    // Later the weak tombstone meets the value: the pair goes, the tombstone still hides a@166M a@40V below.
    expect(gc('a@1427W a@1029V a@912T').out).toBe('a@912T');
  });

  it('asks keyIsBottommost lazily, once per key, in key order', () => {
    const asked: string[] = [];
    gc('a@3V b@4T b@2V c@5V c@4T d@6T e@1T', {
      bottom: (k) => {
        asked.push(k);
        return true;
      },
    });
    // Only keys with a deletion in the oldest stripe are asked about (not a).
    expect(asked).toEqual(['b', 'c', 'd', 'e']);
  });
});

describe('GcIterator: weak tombstones', () => {
  it('cancels with the value right under it in the same stripe', () => {
    const r = gc('a@5W a@4V');
    expect(r.out).toBe('');
    expect(r.stats).toEqual({ ...emptyGcStats(), entriesIn: 2, entriesOut: 0, droppedVersions: 1, droppedTombstones: 1, maxDroppedDeletionSeqno: 5 });
    expect(gc('a@5W a@4I').out).toBe('');
    // Change history kept above 4: the weak tombstone stays (a deletion), the value under it goes.
    expect(gc('a@5W a@4V', { keepChangesAbove: 4 }).out).toBe('a@5W');
    expect(gc('a@5W a@4V', { keepChangesAbove: 5 }).out).toBe('');
  });

  it('survives when a snapshot separates them', () => {
    expect(gc('a@5W a@4V', { snapshots: [4] }).out).toBe('a@5W a@4V');
  });

  it('after cancelling, what lies below is visible again', () => {
    expect(gc('a@5W a@4V a@3T a@2V').out).toBe('a@3T');
    expect(gc('a@7W a@6V a@5W a@4V').out).toBe('');
  });

  it('is kept (as a deletion) when the next entry is not a value, or there is none', () => {
    // The tombstone under it stays: were it dropped, the weak tombstone could later cancel a@3V.
    expect(gc('a@5W a@4T a@3V').out).toBe('a@5W a@4T');
    // A hidden weak tombstone still cancels with the value under it.
    expect(gc('a@5W a@4W a@3V').out).toBe('a@5W');
    expect(gc('a@5W b@4V').out).toBe('a@5W b@4V');
    expect(gc('a@5W').out).toBe('a@5W');
  });

  it('at the bottom, in the oldest stripe, is dropped like a tombstone', () => {
    expect(gc('a@5W', { bottom: true }).out).toBe('');
    expect(gc('a@5W a@4T a@3V', { bottom: true }).out).toBe('');
    expect(gc('a@5W a@4V', { snapshots: [4], bottom: true }).out).toBe('a@5W a@4V');
  });

  it('a weak tombstone hidden by a value cancels with the value under it, or stays', () => {
    expect(gc('a@5V a@4W a@3V a@2T').out).toBe('a@5V a@2T');
    expect(gc('a@5V a@4W a@3T a@2V').out).toBe('a@5V a@4W a@3T');
    expect(gc('a@5T a@4W a@3T').out).toBe('a@5T');
  });

  it('keeps the held weak tombstone intact while the input moves on', () => {
    // The weak tombstone is emitted from a copy after peeking at b.
    expect(gc('a@5W b@4V b@3V').out).toBe('a@5W b@4V');
  });
});

describe('GcIterator: merge operands', () => {
  it('keeps the chain down to and including its base, drops what the base hides', () => {
    expect(gc('a@5M a@4M a@3V a@2V a@1M').out).toBe('a@5M a@4M a@3V');
  });

  it('a merge chain reads across stripes; each stripe keeps its newest entry', () => {
    expect(gc('a@5M a@4V a@3V a@2M a@1V', { snapshots: [3] }).out).toBe('a@5M a@4V a@3V');
  });

  it('merge operands are never shadowed by nothing: all-merge histories stay', () => {
    expect(gc('a@3M a@2M a@1M', { bottom: true }).out).toBe('a@3M a@2M a@1M');
  });

  it('a deletion under operands at the bottom goes (merge over a deletion reads as merge over nothing)', () => {
    const r = gc('a@5M a@4T a@3V', { bottom: true });
    expect(r.out).toBe('a@5M');
    expect(gc('a@5M a@4T a@3V', { bottom: false }).out).toBe('a@5M a@4T');
  });

  it('a merge shadowed by a newer value in its stripe is dropped', () => {
    expect(gc('a@5V a@4M a@3M').out).toBe('a@5V');
  });
});

describe('GcIterator: output bookkeeping and input errors', () => {
  it('marks the first surviving entry of each key', () => {
    const it = new GcIterator(new ArrayIterator(entries('a@3T a@2V b@5V b@4V c@1V')), {
      comparator: bytewiseComparator,
      snapshots: [4],
      visibleSeqno: 5,
      keyIsBottommost: () => true,
    });
    const firsts: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) firsts.push(`${s(it.userKey())}${it.seqno()}:${it.isFirstOfKey()}`);
    expect(firsts).toEqual(['b5:true', 'b4:false', 'c1:true']);
  });

  /** An iterator that returns entries exactly as given (no sorting). */
  function raw(list: Entry[]): InternalIterator {
    let i = -1;
    return {
      valid: () => i >= 0 && i < list.length,
      seekToFirst: () => void (i = 0),
      next: () => void i++,
      userKey: () => list[i]!.userKey,
      seqno: () => list[i]!.seqno,
      type: () => list[i]!.type,
      value: () => list[i]!.value,
      close: () => undefined,
    } as unknown as InternalIterator;
  }
  const run = (list: Entry[]) => {
    const it = new GcIterator(raw(list), { comparator: bytewiseComparator, snapshots: [], visibleSeqno: 100, keyIsBottommost: () => false });
    for (it.seekToFirst(); it.valid(); it.next());
  };

  it('reports out-of-order input as corruption', () => {
    for (const list of [entries('b@2V a@1V'), entries('a@2V a@2T'), entries('a@2V a@3V')]) {
      let err: unknown;
      try {
        run(list);
      } catch (e) {
        err = e;
      }
      expect(isLsmError(err, 'LSM_CORRUPTION'), String(err)).toBe(true);
    }
  });

  it('reports an unknown entry type as corruption', () => {
    expect(() => run([{ userKey: b('a'), seqno: 1, type: 9 as ValueType, value: b('') }])).toThrow(/unknown type/);
  });
});

describe('SnapshotStripes', () => {
  it('puts each seqno in the stripe of the smallest read point at or above it', () => {
    const st = new SnapshotStripes([10, 5, 10], 20);
    expect(st.boundaries).toEqual([5, 10, 20]);
    expect(st.count).toBe(4);
    expect([0, 5, 6, 10, 11, 20, 21].map((x) => st.stripeOf(x))).toEqual([0, 0, 1, 1, 2, 2, 3]);
    const one = new SnapshotStripes([], 7);
    expect([6, 7, 8].map((x) => one.stripeOf(x))).toEqual([0, 0, 1]);
  });

  it('validates its inputs', () => {
    expect(() => new SnapshotStripes([], -1)).toThrow(InvalidArgumentError);
    expect(() => new SnapshotStripes([1.5], 3)).toThrow(InvalidArgumentError);
    expect(() => new SnapshotStripes([NaN], 3)).toThrow(InvalidArgumentError);
    expect(() => new SnapshotStripes(null as never, 3)).toThrow(InvalidArgumentError);
  });
});

describe('GcIterator: merge operands over a blob pointer (Indirection)', () => {
  const run = (readIndirection?: (k: Uint8Array, p: Uint8Array) => Uint8Array): string[] => {
    const list = entries('a@4M a@3M a@2I b@5V');
    const it = new GcIterator(new ArrayIterator(list), {
      comparator: bytewiseComparator,
      snapshots: [],
      visibleSeqno: 5,
      keyIsBottommost: () => false,
      mergeOperator: appendWithSeparator('+'),
      ...(readIndirection !== undefined ? { readIndirection } : {}),
    });
    const out: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) out.push(`${s(it.userKey())}@${it.seqno()}${NAMES[it.type()]}=${s(it.value())}`);
    return out;
  };

  it('are collapsed onto the value the pointer names when the engine can read it', () => {
    const reads: string[] = [];
    const out = run((k, p) => {
      reads.push(`${s(k)}:${s(p)}`);
      return b('BLOB');
    });
    expect(reads).toEqual(['a:a2']);
    expect(out).toEqual(['a@4V=BLOB+a3+a4', 'b@5V=b5']);
  });

  it('stay as they are (with the pointer) without readIndirection', () => {
    expect(run()).toEqual(['a@4M=a4', 'a@3M=a3', 'a@2I=a2', 'b@5V=b5']);
  });
});

describe('GcIterator: a range tombstone at the seqno of the operands over it (one write batch)', () => {
  // A batch at seqno 7 deleted [a, c) and then wrote a merge operand to b: the tombstone
  // covers only what is older than 7, so the operand folds onto nothing.
  const run = (spec: string, snapshots: number[] = []): string[] => {
    const it = new GcIterator(new ArrayIterator(entries(spec)), {
      comparator: bytewiseComparator,
      snapshots,
      visibleSeqno: 7,
      keyIsBottommost: () => false,
      mergeOperator: appendWithSeparator('+'),
      rangeTombstones: FragmentedRangeTombstones.build([{ start: b('a'), end: b('c'), seqno: 7 }], bytewiseComparator),
    });
    const out: string[] = [];
    for (it.seekToFirst(); it.valid(); it.next()) out.push(`${s(it.userKey())}@${it.seqno()}${NAMES[it.type()]}=${s(it.value())}`);
    return out;
  };

  it('collapses the run with no base and drops what the tombstone covers', () => {
    expect(run('b@7M b@5M b@3V')).toEqual(['b@7V=b7']);
  });

  it('collapses a lone operand although deeper levels may hold the key: the tombstone hides them', () => {
    expect(run('b@7M')).toEqual(['b@7V=b7']);
  });

  it('does not drop a value written at the tombstone seqno (after the deletion in the batch)', () => {
    expect(run('b@7V b@2V')).toEqual(['b@7V=b7']);
    expect(run('b@7V b@2V', [3])).toEqual(['b@7V=b7', 'b@2V=b2']);
  });
});
