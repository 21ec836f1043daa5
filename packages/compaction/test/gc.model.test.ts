// Model test of MVCC garbage collection: random histories of a few keys, random snapshot
// sets, random splits of each key's history into newer levels / the compaction / older
// levels. Checks, for every key and every read point (each snapshot, "now", and a future
// reader), that reading the whole tree gives the same answer before and after GC, and
// that GC keeps exactly the oracle's survivors (so it cannot pass by keeping everything).
// Issue #7 variants add range tombstones (split across the parts by seqno), a merge
// operator (reads compared with operands resolved) and a compaction filter (reads compared
// against the input with the filter's decision applied).

import { describe, expect, it } from 'vitest';
import {
  ArrayIterator,
  bytewiseComparator,
  compareBytes,
  FragmentedRangeTombstones,
  MAX_SEQNO,
  ValueType,
  type Entry,
  type RangeTombstone,
} from '@lsm/base';
import { appendWithSeparator, collectRangeTombstones, GcIterator, SnapshotStripes, type CompactionFilter, type GcStats, type MergeOperator } from '../src/index.js';
import { expectedSurvivors, read, resolve, sameRead } from './gc-oracle.js';
import { b, BASE_SEED, key, Rng, s, withSeed } from './helpers.js';

interface Case {
  /** Per key, newest first: [above (newer levels), input (the compaction), below (older levels)]. */
  keys: { key: Uint8Array; above: Entry[]; input: Entry[]; below: Entry[]; bottommost: boolean }[];
  snapshots: number[];
  visibleSeqno: number;
  /** Range tombstones by part. */
  rt: { above: RangeTombstone[]; input: RangeTombstone[]; below: RangeTombstone[] };
}

interface Features {
  range?: boolean;
  merge?: boolean;
  filter?: boolean;
}

const op: MergeOperator = appendWithSeparator(',');
const dec = new TextDecoder();
/** Removes values whose bytes hash to 0 mod 4, changes those at 1 mod 4. */
const filter: CompactionFilter = {
  name: 'test.hash-filter',
  filter(_k, v) {
    let h = 0;
    for (const x of v) h = (h * 31 + x) >>> 0;
    if (h % 4 === 0) return 'remove';
    if (h % 4 === 1) return { change: b(`${dec.decode(v)}!`) };
    return 'keep';
  },
};

/**
 * Random histories that keep the WeakTombstone contract: a WeakTombstone is written only
 * when the key has at most one Value/Indirection and no Merge since its last deletion
 * (a range deletion counts as a deletion of the keys it covers).
 */
