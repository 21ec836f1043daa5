// The block layout's own checks, one damaged field at a time (the block checksum already
// passed): the restart array (count, first restart, a restart outside the entries), the
// entry headers and lengths of a small block (index, metaindex, properties), and the index
// block's own rules (keys with a trailer, handles that decode, data blocks contiguous from
// offset 0 and covering exactly the data region). Each gives a CorruptionError naming the
// file, the block's offset and what is wrong; none gives a wrong entry or an index that
// sends a lookup to the wrong place.

import { ByteSink, bytewiseComparator, CorruptionError, cursor, encodeInternalKey, getVarint64, putU32, putVarint, type Comparator } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { BlockBuilder } from '../src/block-builder.js';
import { decodeBlockHandle, putBlockHandle } from '../src/block-handle.js';
import { Block, decodeBlockEntries, decodeEntryHeader, entryHeader } from '../src/block-reader.js';
import { IndexBlock, IndexBuilder } from '../src/index-block.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function messageOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(CorruptionError);
    return (err as Error).message;
  }
  return 'ok';
}

/** A small block: three entries 'key-a' -> 'A', 'key-b' -> 'BB', 'kez' -> '' with a restart every two. */
function smallBlock(): Uint8Array {
  const bb = new BlockBuilder(2);
  for (const [k, v] of [['key-a', 'A'], ['key-b', 'BB'], ['kez', '']] as const) {
    const kb = enc(k);
    bb.add(kb, kb.length, enc(v));
  }
  return bb.finish().slice();
}

describe('Block: the restart array', () => {
  const at = 'corruption in t.sst at offset 77: ';

  it('a sound block: restarts at 0 and at the third entry', () => {
    const b = new Block(smallBlock(), 't.sst', 77);
    expect(b.numRestarts).toBe(2);
    expect(b.restart(0)).toBe(0);
    expect(b.restart(1)).toBeGreaterThan(0);
    expect(b.restartsOffset).toBe(smallBlock().length - 4 - 8);
    expect(b.charge).toBe(smallBlock().length + 160);
  });

  it('shorter than its restart count', () => {
    for (const len of [0, 3]) expect(messageOf(() => new Block(new Uint8Array(len), 't.sst', 77))).toBe(`${at}block shorter than its restart count`);
    // Exactly four bytes: a count and nothing else, so a count of 0 (refused below).
    expect(messageOf(() => new Block(new Uint8Array(4), 't.sst', 77))).toBe(`${at}bad restart count 0`);
  });

  it('a restart count of 0, or more restarts than the block has room for', () => {
    const data = smallBlock();
    const room = (data.length - 4) / 4; // the most a block this long could hold
    for (const n of [0, Math.floor(room) + 1, 0xffffffff]) {
      const d = data.slice();
      putU32(d, d.length - 4, n);
      expect(messageOf(() => new Block(d, 't.sst', 77))).toBe(`${at}bad restart count ${n}`);
    }
    // The largest count that fits is read (and then its first restart must be 0).
    const d = data.slice();
    putU32(d, d.length - 4, Math.floor(room));
    expect(messageOf(() => new Block(d, 't.sst', 77))).toBe(`${at}first restart point is not 0`);
  });

  it('a first restart point other than 0', () => {
    const d = smallBlock();
    putU32(d, d.length - 12, 1);
    expect(messageOf(() => new Block(d, 't.sst', 77))).toBe(`${at}first restart point is not 0`);
  });

  it('a restart point at or past the restart array', () => {
    const d = smallBlock();
    const b0 = new Block(d.slice(), 't.sst', 77);
    for (const off of [b0.restartsOffset, b0.restartsOffset + 3]) {
      putU32(d, d.length - 8, off);
      const b = new Block(d, 't.sst', 77);
      expect(messageOf(() => b.restart(1))).toBe(`${at}restart point 1 (${off}) is outside the entries`);
    }
    // A block with no entries at all has its one restart at 0, which is allowed.
    const empty = new Uint8Array(8);
    putU32(empty, 4, 1);
    expect(new Block(empty, 't.sst', 77).restart(0)).toBe(0);
  });

  it('a block with no entry bytes: only a restart at 0 is allowed', () => {
    // Two restarts and no entries: restart 0 is the allowed empty case, restart 1 at 5
    // points into nothing (the entries region is empty) and must not be taken as a place
    // to decode from.
    const d = new Uint8Array(12);
    putU32(d, 4, 5);
    putU32(d, 8, 2);
    const b = new Block(d, 't.sst', 77);
    expect(b.restartsOffset).toBe(0);
    expect(b.restart(0)).toBe(0);
    expect(messageOf(() => b.restart(1))).toBe(`${at}restart point 1 (5) is outside the entries`);
  });

  it('a block made without saying where its buffer came from is charged its own bytes', () => {
    const buf = new Uint8Array(4096);
    const d = smallBlock();
    buf.set(d);
    expect(new Block(buf.subarray(0, d.length), 't.sst', 0).charge).toBe(d.length + 160);
  });

  it('a pooled block is charged its whole buffer', () => {
    const buf = new Uint8Array(4096);
    const d = smallBlock();
    buf.set(d);
    const view = buf.subarray(0, d.length);
    expect(new Block(view, 't.sst', 0, true).charge).toBe(4096 + 160);
    expect(new Block(view, 't.sst', 0, false).charge).toBe(d.length + 160);
  });
});

