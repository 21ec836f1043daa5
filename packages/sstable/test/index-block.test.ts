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
});
