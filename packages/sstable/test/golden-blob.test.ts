// Blob-file encryption and dictionaries must cost nothing when off: a blob file written
// without a key and without a dictionary is byte-for-byte what the writer produced before
// either existed. The SHA-256 digests below were computed with the writer as it was before
// the change (branch blobx, parent commit 1d9a725), for fully deterministic files.

import { readFile, MemFs } from '@lsm/fs';
import { sha256 } from '@noble/hashes/sha2.js';
import { describe, expect, it } from 'vitest';
import { BlobFileWriter } from '../src/blob-writer.js';

const GOLDEN: Record<string, string> = {
  none: 'f627938166701ccb273dd40343dc32ad9195de03f121cccb951f552843aa4922',
  zstd: '6bd0f2e6378c293442cf3a20f3e8042021f0359490d1595f544da62caf20d6e7',
};

function deterministicBlob(compression: 'none' | 'zstd'): Uint8Array {
  const fs = new MemFs();
  fs.createDirAll('/d');
  const w = new BlobFileWriter(fs, '/d/000007.blob', 7, { compression });
  const enc = new TextEncoder();
  for (let i = 0; i < 300; i++) {
    const key = enc.encode(`key-${String(i).padStart(5, '0')}`);
    w.add(key, enc.encode(`value ${i} `.repeat(1 + (i % 40))));
  }
  w.finish();
  return readFile(fs, '/d/000007.blob');
}

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

describe('blob files written without encryption or dictionary are unchanged', () => {
  for (const compression of ['none', 'zstd'] as const) {
    it(`${compression}: same bytes as the writer before encryption and dictionaries`, () => {
      expect(hex(sha256(deterministicBlob(compression)))).toBe(GOLDEN[compression]);
    });
  }
});
