// Fuzzing every block-level decoder of the table format with fast-check: block contents
// (Block + decodeBlockEntries), the data-block iterator, the footer, the properties,
// index, range-tombstone and metaindex blocks, stored blocks (trailer, checksum, zstd) and
// the filter block. Inputs are random bytes, valid encodings of random contents, and valid
// encodings damaged by 1-4 mutations (flips, overwrites, truncation, extension, zeroed
// runs, splices). Each decoder must return the right data (exactly, when nothing changed)
// or throw LSM_CORRUPTION naming the file; LSM_NOT_SUPPORTED only where documented (a
// checksum-valid block with an unknown compression id or flag, a checksum-valid footer
// of a newer version). Never another error, a hang or an allocation out of proportion.

import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { type BlockHandle } from '../src/block-handle.js';
import { appendBlock, BLOCK_TRAILER_SIZE, decodeStoredBlock } from '../src/block-io.js';
import { BlockBuilder } from '../src/block-builder.js';
import { Block, decodeBlockEntries } from '../src/block-reader.js';
import {
  blockChecksum,
  ByteSink,
  putU32,
  putVarint,
  bytewiseComparator,
  compareBytes,
  compareBytesAt,
  encodeInternalKey,
  MAX_SEQNO,
  ValueType,
  type RangeTombstone,
} from '@lsm/base';
import { BlockCompressor } from '../src/compression.js';
import { DataBlockIter } from '../src/data-block-iterator.js';
import { FilterCollector, keyHash, TableFilter } from '../src/filter-block.js';
import { decodeFooter, encodeFooter, FOOTER_SIZE, MAGIC_HI, MAGIC_LO } from '../src/footer.js';
import { IndexBlock, IndexBuilder } from '../src/index-block.js';
import { buildMetaindexBlock, decodeMetaindexBlock } from '../src/metaindex-block.js';
import { buildPropertiesBlock, decodePropertiesBlock, type TableProperties } from '../src/properties.js';
import { buildRangeTombstoneBlock, decodeRangeTombstoneBlock, sortRangeTombstones } from '../src/range-tombstone-block.js';
import { FUZZ_TIMEOUT, Fuzzed, mutate, mutations, params, sameBytes } from './fuzz-helpers.js';

const FILE = '/fuzz/000007.sst';
const AT = 4096; // file offset the blocks pretend to sit at

const fz = {
  block: new Fuzzed('sstable block contents (Block + decodeBlockEntries)'),
  iter: new Fuzzed('sstable data block iterator (DataBlockIter)'),
  footer: new Fuzzed('sstable footer (decodeFooter)'),
  props: new Fuzzed('sstable properties block (decodePropertiesBlock)'),
  index: new Fuzzed('sstable index block (IndexBlock + find)'),
  rt: new Fuzzed('sstable range-tombstone block (decodeRangeTombstoneBlock)'),
  meta: new Fuzzed('sstable metaindex block (decodeMetaindexBlock)'),
  stored: new Fuzzed('sstable stored block: trailer, checksum, zstd (decodeStoredBlock)'),
  filter: new Fuzzed('sstable filter block (TableFilter.from)'),
};
afterAll(() => {
  for (const f of Object.values(fz)) console.log(f.summary());
});

const key = fc.uint8Array({ maxLength: 24 });
const value = fc.uint8Array({ maxLength: 64 });
const random = fc.uint8Array({ maxLength: 1024 });

/** Sorted distinct keys with values. */
const kvs = fc.uniqueArray(fc.tuple(key, value), { maxLength: 60, selector: ([k]) => Buffer.from(k).toString('hex') }).map((l) => l.sort((a, b) => compareBytes(a[0], b[0])));

function blockOf(pairs: readonly (readonly [Uint8Array, Uint8Array])[], restartInterval: number): Uint8Array {
  const b = new BlockBuilder(restartInterval);
  for (const [k, v] of pairs) b.add(k, k.length, v);
  return b.finish().slice();
}

const hex = (b: Uint8Array): string => Buffer.from(b).toString('hex');