describe('decodeEntryHeader', () => {
  it('reads one-byte and multi-byte varints, and refuses a header that runs past the limit', () => {
    const d = new Uint8Array(32);
    let p = putVarint(d, 0, 300);
    p = putVarint(d, p, 2);
    p = putVarint(d, p, 70_000);
    expect(decodeEntryHeader(d, 0, 32)).toBe(p);
    expect(entryHeader).toEqual({ shared: 300, unshared: 2, valueLength: 70_000 });
    d.set([1, 2, 3], 10);
    expect(decodeEntryHeader(d, 10, 13)).toBe(13);
    expect(entryHeader).toEqual({ shared: 1, unshared: 2, valueLength: 3 });
    // The same three bytes with the limit one short: the fast path must not read past it.
    expect(decodeEntryHeader(d, 10, 12)).toBe(-1);
    for (const limit of [1, 2, p - 1]) expect(decodeEntryHeader(d, 0, limit)).toBe(-1);
  });

  it('refuses a shared or unshared length of more than 32 bits (a valid 64-bit varint there is still wrong)', () => {
    for (const field of [0, 1]) {
      const d = new Uint8Array(32);
      let p = 0;
      for (let f = 0; f < 3; f++) p = putVarint(d, p, f === field ? 2 ** 33 : 1);
      expect(decodeEntryHeader(d, 0, p)).toBe(-1);
    }
    // The largest 32-bit length is a length.
    const d = new Uint8Array(32);
    let p = putVarint(d, 0, 0);
    p = putVarint(d, p, 2 ** 32 - 1);
    p = putVarint(d, p, 5);
    expect(decodeEntryHeader(d, 0, p)).toBe(p);
    expect(entryHeader).toEqual({ shared: 0, unshared: 2 ** 32 - 1, valueLength: 5 });
    // Zero is a length too (on the multi-byte path: a shared length of 300).
    p = putVarint(d, 0, 300);
    p = putVarint(d, p, 0);
    p = putVarint(d, p, 0);
    expect(decodeEntryHeader(d, 0, p)).toBe(p);
    expect(entryHeader).toEqual({ shared: 300, unshared: 0, valueLength: 0 });
  });
});

