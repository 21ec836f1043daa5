import { describe, expect, it } from 'vitest';
import { BlockBuilder } from '../src/block-builder.js';
import { Block } from '../src/block-reader.js';
import { bytewiseComparator, compareBytes, compareBytesAt, type Comparator, CorruptionError, decodeInternalKey, MAX_SEQNO } from '@lsm/base';
import { b, testSeed, withSeed } from '@lsm/base/testing';
import { IndexBlock, IndexBuilder } from '../src/index-block.js';

function buildIndex(cmp: Comparator, blocks: Array<{ last: [string, number]; next?: string; size: number }>): IndexBlock {
  const ib = new IndexBuilder(cmp);
  let off = 0;
  for (const blk of blocks) {
    ib.addEntry(b(blk.last[0]), blk.last[1], 1, blk.next === undefined ? undefined : b(blk.next), { offset: off, size: blk.size });
    off += blk.size + 8;
  }
  return new IndexBlock(new Block(ib.finish().slice(), 'f', 0), off, cmp === bytewiseComparator);
}

/** The plain (unaccelerated) answer for `target` at MAX_SEQNO over blocks ending at `versions`. */
function plainFind(versions: Array<{ key: Uint8Array; seq: number }>, target: Uint8Array): number {
  const ib = new IndexBuilder(bytewiseComparator);
  versions.forEach((v, i) => ib.addEntry(v.key, v.seq, 1, versions[i + 1]?.key, { offset: 18 * i, size: 10 }));
  return new IndexBlock(new Block(ib.finish().slice(), 'f', 0), 18 * versions.length, false).find(target, MAX_SEQNO, compareBytesAt);
}

describe('index block', () => {
  it('uses short separators and finds the right block', () => {
    const idx = buildIndex(bytewiseComparator, [
      { last: ['apple', 5], next: 'banana', size: 100 },
      { last: ['banana', 9], next: 'banana', size: 100 }, // same user key spans blocks
      { last: ['banana', 3], next: 'cherry', size: 100 },
      { last: ['cherry', 1], size: 100 },
    ]);
    expect(idx.count).toBe(4);
    const sep0 = decodeInternalKey(idx.separator(0))!;
    expect(new TextDecoder().decode(sep0.userKey)).toBe('aq');
    expect(sep0.seqno).toBe(MAX_SEQNO);
    const sep1 = decodeInternalKey(idx.separator(1))!;
    expect(new TextDecoder().decode(sep1.userKey)).toBe('banana');
    expect(sep1.seqno).toBe(9);
    expect(new TextDecoder().decode(decodeInternalKey(idx.separator(3))!.userKey)).toBe('cherry');
    const find = (k: string, s = MAX_SEQNO): number => idx.find(b(k), s, compareBytesAt);
    expect(find('a')).toBe(0);
    expect(find('apple', 1)).toBe(0);
    expect(find('az')).toBe(1);
    expect(find('banana')).toBe(1);
    expect(find('banana', 9)).toBe(1);
    expect(find('banana', 8)).toBe(2);
    expect(find('banana', 0)).toBe(2); // separator 'bb' of block 2 is past banana@0 (the block seek then misses)
    expect(find('cherry')).toBe(3);
    expect(find('cherry', 1)).toBe(3);
    expect(find('cherry', 0)).toBe(4); // the last separator is the exact last key
    expect(find('d')).toBe(4);
    expect(idx.handle(2)).toEqual({ offset: 216, size: 100 });
  });

  it('rejects a separator a custom comparator gets wrong', () => {
    const liar: Comparator = { name: 'liar', compare: compareBytes, findShortestSeparator: () => b('zzz') };
    const idx = buildIndex(liar, [{ last: ['a', 1], next: 'b', size: 10 }, { last: ['b', 1], size: 10 }]);
    expect(new TextDecoder().decode(decodeInternalKey(idx.separator(0))!.userKey)).toBe('a');
  });

  it('validates handles against the data region', () => {
    const bb = new BlockBuilder(1);
    const ib = new IndexBuilder(bytewiseComparator);
    ib.addEntry(b('a'), 1, 1, undefined, { offset: 0, size: 100 });
    const bytes = ib.finish().slice();
    expect(() => new IndexBlock(new Block(bytes, 'f', 0), 50, true)).toThrow(CorruptionError);
    expect(() => new IndexBlock(new Block(bytes, 'f', 0), 200, true)).toThrow(CorruptionError); // does not cover the region
    expect(new IndexBlock(new Block(bytes, 'f', 0), 108, true).count).toBe(1);
    void bb;
  });
});