describe('fuzz: block contents', { timeout: FUZZ_TIMEOUT }, () => {
  const decode = (bytes: Uint8Array) => fz.block.decode(bytes.length, () => decodeBlockEntries(new Block(bytes, FILE, AT)), { file: FILE });

  it('random bytes', () => {
    fc.assert(fc.property(random, (b) => void decode(b)), params(8000));
  });

  it('valid blocks round-trip; damaged ones decode safely', () => {
    fc.assert(
      fc.property(kvs, fc.integer({ min: 1, max: 20 }), mutations, (pairs, ri, ms) => {
        const good = blockOf(pairs, ri);
        const entries = decode(good);
        expect(entries?.map((e) => `${hex(e.key)}=${hex(e.value)}`)).toEqual(pairs.map(([k, v]) => `${hex(k)}=${hex(v)}`));
        const bad = mutate(good, ms);
        const got = decode(bad);
        if (sameBytes(bad, good)) expect(got).toBeDefined();
      }),
      params(5000),
    );
  });
});

/** Sorted internal-key entries (distinct user keys, one version each, some with several). */
const internalEntries = fc
  .uniqueArray(fc.tuple(key, fc.integer({ min: 0, max: 2 ** 40 }), fc.constantFrom(0, 1, 1, 2, 3, 4), value), {
    maxLength: 50,
    selector: ([k, s]) => `${hex(k)}:${s}`,
  })
  .map((l) => l.sort((a, b) => compareBytes(a[0], b[0]) || b[1] - a[1]));

describe('fuzz: data block iterator', { timeout: FUZZ_TIMEOUT }, () => {
  /** Walks the block every way; returns what it saw. Bounded, so a loop is a failure, not a hang. */
  const walk = (bytes: Uint8Array, probes: readonly [Uint8Array, number][]): string[] | undefined =>
    fz.iter.decode(
      bytes.length,
      () => {
        const block = new Block(bytes, FILE, AT);
        const it = new DataBlockIter(compareBytesAt);
        const seen: string[] = [];
        const limit = bytes.length + 2;
        it.reset(block);
        let n = 0;
        for (it.seekToFirst(); it.valid(); it.next()) {
          if (++n > limit) throw new Error('forward iteration does not end');
          seen.push(`${hex(it.userKey())}@${it.seqno()}:${it.type()}=${hex(it.value())}`);
        }
        n = 0;
        const back: string[] = [];
        for (it.seekToLast(); it.valid(); it.prev()) {
          if (++n > limit) throw new Error('reverse iteration does not end');
          back.push(`${hex(it.userKey())}@${it.seqno()}:${it.type()}=${hex(it.value())}`);
        }
        if (back.reverse().join() !== seen.join()) throw new Error('forward and reverse iteration disagree');
        for (const [k, s] of probes) {
          it.seek(k, s);
          if (it.valid()) seen.push(`seek ${hex(k)}@${s} -> ${hex(it.userKey())}@${it.seqno()}`);
          it.seekForPrev(k, s);
          if (it.valid()) it.value();
        }
        return seen;
      },
      { file: FILE },
    );

  const probes = fc.array(fc.tuple(key, fc.integer({ min: 0, max: MAX_SEQNO })), { maxLength: 6 });

  it('random bytes', () => {
    fc.assert(fc.property(random, probes, (b, p) => void walk(b, p)), params(6000));
  });

  it('valid data blocks iterate exactly; damaged ones iterate safely', () => {
    fc.assert(
      fc.property(internalEntries, fc.integer({ min: 1, max: 16 }), mutations, probes, (entries, ri, ms, p) => {
        const good = blockOf(
          entries.map(([k, s, t, v]) => [encodeInternalKey(k, s, t), v] as const),
          ri,
        );
        const seen = walk(good, []);
        if (entries.length > 0) expect(seen).toEqual(entries.map(([k, s, t, v]) => `${hex(k)}@${s}:${t}=${hex(v)}`));
        walk(mutate(good, ms), p);
      }),
      params(4000),
    );
  });
});

