// A data block damaged in one field at a time (the block's own checksum already passed, as
// after a bit flip in memory or a writer bug): every way of reading it (forward, backward,
// seek, seekForPrev; the bytewise fast path and a custom comparator's path) stops at the
// damaged entry with the CorruptionError that names what is wrong and where, instead of
// returning a wrong entry. The fuzz tests check that garbage gives some CorruptionError;
// these check each check.

import { compareBytesAt, CorruptionError, encodeInternalKey, MAX_SEQNO } from '@lsm/base';
import { describe, expect, it } from 'vitest';
import { BlockBuilder } from '../src/block-builder.js';
import { Block, type CompareAt } from '../src/block-reader.js';
import { DataBlockIter } from '../src/data-block-iterator.js';

const KEYS = ['k0', 'k1', 'k2', 'k3', 'k4', 'k5', 'k6'];
const seqOf = (i: number): number => 100 - i;

/** Seven entries 'k0'..'k6' -> 'vv', a restart every three: restarts at entries 0, 3, 6. */
function goodBlock(): { data: Uint8Array; offsets: number[]; restartsOffset: number } {
  const bb = new BlockBuilder(3);
  KEYS.forEach((k, i) => {
    const ik = encodeInternalKey(Buffer.from(k), seqOf(i), 1);
    bb.add(ik, ik.length, Buffer.from('vv'));
  });
  const data = bb.finish().slice();
  const restartsOffset = new Block(data, 'mem', 0).restartsOffset;
  // Every header here is three one-byte varints (shared, unshared, value length).
  const offsets: number[] = [];
  for (let p = 0; p < restartsOffset; p += 3 + data[p + 1]! + data[p + 2]!) offsets.push(p);
  expect(offsets.length).toBe(7);
  return { data, offsets, restartsOffset };
}

/** The custom comparator: bytewise order, but not the bytewise function, so the generic paths run. */
const generic: CompareAt = (buf, off, len, key) => compareBytesAt(buf, off, len, key);

type Op = [string, (it: DataBlockIter) => void];
const forward: Op = ['forward scan', (it) => {
  for (it.seekToFirst(); it.valid(); it.next()) it.seqno();
}];
const backward: Op = ['backward scan', (it) => {
  for (it.seekToLast(); it.valid(); it.prev()) it.seqno();
}];
const seekTo = (i: number): Op => [`seek(${KEYS[i]})`, (it) => {
  it.seek(Buffer.from(KEYS[i]!), seqOf(i));
  if (it.valid()) it.seqno();
}];
const seekForPrevTo = (i: number): Op => [`seekForPrev(${KEYS[i]})`, (it) => {
  it.seekForPrev(Buffer.from(KEYS[i]!), seqOf(i));
  if (it.valid()) it.seqno();
}];

/** What each op does on `data` with either comparator: 'ok' or the error's message. */
function outcomes(data: Uint8Array, ops: Op[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [mode, cmp] of [['bytewise', compareBytesAt], ['generic', generic]] as const) {
    for (const [name, op] of ops) {
      const it = new DataBlockIter(cmp);
      it.reset(new Block(data, 'mem', 0));
      try {
        op(it);
        out[`${mode} ${name}`] = 'ok';
      } catch (err) {
        expect(err).toBeInstanceOf(CorruptionError);
        out[`${mode} ${name}`] = (err as Error).message.replace('corruption in mem at offset 0: ', '');
      }
    }
  }
  return out;
}

/** `expected` for every op, in both modes. */
function every(ops: Op[], expected: (name: string) => string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const mode of ['bytewise', 'generic']) for (const [name] of ops) out[`${mode} ${name}`] = expected(name);
  return out;
}