function genCase(rng: Rng, f: Features = {}): Case {
  const nKeys = rng.range(1, f.range ? 6 : 4);
  const hist: Entry[][] = Array.from({ length: nKeys }, () => []);
  const tombs: RangeTombstone[] = [];
  const values = new Array<number>(nKeys).fill(0);
  const merges = new Array<number>(nKeys).fill(0);
  const nOps = rng.range(1, rng.bool(0.2) ? 40 : 14);
  let seq = rng.range(0, 3);
  const types = [ValueType.Value, ValueType.Value, ValueType.Value, ValueType.Merge, ValueType.Tombstone, ValueType.WeakTombstone, ValueType.WeakTombstone, ValueType.Indirection];
  if (f.merge) types.push(ValueType.Merge, ValueType.Merge);
  for (let i = 0; i < nOps; i++) {
    seq += rng.range(1, 3);
    if (f.range && rng.bool(0.15)) {
      const a = rng.int(nKeys + 1);
      const z = a + rng.range(1, 3);
      tombs.push({ start: key(a), end: key(z), seqno: seq });
      for (let k = a; k < Math.min(z, nKeys); k++) values[k] = merges[k] = 0;
      continue;
    }
    const k = rng.int(nKeys);
    let type = rng.pick(types);
    if (type === ValueType.WeakTombstone && (values[k]! > 1 || merges[k]! > 0)) type = ValueType.Tombstone;
    if (type === ValueType.Value || type === ValueType.Indirection) values[k]!++;
    if (type === ValueType.Merge) merges[k]!++;
    if (type === ValueType.Tombstone || type === ValueType.WeakTombstone) {
      values[k] = 0;
      merges[k] = 0;
    }
    const value = type === ValueType.Tombstone || type === ValueType.WeakTombstone ? new Uint8Array(0) : b(`${'tvmwi'[type]}${seq}`);
    hist[k]!.unshift({ userKey: key(k), seqno: seq, type, value });
  }
  const maxSeq = seq;
  const visibleSeqno = rng.bool(0.15) ? rng.range(0, maxSeq) : maxSeq;
  const snapshots: number[] = [];
  for (let i = rng.range(0, rng.bool(0.3) ? 8 : 3); i > 0; i--) snapshots.push(rng.range(0, maxSeq + 1));
  if (rng.bool(0.2) && snapshots.length > 0) snapshots.push(snapshots[0]!); // duplicates are fine
  const everythingBottom = rng.bool(0.4);
  if (tombs.length > 0) {
    // Range tombstones span keys: split the whole history at two seqnos instead.
    const lo = everythingBottom ? -1 : rng.range(-1, maxSeq);
    const hi = rng.bool(0.6) ? maxSeq : rng.range(Math.max(lo, 0), maxSeq);
    const part = (x: number) => (x > hi ? 'above' : x > lo ? 'input' : 'below');
    const rt = { above: [] as RangeTombstone[], input: [] as RangeTombstone[], below: [] as RangeTombstone[] };
    for (const t of tombs) rt[part(t.seqno)].push(t);
    const keys = hist.map((h, k) => {
      const below = h.filter((e) => part(e.seqno) === 'below');
      const coveredBelow = rt.below.some((t) => compareBytes(t.start, key(k)) <= 0 && compareBytes(key(k), t.end) < 0);
      return {
        key: key(k),
        above: h.filter((e) => part(e.seqno) === 'above'),
        input: h.filter((e) => part(e.seqno) === 'input'),
        below,
        bottommost: below.length === 0 && !coveredBelow && rng.bool(0.9),
      };
    });
    return { keys, snapshots, visibleSeqno, rt };
  }
  const keys = hist.map((h, k) => {
    const i1 = rng.bool(0.6) ? 0 : rng.int(h.length + 1);
    const i2 = everythingBottom || rng.bool(0.4) ? h.length : rng.range(i1, h.length);
    const below = h.slice(i2);
    return { key: key(k), above: h.slice(0, i1), input: h.slice(i1, i2), below, bottommost: below.length === 0 && rng.bool(0.9) };
  });
  return { keys, snapshots, visibleSeqno, rt: { above: [], input: [], below: [] } };
}

/** Seqnos of the tombstones in `list` covering `k`. */
function covering(list: readonly RangeTombstone[], k: Uint8Array): number[] {
  return list.filter((t) => compareBytes(t.start, k) <= 0 && compareBytes(k, t.end) < 0).map((t) => t.seqno);
}

function runGc(c: Case, f: Features): { out: Entry[]; gc: GcIterator; bottomCalls: string[] } {
  const input = c.keys.flatMap((k) => k.input);
  const bottomCalls: string[] = [];
  const gc = new GcIterator(new ArrayIterator(input, bytewiseComparator), {
    comparator: bytewiseComparator,
    snapshots: c.snapshots,
    visibleSeqno: c.visibleSeqno,
    keyIsBottommost: (uk) => {
      bottomCalls.push(s(uk));
      return c.keys.find((k) => compareBytes(k.key, uk) === 0)!.bottommost;
    },
    rangeTombstones: FragmentedRangeTombstones.build(c.rt.input, bytewiseComparator),
    ...(f.merge ? { mergeOperator: op } : {}),
    ...(f.filter ? { compactionFilter: filter } : {}),
  });
  const out: Entry[] = [];
  let prevKey: Uint8Array | undefined;
  for (gc.seekToFirst(); gc.valid(); gc.next()) {
    const e = { userKey: gc.userKey().slice(), seqno: gc.seqno(), type: gc.type(), value: gc.value().slice() };
    expect(gc.isFirstOfKey()).toBe(prevKey === undefined || compareBytes(prevKey, e.userKey) !== 0);
    prevKey = e.userKey;
    out.push(e);
  }
  return { out, gc, bottomCalls };
}

const fmt = (e: Entry) => `${s(e.userKey)}@${e.seqno}:${['T', 'V', 'M', 'W', 'I'][e.type]}`;