describe('index prefix acceleration', () => {
  it('finds exactly what a plain binary search finds', () => {
    withSeed(testSeed(700), (rng) => {
      for (let round = 0; round < 30; round++) {
        // Keys with a long shared prefix, short keys, zero bytes and 0xff bytes.
        const common = rng.bytes(rng.int(6));
        const keys: Uint8Array[] = [];
        const n = 2 + rng.int(300);
        for (let i = 0; i < n; i++) {
          const tail = new Uint8Array(rng.int(13)).map(() => rng.pick([0, 1, 0x7f, 0x80, 0xfe, 0xff, rng.int(256)]));
          const k = new Uint8Array(common.length + tail.length);
          k.set(common);
          k.set(tail, common.length);
          keys.push(k);
        }
        keys.sort(compareBytes);
        const uniq = keys.filter((k, i) => i === 0 || compareBytes(keys[i - 1]!, k) !== 0);
        const ib = new IndexBuilder(bytewiseComparator);
        let off = 0;
        uniq.forEach((k, i) => {
          ib.addEntry(k, 5, 1, uniq[i + 1], { offset: off, size: 10 });
          off += 18;
        });
        const bytes = ib.finish().slice();
        const fast = new IndexBlock(new Block(bytes, 'f', 0), off, true);
        const plain = new IndexBlock(new Block(bytes, 'f', 0), off, false);
        for (let q = 0; q < 300; q++) {
          let target: Uint8Array;
          if (rng.bool(0.5)) target = rng.pick(uniq);
          else {
            const t = rng.bytes(rng.int(common.length + 5));
            if (rng.bool(0.7)) t.set(common.subarray(0, Math.min(common.length, t.length)));
            target = t;
          }
          const seq = rng.pick([0, 5, 6, MAX_SEQNO]);
          expect(fast.find(target, seq, compareBytesAt)).toBe(plain.find(target, seq, compareBytesAt));
        }
      }
    });
  });
  it('finds what a plain binary search finds when separators tie on the 8 bytes after their common prefix, and when one key spans blocks', () => {
    // The accelerated find compares two 4-byte words after the separators' common prefix
    // and only then whole keys: runs of separators whose words tie (and a user key whose
    // versions fill several blocks, so every separator is the same user key) are where it
    // could go wrong.
    const check = (versions: Array<{ key: Uint8Array; seq: number }>, targets: Uint8Array[]): void => {
      const ib = new IndexBuilder(bytewiseComparator);
      let off = 0;
      versions.forEach((v, i) => {
        ib.addEntry(v.key, v.seq, 1, versions[i + 1]?.key, { offset: off, size: 10 });
        off += 18;
      });
      const bytes = ib.finish().slice();
      const fast = new IndexBlock(new Block(bytes, 'f', 0), off, true);
      const plain = new IndexBlock(new Block(bytes, 'f', 0), off, false);
      for (const target of targets) {
        for (const seq of [MAX_SEQNO, 101, 100, 95, 90, 55, 5, 0]) {
          expect(fast.find(target, seq, compareBytesAt)).toBe(plain.find(target, seq, compareBytesAt));
        }
      }
    };
    // One user key whose versions fill every block: all separators share the whole user key.
    check([100, 90, 80, 70].map((seq) => ({ key: b('hot-key'), seq })), [b('hot-key'), b('hot-ke'), b('hot-key!'), b('a')]);
    // The first separator is a prefix of the last, and the last continues with the byte the
    // first's trailer starts with (its type, 1): the common prefix must stop at the user key.
    check([{ key: b('ab'), seq: 5 }, { key: Uint8Array.of(0x61, 0x62, 0x01, 0x78), seq: 5 }], [Uint8Array.of(0x61, 0x62, 0x00), b('ab'), Uint8Array.of(0x61, 0x62, 0x01), Uint8Array.of(0x61, 0x62, 0x01, 0x78, 0)]);
    expect(plainFind([{ key: b('ab'), seq: 5 }, { key: Uint8Array.of(0x61, 0x62, 0x01, 0x78), seq: 5 }], Uint8Array.of(0x61, 0x62, 0x00))).toBe(1);
    withSeed(testSeed(701), (rng) => {
      for (let round = 0; round < 40; round++) {
        const common = rng.bytes(rng.int(4));
        const middles = Array.from({ length: 1 + rng.int(3) }, () => rng.bytes(7 + rng.int(4)));
        const entries: Array<{ key: Uint8Array; seq: number }> = [];
        const n = 2 + rng.int(120);
        for (let i = 0; i < n; i++) {
          const mid = rng.pick(middles);
          const tail = rng.bytes(rng.int(4));
          const k = new Uint8Array(common.length + mid.length + tail.length);
          k.set(common);
          k.set(mid, common.length);
          k.set(tail, common.length + mid.length);
          entries.push({ key: k, seq: 0 });
        }
        // Some user keys get several versions, each in a block of its own.
        entries.sort((x, y) => compareBytes(x.key, y.key));
        const uniq = entries.filter((e, i) => i === 0 || compareBytes(entries[i - 1]!.key, e.key) !== 0);
        const versions: Array<{ key: Uint8Array; seq: number }> = [];
        for (const e of uniq) {
          const copies = round % 4 === 0 && uniq.length < 4 ? 6 : rng.bool(0.2) ? 2 + rng.int(4) : 1;
          for (let c = 0; c < copies; c++) versions.push({ key: e.key, seq: 100 - 10 * c });
        }
        const targets: Uint8Array[] = uniq.map((e) => e.key);
        for (let q = 0; q < 100; q++) {
          const base = rng.pick(uniq).key;
          const t = base.slice(0, rng.int(base.length + 1));
          if (t.length > 0 && rng.bool(0.5)) t[t.length - 1] = (t[t.length - 1]! + rng.pick([1, 255])) & 0xff;
          targets.push(rng.bool(0.3) ? Uint8Array.from([...t, rng.int(256)]) : t);
        }
        check(versions, targets);
      }
    });
  });
});
