// Tables and blob files written with one zstd backend and read with the other, both
// directions (native zstd-napi -> WebAssembly, WebAssembly -> native): plain zstd, a
// trained dictionary, blob values with and without one. The two backends are the same zstd,
// so the files are byte-identical too. And bad input stays typed under either backend: a
// block with a compression id neither supports is LSM_NOT_SUPPORTED naming the file and the
// id, a dictionary zstd refuses or that does not fit the frames is LSM_CORRUPTION naming
// the file, and damaged zstd payloads are LSM_CORRUPTION or bytes of the recorded length
// (the block checksum before them is what keeps wrong values out), never a crash.

import { MemFs, readFile, writeFile } from '@lsm/fs';
import { blockChecksum, putU32, ValueType } from '@lsm/base';
import { expectLsmError, numKey, Rng } from '@lsm/base/testing';
import { setZstdBackend, zstdBackendInUse, type ZstdBackendName } from '@lsm/zstd';
import { afterAll, describe, expect, it } from 'vitest';
import { record, Rng as DataRng } from '../bench/dict-data.js';
import { BlobFileReader } from '../src/blob-reader.js';
import { BlobFileWriter } from '../src/blob-writer.js';
import { CompressionId, decompressBlock, BlockCompressor } from '../src/compression.js';
import { DictionaryDecompressor, trainDictionary, ZSTD_DICTIONARY_MAGIC } from '@lsm/zstd-dictionary';
import { chooseBlobDictionary } from '../src/dictionary/blob-dictionary.js';
import { Table } from '../src/table.js';
import { TableWriter, type TableWriterOptions } from '../src/table-writer.js';
import { tableVerify } from '../src/verify.js';

const enc = new TextEncoder();
const BACKENDS: ZstdBackendName[] = ['native', 'wasm'];
const DIRECTIONS: [ZstdBackendName, ZstdBackendName][] = [
  ['native', 'wasm'],
  ['wasm', 'native'],
];
afterAll(() => setZstdBackend('auto'));

type Rec = { key: Uint8Array; value: Uint8Array };

function records(seed: number, n: number): Rec[] {
  const r = new DataRng(seed);
  return Array.from({ length: n }, (_, i) => {
    const rec = record(r, i);
    return { key: enc.encode(rec.key), value: enc.encode(rec.value) };
  });
}

/** Writes a table under `backend`; returns its bytes. */
function writeTable(backend: ZstdBackendName, recs: Rec[], options: TableWriterOptions): Uint8Array {
  setZstdBackend(backend);
  const fs = new MemFs();
  const w = new TableWriter(fs, '/t.sst', { creationTime: 1, ...options });
  recs.forEach((r, i) => w.add(r.key, i + 1, ValueType.Value, r.value));
  w.finish();
  return readFile(fs, '/t.sst');
}

/** Opens `bytes` as a table under `backend` and checks every record, by get and by scan, and verify. */
function readTable(backend: ZstdBackendName, bytes: Uint8Array, recs: Rec[]): Table['properties'] {
  setZstdBackend(backend);
  const fs = new MemFs();
  writeFile(fs, '/t.sst', bytes);
  const t = Table.open(fs, '/t.sst');
  recs.forEach((r, i) => expect(t.get(r.key)?.value).toEqual(r.value));
  const it = t.iterator();
  let n = 0;
  for (it.seekToFirst(); it.valid(); it.next()) expect(it.value()).toEqual(recs[n++]!.value);
  it.close();
  expect(n).toBe(recs.length);
  expect(tableVerify(fs, '/t.sst').problems).toEqual([]);
  expect(zstdBackendInUse()).toBe(backend);
  const props = t.properties;
  t.close();
  return props;
}

describe('tables across zstd backends', () => {
  const recs = records(5, 1500);

  for (const [writer, reader] of DIRECTIONS) {
    it(`plain zstd: written with ${writer}, read with ${reader}`, () => {
      const bytes = writeTable(writer, recs, { compression: 'zstd' });
      const props = readTable(reader, bytes, recs);
      expect(props.compressedDataBlockCount).toBe(props.dataBlockCount);
    });

    it(`a trained dictionary: written with ${writer}, read with ${reader}`, () => {
      const bytes = writeTable(writer, recs, { compression: 'zstd', dictionary: { maxBytes: 8192, sampleBytes: 200_000 } });
      const props = readTable(reader, bytes, recs);
      expect(props.dictionarySize).toBeGreaterThan(0);
      expect(props.dictionaryId).toBeGreaterThanOrEqual(32768);
    });
  }

  it('both backends write the same bytes (same zstd, same trained dictionary)', () => {
    for (const options of [{ compression: 'zstd' as const, compressionLevel: 7 }, { compression: 'zstd' as const, dictionary: { maxBytes: 8192, sampleBytes: 200_000 } }]) {
      expect(Buffer.from(writeTable('wasm', recs, options)).equals(Buffer.from(writeTable('native', recs, options)))).toBe(true);
    }
  });
});