function checkCase(c: Case, f: Features = {}): { dropped: number; total: number } {
  const { out, gc, bottomCalls } = runGc(c, f);
  const stripes = new SnapshotStripes(c.snapshots, c.visibleSeqno);
  const boundaries = stripes.boundaries;
  const readPoints = [...boundaries, MAX_SEQNO];
  // Range tombstones that survive, by the same rules the compaction applies.
  const isBottomKey = (k: Uint8Array) => c.keys.find((x) => compareBytes(x.key, k) === 0)?.bottommost ?? true;
  const spanBottom = (start: Uint8Array, end: Uint8Array) =>
    !c.rt.below.some((t) => compareBytes(t.start, end) < 0 && compareBytes(start, t.end) < 0) &&
    c.keys.every((k) => compareBytes(k.key, start) < 0 || compareBytes(k.key, end) >= 0 || k.bottommost);
  const rtGc = collectRangeTombstones(bytewiseComparator, FragmentedRangeTombstones.build(c.rt.input, bytewiseComparator), stripes, spanBottom);
  const survivingTombs = rtGc.fragments.flatMap((fr) => fr.seqnos.map((seqno) => ({ start: fr.start, end: fr.end, seqno })));
  const exp: GcStats = { entriesIn: 0, entriesOut: out.length, droppedVersions: 0, droppedTombstones: 0, droppedByRangeTombstones: 0, mergesCollapsed: 0, operandsMerged: 0, filterRemoved: 0, filterChanged: 0, maxDroppedDeletionSeqno: -1 };
  for (const k of c.keys) {
    const outK = out.filter((e) => compareBytes(e.userKey, k.key) === 0);
    const inTombs = covering(c.rt.input, k.key);
    const x = expectedSurvivors(k.input, boundaries, k.bottommost, {
      tombstones: inTombs,
      ...(f.merge ? { mergeOperator: op } : {}),
      ...(f.filter ? { filter } : {}),
      snapshots: c.snapshots,
      visibleSeqno: c.visibleSeqno,
    });
    exp.entriesIn += k.input.length;
    for (const name of ['droppedVersions', 'droppedTombstones', 'droppedByRangeTombstones', 'mergesCollapsed', 'operandsMerged', 'filterRemoved', 'filterChanged'] as const) exp[name] += x[name];
    // Exactly the oracle's survivors, in order.
    expect(outK.map(fmt), `survivors of ${s(k.key)} from ${k.input.map(fmt).join(' ')} (tombstones ${inTombs.join(',')})`).toEqual(x.kept.map(fmt));
    for (let i = 0; i < outK.length; i++) expect(s(outK[i]!.value)).toBe(s(x.kept[i]!.value));
    // Surviving tombstones of this key: the newest input tombstone per stripe, minus stripe 0 at the bottom.
    const perStripe = new Map<number, number>();
    for (const t of inTombs) perStripe.set(stripes.stripeOf(t), Math.max(t, perStripe.get(stripes.stripeOf(t)) ?? -1));
    const frag = FragmentedRangeTombstones.build(c.rt.input, bytewiseComparator);
    const fi = frag.fragmentIndex(k.key);
    const bottomFrag = fi >= 0 && spanBottom(frag.fragments[fi]!.start, frag.fragments[fi]!.end);
    const expTombs = [...perStripe].filter(([st]) => !(st === 0 && bottomFrag)).map(([, t]) => t).sort((a, z) => z - a);
    expect(covering(survivingTombs, k.key).sort((a, z) => z - a), `range tombstones kept over ${s(k.key)}`).toEqual(expTombs);
    // Every reader sees the same thing through the whole tree (the filter's decision applied).
    const tombsBefore = [...covering(c.rt.above, k.key), ...covering(c.rt.below, k.key)];
    const before = [...k.above, ...x.semantic, ...k.below];
    const after = [...k.above, ...outK, ...k.below];
    const opt = f.merge ? op : undefined;
    for (const at of readPoints) {
      const r0 = resolve(read(before, at, [...tombsBefore, ...inTombs]), opt, k.key);
      const r1 = resolve(read(after, at, [...tombsBefore, ...covering(survivingTombs, k.key)]), opt, k.key);
      expect(sameRead(r0, r1), `read of ${s(k.key)} at ${at}: ${JSON.stringify(r0)} became ${JSON.stringify(r1)}; input ${k.input.map(fmt).join(' ')}`).toBe(true);
    }
    void isBottomKey;
  }
  // Every deletion gone with nothing newer of its key left (and no newer range tombstone
  // over it) is at or below the reported maxDroppedDeletionSeqno.
  for (const k of c.keys) {
    const outK = out.filter((e) => compareBytes(e.userKey, k.key) === 0);
    const newestOut = outK.reduce((m, e) => Math.max(m, e.seqno), -1);
    const tombs = covering(c.rt.input, k.key);
    for (const e of k.input) {
      if (e.type !== ValueType.Tombstone && e.type !== ValueType.WeakTombstone) continue;
      if (outK.some((o) => o.seqno === e.seqno) || newestOut > e.seqno || tombs.some((t) => t > e.seqno)) continue;
      expect(e.seqno, `lost deletion ${fmt(e)} above maxDroppedDeletionSeqno`).toBeLessThanOrEqual(gc.stats.maxDroppedDeletionSeqno);
    }
  }
  exp.maxDroppedDeletionSeqno = gc.stats.maxDroppedDeletionSeqno;
  expect(gc.stats).toEqual(exp);
  // keyIsBottommost: at most once per key, ascending.
  expect([...bottomCalls].sort()).toEqual(bottomCalls);
  expect(new Set(bottomCalls).size).toBe(bottomCalls.length);
  return { dropped: exp.droppedTombstones + exp.droppedVersions, total: exp.entriesIn };
}

