// Reading one stored block and the footer, failure by failure (fast, no table): each kind
// of damage gives its own typed error naming the file and the offset of the structure
// found damaged, with the detail a user or `lsm verify` shows (the checksum values, the
// region a handle overruns, where a file ends early); a block exactly at the end of its
// region, or a handle ending exactly at the footer, is fine. And the three ways a block is
// read into memory (through the reused scratch buffer, straight into a pooled buffer, or
// into its own buffer when large) each return the block's own bytes, never a view of a
// buffer the next read overwrites.

import { blockChecksum, ByteSink, CorruptionError, IoError, NotSupportedError, putU32, xxh32 } from '@lsm/base';
import { FsError, MemFs, writeFile, type FsFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { appendBlock, BLOCK_TRAILER_SIZE, decodeStoredBlock, openTableFile, readBlock, readFully } from '../src/block-io.js';
import { decodeFooter, encodeFooter, FOOTER_SIZE } from '../src/footer.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

/** A stored block (payload + trailer) written for file offset `offset`. */
function stored(payload: Uint8Array, offset: number, flags = 0, compressionId = 0): Uint8Array {
  const sink = new ByteSink(16);
  appendBlock(sink, payload, compressionId, offset, flags);
  return sink.buf.slice(0, sink.len);
}

/** Rewrites trailer byte `i` (0-3) of a stored block and fixes its checksum, so only that field is wrong. */
function withTrailerByte(raw: Uint8Array, offset: number, i: number, value: number): Uint8Array {
  const out = raw.slice();
  const size = out.length - BLOCK_TRAILER_SIZE;
  out[size + i] = value;
  putU32(out, size + 4, blockChecksum(out.subarray(0, size + 4), offset));
  return out;
}

function thrown(fn: () => unknown): Error {
  try {
    fn();
  } catch (err) {
    return err as Error;
  }
  throw new Error('did not throw');
}

describe('decodeStoredBlock', () => {
  const payload = enc('hello, block');
  const at = 4096;

  it('returns the payload of a sound block', () => {
    expect(decodeStoredBlock(stored(payload, at), { offset: at, size: payload.length }, 'f.sst')).toEqual(payload);
  });

  it('a length that disagrees with the handle: corruption at the block', () => {
    const raw = stored(payload, at);
    const err = thrown(() => decodeStoredBlock(raw.subarray(0, raw.length - 1), { offset: at, size: payload.length }, 'f.sst'));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toBe(`corruption in f.sst at offset ${at}: block length mismatch`);
  });

  it('a checksum mismatch names both checksums, eight hex digits each', () => {
    const raw = stored(payload, at);
    raw[0]! ^= 1;
    const size = payload.length;
    const storedSum = new DataView(raw.buffer).getUint32(size + 4, true);
    const actual = blockChecksum(raw.subarray(0, size + 4), at);
    const err = thrown(() => decodeStoredBlock(raw, { offset: at, size }, 'f.sst'));
    expect(err).toBeInstanceOf(CorruptionError);
    const hex = (n: number): string => n.toString(16).padStart(8, '0');
    expect(err.message).toBe(`corruption in f.sst at offset ${at}: block checksum mismatch (stored ${hex(storedSum)}, computed ${hex(actual)})`);
    // Eight digits also when the checksum is small: pad with zeros.
    let small = -1;
    for (let i = 0; i < 10_000 && small < 0; i++) {
      const r = stored(enc(`payload ${i}`), at);
      const n = r.length - 8;
      const sum = new DataView(r.buffer, r.byteOffset).getUint32(n + 4, true);
      if (sum >= 0x10000000) continue;
      small = i;
      // Damage the stored checksum only: the computed one is the small one.
      r[n + 4]! ^= 0xff;
      const e = thrown(() => decodeStoredBlock(r, { offset: at, size: n }, 'f.sst'));
      expect(e.message).toMatch(new RegExp(`computed 0${hex(sum).slice(1)}\\)$`));
      expect(hex(sum)).toHaveLength(8);
    }
    expect(small).toBeGreaterThanOrEqual(0);
    // The checksum is seeded with the offset: the same bytes read as another block fail.
    expect(thrown(() => decodeStoredBlock(stored(payload, at), { offset: at + 1, size }, 'f.sst'))).toBeInstanceOf(CorruptionError);
  });

  it.each([
    ['an unknown flag bit', 1, 0x02, 'uses unknown trailer flags 0x2 or reserved bytes'],
    ['a nonzero first reserved byte', 2, 0x01, 'uses unknown trailer flags 0x0 or reserved bytes'],
    ['a nonzero second reserved byte', 3, 0x80, 'uses unknown trailer flags 0x0 or reserved bytes'],
  ])('%s (checksum valid): not supported, naming the block', (_, i, value, detail) => {
    const raw = withTrailerByte(stored(payload, at), at, i, value);
    const err = thrown(() => decodeStoredBlock(raw, { offset: at, size: payload.length }, 'f.sst'));
    expect(err).toBeInstanceOf(NotSupportedError);
    expect(err.message).toBe(`block at offset ${at} of f.sst ${detail}`);
  });

  it('an encrypted block read without a key: not supported, saying to give the key', () => {
    const raw = stored(payload, at, 0x01);
    const err = thrown(() => decodeStoredBlock(raw, { offset: at, size: payload.length }, 'f.sst'));
    expect(err).toBeInstanceOf(NotSupportedError);
    expect(err.message).toBe(`block at offset ${at} of f.sst is encrypted; open the table with its encryption key`);
  });
});

/** An FsFile over `bytes` whose reads return at most `chunk` bytes; counts reads. */
function chunkyFile(bytes: Uint8Array, chunk: number): FsFile & { reads: number } {
  const f = {
    path: '/c.sst',
    reads: 0,
    read(buf: Uint8Array, position: number): number {
      f.reads++;
      const n = Math.max(0, Math.min(buf.length, chunk, bytes.length - position));
      buf.set(bytes.subarray(position, position + n));
      return n;
    },
    size: () => bytes.length,
  } as unknown as FsFile & { reads: number };
  return f;
}

describe('readFully', () => {
  it('reassembles short reads, each at the position after the last', () => {
    const bytes = enc('0123456789abcdef');
    const f = chunkyFile(bytes, 3);
    const buf = new Uint8Array(10);
    readFully(f, '/c.sst', buf, 4);
    expect(new TextDecoder().decode(buf)).toBe('456789abcd');
    expect(f.reads).toBe(4);
  });

  it('a file that ends early: corruption at the read, saying where it ended', () => {
    const f = chunkyFile(enc('0123456789'), 3);
    const err = thrown(() => readFully(f, '/c.sst', new Uint8Array(8), 4));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toBe('corruption in /c.sst at offset 4: file ends after 10 bytes; expected 8 bytes here');
  });

  it('an Fs failure: LSM_IO naming the read and the file', () => {
    const f = { read: () => { throw new FsError('EIO', 'read', '/c.sst'); } } as unknown as FsFile;
    const err = thrown(() => readFully(f, '/c.sst', new Uint8Array(8), 16));
    expect(err).toBeInstanceOf(IoError);
    expect(err.message.startsWith('reading 8 bytes at offset 16 of /c.sst: ')).toBe(true);
  });

  it('openTableFile: a missing file is LSM_IO naming the table', () => {
    const err = thrown(() => openTableFile(new MemFs(), '/none.sst'));
    expect(err).toBeInstanceOf(IoError);
    expect(err.message.startsWith('opening table /none.sst: ')).toBe(true);
  });

  it('openTableFile opens for reading only', () => {
    const fs = new MemFs();
    writeFile(fs, '/t.sst', enc('x'));
    const f = openTableFile(fs, '/t.sst');
    expect(() => f.writeAt(enc('y'), 0)).toThrow();
    f.close();
  });
});

describe('readBlock', () => {
  /** A file holding `lead` filler bytes and then each block stored at its offset. */
  function fileWith(blocks: Uint8Array[], lead = 100): { file: FsFile; handles: Array<{ offset: number; size: number }>; end: number } {
    const fs = new MemFs();
    const sink = new ByteSink(1024);
    sink.ensure(lead);
    sink.len = lead;
    const handles: Array<{ offset: number; size: number }> = [];
    for (const b of blocks) {
      handles.push({ offset: sink.len, size: b.length });
      appendBlock(sink, b, 0, sink.len);
    }
    writeFile(fs, '/t.sst', sink.buf.subarray(0, sink.len));
    return { file: fs.open('/t.sst', { read: true }), handles, end: sink.len };
  }

  it('a block ending exactly at its limit reads; one byte further is corruption naming the region', () => {
    const { file, handles, end } = fileWith([enc('abc')]);
    expect(readBlock(file, '/t.sst', handles[0]!, end)).toEqual(enc('abc'));
    const err = thrown(() => readBlock(file, '/t.sst', handles[0]!, end - 1));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toBe(`corruption in /t.sst at offset 100: block of 3 bytes runs past the end of its region (${end - 1})`);
  });

  it('through the scratch buffer: each block read is its own copy, not overwritten by the next read', () => {
    const { file, handles, end } = fileWith([enc('first'), enc('second')]);
    const a = readBlock(file, '/t.sst', handles[0]!, end);
    const b = readBlock(file, '/t.sst', handles[1]!, end);
    expect([new TextDecoder().decode(a), new TextDecoder().decode(b)]).toEqual(['first', 'second']);
    expect(a.buffer).not.toBe(b.buffer);
  });

  it('with a pool: the block lands in a buffer from it, sized to the block (scratch path) or to block + trailer (direct path)', () => {
    const { file, handles, end } = fileWith([enc('pooled!')]);
    const given: Uint8Array[] = [];
    const alloc = (n: number): Uint8Array => {
      const b = new Uint8Array(n);
      given.push(b);
      return b;
    };
    const viaScratch = readBlock(file, '/t.sst', handles[0]!, end, undefined, undefined, alloc);
    expect(given.map((b) => b.length)).toEqual([7]);
    expect(viaScratch.buffer).toBe(given[0]!.buffer);
    const direct = readBlock(file, '/t.sst', handles[0]!, end, undefined, undefined, alloc, true);
    expect(given.map((b) => b.length)).toEqual([7, 7 + BLOCK_TRAILER_SIZE]);
    expect(direct.buffer).toBe(given[1]!.buffer);
    expect(direct).toEqual(enc('pooled!'));
    // Direct without a pool reads through the scratch buffer, still as a copy of its own.
    const plain = readBlock(file, '/t.sst', handles[0]!, end, undefined, undefined, undefined, true);
    expect(plain).toEqual(enc('pooled!'));
    expect(plain.byteLength).toBe(plain.buffer.byteLength);
  });

  it('blocks larger than the scratch buffer (64 KiB) and than its cap (1 MiB) read whole, as buffers of their own', () => {
    const big = new Uint8Array(200_000).map((_, i) => (i * 7) & 0xff);
    const huge = new Uint8Array((1 << 20) + 5).map((_, i) => (i * 13) & 0xff);
    const { file, handles, end } = fileWith([big, huge, enc('small')]);
    const a = readBlock(file, '/t.sst', handles[0]!, end);
    const b = readBlock(file, '/t.sst', handles[1]!, end);
    const c = readBlock(file, '/t.sst', handles[2]!, end);
    const same = (x: Uint8Array, y: Uint8Array): boolean => Buffer.from(x.buffer, x.byteOffset, x.byteLength).equals(y);
    expect([same(a, big), same(b, huge), same(c, enc('small'))]).toEqual([true, true, true]);
    expect(new Set([a.buffer, b.buffer, c.buffer]).size).toBe(3);
    expect(same(a, big)).toBe(true); // not overwritten by the later reads
  });
});

describe('decodeFooter', () => {
  const footerAt = 10_000;
  const sound = { metaindex: { offset: 100, size: 50 }, index: { offset: 200, size: 300 }, properties: { offset: 9_000, size: 1_000 }, formatVersion: 1 };

  it('accepts handles that end exactly at the footer', () => {
    expect(decodeFooter(encodeFooter(sound), 'f.sst', footerAt)).toEqual(sound);
  });

  it('a short footer: corruption at the footer', () => {
    const err = thrown(() => decodeFooter(encodeFooter(sound).subarray(0, FOOTER_SIZE - 1), 'f.sst', footerAt));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toBe(`corruption in f.sst at offset ${footerAt}: short footer`);
  });

  it('a bad magic number: corruption at the magic', () => {
    const b = encodeFooter(sound);
    b[60]! ^= 1;
    const err = thrown(() => decodeFooter(b, 'f.sst', footerAt));
    expect(err.message).toBe(`corruption in f.sst at offset ${footerAt + 56}: bad magic number: not an sstable, or its tail is damaged`);
  });

  it('a checksum mismatch names the version field it read', () => {
    const b = encodeFooter(sound);
    b[0]! ^= 1;
    const err = thrown(() => decodeFooter(b, 'f.sst', footerAt));
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toBe(`corruption in f.sst at offset ${footerAt}: footer checksum mismatch (format version field reads 1)`);
  });

  /** Re-encodes `f` (checksum right) and decodes it at footerAt. */
  const decodeOf = (f: typeof sound): Error => thrown(() => decodeFooter(encodeFooter(f), 'f.sst', footerAt));

  it('version 0: corruption at the version field; a newer version: not supported, naming both', () => {
    const zero = decodeOf({ ...sound, formatVersion: 0 });
    expect(zero).toBeInstanceOf(CorruptionError);
    expect(zero.message).toBe(`corruption in f.sst at offset ${footerAt + 48}: invalid format version 0`);
    const newer = decodeOf({ ...sound, formatVersion: 3 });
    expect(newer).toBeInstanceOf(NotSupportedError);
    expect(newer.message).toBe('f.sst has table format version 3; this version of @lsm/sstable reads up to 2');
  });

  it.each([
    ['metaindex', 0],
    ['index', 16],
    ['properties', 32],
  ] as const)('a %s handle one byte past the footer: corruption at that handle', (what, at) => {
    const f = { ...sound, [what]: { offset: footerAt - 10, size: 11 } };
    const err = decodeOf(f);
    expect(err).toBeInstanceOf(CorruptionError);
    expect(err.message).toBe(`corruption in f.sst at offset ${footerAt + at}: ${what} handle points outside the file`);
    expect((err as CorruptionError).offset).toBe(footerAt + at);
  });

  it.each([
    ['offset', 0],
    ['size', 8],
  ] as const)('a handle whose %s is past 2^53 (the only field that is): corruption, not a negative number', (field, within) => {
    // u64 fields above 2^53 read as -1; with the other field small, their sum would still
    // lie inside the file. Re-sealed with the footer checksum (FORMAT.md: seed 0x4c534d46).
    for (const [what, at] of [['metaindex', 0], ['index', 16], ['properties', 32]] as const) {
      const b = encodeFooter(sound);
      putU32(b, at + within + 4, 0xffffffff);
      putU32(b, 52, xxh32(b.subarray(0, 52), 0x4c534d46));
      const err = thrown(() => decodeFooter(b, 'f.sst', footerAt));
      expect(err).toBeInstanceOf(CorruptionError);
      expect(err.message, `${what} ${field}`).toBe(`corruption in f.sst at offset ${footerAt + at}: ${what} handle points outside the file`);
    }
  });

  it('a handle whose offset alone is past the footer (size 0) is refused too', () => {
    expect(decodeOf({ ...sound, index: { offset: footerAt + 1, size: 0 } }).message).toContain('index handle points outside the file');
    // Inside the file, a size of 0 is a handle (the block read then finds no block there).
    expect(decodeFooter(encodeFooter({ ...sound, index: { offset: 100, size: 0 } }), 'f.sst', footerAt).index).toEqual({ offset: 100, size: 0 });
  });
});
