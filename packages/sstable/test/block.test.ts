import { describe, expect, it } from 'vitest';
import { BlockBuilder } from '../src/block-builder.js';
import { Block, decodeBlockEntries } from '../src/block-reader.js';
import { DataBlockIter } from '../src/data-block-iterator.js';
import { compareBytesAt, CorruptionError, encodeInternalKey, MAX_SEQNO, type Entry, type InternalIterator, type ValueType } from '@lsm/base';
import { b, Rng, testSeed, withSeed, compareIterators, modelIterator, randomEntries } from '@lsm/base/testing';

function buildBlock(entries: readonly Entry[], restartInterval: number): Block {
  const bb = new BlockBuilder(restartInterval);
  for (const e of entries) {
    const k = encodeInternalKey(e.userKey, e.seqno, e.type);
    bb.add(k, k.length, e.value);
  }
  return new Block(bb.finish().slice(), 'mem', 0);
}

/** Adapts DataBlockIter (which needs explicit seqno) to InternalIterator for the model driver. */
function adapt(it: DataBlockIter): InternalIterator {
  return {
    valid: () => it.valid(),
    seekToFirst: () => it.seekToFirst(),
    seekToLast: () => it.seekToLast(),
    seek: (k, s = MAX_SEQNO) => it.seek(k, s),
    seekForPrev: (k, s = 0) => it.seekForPrev(k, s),
    next: () => it.next(),
    prev: () => it.prev(),
    userKey: () => it.userKey(),
    seqno: () => it.seqno(),
    type: () => it.type() as ValueType,
    value: () => it.value(),
    close: () => it.clear(),
  };
}