describe('decodeBlockEntries: a small block with one damaged field', () => {
  const at = 'corruption in t.sst at offset 9: ';

  it('decodes the sound block', () => {
    const entries = decodeBlockEntries(new Block(smallBlock(), 't.sst', 9)).map((e) => [new TextDecoder().decode(e.key), new TextDecoder().decode(e.value)]);
    expect(entries).toEqual([['key-a', 'A'], ['key-b', 'BB'], ['kez', '']]);
  });

  it.each([
    ['shared bytes the previous key does not have', 0, 1, 'bad entry lengths at 0'],
    ['an unshared length past the entries', 1, 100, 'bad entry lengths at 0'],
    ['a value length past the entries', 2, 100, 'bad entry lengths at 0'],
    ['a header that never ends', 0, 0xff, 'bad entry header at 0'],
  ])('%s', (_, field, value, detail) => {
    const d = smallBlock();
    d[field] = value;
    if (value === 0xff) d.fill(0xff, 0, new Block(d.slice(), 't.sst', 9).restartsOffset);
    expect(messageOf(() => decodeBlockEntries(new Block(d, 't.sst', 9)))).toBe(`${at}${detail}`);
  });

  it('a value length that ends exactly at the restart array is fine; one more byte is not', () => {
    const d = smallBlock();
    const b = new Block(d, 't.sst', 9);
    // The last entry ('kez', shared 2 with 'key-b') has an empty value: its header is the third-to-last... find it.
    const second = 3 + d[1]! + d[2]!;
    const third = second + 3 + d[second + 1]! + d[second + 2]!;
    expect(d[third + 2]).toBe(0);
    const room = b.restartsOffset - (third + 3 + d[third + 1]!);
    expect(room).toBe(0);
    d[third + 2] = 1;
    expect(messageOf(() => decodeBlockEntries(new Block(d, 't.sst', 9)))).toBe(`${at}bad entry lengths at ${third}`);
  });
});