describe('GC model: random histories and snapshots against a read oracle', () => {
  it('keeps every snapshot and "now" read, and drops exactly the unneeded entries (5000 cases)', () => {
    let dropped = 0;
    let total = 0;
    for (let i = 0; i < 5000; i++) {
      const seed = BASE_SEED + i;
      withSeed(seed, () => {
        const r = checkCase(genCase(new Rng(seed)));
        dropped += r.dropped;
        total += r.total;
      });
    }
    // Sanity: the workload does give GC something to do.
    expect(dropped / total).toBeGreaterThan(0.2);
  });

  it('with a single key and many snapshots (2000 cases)', () => {
    for (let i = 0; i < 2000; i++) {
      const seed = BASE_SEED + 1_000_000 + i;
      withSeed(seed, () => {
        const rng = new Rng(seed);
        const c = genCase(rng);
        const k = c.keys[0]!;
        const all = [...k.above, ...k.input, ...k.below];
        const maxSeq = all.length > 0 ? all[0]!.seqno : 0;
        const snaps = Array.from({ length: rng.range(3, 12) }, () => rng.range(0, maxSeq));
        checkCase({ ...c, keys: [{ ...k, above: [], input: all, below: [], bottommost: rng.bool(0.7) }], snapshots: snaps, visibleSeqno: maxSeq });
      });
    }
  });

  const variants: [string, Features, number][] = [
    ['range tombstones', { range: true }, 2_000_000],
    ['a merge operator', { merge: true }, 3_000_000],
    ['a compaction filter', { filter: true }, 4_000_000],
    ['range tombstones, a merge operator and a compaction filter', { range: true, merge: true, filter: true }, 5_000_000],
  ];
  for (const [name, f, base] of variants) {
    it(`with ${name} (3000 cases)`, () => {
      const seen = { rangeDrops: 0, collapses: 0, filtered: 0 };
      for (let i = 0; i < 3000; i++) {
        const seed = BASE_SEED + base + i;
        withSeed(seed, () => {
          const c = genCase(new Rng(seed), f);
          const { gc } = runGc(c, f);
          seen.rangeDrops += gc.stats.droppedByRangeTombstones;
          seen.collapses += gc.stats.mergesCollapsed;
          seen.filtered += gc.stats.filterRemoved + gc.stats.filterChanged;
          checkCase(c, f);
        });
      }
      // The variant really exercises its feature.
      if (f.range) expect(seen.rangeDrops).toBeGreaterThan(100);
      if (f.merge) expect(seen.collapses).toBeGreaterThan(100);
      if (f.filter) expect(seen.filtered).toBeGreaterThan(100);
    });
  }
});
