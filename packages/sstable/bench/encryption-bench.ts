// Benchmark of encryption at rest (not a test): the AES-256-GCM block cipher on 4 KiB
// blocks with both backends (node:crypto, used by default, and @noble/ciphers, pure JS), and what it costs a table: writer
// throughput, uncached point lookups and full scans, encrypted vs plaintext.
//
//   pnpm --filter @lsm/sstable bench:encryption             (N=200000 entries)
//   BENCH_N=1000000 pnpm --filter @lsm/sstable bench:encryption

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs } from '@lsm/fs';
import { BlockType, FileCipher, FileKind, KeyRing, gcmBackend, setGcmBackend } from '@lsm/encryption';
import { ValueType } from '@lsm/base';
import { keyHash, Table, TableWriter } from '../src/index.js';

const N = Number(process.env['BENCH_N'] ?? 200_000);
const KEY = new Uint8Array(32).fill(7);
const ring = new KeyRing({ key: KEY });

function time(fn: () => void): number {
  const t0 = process.hrtime.bigint();
  fn();
  return Number(process.hrtime.bigint() - t0) / 1e9;
}

function report(name: string, value: string, note = ''): void {
  console.log(`${name.padEnd(44)} ${value}${note ? `   (${note})` : ''}`);
}

console.log(`@lsm/sstable encryption bench: Node ${process.version}, ${new Date().toISOString()}`);

// 1. The cipher alone, 4 KiB blocks, on both backends (same bytes; see src/aes-gcm.ts).
const defaultBackend = gcmBackend();
for (const backend of ['node', 'noble'] as const) {
  setGcmBackend(backend);
  const c = FileCipher.forNewFile(ring, FileKind.Table, 1);
  const block = new Uint8Array(4096).map((_, i) => (i * 31) & 0xff);
  const count = 5000;
  const sealed: Uint8Array[] = [];
  for (let i = 0; i < 500; i++) c.seal(block, i * 4200, BlockType.Data); // warm-up
  const s = time(() => {
    for (let i = 0; i < count; i++) sealed.push(c.seal(block, i * 4200, BlockType.Data));
  });
  const o = time(() => {
    for (let i = 0; i < count; i++) c.open(sealed[i]!, i * 4200, BlockType.Data, 0, 'bench');
  });
  const mb = (count * 4096) / 1e6;
  report(`AES-256-GCM seal, 4 KiB blocks (${backend})`, `${(mb / s).toFixed(1)} MB/s`, `${((s / count) * 1e6).toFixed(1)} us/block`);
  report(`AES-256-GCM open, 4 KiB blocks (${backend})`, `${(mb / o).toFixed(1)} MB/s`, `${((o / count) * 1e6).toFixed(1)} us/block`);
}
setGcmBackend(defaultBackend);

// 2. Tables: plaintext vs encrypted.
const dir = mkdtempSync(join(tmpdir(), 'lsm-enc-bench-'));
const fs = new NodeFs({ root: dir });
try {
  const k = new Uint8Array(16);
  const key16 = (i: number): Uint8Array => {
    k.set([0x75, 0x73, 0x65, 0x72]);
    let v = i;
    for (let p = 15; p >= 4; p--) {
      k[p] = 0x30 + (v % 10);
      v = Math.floor(v / 10);
    }
    return k;
  };
  const value = new Uint8Array(100).map((_, i) => (i * 7) & 0xff);
  const rawMB = (N * 116) / 1e6;
  const paths: Record<string, string> = {};
  for (const encrypted of [false, true]) {
    const label = encrypted ? 'encrypted' : 'plaintext';
    const path = join(dir, `${label}.sst`);
    paths[label] = path;
    const sec = time(() => {
      const w = new TableWriter(fs, path, encrypted ? { encryption: ring, fileNumber: 1 } : {});
      for (let i = 0; i < N; i++) w.add(key16(i), i + 1, ValueType.Value, value);
      w.finish();
    });
    report(`table writer, ${label} (incl. fsync)`, `${(rawMB / sec).toFixed(1)} MB/s`, `${(N / sec / 1e3).toFixed(0)} k entries/s`);
  }
  for (const label of ['plaintext', 'encrypted']) {
    const t = Table.open(fs, paths[label]!, label === 'encrypted' ? { encryption: ring, fileNumber: 1 } : {});
    const sec = time(() => {
      const it = t.iterator({ fillCache: false });
      let n = 0;
      for (it.seekToFirst(); it.valid(); it.next()) n++;
      if (n !== N) throw new Error('scan count');
    });
    report(`full scan, no cache, ${label}`, `${(N / sec / 1e6).toFixed(2)} M entries/s`, `${(rawMB / sec).toFixed(1)} MB/s of keys+values`);
    const lookups = Math.min(N, 50_000);
    let x = 12345;
    const ls = time(() => {
      for (let i = 0; i < lookups; i++) {
        x = (Math.imul(x, 1103515245) + 12345) >>> 0;
        const kk = key16(x % N);
        if (t.get(kk, Number.MAX_SAFE_INTEGER, keyHash(kk)) === undefined) throw new Error('lookup missed');
      }
    });
    report(`point lookup, no cache, ${label}`, `${((ls / lookups) * 1e6).toFixed(1)} us/lookup`, 'pread + checksum (+ decrypt) per lookup');
    t.close();
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
