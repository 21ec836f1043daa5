// Damage tests: every byte of a small table flipped in turn, and the file truncated at
// every length. Every read must return exactly the right data or throw CorruptionError
// naming the file and an offset -- never a wrong value, never another error type.
// Run for plaintext and for encrypted (AES-256-GCM) tables, each with and without zstd.

import { MemFs, readFile, writeFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { xxh32, putU32, CorruptionError, LsmError, MAX_SEQNO, ValueType, type Entry } from '@lsm/base';
import { expectLsmError, hex, Rng } from '@lsm/base/testing';
import { KeyRing } from '@lsm/encryption';
import { fixedPrefixExtractor } from '../src/prefix-extractor.js';
import { Table } from '../src/table.js';
import { TableWriter, type TableWriterOptions } from '../src/table-writer.js';
import { tableVerify } from '../src/verify.js';
import { modelGet } from './model.js';
import { BlockCache } from '../src/block-cache.js';

const PATH = '/data/000042.sst';

function buildEntries(): Entry[] {
  const rng = new Rng(4242);
  const out: Entry[] = [];
  for (let i = 0; i < 40; i++) {
    const key = new TextEncoder().encode(`key${String(i * 3).padStart(4, '0')}`);
    const versions = i % 7 === 0 ? 3 : 1;
    for (let v = 0; v < versions; v++) {
      const type = i % 5 === 1 ? ValueType.Tombstone : i % 7 === 0 && v < 2 ? ValueType.Merge : ValueType.Value;
      out.push({ userKey: key, seqno: 100 - v * 10 + i, type, value: type === ValueType.Tombstone ? new Uint8Array(0) : rng.bytes(5 + rng.int(20)) });
    }
  }
  return out;
}

function build(options: TableWriterOptions): { bytes: Uint8Array; entries: Entry[] } {
  const fs = new MemFs();
  fs.createDirAll('/data');
  const entries = buildEntries();
  const w = new TableWriter(fs, PATH, { blockSize: 256, ...options, prefixExtractor: fixedPrefixExtractor(4) });
  for (const e of entries) w.add(e.userKey, e.seqno, e.type, e.value);
  w.addRangeTombstone(new TextEncoder().encode('key0010'), new TextEncoder().encode('key0020'), 50);
  w.addRangeTombstone(new TextEncoder().encode('a'), new TextEncoder().encode('b'), 7);
  w.finish();
  return { bytes: readFile(fs, PATH), entries };
}

function describeEntry(e: { seqno: number; type: number; value: Uint8Array }): string {
  return `${e.seqno}:${e.type}:${hex(e.value)}`;
}

/** Runs every read against the damaged file. Returns how many reads threw corruption. */
function exercise(bytes: Uint8Array, entries: readonly Entry[], cached: boolean, keyOptions: KeyOptions = {}): number {
  const fs = new MemFs();
  fs.createDirAll('/data');
  writeFile(fs, PATH, bytes);
  let corruptions = 0;
  const attempt = (fn: () => void): void => {
    try {
      fn();
    } catch (err) {
      if (!(err instanceof CorruptionError)) throw new Error(`non-corruption error: ${String(err)}`, { cause: err });
      if (err.file !== PATH || !err.message.includes(PATH) || !err.message.includes(`offset ${err.offset}`)) {
        throw new Error(`corruption error does not name file and offset: ${err.message}`);
      }
      if (!(err.offset >= 0 && err.offset <= bytes.length)) throw new Error(`bad offset ${err.offset}`);
      corruptions++;
    }
  };
  let table: Table | undefined;
  attempt(() => {
    table = Table.open(fs, PATH, { ...keyOptions, prefixExtractor: fixedPrefixExtractor(4), ...(cached ? { cache: new BlockCache(1 << 20), tableId: 1 } : {}) });
  });
  if (table === undefined) return corruptions;
  const t = table;
  const keys = [...new Set(entries.map((e) => hex(e.userKey)))].map((h) => Buffer.from(h, 'hex'));
  for (const k of keys) {
    for (const seq of [MAX_SEQNO, 95]) {
      attempt(() => {
        const got = t.get(new Uint8Array(k), seq);
        const want = modelGet(entries, k, seq);
        const g = got === undefined ? 'none' : `${describeEntry(got)}|${(got.olderEntries ?? []).map(describeEntry).join(',')}`;
        const w = want === undefined ? 'none' : `${describeEntry(want)}|${(want.older ?? []).map(describeEntry).join(',')}`;
        if (g !== w) throw new Error(`WRONG VALUE for ${k.toString()}@${seq}: got ${g}, want ${w}`);
      });
    }
  }
  attempt(() => {
    const it = t.iterator();
    let i = 0;
    for (it.seekToFirst(); it.valid(); it.next(), i++) {
      const e = entries[i];
      if (e === undefined || hex(it.userKey()) !== hex(e.userKey) || describeEntry({ seqno: it.seqno(), type: it.type(), value: it.value() }) !== describeEntry(e)) {
        throw new Error(`WRONG ENTRY in forward scan at ${i}`);
      }
    }
    if (i !== entries.length) throw new Error(`forward scan returned ${i} of ${entries.length} entries`);
  });
  attempt(() => {
    const it = t.iterator();
    let i = entries.length - 1;
    for (it.seekToLast(); it.valid(); it.prev(), i--) {
      if (hex(it.userKey()) !== hex(entries[i]!.userKey) || it.seqno() !== entries[i]!.seqno) throw new Error(`WRONG ENTRY in reverse scan at ${i}`);
    }
    if (i !== -1) throw new Error('reverse scan was short');
  });
  attempt(() => {
    const rt = t.rangeTombstones().map((r) => `${hex(r.start)}-${hex(r.end)}@${r.seqno}`);
    const want = [`${hex(new TextEncoder().encode('a'))}-${hex(new TextEncoder().encode('b'))}@7`, `${hex(new TextEncoder().encode('key0010'))}-${hex(new TextEncoder().encode('key0020'))}@50`];
    if (rt.join() !== want.join()) throw new Error('WRONG range tombstones');
  });
  attempt(() => {
    // The filter may say "maybe" for absent keys, but never "no" for a present one.
    for (const k of keys) if (!t.mayContain(new Uint8Array(k))) throw new Error('filter lost a key');
    if (!t.mayContainPrefix(new TextEncoder().encode('key0'))) throw new Error('prefix filter lost a prefix');
  });
  t.close();
  return corruptions;
}

type KeyOptions = { encryption?: KeyRing; fileNumber?: number };
const KEYS: KeyOptions = { encryption: new KeyRing({ key: new Uint8Array(32).fill(0x5a) }), fileNumber: 42 };

for (const [compression, keys] of [['none', {}], ['zstd', {}], ['none', KEYS], ['zstd', KEYS]] as const) {
  describe(`damaged table (${compression}${keys.encryption ? ', encrypted' : ''})`, () => {
    const { bytes, entries } = build({ compression, ...keys });

    it('the undamaged table reads back fully and verifies', () => {
      expect(exercise(bytes, entries, false, keys)).toBe(0);
      const fs = new MemFs();
      fs.createDirAll('/data');
      writeFile(fs, PATH, bytes);
      expect(tableVerify(fs, PATH, keys).ok).toBe(true);
      const t = Table.open(fs, PATH, keys);
      expect(t.properties.dataBlockCount).toBeGreaterThanOrEqual(3);
      if (compression === 'zstd') expect(t.properties.compressedDataBlockCount).toBeGreaterThan(0);
    });

    it(`flipping any byte gives the right data or CorruptionError, and verify always notices (${bytes.length} bytes)`, () => {
      for (const mask of [0xff, 0x01]) {
        for (let i = 0; i < bytes.length; i++) {
          const bad = bytes.slice();
          bad[i]! ^= mask;
          try {
            exercise(bad, entries, i % 2 === 0, keys);
            const fs = new MemFs();
            fs.createDirAll('/data');
            writeFile(fs, PATH, bad);
            const v = tableVerify(fs, PATH, keys);
            if (v.ok) throw new Error('verify missed the damage');
            for (const p of v.problems) expect(p.code).toBe('LSM_CORRUPTION');
          } catch (err) {
            throw new Error(`byte ${i} of ${bytes.length} (xor 0x${mask.toString(16)}): ${(err as Error).message}`, { cause: err });
          }
        }
      }
    });

    it('truncating at every length is CorruptionError on open', () => {
      for (let len = 0; len < bytes.length; len++) {
        const fs = new MemFs();
        fs.createDirAll('/data');
        writeFile(fs, PATH, bytes.subarray(0, len));
        const err = expectLsmError(() => Table.open(fs, PATH, keys), 'LSM_CORRUPTION') as CorruptionError;
        expect(err.file).toBe(PATH);
        expect(tableVerify(fs, PATH, keys).ok).toBe(false);
      }
    });
  });
}

describe('format versions', () => {
  it('a table from a future format version is LSM_NOT_SUPPORTED with a clear message', () => {
    const { bytes } = build({});
    const future = bytes.slice();
    const f = future.length - 64;
    putU32(future, f + 48, 3); // 2 is an encrypted table
    putU32(future, f + 52, xxh32(future.subarray(f, f + 52), 0x4c534d46));
    const fs = new MemFs();
    fs.createDirAll('/data');
    writeFile(fs, PATH, future);
    const err = expectLsmError(() => Table.open(fs, PATH), 'LSM_NOT_SUPPORTED');
    expect(err.message).toContain('format version 3');
    expect(err.message).toContain(PATH);
    expect(err).toBeInstanceOf(LsmError);
  });

  it('a file that is not a table is corruption (bad magic)', () => {
    const fs = new MemFs();
    writeFile(fs, '/x', new Uint8Array(200).fill(7));
    const err = expectLsmError(() => Table.open(fs, '/x'), 'LSM_CORRUPTION');
    expect(err.message).toContain('magic');
  });
});