describe('fuzz: footer', { timeout: FUZZ_TIMEOUT }, () => {
  const decode = (b: Uint8Array) => fz.footer.decode(b.length, () => decodeFooter(b, FILE, 100_000), { file: FILE, notSupported: true });
  const handle = fc.record({ offset: fc.integer({ min: 0, max: 60_000 }), size: fc.integer({ min: 0, max: 45_000 }) });
  const footer = fc.record({ metaindex: handle, index: handle, properties: handle, formatVersion: fc.constantFrom(0, 1, 1, 1, 2, 3, 0xffffffff) });

  it('random bytes (any length)', () => {
    fc.assert(fc.property(fc.uint8Array({ maxLength: 80 }), (b) => void decode(b)), params(4000));
  });

  it('checksum-valid footers with random fields: decoded exactly, or rejected as the format says', () => {
    fc.assert(
      fc.property(footer, (f) => {
        const got = decode(encodeFooter(f));
        const inRange = [f.metaindex, f.index, f.properties].every((h) => h.offset + h.size <= 100_000);
        // Version 1 (plaintext) and 2 (encrypted) are this reader's.
        if ((f.formatVersion === 1 || f.formatVersion === 2) && inRange) expect(got).toEqual(f);
        else expect(got).toBeUndefined();
      }),
      params(4000),
    );
  });

  it('any damage to a valid footer is detected', () => {
    fc.assert(
      fc.property(footer, mutations, (f, ms) => {
        const good = encodeFooter({ ...f, formatVersion: 1 });
        const bad = mutate(good, ms);
        const got = decode(bad);
        if (!sameBytes(bad, good)) expect(got, 'a damaged footer was accepted').toBeUndefined();
      }),
      params(4000),
    );
  });

  it('random bytes behind the magic number', () => {
    fc.assert(
      fc.property(fc.uint8Array({ minLength: 56, maxLength: 56 }), (b) => {
        const f = new Uint8Array(FOOTER_SIZE);
        f.set(b);
        putU32(f, 56, MAGIC_LO);
        putU32(f, 60, MAGIC_HI);
        decode(f);
      }),
      params(2000),
    );
  });
});

const props: fc.Arbitrary<TableProperties> = fc.record({
  formatVersion: fc.constant(1),
  comparator: fc.string({ maxLength: 20 }),
  compression: fc.constantFrom('none', 'zstd'),
  compressionLevel: fc.nat(22),
  entryCount: fc.nat(),
  valueCount: fc.nat(),
  tombstoneCount: fc.nat(),
  weakTombstoneCount: fc.nat(),
  mergeCount: fc.nat(),
  indirectionCount: fc.nat(),
  rangeTombstoneCount: fc.nat(),
  smallestKey: fc.option(key, { nil: undefined }),
  largestKey: fc.option(key, { nil: undefined }),
  smallestRangeTombstoneStart: fc.option(key, { nil: undefined }),
  largestRangeTombstoneEnd: fc.option(key, { nil: undefined }),
  smallestSeqno: fc.integer({ min: 0, max: MAX_SEQNO }),
  largestSeqno: fc.integer({ min: 0, max: MAX_SEQNO }),
  rawKeyBytes: fc.nat(),
  rawValueBytes: fc.nat(),
  dataSize: fc.nat(),
  uncompressedDataSize: fc.nat(),
  dataBlockCount: fc.nat(),
  compressedDataBlockCount: fc.nat(),
  dictionaryId: fc.nat(),
  dictionarySize: fc.nat(),
  indexSize: fc.nat(),
  filterSize: fc.nat(),
  prefixFilterSize: fc.nat(),
  rangeTombstoneSize: fc.nat(),
  indexType: fc.constant(0),
  filterKeyCount: fc.nat(),
  prefixFilterKeyCount: fc.nat(),
  prefixExtractor: fc.string({ maxLength: 12 }),
  blockSize: fc.nat(),
  restartInterval: fc.nat(),
  creationTime: fc.nat(),
  fileChecksum: fc.uint8Array({ minLength: 8, maxLength: 8 }).map(hex),
  fileChecksumLength: fc.nat(),
});

describe('fuzz: properties block', { timeout: FUZZ_TIMEOUT }, () => {
  const decode = (b: Uint8Array) => fz.props.decode(b.length, () => decodePropertiesBlock(new Block(b, FILE, AT)), { file: FILE });

  it('random bytes', () => {
    fc.assert(fc.property(random, (b) => void decode(b)), params(4000));
  });

  it('valid properties round-trip; damaged ones decode safely', () => {
    fc.assert(
      fc.property(props, mutations, (p, ms) => {
        const good = buildPropertiesBlock(p);
        expect(decode(good)).toEqual(p);
        decode(mutate(good, ms));
      }),
      params(3000),
    );
  });
});