describe('block builder and data block iterator', () => {
  it('many iterators at once keep their own keys, short and long (key buffers are carved from shared slabs)', () => {
    // 3,000 iterators span several 64 KiB slabs of 64-byte key buffers; keys of 90 bytes
    // outgrow theirs. Each iterator must still hold its own key after all the others moved.
    const entries: Entry[] = [];
    for (let i = 0; i < 200; i++) {
      const long = i % 3 === 0;
      const key = `k${String(i).padStart(4, '0')}${long ? 'L'.repeat(85) : ''}`;
      entries.push({ userKey: b(key), seqno: 1, type: 1 as ValueType, value: b(`v${i}`) });
    }
    const blk = buildBlock(entries, 4);
    const its: { it: DataBlockIter; i: number }[] = [];
    for (let n = 0; n < 3000; n++) {
      const it = new DataBlockIter(compareBytesAt);
      it.reset(blk);
      const i = (n * 37) % entries.length;
      it.seek(entries[i]!.userKey, MAX_SEQNO);
      its.push({ it, i });
    }
    for (const { it, i } of its) {
      expect(Buffer.from(it.userKey()).toString()).toBe(Buffer.from(entries[i]!.userKey).toString());
      it.next();
    }
    for (const { it, i } of its) {
      if (i + 1 < entries.length) expect(Buffer.from(it.userKey()).toString()).toBe(Buffer.from(entries[i + 1]!.userKey).toString());
      else expect(it.valid()).toBe(false);
      it.clear();
    }
  });

  it('an iterator is unpositioned until a seek: when new, after reset() and after clear()', () => {
    const entries: Entry[] = ['a', 'b', 'c'].map((k, i) => ({ userKey: b(k), seqno: 10 - i, type: 1 as ValueType, value: b(`v${k}`) }));
    const blk = buildBlock(entries, 2);
    const it = new DataBlockIter(compareBytesAt);
    expect(it.valid()).toBe(false);
    it.reset(blk);
    expect(it.valid()).toBe(false);
    it.seekToFirst();
    expect(it.valid()).toBe(true);
    it.reset(buildBlock(entries, 1));
    expect(it.valid()).toBe(false);
    it.seekToLast();
    expect(Buffer.from(it.userKey()).toString()).toBe('c');
    it.clear();
    expect(it.valid()).toBe(false);
  });

  it('a block is pinned exactly while an iterator is reset to it (the cache recycles only unpinned blocks)', () => {
    const entries: Entry[] = ['a', 'b'].map((k) => ({ userKey: b(k), seqno: 1, type: 1 as ValueType, value: b(k) }));
    const one = buildBlock(entries, 1);
    const two = buildBlock(entries, 1);
    const it = new DataBlockIter(compareBytesAt);
    const other = new DataBlockIter(compareBytesAt);
    expect([one.pins, two.pins]).toEqual([0, 0]);
    it.reset(one);
    other.reset(one);
    expect(one.pins).toBe(2);
    it.reset(two);
    expect([one.pins, two.pins]).toEqual([1, 1]);
    it.reset(two); // the same block again: still one pin from this iterator
    expect(two.pins).toBe(1);
    it.clear();
    expect(two.pins).toBe(0);
    it.clear(); // clearing an unpinned iterator changes nothing
    expect([one.pins, two.pins]).toEqual([1, 0]);
    other.clear();
    expect(one.pins).toBe(0);
  });

  it('prev() after reset() to another block steps through that block, not the one before', () => {
    const mk = (p: string): Entry[] => Array.from({ length: 9 }, (_, i) => ({ userKey: b(`${p}${i}`), seqno: 1, type: 1 as ValueType, value: b(`${p}-value-${i}`) }));
    const first = buildBlock(mk('a'), 4);
    const second = buildBlock(mk('b'), 4);
    const it = new DataBlockIter(compareBytesAt);
    it.reset(first);
    it.seekToLast();
    it.prev();
    it.prev(); // from the prev() cache of `first`'s last region
    expect(Buffer.from(it.userKey()).toString()).toBe('a6');
    it.reset(second);
    // Unpositioned: prev() has nothing to step back from (the old block's cache is gone).
    it.prev();
    expect(it.valid()).toBe(false);
    it.seek(b('b7'), MAX_SEQNO);
    const seen: string[] = [];
    for (it.prev(); it.valid(); it.prev()) seen.push(`${Buffer.from(it.userKey()).toString()}=${Buffer.from(it.value()).toString()}`);
    expect(seen).toEqual([6, 5, 4, 3, 2, 1, 0].map((i) => `b${i}=b-value-${i}`));
  });

  it('the current entry as an internal key, and where its value lies in the block', () => {
    const entries: Entry[] = ['apple', 'apricot', 'banana'].map((k, i) => ({ userKey: b(k), seqno: 7 + i, type: 1 as ValueType, value: b(`value of ${k}`) }));
    const blk = buildBlock(entries, 2);
    const it = new DataBlockIter(compareBytesAt);
    it.reset(blk);
    it.seek(b('apricot'), MAX_SEQNO);
    expect(it.internalKey()).toEqual(encodeInternalKey(b('apricot'), 8, 1));
    expect(it.valueLength()).toBe('value of apricot'.length);
    expect(Buffer.from(blk.data.subarray(it.valueOffset(), it.valueOffset() + it.valueLength())).toString()).toBe('value of apricot');
  });

  it('an iterator that was never given a block refuses to move', () => {
    const it = new DataBlockIter(compareBytesAt);
    for (const move of [() => it.seekToFirst(), () => it.seekToLast(), () => it.seek(b('a'), 1), () => it.prev()]) {
      expect(move).toThrow('DataBlockIter used without a block');
    }
  });

  it('an empty block has one restart and iterates nothing', () => {
    const bb = new BlockBuilder(16);
    const blk = new Block(bb.finish().slice(), 'mem', 0);
    expect(blk.numRestarts).toBe(1);
    const it = new DataBlockIter(compareBytesAt);
    it.reset(blk);
    it.seekToFirst();
    expect(it.valid()).toBe(false);
    it.seekToLast();
    expect(it.valid()).toBe(false);
    it.seek(b('a'), MAX_SEQNO);
    expect(it.valid()).toBe(false);
    it.seekForPrev(b('a'), 0);
    expect(it.valid()).toBe(false);
  });

  it('prefix-truncates keys between restart points', () => {
    const entries = Array.from({ length: 32 }, (_, i) => ({ userKey: b(`commonprefix${String(i).padStart(3, '0')}`), seqno: 1, type: 1 as ValueType, value: b('v') }));
    const small = buildBlock(entries, 16);
    const large = buildBlock(entries, 1);
    expect(small.data.length).toBeLessThan(large.data.length * 0.6);
    expect(small.numRestarts).toBe(2);
    expect(large.numRestarts).toBe(32);
  });

  for (const restart of [1, 2, 3, 16, 1000]) {
    it(`matches a sorted-array model under random operations (restart interval ${restart})`, () => {
      withSeed(testSeed(100 + restart), (rng) => {
        for (let round = 0; round < 8; round++) {
          const entries = randomEntries(rng, 1 + rng.int(300), { maxKeyLen: 6 });
          const blk = buildBlock(entries, restart);
          const it = new DataBlockIter(compareBytesAt);
          it.reset(blk);
          const keys = [...entries.map((e) => e.userKey), ...Array.from({ length: 20 }, () => rng.bytes(rng.int(4)))];
          compareIterators(rng, adapt(it), modelIterator(entries), keys, 400);
        }
      });
    });
  }

  it('the generic comparator path (not the bytewise fast path) agrees with the model', () => {
    withSeed(testSeed(150), (rng) => {
      const generic = (buf: Uint8Array, off: number, len: number, key: Uint8Array): number => compareBytesAt(buf, off, len, key);
      for (let round = 0; round < 6; round++) {
        const entries = randomEntries(rng, 1 + rng.int(300), { maxKeyLen: 6 });
        const it = new DataBlockIter(generic);
        it.reset(buildBlock(entries, rng.pick([1, 4, 16])));
        const keys = [...entries.map((e) => e.userKey), ...Array.from({ length: 20 }, () => rng.bytes(rng.int(4)))];
        compareIterators(rng, adapt(it), modelIterator(entries), keys, 400);
      }
    });
  });

  it('decodeBlockEntries returns every entry in order', () => {
    const rng = new Rng(5);
    const entries = randomEntries(rng, 200);
    const blk = buildBlock(entries, 4);
    const decoded = decodeBlockEntries(blk);
    expect(decoded.length).toBe(entries.length);
    decoded.forEach((d, i) => {
      const e = entries[i]!;
      expect([...d.key]).toEqual([...encodeInternalKey(e.userKey, e.seqno, e.type)]);
      expect([...d.value]).toEqual([...e.value]);
    });
  });

  it('values of 2^16+ bytes and keys of 65,535 bytes survive', () => {
    const entries: Entry[] = [
      { userKey: new Uint8Array(65535).fill(0x61), seqno: 5, type: 1, value: new Uint8Array(70000).fill(7) },
      { userKey: new Uint8Array(65535).fill(0x62), seqno: 5, type: 1, value: new Uint8Array(0) },
    ];
    const blk = buildBlock(entries, 16);
    const it = new DataBlockIter(compareBytesAt);
    it.reset(blk);
    it.seekToLast();
    expect(it.userKey().length).toBe(65535);
    expect(it.userKey()[0]).toBe(0x62);
    it.prev();
    expect(it.value().length).toBe(70000);
  });

  it('a seek lands on a key far longer than the key buffer so far (bytewise and custom order)', () => {
    // A fresh iterator's key buffer is 64 bytes; a seek that decodes a short key and then
    // one of 300 bytes must grow it to hold the whole key at once.
    const long = 'L'.repeat(300);
    const entries: Entry[] = [
      { userKey: b('A'), seqno: 3, type: 1, value: b('short') }, // 'A' sorts before 'L'
      { userKey: b(long), seqno: 2, type: 1, value: b('long') },
      { userKey: b(`${long}z`), seqno: 1, type: 1, value: b('longer') },
    ];
    const blk = buildBlock(entries, 16);
    for (const cmp of [compareBytesAt, (buf: Uint8Array, off: number, len: number, key: Uint8Array) => compareBytesAt(buf, off, len, key)]) {
      for (const target of [long, `${long}z`]) {
        const it = new DataBlockIter(cmp);
        it.reset(blk);
        it.seek(b(target), MAX_SEQNO);
        expect(it.valid()).toBe(true);
        expect(Buffer.from(it.userKey()).toString()).toBe(target);
      }
    }
  });

  it('garbage never escapes as anything but CorruptionError and never hangs', () => {
    withSeed(testSeed(77), (rng) => {
      const entries = randomEntries(rng, 60);
      const good = buildBlock(entries, 4).data;
      for (let trial = 0; trial < 3000; trial++) {
        const data = good.slice();
        const flips = 1 + rng.int(4);
        for (let f = 0; f < flips; f++) data[rng.int(data.length)] = rng.u32() & 0xff;
        const cut = rng.bool(0.2) ? data.subarray(0, rng.int(data.length + 1)) : data;
        try {
          const blk = new Block(cut, 'mem', 0);
          const it = new DataBlockIter(compareBytesAt);
          it.reset(blk);
          let steps = 0;
          for (it.seekToFirst(); it.valid() && steps < 10000; it.next()) {
            it.userKey();
            it.value();
            it.type();
            steps++;
          }
          for (it.seekToLast(); it.valid() && steps < 20000; it.prev()) steps++;
          it.seek(rng.pick(entries).userKey, rng.int(1000));
          it.seekForPrev(rng.pick(entries).userKey, rng.int(1000));
          expect(steps).toBeLessThan(20000);
        } catch (err) {
          if (!(err instanceof CorruptionError)) throw err;
        }
      }
    });
  });

  it('an entry whose damaged length runs past a restart point is corruption, forward and backward (found by the long fuzz run)', () => {
    // Seven entries, a restart every three: the sixth entry's value length is damaged so
    // that it ends exactly at the restarts array, past the restart point of the seventh.
    // Forward decoding used to stop there quietly (six entries) while backward decoding,
    // which starts at restart points, saw seven.
    const builder = new BlockBuilder(3);
    const keys = ['03f868', '18d36b', '2dfa16', '2f68', '67ac18', '77', '782a'];
    keys.forEach((k, i) => {
      const ik = encodeInternalKey(Buffer.from(k, 'hex'), 100 - i, 1);
      builder.add(ik, ik.length, Buffer.from('vvvv'));
    });
    const data = builder.finish().slice();
    const blk0 = new Block(data, 'mem', 0);
    const last = blk0.restart(blk0.numRestarts - 1); // where the seventh entry starts
    // Entry headers here are three one-byte varints (shared, unshared, value length, as
    // FORMAT.md lays out a data block entry): step over five entries to the sixth.
    let sixth = 0;
    for (let i = 0; i < 5; i++) sixth += 3 + data[sixth + 1]! + data[sixth + 2]!;
    const sixthValueLen = 4;
    expect(data[sixth + 2]).toBe(sixthValueLen);
    // Make its value reach the restarts array, past the seventh entry's restart point.
    data[sixth + 2] = sixthValueLen + (blk0.restartsOffset - last);
    const blk = new Block(data, 'mem', 0);
    const it = new DataBlockIter(compareBytesAt);
    it.reset(blk);
    const forward = (): void => {
      for (it.seekToFirst(); it.valid(); it.next());
    };
    const backward = (): void => {
      for (it.seekToLast(); it.valid(); it.prev());
    };
    expect(forward).toThrow(/runs past the restart point/);
    expect(backward).toThrow(/runs past the restart point/);
  });
});

