// A flush on a worker reads its memtable through an image: the entries' order as typed
// arrays (moved through postMessage) and the arena's shared buffers (not copied). If the
// image lost, reordered or altered an entry, the worker would write a table that differs
// from what reads saw in the memtable: a value would come back wrong, or not at all,
// after the flush. These send images through a real MessageChannel and check that what
// comes out is exactly what the memtable's own iterator yields. Seeded; the seed is in
// each test's name.

import { type Comparator, LsmError, type RangeTombstone, ValueType, bytewiseComparator } from '@lsm/base';
import { MessageChannel, receiveMessageOnPort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { type FlushSource, imageSource, memtableSource } from '../src/jobs/flush-source.js';
import { Memtable } from '../src/memtable/memtable.js';
import { type MemtableImage, imageTransferList, memtableImage } from '../src/memtable/memtable-image.js';
import { Rng, thrown } from './helpers.js';

interface Seen {
  key: string;
  seqno: number;
  type: ValueType;
  value: string;
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

function entriesOf(src: FlushSource): Seen[] {
  const out: Seen[] = [];
  src.each((key, seqno, type, value) => out.push({ key: hex(key), seqno, type, value: hex(value) }));
  return out;
}

/** `image` as a worker receives it: through a MessageChannel, its own arrays moved. */
function sent(image: MemtableImage): MemtableImage {
  const { port1, port2 } = new MessageChannel();
  try {
    port1.postMessage(image, imageTransferList(image));
    return receiveMessageOnPort(port2)!.message as MemtableImage;
  } finally {
    port1.close();
  }
}

/** A random key: empty, short, or 18+ bytes sharing a prefix (so the memtable's key prefixes tie). */
function randomKey(r: () => number): Uint8Array {
  const kind = r();
  if (kind < 0.03) return new Uint8Array(0);
  if (kind < 0.5) {
    const k = new Uint8Array(18 + Math.floor(r() * 4)).fill(0x6b);
    for (let i = 18; i < k.length; i++) k[i] = Math.floor(r() * 3);
    return k;
  }
  return Uint8Array.from({ length: 1 + Math.floor(r() * 8) }, () => Math.floor(r() * 4));
}

function randomValue(r: () => number): Uint8Array {
  const kind = r();
  // Now and then over a quarter of the arena's 1 MiB chunk: a buffer of its own.
  const len = kind < 0.002 ? 300_000 + Math.floor(r() * 10) : kind < 0.1 ? 0 : kind < 0.98 ? Math.floor(r() * 40) : 2000 + Math.floor(r() * 5000);
  const v = new Uint8Array(len);
  const a = Math.floor(r() * 256);
  const b = 1 + Math.floor(r() * 254);
  for (let i = 0; i < len; i++) v[i] = (a + i * b) & 0xff;
  return v;
}

/** A memtable of `count` random entries (several arena chunks' worth) and some range deletions. */
function randomMemtable(seed: number, cmp: Comparator, count: number): Memtable {
  const rng = new Rng(seed);
  const r = (): number => rng.next();
  const mem = new Memtable(cmp, cmp === bytewiseComparator, 0);
  for (let seqno = 1; seqno <= count; seqno++) {
    const x = r();
    if (x < 0.01) mem.addRangeTombstone(seqno, randomKey(r), randomKey(r));
    else if (x < 0.2) mem.add(seqno, ValueType.Tombstone, randomKey(r), new Uint8Array(0));
    else mem.add(seqno, x < 0.25 ? ValueType.Merge : ValueType.Value, randomKey(r), randomValue(r));
  }
  return mem;
}

const reverse: Comparator = { name: 'test.reverse', compare: (a, b) => bytewiseComparator.compare(b, a) };

const tombstones = (ts: readonly RangeTombstone[]): string[] => ts.map((t) => `${hex(t.start)}..${hex(t.end)}@${t.seqno}`);

describe('memtable image (a sealed memtable handed to a worker)', () => {
  for (const seed of [1, 2, 3]) {
    for (const cmp of [bytewiseComparator, reverse]) {
      it(`seed ${seed}, ${cmp.name}: the worker reads every entry in the memtable's order with the same bytes`, () => {
        const mem = randomMemtable(seed, cmp, 20_000);
        const image = memtableImage(mem);
        const got = imageSource(sent(image), mem.size, mem.rangeTombstones.length);
        const want = entriesOf(memtableSource(mem));
        const seen = entriesOf(got);
        expect(seen.length, `seed ${seed}`).toBe(mem.size);
        for (let i = 0; i < want.length; i++) {
          if (JSON.stringify(seen[i]) !== JSON.stringify(want[i])) throw new Error(`seed ${seed}: entry ${i} is ${JSON.stringify(seen[i])}, the memtable has ${JSON.stringify(want[i])}`);
        }
        expect(tombstones(got.rangeTombstones)).toEqual(tombstones(mem.rangeTombstones));
      });
    }
  }

  it('shares the arena (no copy of the keys and values) and moves the order arrays away from the sender', () => {
    const mem = randomMemtable(7, bytewiseComparator, 3000);
    const image = memtableImage(mem);
    const received = sent(image);
    expect(received.arena.chunks.length).toBeGreaterThan(0);
    for (const c of [...received.arena.chunks, ...received.arena.large]) expect(c.buffer).toBeInstanceOf(SharedArrayBuffer);
    // Transferred: the caller's thread keeps no second copy of the order.
    expect(image.locs.byteLength).toBe(0);
    expect(image.seqs.byteLength).toBe(0);
    // The memtable itself still reads (its arena is not transferred).
    expect(entriesOf(memtableSource(mem)).length).toBe(mem.size);
  });

  it('an empty memtable gives an empty image', () => {
    const mem = new Memtable(bytewiseComparator, true, 0);
    const src = imageSource(sent(memtableImage(mem)), 0, 0);
    expect(src.size).toBe(0);
    expect(entriesOf(src)).toEqual([]);
  });

  it('holds what the memtable held when it was taken, not later writes', () => {
    const mem = new Memtable(bytewiseComparator, true, 0);
    mem.add(1, ValueType.Value, new Uint8Array([2]), new Uint8Array([9]));
    const image = memtableImage(mem);
    mem.add(2, ValueType.Value, new Uint8Array([1]), new Uint8Array([8]));
    mem.addRangeTombstone(3, new Uint8Array([0]), new Uint8Array([5]));
    const src = imageSource(sent(image), 1, 0);
    expect(entriesOf(src)).toEqual([{ key: '02', seqno: 1, type: ValueType.Value, value: '09' }]);
    expect(src.rangeTombstones).toEqual([]);
  });

  it('a count that disagrees with the job is refused as corruption, naming both counts', () => {
    const mem = randomMemtable(3, bytewiseComparator, 500);
    const n = mem.size;
    const t = mem.rangeTombstones.length;
    for (const [entries, ts] of [[n + 1, t], [n, t + 1], [n - 1, t]] as const) {
      const err = thrown(() => imageSource(memtableImage(mem), entries, ts));
      expect(err).toBeInstanceOf(LsmError);
      expect((err as LsmError).code).toBe('LSM_CORRUPTION');
      expect((err as Error).message).toBe(`memtable image holds ${n} entries and ${t} range deletions, the memtable ${entries} and ${ts}`);
    }
  });
});
