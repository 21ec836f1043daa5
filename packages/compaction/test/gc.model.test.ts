// Model test of MVCC garbage collection: random histories of a few keys, random snapshot
// sets, random splits of each key's history into newer levels / the compaction / older
// levels. Checks, for every key and every read point (each snapshot, "now", and a future
// reader), that reading the whole tree gives the same answer before and after GC, and
// that GC keeps exactly the oracle's survivors (so it cannot pass by keeping everything).

import { describe, expect, it } from 'vitest';
import { ArrayIterator, bytewiseComparator, compareBytes, MAX_SEQNO, ValueType, type Entry } from '@lsm/sstable';
import { GcIterator, SnapshotStripes } from '../src/index.js';
import { expectedSurvivors, read, sameRead } from './gc-oracle.js';
import { b, BASE_SEED, key, Rng, s, withSeed } from './helpers.js';

interface Case {
  /** Per key, newest first: [above (newer levels), input (the compaction), below (older levels)]. */
  keys: { key: Uint8Array; above: Entry[]; input: Entry[]; below: Entry[]; bottommost: boolean }[];
  snapshots: number[];
  visibleSeqno: number;
}

/**
 * Random histories that keep the WeakTombstone contract: a WeakTombstone is written only
 * when the key has at most one Value/Indirection and no Merge since its last deletion.
 */
function genCase(rng: Rng): Case {
  const nKeys = rng.range(1, 4);
  const hist: Entry[][] = Array.from({ length: nKeys }, () => []);
  const values = new Array<number>(nKeys).fill(0);
  const merges = new Array<number>(nKeys).fill(0);
  const nOps = rng.range(1, rng.bool(0.2) ? 40 : 14);
  let seq = rng.range(0, 3);
  const types = [ValueType.Value, ValueType.Value, ValueType.Value, ValueType.Merge, ValueType.Tombstone, ValueType.WeakTombstone, ValueType.WeakTombstone, ValueType.Indirection];
  for (let i = 0; i < nOps; i++) {
    seq += rng.range(1, 3);
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
  const keys = hist.map((h, k) => {
    const i1 = rng.bool(0.6) ? 0 : rng.int(h.length + 1);
    const i2 = everythingBottom || rng.bool(0.4) ? h.length : rng.range(i1, h.length);
    const below = h.slice(i2);
    return { key: key(k), above: h.slice(0, i1), input: h.slice(i1, i2), below, bottommost: below.length === 0 && rng.bool(0.9) };
  });
  return { keys, snapshots, visibleSeqno };
}

function runGc(c: Case): { out: Entry[]; gc: GcIterator; bottomCalls: string[] } {
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

function checkCase(c: Case): { dropped: number; total: number } {
  const { out, gc, bottomCalls } = runGc(c);
  const boundaries = new SnapshotStripes(c.snapshots, c.visibleSeqno).boundaries;
  const readPoints = [...boundaries, MAX_SEQNO];
  let expTomb = 0;
  let expVer = 0;
  for (const k of c.keys) {
    const outK = out.filter((e) => compareBytes(e.userKey, k.key) === 0);
    const exp = expectedSurvivors(k.input, boundaries, k.bottommost);
    expTomb += exp.droppedTombstones;
    expVer += exp.droppedVersions;
    // Exactly the oracle's survivors, in order, unchanged.
    expect(outK.map(fmt), `survivors of ${s(k.key)} from ${k.input.map(fmt).join(' ')}`).toEqual(exp.kept.map(fmt));
    for (let i = 0; i < outK.length; i++) expect(s(outK[i]!.value)).toBe(s(exp.kept[i]!.value));
    // Every reader sees the same thing through the whole tree.
    const before = [...k.above, ...k.input, ...k.below];
    const after = [...k.above, ...outK, ...k.below];
    for (const at of readPoints) {
      const r0 = read(before, at);
      const r1 = read(after, at);
      expect(sameRead(r0, r1), `read of ${s(k.key)} at ${at}: ${JSON.stringify(r0)} became ${JSON.stringify(r1)}; input ${k.input.map(fmt).join(' ')}`).toBe(
        true,
      );
    }
  }
  const total = c.keys.reduce((n, k) => n + k.input.length, 0);
  expect(gc.stats).toEqual({ entriesIn: total, entriesOut: out.length, droppedTombstones: expTomb, droppedVersions: expVer });
  // keyIsBottommost: at most once per key, ascending.
  expect([...bottomCalls].sort()).toEqual(bottomCalls);
  expect(new Set(bottomCalls).size).toBe(bottomCalls.length);
  return { dropped: expTomb + expVer, total };
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
        checkCase({ keys: [{ ...k, above: [], input: all, below: [], bottommost: rng.bool(0.7) }], snapshots: snaps, visibleSeqno: maxSeq });
      });
    }
  });
});