describe('a data block with one damaged field', () => {
  it('the sound block reads whole every way', () => {
    const { data } = goodBlock();
    const ops = [forward, backward, ...KEYS.map((_, i) => seekTo(i)), ...KEYS.map((_, i) => seekForPrevTo(i))];
    expect(outcomes(data, ops)).toEqual(every(ops, () => 'ok'));
    const it = new DataBlockIter(compareBytesAt);
    it.reset(new Block(data, 'mem', 0));
    const seen: string[] = [];
    for (it.seekToLast(); it.valid(); it.prev()) seen.push(`${Buffer.from(it.userKey()).toString()}@${it.seqno()}:${it.type()}`);
    expect(seen).toEqual(KEYS.map((k, i) => `${k}@${seqOf(i)}:1`).reverse());
  });

  it('an unknown value type in an entry (not at a restart): every read reaching it names it', () => {
    const { data, offsets } = goodBlock();
    const o = offsets[4]!;
    const u = data[o + 1]!;
    data[o + 3 + u - 8] = 0x7f; // the trailer's type byte
    const ops = [forward, backward, seekTo(4), seekTo(5), seekForPrevTo(4)];
    expect(outcomes(data, ops)).toEqual(every(ops, () => `unknown value type 127 (entry at block offset ${o})`));
    // Entries before it, and seeks that stop before it, are unaffected.
    expect(outcomes(data, [seekTo(3)])).toEqual(every([seekTo(3)], () => 'ok'));
  });

  it('a sequence number past 2^53 in an entry: seqno() and a seek comparing with it say so', () => {
    const { data, offsets } = goodBlock();
    const o = offsets[4]!;
    const u = data[o + 1]!;
    data[o + 3 + u - 1] = 0xff; // the seqno's top byte
    const ops = [forward, backward, seekTo(4)];
    expect(outcomes(data, ops)).toEqual(every(ops, () => `sequence number out of range (entry at block offset ${o})`));
  });

  it('a sequence number past 2^53 at a restart point: a seek for its key stops in the restart search', () => {
    const { data, offsets } = goodBlock();
    const o = offsets[3]!;
    const u = data[o + 1]!;
    data[o + 3 + u - 1] = 0xff;
    expect(outcomes(data, [seekTo(3)])).toEqual(every([seekTo(3)], () => `sequence number out of range at ${o}`));
  });

  it('an entry at a restart point that shares key bytes: the restart search and every scan refuse it', () => {
    const { data, offsets } = goodBlock();
    const o = offsets[3]!;
    data[o] = 1; // shared 1: its key is the previous key's first byte and its own ten bytes, otherwise sound
    const ops = [seekTo(0), seekTo(5), seekForPrevTo(6)];
    expect(outcomes(data, ops)).toEqual(every(ops, () => `bad restart entry at ${o}`));
    // Forward, the entry follows one with a key to share; backward, decoding starts at the
    // restart point, where there is no previous key to share bytes with.
    expect(outcomes(data, [forward])).toEqual(every([forward], () => `an entry at a restart point shares key bytes (entry at block offset ${o})`));
    expect(outcomes(data, [backward])).toEqual(every([backward], () => `bad entry lengths (entry at block offset ${o})`));
  });

  it.each([
    ['an unshared length past the block', 1, 200],
    ['a value length past the block', 2, 200],
    ['a key shorter than its trailer', 1, 5],
    ['more shared bytes than the previous key has', 0, 11],
  ])('%s: bad entry lengths, at that entry', (_, field, value) => {
    const { data, offsets } = goodBlock();
    const o = offsets[1]!;
    data[o + field] = value;
    const ops = [forward, backward, seekTo(1), seekTo(2), seekForPrevTo(2)];
    expect(outcomes(data, ops)).toEqual(every(ops, () => `bad entry lengths (entry at block offset ${o})`));
  });

  it('a restart entry whose key is shorter than its trailer, or runs past the entries: bad restart entry', () => {
    for (const unshared of [5, 120]) {
      const { data, offsets } = goodBlock();
      const o = offsets[3]!;
      data[o + 1] = unshared;
      expect(outcomes(data, [seekTo(4)])).toEqual(every([seekTo(4)], () => `bad restart entry at ${o}`));
    }
  });

  it('an entry header whose varint never ends before the restarts: bad entry header', () => {
    const { data, offsets, restartsOffset } = goodBlock();
    const o = offsets[6]!;
    data.fill(0x80, o + 2, restartsOffset); // the value length's varint runs into the restart array
    const ops = [forward, backward];
    expect(outcomes(data, ops)).toEqual(every(ops, () => `bad entry header (entry at block offset ${o})`));
    // It is a restart entry: a seek meets it in the restart search first.
    expect(outcomes(data, [seekTo(6)])).toEqual(every([seekTo(6)], () => `bad restart entry at ${o}`));
    // A seek that stops earlier never decodes it.
    expect(outcomes(data, [seekTo(2)])).toEqual(every([seekTo(2)], () => 'ok'));
  });

  it('an entry header past a restart point that is no varint: a seek through it names it, bytewise and generic', () => {
    // Entry 4 sits between the restarts at entries 3 and 6: a seek for k5 starts at k3 and
    // decodes entry 4 in its scan. Five 0xff bytes: a shared length of more than 32 bits.
    const { data, offsets } = goodBlock();
    const o = offsets[4]!;
    data.fill(0xff, o, o + 5);
    const ops = [seekTo(5), forward];
    expect(outcomes(data, ops)).toEqual(every(ops, () => `bad entry header (entry at block offset ${o})`));
    expect(outcomes(data, [seekTo(3)])).toEqual(every([seekTo(3)], () => 'ok'));
  });

  it('reading entries as a seek passes them: the iterator is left invalid, not on a half-decoded entry', () => {
    const { data, offsets } = goodBlock();
    data[offsets[5]! + 2] = 200;
    for (const cmp of [compareBytesAt, generic]) {
      const it = new DataBlockIter(cmp);
      it.reset(new Block(data, 'mem', 0));
      expect(() => it.seek(Buffer.from('k5'), MAX_SEQNO)).toThrow(CorruptionError);
      expect(it.valid()).toBe(false);
    }
  });
});