describe('IndexBlock: an index with one damaged entry', () => {
  const at = 'corruption in t.sst at offset 5: ';
  /** An index of three data blocks of 10, 20 and 30 bytes, keys 'apple', 'banana', 'cherry'. */
  function index(edit?: (ib: { keys: string[]; handles: Array<[number, number]>; seqs: number[] }) => void): { bytes: Uint8Array; dataEnd: number } {
    const spec = { keys: ['apple', 'banana', 'cherry'], handles: [[0, 10], [18, 20], [46, 30]] as Array<[number, number]>, seqs: [7, 8, 9] };
    edit?.(spec);
    const bb = new BlockBuilder(1);
    spec.keys.forEach((k, i) => {
      const key = spec.seqs[i]! < 0 ? enc(k) : encodeInternalKey(enc(k), spec.seqs[i]!, 1);
      const h = new Uint8Array(20);
      let n = putVarint(h, 0, spec.handles[i]![0]);
      n = putVarint(h, n, spec.handles[i]![1]);
      bb.add(key, key.length, h.subarray(0, n));
    });
    return { bytes: bb.finish().slice(), dataEnd: 84 };
  }
  const open = (x: { bytes: Uint8Array; dataEnd: number }, dataEnd = x.dataEnd): IndexBlock => new IndexBlock(new Block(x.bytes, 't.sst', 5), dataEnd, true);

  it('the sound index: three entries, their handles, and lookups', () => {
    const idx = open(index());
    expect(idx.count).toBe(3);
    expect([0, 1, 2].map((i) => idx.handle(i))).toEqual([{ offset: 0, size: 10 }, { offset: 18, size: 20 }, { offset: 46, size: 30 }]);
    expect([0, 1, 2].map((i) => [idx.blockOffset(i), idx.blockSize(i)])).toEqual([[0, 10], [18, 20], [46, 30]]);
    expect(idx.charge).toBe(13 + 14 + 14 + 3 * 28 + 200);
    const cmp = (buf: Uint8Array, off: number, len: number, key: Uint8Array): number => Buffer.compare(buf.subarray(off, off + len), key);
    // A separator S_i sends (key, seqno) to block i when S_i >= it: newer versions sort first.
    expect(['a', 'apple', 'apples', 'banana', 'cherry', 'd'].map((k) => idx.find(enc(k), 8, cmp))).toEqual([0, 0, 1, 1, 3, 3]);
    expect(idx.find(enc('cherry'), 9, cmp)).toBe(2);
  });

  it('a key shorter than its trailer, or with a sequence number past 2^53', () => {
    expect(messageOf(() => open(index((s) => (s.seqs[1] = -1))))).toBe(`${at}index entry 1 has a malformed key`);
    const { bytes, dataEnd } = index();
    // The second entry's key: shared 0 (restart interval 1), 14 bytes; its seqno's top byte is the last key byte.
    const second = 3 + bytes[1]! + bytes[2]!;
    bytes[second + 3 + bytes[second + 1]! - 1] = 0xff;
    expect(messageOf(() => open({ bytes, dataEnd }))).toBe(`${at}index entry 1 has a malformed key`);
  });

  it('a handle that does not decode', () => {
    const { bytes, dataEnd } = index();
    const second = 3 + bytes[1]! + bytes[2]!;
    const v = second + 3 + bytes[second + 1]!;
    bytes[v + bytes[second + 2]! - 1]! |= 0x80; // the size's varint never ends
    expect(messageOf(() => open({ bytes, dataEnd }))).toBe(`${at}index entry 1 has a malformed block handle`);
    const b2 = index().bytes;
    b2.fill(0x80, v, v + b2[second + 2]!); // the offset's varint never ends
    expect(messageOf(() => open({ bytes: b2, dataEnd }))).toBe(`${at}index entry 1 has a malformed block handle`);
  });

  it('a gap or an overlap between data blocks, or a block past the data region', () => {
    expect(messageOf(() => open(index((s) => (s.handles[1] = [19, 19]))))).toBe(`${at}index entry 1 points outside the data region (offset 19, size 19)`);
    expect(messageOf(() => open(index((s) => (s.handles[1] = [17, 21]))))).toBe(`${at}index entry 1 points outside the data region (offset 17, size 21)`);
    expect(messageOf(() => open(index((s) => (s.handles[0] = [1, 9]))))).toBe(`${at}index entry 0 points outside the data region (offset 1, size 9)`);
    expect(messageOf(() => open(index(), 83))).toBe(`${at}index entry 2 points outside the data region (offset 46, size 30)`);
  });

  it('an index that covers less than the data region', () => {
    expect(messageOf(() => open(index(), 85))).toBe(`${at}index covers 84 bytes of data but the data region is 85 bytes`);
  });

  it.each([
    ['shared bytes the previous key does not have', 0, 1, 'bad entry lengths at 0'],
    ['an unshared length past the entries', 1, 120, 'bad entry lengths at 0'],
    ['a value length past the entries', 2, 120, 'bad entry lengths at 0'],
  ])('%s', (_, field, value, detail) => {
    const { bytes, dataEnd } = index();
    bytes[field] = value;
    expect(messageOf(() => open({ bytes, dataEnd }))).toBe(`${at}${detail}`);
  });

  it('an unshared or value length one byte past the entries', () => {
    // The first entry's header is three one-byte varints (shared 0, unshared, value
    // length), so its key starts at 3; the entries end where the restart array starts.
    const sound = index();
    const end = new Block(sound.bytes.slice(), 't.sst', 5).restartsOffset;
    expect(end - 3 + 1).toBeLessThan(0x80);
    const unshared = index();
    unshared.bytes[1] = end - 3 + 1;
    expect(messageOf(() => open(unshared))).toBe(`${at}bad entry lengths at 0`);
    const value = index();
    value.bytes[2] = end - 3 - value.bytes[1]! + 1;
    expect(messageOf(() => open(value))).toBe(`${at}bad entry lengths at 0`);
    // Exactly to the end is a length the block has room for (the entry then fails later,
    // for what it holds, not for its lengths).
    const exact = index();
    exact.bytes[2] = end - 3 - exact.bytes[1]!;
    expect(messageOf(() => open(exact))).not.toBe(`${at}bad entry lengths at 0`);
  });

  it('a header that never ends', () => {
    const { bytes, dataEnd } = index();
    bytes.fill(0x80, 0, new Block(bytes.slice(), 't.sst', 5).restartsOffset);
    expect(messageOf(() => open({ bytes, dataEnd }))).toBe(`${at}bad entry header at 0`);
  });

  it('separators keep their shared prefix: an index written with prefix compression still reads whole', () => {
    // IndexBuilder writes restart interval 1; a reader must still rebuild shared bytes.
    const bb = new BlockBuilder(16);
    const keys = ['item-001', 'item-002', 'item-010'].map((k, i) => encodeInternalKey(enc(k), 3 + i, 1));
    keys.forEach((k, i) => {
      const h = new Uint8Array(4);
      const n = putVarint(h, putVarint(h, 0, i * 18), 10);
      bb.add(k, k.length, h.subarray(0, n));
    });
    const idx = new IndexBlock(new Block(bb.finish().slice(), 't.sst', 5), 54, true);
    expect([0, 1, 2].map((i) => idx.separator(i))).toEqual(keys);
    expect(idx.find(enc('item-002'), 4, (buf, off, len, key) => Buffer.compare(buf.subarray(off, off + len), key))).toBe(1);
  });

  it('IndexBuilder keeps a custom separator only when it is strictly between the two blocks and no longer', () => {
    const cases: Array<[string, string, string | undefined, string]> = [
      ['abc', 'abe', 'abd', 'abd'], // shorter-or-equal and strictly between: kept
      ['abc', 'abe', 'abc', 'abc'], // equal to the last key: not above it, the last key is used
      ['abc', 'abe', 'abe', 'abc'], // equal to the next key: not below it
      ['abc', 'abe', 'abcd', 'abc'], // longer than the last key
      ['abc', 'abe', undefined, 'abc'], // the comparator offers none
      ['abc', 'abc', 'abc', 'abc'], // not ascending: none asked for
    ];
    for (const [last, next, offered, expected] of cases) {
      const cmp: Comparator = offered === undefined ? { name: 'custom', compare: bytewiseComparator.compare } : { name: 'custom', compare: bytewiseComparator.compare, findShortestSeparator: () => enc(offered) };
      const ib = new IndexBuilder(cmp);
      ib.addEntry(enc(last), 5, 1, enc(next), { offset: 0, size: 10 });
      ib.addEntry(enc(next), 4, 1, undefined, { offset: 18, size: 10 });
      const idx = new IndexBlock(new Block(ib.finish().slice(), 't.sst', 0), 36, false);
      expect(new TextDecoder().decode(idx.separator(0).subarray(0, -8)), `${last}..${next} offered ${offered}`).toBe(expected);
      expect(ib.count).toBe(2);
    }
  });
});

