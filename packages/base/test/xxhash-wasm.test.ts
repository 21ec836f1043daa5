// The synchronous xxHash (src/xxhash.ts) against xxhash-wasm itself: the embedded module is
// the installed package's, byte for byte, and every hash agrees with xxhash-wasm's own
// async API over many lengths (past the module's first memory page) and seeds, so the
// checksums on disk cannot have changed.

import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import xxhash from 'xxhash-wasm';
import { describe, expect, it } from 'vitest';
import { FileHasher, xxh32, xxh64 } from '../src/checksum.js';
import { Rng } from '../src/testing/index.js';
import { XXHASH_WASM_BASE64, XXHASH_WASM_SHA256, XXHASH_WASM_VERSION } from '../src/xxhash-wasm-binary.js';

const pkgDir = join(dirname(createRequire(import.meta.url).resolve('xxhash-wasm')), '..');

describe('the embedded xxhash-wasm module', () => {
  it('is the installed xxhash-wasm module, byte for byte', () => {
    const installed = readFileSync(join(pkgDir, 'workerd', 'xxhash.wasm'));
    expect(JSON.parse(readFileSync(join(pkgDir, 'package.json'), 'utf8')).version).toBe(XXHASH_WASM_VERSION);
    expect(Buffer.from(XXHASH_WASM_BASE64, 'base64').equals(installed)).toBe(true);
    expect(createHash('sha256').update(installed).digest('hex')).toBe(XXHASH_WASM_SHA256);
  });

  it("hashes exactly as xxhash-wasm's API does, one-shot and streaming", async () => {
    const api = await xxhash();
    const rng = new Rng(20);
    const lengths = [0, 1, 3, 4, 15, 16, 31, 32, 33, 100, 4096, 65_535, 65_536, 200_001];
    for (let i = 0; i < 40; i++) lengths.push(rng.int(10_000));
    for (const n of lengths) {
      const data = rng.bytes(n);
      const seed = rng.int(2 ** 32);
      expect(xxh32(data, seed), `length ${n}`).toBe(api.h32Raw(data, seed));
      expect(xxh32(data), `length ${n}`).toBe(api.h32Raw(data));
      expect(xxh64(data), `length ${n}`).toBe(api.h64Raw(data));
      const ours = new FileHasher();
      const theirs = api.create64();
      for (let p = 0; p < n; ) {
        const step = Math.min(n - p, 1 + rng.int(5000));
        ours.update(data.subarray(p, p + step));
        theirs.update(data.subarray(p, p + step));
        p += step;
      }
      expect(ours.digestHex(), `length ${n}`).toBe(theirs.digest().toString(16).padStart(16, '0'));
    }
  });
});

describe('streaming state', () => {
  it('hashers running at the same time keep separate states, whatever is hashed in between', () => {
    const rng = new Rng(21);
    const a = rng.bytes(50_000);
    const c = rng.bytes(70_000);
    const ha = new FileHasher();
    const hc = new FileHasher();
    for (let p = 0; p < 70_000; p += 10_000) {
      if (p < a.length) ha.update(a.subarray(p, p + 10_000));
      hc.update(c.subarray(p, p + 10_000));
      // One-shot hashes in between share the module's memory (and may grow it).
      xxh32(rng.bytes(1 + rng.int(300_000)), 5);
    }
    expect(ha.digestHex()).toBe(xxh64(a).toString(16).padStart(16, '0'));
    expect(hc.digestHex()).toBe(xxh64(c).toString(16).padStart(16, '0'));
  });

  it('a streaming update larger than anything hashed before grows the memory first', () => {
    const data = new Rng(22).bytes(3 << 20);
    const h = new FileHasher();
    h.update(data);
    expect(h.digestHex()).toBe(xxh64(data).toString(16).padStart(16, '0'));
  });
});