describe('blob files across zstd backends', () => {
  const rng = new Rng(17);
  const values = records(9, 400).map((r) => (rng.int(3) === 0 ? r.value : enc.encode(JSON.stringify({ doc: new TextDecoder().decode(r.value), n: rng.int(1000) }))));

  function writeBlob(backend: ZstdBackendName, dictionary: boolean): Uint8Array {
    setZstdBackend(backend);
    const fs = new MemFs();
    const dict = dictionary ? chooseBlobDictionary(values.slice(0, 200), 4096, 3) : undefined;
    if (dictionary) expect(dict).toBeDefined();
    const w = new BlobFileWriter(fs, '/000003.blob', 3, { compression: 'zstd', ...(dict !== undefined ? { dictionary: dict } : {}) });
    values.forEach((v, i) => w.add(numKey(i), v));
    w.finish();
    return readFile(fs, '/000003.blob');
  }

  for (const [writer, reader] of DIRECTIONS) {
    for (const dictionary of [false, true]) {
      it(`${dictionary ? 'with' : 'without'} a dictionary: written with ${writer}, read with ${reader}`, () => {
        const bytes = writeBlob(writer, dictionary);
        expect(Buffer.from(writeBlob(reader, dictionary)).equals(Buffer.from(bytes))).toBe(true);
        setZstdBackend(reader);
        const fs = new MemFs();
        writeFile(fs, '/000003.blob', bytes);
        const r = BlobFileReader.open(fs, '/000003.blob', 3);
        expect(r.dictionary !== undefined).toBe(dictionary);
        expect(r.records().map((x) => x.value)).toEqual(values);
        r.close();
      });
    }
  }
});

describe('bad input under either backend', () => {
  const recs = records(6, 400);

  for (const backend of BACKENDS) {
    it(`${backend}: a checksum-valid block with a compression id neither backend knows is LSM_NOT_SUPPORTED naming the file and the id`, () => {
      const bytes = writeTable('native', recs, { compression: 'zstd' });
      setZstdBackend(backend);
      const fs = new MemFs();
      writeFile(fs, '/t.sst', bytes);
      const t = Table.open(fs, '/t.sst');
      const h = t.indexBlock().handle(0);
      t.close();
      const damaged = bytes.slice();
      damaged[h.offset + h.size] = 7;
      putU32(damaged, h.offset + h.size + 4, blockChecksum(damaged.subarray(h.offset, h.offset + h.size + 4), h.offset));
      writeFile(fs, '/t.sst', damaged);
      const t2 = Table.open(fs, '/t.sst');
      const err = expectLsmError(() => t2.get(recs[0]!.key), 'LSM_NOT_SUPPORTED');
      expect(err.message).toContain('/t.sst');
      expect(err.message).toContain('compression id 7');
      t2.close();
    });

    it(`${backend}: a dictionary zstd refuses is LSM_CORRUPTION naming the file; a frame read with another table's dictionary fails typed`, () => {
      setZstdBackend(backend);
      const bad = new Uint8Array(600).fill(9);
      new DataView(bad.buffer).setUint32(0, ZSTD_DICTIONARY_MAGIC, true);
      const err = expectLsmError(() => new DictionaryDecompressor(bad, '/d.sst', 1234), 'LSM_CORRUPTION');
      expect(err.message).toContain('/d.sst');
      expect(err.message).toContain('1234');
      // Blocks compressed with one trained dictionary, read with another: zstd refuses them
      // (LSM_CORRUPTION naming the file) or yields bytes of the recorded length; tables
      // never get there, as a table's dictionary is checked (checksum, size, id) first.
      const samples = (seed: number): Uint8Array[] => records(seed, 800).map((r) => r.value);
      const dictA = trainDictionary(samples(1), { maxBytes: 4096 });
      const dictB = trainDictionary(samples(2).map((v) => enc.encode(`zz ${new TextDecoder().decode(v)} zz`)), { maxBytes: 4096 });
      const compressor = new BlockCompressor('zstd', 3);
      compressor.useDictionary(dictA);
      const other = new DictionaryDecompressor(dictB, '/other.sst', 0);
      let refused = 0;
      for (const v of samples(3).slice(0, 100)) {
        const { id, payload } = compressor.compress(v, true);
        if (id !== CompressionId.ZstdDict) continue;
        try {
          expect(decompressBlock(id, payload, '/a.sst', 64, other).length).toBe(v.length);
        } catch (e) {
          expect((e as { code?: string }).code).toBe('LSM_CORRUPTION');
          expect((e as Error).message).toContain('/a.sst');
          refused++;
        }
      }
      expect(refused).toBeGreaterThan(0);
    });

    it(`${backend}: damaged zstd payloads are LSM_CORRUPTION or bytes of the recorded length, never a crash (the block checksum, checked first, is what catches damage)`, () => {
      setZstdBackend(backend);
      const compressor = new BlockCompressor('zstd', 3);
      const rng = new Rng(backend === 'wasm' ? 41 : 42);
      for (const r of recs.slice(0, 60)) {
        const raw = enc.encode(new TextDecoder().decode(r.value).repeat(4));
        const { id, payload } = compressor.compress(raw);
        if (id !== CompressionId.Zstd) continue;
        const bad = payload.slice();
        const hits = 1 + rng.int(3);
        for (let k = 0; k < hits; k++) {
          const at = rng.int(bad.length);
          bad[at] = bad[at]! ^ (1 + rng.int(255));
        }
        try {
          expect(decompressBlock(id, bad, 'f.sst', 100).length).toBe(raw.length);
        } catch (err) {
          expect((err as { code?: string }).code).toBe('LSM_CORRUPTION');
          expect((err as Error).message).toContain('f.sst');
        }
      }
    });
  }
});
