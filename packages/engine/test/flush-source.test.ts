// A flush on a worker rebuilds the memtable's entries from its log into a SortedRun, kept
// as offsets into the records read (no view per entry). These check that the run hands
// out exactly the entries added, in internal-key order (key ascending by the comparator,
// seqno descending), whatever buffers the records live in: several records sharing one
// buffer at different offsets (records read in place), records with buffers of their own
// (reassembled from fragments), keys sharing the 18 bytes the prefixes cover, empty keys
// and deletions without a value. Seeded; the seed is in each test's name.

import { type Comparator, ValueType, bytewiseComparator } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { SortedRun } from '../src/jobs/flush-source.js';
import { Rng } from './helpers.js';

interface Entry {
  key: Uint8Array;
  seqno: number;
  type: ValueType;
  value: Uint8Array;
}

/** A random key: often 20 bytes sharing an 18-byte prefix (so the prefixes tie), sometimes short or empty. */
function randomKey(r: () => number): Uint8Array {
  const kind = r();
  if (kind < 0.05) return new Uint8Array(0);
  if (kind < 0.5) {
    const k = new Uint8Array(18 + Math.floor(r() * 4)).fill(0x6b);
    for (let i = 18; i < k.length; i++) k[i] = Math.floor(r() * 3);
    return k;
  }
  const k = new Uint8Array(1 + Math.floor(r() * 8));
  for (let i = 0; i < k.length; i++) k[i] = Math.floor(r() * 4);
  return k;
}

/**
 * Lays `entries` out as records: runs of them encoded back to back into one shared
 * buffer (each record a view at its own offset) or into a buffer of their own, then adds
 * them to `run` from those records, in the given order.
 */
function addAsRecords(run: SortedRun, entries: Entry[], r: () => number): void {
  let i = 0;
  while (i < entries.length) {
    const shared = r() < 0.6;
    const perRecord: Entry[][] = [];
    const records = shared ? 1 + Math.floor(r() * 4) : 1;
    for (let k = 0; k < records && i < entries.length; k++) {
      const n = 1 + Math.floor(r() * 5);
      perRecord.push(entries.slice(i, i + n));
      i += n;
    }
    const sizes = perRecord.map((es) => 3 + es.reduce((s, e) => s + e.key.length + e.value.length + 1, 0));
    const whole = new Uint8Array(sizes.reduce((a, b) => a + b, 0) + 7).fill(0xee);
    let at = 7; // the first record does not start at the buffer's beginning
    perRecord.forEach((es, k) => {
      const rec = whole.subarray(at, at + sizes[k]!);
      let p = 3;
      const located: Array<[number, number, number, number]> = [];
      for (const e of es) {
        rec.set(e.key, p);
        const ko = p;
        p += e.key.length + 1;
        const hasValue = e.type === ValueType.Value || e.value.length > 0;
        rec.set(e.value, p);
        located.push([ko, e.key.length, hasValue ? p : -1, e.value.length]);
        p += e.value.length;
      }
      es.forEach((e, j) => run.add(e.seqno, e.type, rec, ...located[j]!));
      at += sizes[k]!;
    });
  }
}

function internalOrder(cmp: Comparator): (a: Entry, b: Entry) => number {
  return (a, b) => cmp.compare(a.key, b.key) || b.seqno - a.seqno;
}

function check(seed: number, cmp: Comparator, count: number): void {
  const rng = new Rng(seed);
  const r = (): number => rng.next();
  const entries: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const del = r() < 0.2;
    const value = del ? new Uint8Array(0) : Uint8Array.from({ length: Math.floor(r() * 12) }, () => Math.floor(r() * 256));
    // Distinct seqnos: no two entries share an internal key.
    entries.push({ key: randomKey(r), seqno: i + 1, type: del ? ValueType.Tombstone : ValueType.Value, value });
  }
  for (let i = entries.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [entries[i], entries[j]] = [entries[j]!, entries[i]!];
  }
  const run = new SortedRun(cmp);
  addAsRecords(run, entries, r);
  expect(run.size).toBe(count);
  const got: Entry[] = [];
  run.each((key, seqno, type, value) => got.push({ key: key.slice(), seqno, type, value: value.slice() }));
  const want = [...entries].sort(internalOrder(cmp));
  expect(got.length).toBe(want.length);
  for (let i = 0; i < want.length; i++) {
    const w = want[i]!;
    const g = got[i]!;
    if (g.seqno !== w.seqno || g.type !== w.type || Buffer.compare(g.key, w.key) !== 0 || Buffer.compare(g.value, w.value) !== 0) {
      throw new Error(`seed ${seed}: entry ${i} is seqno ${g.seqno} key ${Buffer.from(g.key).toString('hex')}, expected seqno ${w.seqno} key ${Buffer.from(w.key).toString('hex')}`);
    }
  }
}

const reverse: Comparator = { name: 'test.reverse', compare: (a, b) => bytewiseComparator.compare(b, a) };

describe('SortedRun (a flush rebuilt from a log)', () => {
  for (const seed of [1, 2, 3, 4, 5]) {
    it(`seed ${seed}: bytewise, 3000 entries in shared and own buffers come out in internal-key order`, () => check(seed, bytewiseComparator, 3000));
    it(`seed ${seed}: a user's comparator`, () => check(seed, reverse, 1500));
  }

  it('an empty run hands out nothing', () => {
    const run = new SortedRun(bytewiseComparator);
    let n = 0;
    run.each(() => n++);
    expect(run.size).toBe(0);
    expect(n).toBe(0);
  });

  it('grows past its initial capacity and keeps every entry (the same key at 5000 seqnos)', () => {
    const run = new SortedRun(bytewiseComparator);
    const rec = new Uint8Array([1, 2, 3, 9, 9]);
    for (let s = 1; s <= 5000; s++) run.add(s, ValueType.Value, rec, 0, 3, 3, 2);
    const seqnos: number[] = [];
    run.each((key, seqno, _type, value) => {
      expect([...key]).toEqual([1, 2, 3]);
      expect([...value]).toEqual([9, 9]);
      seqnos.push(seqno);
    });
    expect(seqnos).toEqual(Array.from({ length: 5000 }, (_, i) => 5000 - i));
  });
});