describe('fuzz: index block', { timeout: FUZZ_TIMEOUT }, () => {
  const decode = (b: Uint8Array, dataEnd: number, probes: readonly [Uint8Array, number][]) =>
    fz.index.decode(
      b.length,
      () => {
        const idx = new IndexBlock(new Block(b, FILE, AT), dataEnd, true);
        const found = probes.map(([k, s]) => idx.find(k, s, compareBytesAt));
        for (const i of found) if (!(i >= 0 && i <= idx.count)) throw new Error(`find returned ${i} of ${idx.count}`);
        for (let i = 0; i < idx.count; i++) idx.handle(i);
        return { idx, found };
      },
      { file: FILE },
    );
  const probes = fc.array(fc.tuple(key, fc.integer({ min: 0, max: MAX_SEQNO })), { maxLength: 8 });

  it('random bytes', () => {
    fc.assert(fc.property(random, fc.nat(100_000), probes, (b, end, p) => void decode(b, end, p)), params(4000));
  });

  it('valid index blocks find every block by its last key; damaged ones decode safely', () => {
    const blocks = fc.uniqueArray(fc.tuple(key, fc.integer({ min: 0, max: 2 ** 40 }), fc.integer({ min: 1, max: 5000 })), {
      minLength: 1,
      maxLength: 40,
      selector: ([k]) => hex(k),
    });
    fc.assert(
      fc.property(blocks, mutations, probes, (list, ms, p) => {
        list.sort((a, b) => compareBytes(a[0], b[0]));
        const builder = new IndexBuilder(bytewiseComparator);
        let offset = 0;
        const handles: BlockHandle[] = [];
        list.forEach(([k, s, size], i) => {
          const h = { offset, size };
          handles.push(h);
          builder.addEntry(k, s, ValueType.Value, list[i + 1]?.[0], h);
          offset += size + BLOCK_TRAILER_SIZE;
        });
        const good = builder.finish().slice();
        const r = decode(
          good,
          offset,
          list.map(([k, s]) => [k, s]),
        );
        expect(r).toBeDefined();
        expect(r!.found).toEqual(list.map((_, i) => i));
        expect(handles.map((_, i) => r!.idx.handle(i))).toEqual(handles);
        decode(mutate(good, ms), offset, p);
      }),
      params(3000),
    );
  });
});

describe('fuzz: range-tombstone block', { timeout: FUZZ_TIMEOUT }, () => {
  const decode = (b: Uint8Array) => fz.rt.decode(b.length, () => decodeRangeTombstoneBlock(new Block(b, FILE, AT), bytewiseComparator), { file: FILE });

  it('random bytes', () => {
    fc.assert(fc.property(random, (b) => void decode(b)), params(4000));
  });

  it('valid blocks round-trip; damaged ones decode safely', () => {
    const tombstones = fc.array(
      fc.tuple(key, key, fc.integer({ min: 0, max: MAX_SEQNO })).filter(([a, b]) => compareBytes(a, b) < 0),
      { maxLength: 30 },
    );
    fc.assert(
      fc.property(tombstones, mutations, (list, ms) => {
        const ts: RangeTombstone[] = list.map(([start, end, seqno]) => ({ start, end, seqno }));
        sortRangeTombstones(ts, bytewiseComparator);
        const good = buildRangeTombstoneBlock(ts);
        const show = (l: readonly RangeTombstone[]) => l.map((t) => `${hex(t.start)}-${hex(t.end)}@${t.seqno}`);
        expect(show(decode(good)!)).toEqual(show(ts));
        decode(mutate(good, ms));
      }),
      params(3000),
    );
  });
});

describe('fuzz: metaindex block', { timeout: FUZZ_TIMEOUT }, () => {
  const decode = (b: Uint8Array) => fz.meta.decode(b.length, () => decodeMetaindexBlock(new Block(b, FILE, AT)), { file: FILE });

  it('random bytes', () => {
    fc.assert(fc.property(random, (b) => void decode(b)), params(3000));
  });

  it('valid blocks round-trip; damaged ones decode safely', () => {
    const entries = fc.dictionary(fc.string({ maxLength: 24 }), fc.record({ offset: fc.integer({ min: 0, max: MAX_SEQNO }), size: fc.integer({ min: 0, max: MAX_SEQNO }) }), {
      maxKeys: 8,
    });
    fc.assert(
      fc.property(entries, mutations, (dict, ms) => {
        const map = new Map(Object.entries(dict));
        const good = buildMetaindexBlock(map);
        expect(decode(good)).toEqual(map);
        decode(mutate(good, ms));
      }),
      params(3000),
    );
  });
});

