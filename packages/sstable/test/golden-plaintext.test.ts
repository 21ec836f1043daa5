// Encryption must cost nothing when off: a table written without a key is byte-for-byte
// what the writer produced before encryption existed. The SHA-256 below was computed
// with the writer as it was before the encryption change (commit 68e6f07), for a fully
// deterministic table (fixed entries, creation time, both compressions).

import { readFile, MemFs } from '@lsm/fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { ValueType } from '@lsm/base';
import { TableWriter } from '../src/table-writer.js';
import { fixedPrefixExtractor } from '../src/prefix-extractor.js';

const GOLDEN: Record<string, string> = {
  none: '5292f05d73bc4d131a0a965ac43a95038aa4cf57dbaab52eba4056ccfbf3546f',
  zstd: 'd631768cb0066188ee64b140e94d0aa8b38af74d7c4abe7017f3c16c8e0f2549',
};

function deterministicTable(compression: 'none' | 'zstd'): Uint8Array {
  const fs = new MemFs();
  fs.createDirAll('/d');
  const w = new TableWriter(fs, '/d/000001.sst', { compression, blockSize: 512, creationTime: 1_790_000_000_000, prefixExtractor: fixedPrefixExtractor(3) });
  const enc = new TextEncoder();
  for (let i = 0; i < 500; i++) {
    const key = enc.encode(`key-${String(i).padStart(5, '0')}`);
    if (i % 9 === 0) w.add(key, 1000 + i, ValueType.Tombstone, new Uint8Array(0));
    else w.add(key, 1000 + i, ValueType.Value, enc.encode(`value ${i} `.repeat(1 + (i % 5))));
  }
  w.addRangeTombstone(enc.encode('key-00100'), enc.encode('key-00120'), 5000);
  w.finish();
  return readFile(fs, '/d/000001.sst');
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

describe('tables written without encryption are unchanged', () => {
  for (const compression of ['none', 'zstd'] as const) {
    it(`${compression}: same bytes as the pre-encryption writer`, () => {
      expect(hex(sha256(deterministicTable(compression)))).toBe(GOLDEN[compression]);
    });
  }
});
