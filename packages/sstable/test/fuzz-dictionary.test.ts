// Fuzz tests of the zstd dictionary path with packages/fuzz-kit: (1) the dictionary meta
// block's contents mutated and loaded as the table would (DDict) and used on genuine
// dictionary-compressed blocks, bypassing the block checksum: every outcome is a value or
// LSM_CORRUPTION, with no crash, hang or runaway allocation (the decoded bytes cannot be
// right with a different dictionary; the block checksums are what catch that in a file);
// (2) whole tables with a dictionary, damaged anywhere: every read is right or
// LSM_CORRUPTION and tableVerify notices.

import { MemFs, readFile, writeFile } from '@lsm/fs';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { record, Rng as DataRng } from '../bench/dict-data.js';
import { CompressionId, decompressBlock } from '../src/compression.js';
import { DictionaryDecompressor } from '@lsm/zstd-dictionary';
import { ValueType } from '@lsm/base';
import { Table } from '../src/table.js';
import { TableWriter } from '../src/table-writer.js';
import { tableVerify } from '../src/verify.js';
import { FUZZ_TIMEOUT, Fuzzed, mutate, mutations, params, sameBytes } from './fuzz-helpers.js';

const PATH = '/fuzz/000077.sst';
const fz = {
  dict: new Fuzzed('sstable zstd dictionary block contents (DDict + id-2 blocks)'),
  open: new Fuzzed('sstable dictionary tables (Table.open)'),
  reads: new Fuzzed('sstable reads of damaged dictionary tables'),
  verify: new Fuzzed('sstable tableVerify of damaged dictionary tables'),
};
afterAll(() => {
  for (const f of Object.values(fz)) console.log(f.summary());
});

const enc = new TextEncoder();
const r = new DataRng(3);
const recs = Array.from({ length: 1500 }, (_, i) => record(r, i)).map((x) => ({ key: enc.encode(x.key), value: enc.encode(x.value) }));

function buildTable(): { bytes: Uint8Array; dict: Uint8Array; dictOffset: number; payloads: Uint8Array[] } {
  const fs = new MemFs();
  fs.createDirAll('/fuzz');
  const w = new TableWriter(fs, PATH, { compression: 'zstd', blockSize: 1024, creationTime: 1, dictionary: { maxBytes: 2048, sampleBytes: 32 * 1024 } });
  recs.forEach((x, i) => w.add(x.key, i + 1, ValueType.Value, x.value));
  const props = w.finish().properties;
  expect(props.dictionarySize).toBeGreaterThan(0);
  const bytes = readFile(fs, PATH);
  const t = Table.open(fs, PATH);
  const h = (t as unknown as { metaHandles: Map<string, { offset: number; size: number }> }).metaHandles.get('lsm.zstd_dictionary')!;
  const dict = (t as unknown as { dictionary: { byteLength: number } }).dictionary;
  expect(dict.byteLength).toBe(props.dictionarySize);
  const index = t.indexBlock();
  const payloads: Uint8Array[] = [];
  for (let i = 0; i < Math.min(index.count, 12); i++) {
    const bh = index.handle(i);
    if (bytes[bh.offset + bh.size] === CompressionId.ZstdDict) payloads.push(bytes.slice(bh.offset, bh.offset + bh.size));
  }
  t.close();
  // The dictionary's own bytes, decoded from its block through the public read path.
  const raw = readBlockContents(fs, h);
  return { bytes, dict: raw, dictOffset: h.offset, payloads };
}

function readBlockContents(fs: MemFs, h: { offset: number; size: number }): Uint8Array {
  const bytes = readFile(fs, PATH);
  const id = bytes[h.offset + h.size]!;
  return decompressBlock(id, bytes.subarray(h.offset, h.offset + h.size), PATH, h.offset).slice();
}

const built = buildTable();

describe('fuzz: zstd dictionaries', { timeout: FUZZ_TIMEOUT }, () => {
  it('mutated dictionary contents: a value or LSM_CORRUPTION, never a crash or hang', () => {
    expect(built.payloads.length).toBeGreaterThan(0);
    fc.assert(
      fc.property(mutations, (ms) => {
        const bad = mutate(built.dict, ms);
        fz.dict.decode(bad.length, () => {
          const d = new DictionaryDecompressor(bad, PATH, built.dictOffset);
          for (const p of built.payloads) decompressBlock(CompressionId.ZstdDict, p, PATH, 0, d);
        }, { file: PATH });
      }),
      params(800),
    );
  });

  it('damaged dictionary tables: every read is right or LSM_CORRUPTION; tableVerify notices', () => {
    fc.assert(
      fc.property(mutations, (ms) => {
        const bad = mutate(built.bytes, ms);
        const fs = new MemFs();
        fs.createDirAll('/fuzz');
        writeFile(fs, PATH, bad);
        const t = fz.open.decode(bad.length, () => Table.open(fs, PATH), { file: PATH });
        let corrupt = t === undefined ? 1 : 0;
        if (t !== undefined) {
          for (let i = 0; i < recs.length; i += 7) {
            const got = fz.reads.decode(bad.length, () => {
              const g = t.get(recs[i]!.key);
              if (g === undefined || !sameBytes(g.value, recs[i]!.value)) throw new Error(`WRONG VALUE for record ${i}`);
              return g;
            }, { file: PATH });
            if (got === undefined) corrupt++;
          }
          t.close();
        }
        const v = fz.verify.decode(bad.length, () => tableVerify(fs, PATH), { file: PATH });
        if (sameBytes(bad, built.bytes)) expect(corrupt).toBe(0);
        else expect(v?.ok, `tableVerify missed damage (${JSON.stringify(ms)})`).toBe(false);
      }),
      params(300),
    );
  });
});