describe('fuzz: stored blocks (trailer, checksum, compression)', { timeout: FUZZ_TIMEOUT }, () => {
  const decode = (raw: Uint8Array, h: BlockHandle) => fz.stored.decode(raw.length, () => decodeStoredBlock(raw, h, FILE), { file: FILE, notSupported: true });
  const compressor = new BlockCompressor('zstd', 1);

  /** payload + trailer as the writer lays it out, at file offset `at`. */
  const stored = (payload: Uint8Array, id: number, at: number, flags = 0): Uint8Array => {
    const sink = new ByteSink(payload.length + 16);
    appendBlock(sink, payload, id, at);
    const raw = sink.bytes().slice();
    if (flags !== 0) {
      raw[payload.length + 1] = flags;
      putU32(raw, payload.length + 4, blockChecksum(raw.subarray(0, payload.length + 4), at));
    }
    return raw;
  };

  it('random bytes', () => {
    fc.assert(
      fc.property(random, fc.nat(1 << 30), (b, at) => void decode(b, { offset: at, size: Math.max(0, b.length - BLOCK_TRAILER_SIZE) })),
      params(4000),
    );
  });

  it('valid blocks (raw and zstd) decode exactly; any damage is detected', () => {
    const contents = fc.oneof(fc.uint8Array({ maxLength: 2048 }), fc.tuple(fc.uint8Array({ minLength: 1, maxLength: 16 }), fc.integer({ min: 1, max: 300 })).map(([u, n]) => new Uint8Array(u.length * n).map((_, i) => u[i % u.length]!)));
    fc.assert(
      fc.property(contents, fc.boolean(), fc.nat(1 << 30), mutations, (data, zstd, at, ms) => {
        const { id, payload } = zstd ? compressor.compress(data) : { id: 0, payload: data };
        const good = stored(payload.slice(), id, at);
        const h = { offset: at, size: payload.length };
        expect(hex(decode(good, h)!)).toBe(hex(data));
        const bad = mutate(good, ms);
        const got = decode(bad, h);
        if (got !== undefined) expect(hex(got), 'damaged block decoded to other contents').toBe(hex(data));
      }),
      params(3000),
    );
  });

  /** A checksum-valid stored block: random payload, compression id and flags; zstd payloads claim `n` bytes. */
  const crafted = (body: Uint8Array, id: number, flags: number, n: number, at: number, fuzzed = fz.stored): void => {
    const head = new Uint8Array(10);
    const payload = id === 1 ? Uint8Array.from([...head.subarray(0, putVarint(head, 0, n)), ...body]) : body;
    const raw = stored(payload, id, at, flags);
    const got = fuzzed.decode(raw.length, () => decodeStoredBlock(raw, { offset: at, size: payload.length }, FILE), { file: FILE, notSupported: true });
    if (got !== undefined && id === 0) expect(hex(got)).toBe(hex(payload));
  };

  it('checksum-valid blocks with random payloads, compression ids and flags', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 512 }), fc.constantFrom(0, 1, 1, 1, 2, 7, 255), fc.constantFrom(0, 0, 0, 1, 2, 0x80), fc.nat(1 << 20), fc.nat(1 << 30), (body, id, flags, n, at) => crafted(body, id, flags, n, at)),
      params(4000),
    );
  });

  // Found by this fuzzer (2026-11-24): decompressBlock used to allocate whatever length a
  // zstd payload claimed (a 3 GB allocation, or an untyped RangeError above 2^32 - 1). It
  // now refuses claims beyond zstd's maximum expansion before allocating.
  const hugeClaims = new Fuzzed('sstable stored block, zstd claiming a huge length');
  it('zstd blocks claiming a huge uncompressed length are LSM_CORRUPTION, without allocating it', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.integer({ min: 2 ** 28, max: 2 ** 32 + 2 ** 20 }), fc.nat(1 << 30), (body, n, at) => crafted(body, 1, 0, n, at, hugeClaims)),
      params(200),
    );
  });
});

describe('fuzz: filter block', { timeout: FUZZ_TIMEOUT }, () => {
  const decode = (b: Uint8Array) => fz.filter.decode(b.length, () => TableFilter.from(b, FILE, AT), { file: FILE });

  it('random bytes', () => {
    fc.assert(fc.property(random, (b) => void decode(b)), params(3000));
  });

  it('valid filter blocks keep their keys; damaged ones are rejected or probe safely', () => {
    fc.assert(
      fc.property(fc.uniqueArray(key, { maxLength: 300, selector: hex }), mutations, (keys, ms) => {
        const c = new FilterCollector({ bitsPerKey: 10 });
        for (const k of keys) c.add(k);
        const good = c.finish();
        const f = decode(good);
        expect(f).toBeDefined();
        for (const k of keys) {
          const h = keyHash(k);
          if (!f!.mayContain(h.hi, h.lo)) throw new Error(`false negative for ${hex(k)}`);
        }
        const bad = decode(mutate(good, ms));
        if (bad !== undefined) for (const k of keys.slice(0, 20)) bad.mayContain(keyHash(k).hi, keyHash(k).lo);
      }),
      params(2000),
    );
  });
});
