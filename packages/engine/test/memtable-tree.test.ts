// The memtable's B+tree: nodes are typed arrays of a fixed capacity, entries are shifted
// with copyWithin and moved to a new node on a split. A slip there (an entry shifted past
// a node's count, a split that drops or duplicates the entry moving up, a leaf chain cut)
// would lose a write or return it out of order, and only after thousands of inserts, when
// leaves and inner nodes split. These insert up to 60,000 entries (three tree levels) in
// sequential, reverse and random key order, with versions of a key at several seqnos, and
// check every entry against a sorted model: both scan directions, seeks, and get() at
// seqnos before and after each version. Seeded; the seed is in each test's name.

import { ValueType, bytewiseComparator } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { Memtable } from '../src/memtable/memtable.js';
import { Rng } from './helpers.js';

interface Entry {
  key: string;
  seqno: number;
  value: string;
}

const enc = new TextEncoder();
const dec = new TextDecoder();

/** Internal-key order: key ascending, seqno descending. */
const order = (a: Entry, b: Entry): number => (a.key < b.key ? -1 : a.key > b.key ? 1 : b.seqno - a.seqno);

function build(entries: Entry[]): Memtable {
  const mem = new Memtable(bytewiseComparator, true, 0);
  for (const e of entries) mem.add(e.seqno, ValueType.Value, enc.encode(e.key), enc.encode(e.value));
  return mem;
}

function scan(mem: Memtable, reverse: boolean): string[] {
  const it = mem.iterator();
  const out: string[] = [];
  if (reverse) for (it.seekToLast(); it.valid(); it.prev()) out.push(`${dec.decode(it.userKey())}@${it.seqno()}=${dec.decode(it.value())}`);
  else for (it.seekToFirst(); it.valid(); it.next()) out.push(`${dec.decode(it.userKey())}@${it.seqno()}=${dec.decode(it.value())}`);
  it.close();
  return out;
}

function check(label: string, entries: Entry[], r: () => number): void {
  const mem = build(entries);
  const sorted = [...entries].sort(order);
  const want = sorted.map((e) => `${e.key}@${e.seqno}=${e.value}`);
  expect(mem.size, label).toBe(entries.length);
  const fwd = scan(mem, false);
  for (let i = 0; i < want.length; i++) if (fwd[i] !== want[i]) throw new Error(`${label}: forward entry ${i} is ${fwd[i]}, expected ${want[i]}`);
  expect(fwd.length, label).toBe(want.length);
  const back = scan(mem, true).reverse();
  for (let i = 0; i < want.length; i++) if (back[i] !== want[i]) throw new Error(`${label}: backward entry ${i} is ${back[i]}, expected ${want[i]}`);
  // Point reads at, just below and just above each of 2,000 sampled versions.
  const newest = new Map<string, Entry[]>();
  for (const e of sorted) (newest.get(e.key) ?? newest.set(e.key, []).get(e.key)!).push(e);
  for (let n = 0; n < 2000; n++) {
    const e = sorted[Math.floor(r() * sorted.length)]!;
    const versions = newest.get(e.key)!;
    for (const at of [e.seqno, e.seqno - 1, e.seqno + 1]) {
      const visible = versions.find((v) => v.seqno <= at);
      const got = mem.get(enc.encode(e.key), at);
      if ((got === undefined ? undefined : dec.decode(got.value)) !== visible?.value) {
        throw new Error(`${label}: get(${e.key}) at seqno ${at} gave ${got === undefined ? 'nothing' : dec.decode(got.value)}, expected ${visible?.value ?? 'nothing'}`);
      }
    }
    // A seek lands on the first entry >= (key, seqno).
    const it = mem.iterator();
    it.seek(enc.encode(e.key), e.seqno);
    expect(`${dec.decode(it.userKey())}@${it.seqno()}`, label).toBe(`${e.key}@${e.seqno}`);
    it.close();
  }
}

const key = (i: number): string => `key${String(i).padStart(8, '0')}`;

describe('memtable B+tree (typed-array nodes, splits at every level)', () => {
  it('60,000 sequential inserts (splits near the end, three levels)', () => {
    const rng = new Rng(1);
    check('sequential', Array.from({ length: 60_000 }, (_, i) => ({ key: key(i), seqno: i + 1, value: `v${i}` })), () => rng.next());
  });

  it('30,000 inserts in reverse key order (every insert at a leaf\'s start)', () => {
    const rng = new Rng(2);
    check('reverse', Array.from({ length: 30_000 }, (_, i) => ({ key: key(30_000 - i), seqno: i + 1, value: `v${i}` })), () => rng.next());
  });

  for (const seed of [3, 4, 5]) {
    it(`seed ${seed}: 40,000 random inserts, keys with up to 5 versions`, () => {
      const rng = new Rng(seed);
      const r = (): number => rng.next();
      const entries: Entry[] = [];
      for (let s = 1; s <= 40_000; s++) entries.push({ key: key(Math.floor(r() * 12_000)), seqno: s, value: `v${s}` });
      check(`seed ${seed}`, entries, r);
    });
  }
});