describe('decodeBlockHandle', () => {
  it('decodes two varints and leaves the cursor after them; a size of 0 is a handle', () => {
    const buf = new Uint8Array(32);
    let n = putVarint(buf, 3, 300);
    n = putVarint(buf, n, 0);
    expect(decodeBlockHandle(buf, 3, n)).toEqual({ offset: 300, size: 0 });
    expect(cursor.pos).toBe(n);
    n = putVarint(buf, 0, 2 ** 40);
    const end = putVarint(buf, n, 4096);
    expect(decodeBlockHandle(buf, 0, end)).toEqual({ offset: 2 ** 40, size: 4096 });
  });

  it('putBlockHandle appends what decodeBlockHandle reads, after what the sink holds', () => {
    const sink = new ByteSink(1);
    sink.len = putVarint(sink.buf, 0, 9); // one byte already in the sink
    for (const h of [{ offset: 0, size: 0 }, { offset: 2 ** 53 - 1, size: 2 ** 53 - 1 }, { offset: 4096, size: 70_000 }]) {
      const at = sink.len;
      putBlockHandle(sink, h);
      expect(decodeBlockHandle(sink.buf, at, sink.len)).toEqual(h);
      expect(cursor.pos).toBe(sink.len);
    }
    expect(sink.buf[0]).toBe(9);
  });

  it('a truncated or overlong offset or size is no handle', () => {
    // The offset's varint runs past the end.
    expect(decodeBlockHandle(Uint8Array.of(0x80, 0x80), 0, 2)).toBeUndefined();
    // A sound offset, then a size that runs past the end.
    expect(decodeBlockHandle(Uint8Array.of(0x05, 0x80), 0, 2)).toBeUndefined();
    // The end bound counts, not the buffer's length: a size just past `end` is missing.
    expect(decodeBlockHandle(Uint8Array.of(0x05, 0x07), 0, 1)).toBeUndefined();
    // A bad offset is no handle even when the bytes after the last good varint would read
    // as a size (the varint decoder leaves its cursor where the last success put it).
    const buf = Uint8Array.of(0x07, 0x07, 0x80);
    getVarint64(buf, 0, 3);
    expect(cursor.pos).toBe(1);
    expect(decodeBlockHandle(buf, 2, 3)).toBeUndefined();
    // Eleven continuation bytes: longer than any 64-bit varint.
    const long = new Uint8Array(12).fill(0x80);
    expect(decodeBlockHandle(long, 0, 12)).toBeUndefined();
  });
});
