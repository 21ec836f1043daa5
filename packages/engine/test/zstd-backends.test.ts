// A store written with one zstd backend and reopened with the other, both directions
// (native zstd-napi -> WebAssembly and back): tables with zstd and trained dictionaries,
// blob files (K/V separation) with dictionaries, then compaction under the second backend
// rewriting them, and reads before and after. stats().zstd says which backend ran ('unused'
// until something needed zstd). Jobs run inline on MemFs, so setZstdBackend covers them.
// And importing the engine loads no native binding: a store without compression never
// loads one, and LSM_ZSTD=wasm keeps it unloaded with zstd in use (a fresh process each).

import { spawnSync } from 'node:child_process';
import { Leveled } from '@lsm/compaction';
import { MemFs, type Fs } from '@lsm/fs';
import { Table } from '@lsm/sstable';
import { afterAll, describe, expect, it } from 'vitest';
import { setZstdBackend, Tree, zstdBackend, type TreeOptions, type ZstdBackendName } from '../src/index.js';
import { Rng } from './helpers.js';

const utf8 = new TextEncoder();
afterAll(() => setZstdBackend('auto'));

const options = (fs: Fs): TreeOptions => ({
  fs,
  memtableBytes: 48 * 1024,
  blockSize: 1024,
  compression: { type: 'zstd', level: 3, dictionary: { maxBytes: 2048, sampleBytes: 16 * 1024 } },
  kvSeparation: { minValueSize: 300, blobFileBytes: 128 * 1024, compression: 'zstd' },
  compaction: new Leveled({ l0CompactionTrigger: 3, levelBaseBytes: 64 * 1024, levelMultiplier: 4, targetTableSize: 32 * 1024 }),
});

/** A JSON document; every fourth is long enough to be separated into a blob file. */
function doc(rng: Rng, i: number, step: number): Uint8Array {
  const base = { id: i, step, state: ['active', 'pending'][rng.int(2)], score: rng.int(100000), updated_at: `2026-11-24T0${rng.int(10)}:00:00Z` };
  const long = i % 4 === 0 ? { notes: Array.from({ length: 12 }, (_, n) => `note ${n} for user ${i % 50}: all quiet`) } : {};
  return utf8.encode(JSON.stringify({ ...base, ...long }));
}

const keyOf = (i: number): Uint8Array => utf8.encode(`user/${String(i).padStart(6, '0')}`);

function countFiles(fs: Fs): { dictTables: number; blobs: number } {
  let dictTables = 0;
  let blobs = 0;
  for (const name of fs.readDir('/db')) {
    if (name.endsWith('.sst') && Table.readProperties(fs, `/db/${name}`).dictionarySize > 0) dictTables++;
    if (name.endsWith('.blob')) blobs++;
  }
  return { dictTables, blobs };
}

describe('stores across zstd backends', () => {
  const DIRECTIONS: [ZstdBackendName, ZstdBackendName][] = [
    ['native', 'wasm'],
    ['wasm', 'native'],
  ];
  for (const [writer, reader] of DIRECTIONS) {
    it(`written with ${writer}, reopened, read and compacted with ${reader}`, () => {
      const fs = new MemFs();
      const rng = new Rng(7);
      const model = new Map<number, Uint8Array>();
      setZstdBackend(writer);
      let tree = Tree.open('/db', options(fs));
      for (let step = 0; step < 3000; step++) {
        const i = rng.int(1200);
        const v = doc(rng, i, step);
        tree.put(keyOf(i), v);
        model.set(i, v);
      }
      tree.flush();
      expect(tree.stats().zstd).toBe(writer);
      expect(tree.stats().blobs.dictionaryFiles).toBeGreaterThan(0);
      tree.close();
      const files = countFiles(fs);
      expect(files.dictTables).toBeGreaterThan(0);
      expect(files.blobs).toBeGreaterThan(0);

      setZstdBackend(reader);
      const check = (t: Tree): void => {
        for (const [i, v] of model) expect(t.get(keyOf(i)), `key ${i}`).toEqual(v);
      };
      tree = Tree.open('/db', options(fs));
      check(tree);
      expect(tree.stats().zstd).toBe(reader);
      // New writes and a compaction under the reader's backend mix both writers' files.
      for (let step = 0; step < 800; step++) {
        const i = rng.int(1200);
        const v = doc(rng, i, 10_000 + step);
        tree.put(keyOf(i), v);
        model.set(i, v);
      }
      tree.compact();
      check(tree);
      tree.close();

      setZstdBackend(writer);
      tree = Tree.open('/db', options(fs));
      check(tree);
      tree.close();
    });
  }

  it("stats().zstd is 'unused' until something needs zstd, and reports the fallback when forced", () => {
    setZstdBackend('auto');
    const tree = Tree.open('/db', { fs: new MemFs(), compression: 'none' });
    tree.put('k', 'v');
    tree.flush();
    expect(tree.get('k')).toEqual(utf8.encode('v'));
    expect(tree.stats().zstd).toBe('unused');
    setZstdBackend('wasm');
    expect(tree.stats().zstd).toBe('wasm');
    expect(zstdBackend()).toBe('wasm');
    tree.close();
  });

  it('importing @lsm/engine loads no native binding; only zstd use does, and LSM_ZSTD=wasm never', () => {
    const entry = new URL('../dist/index.js', import.meta.url).href;
    const run = (compression: string, env: Record<string, string>): unknown => {
      const script = `const { Tree } = await import(${JSON.stringify(entry)});
const { MemFs } = await import('@lsm/fs');
const { createRequire } = await import('node:module');
const native = () => Object.keys(createRequire(import.meta.url).cache).some((k) => k.endsWith('.node'));
const atImport = native();
const t = Tree.open('/db', { fs: new MemFs(), compression: ${JSON.stringify(compression)} });
for (let i = 0; i < 2000; i++) t.put('k' + i, 'value '.repeat(20) + i);
t.flush();
const ok = t.get('k1999') !== undefined;
console.log(JSON.stringify([atImport, ok, t.stats().zstd, native()]));
t.close();`;
      const env2: Record<string, string | undefined> = { ...process.env, ...env };
      if (!('LSM_ZSTD' in env)) delete env2['LSM_ZSTD'];
      const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', env: env2, cwd: new URL('..', import.meta.url) });
      if (r.status !== 0) throw new Error(r.stderr);
      return JSON.parse(r.stdout.trim());
    };
    expect(run('none', {})).toEqual([false, true, 'unused', false]);
    expect(run('zstd', {})).toEqual([false, true, 'native', true]);
    expect(run('zstd', { LSM_ZSTD: 'wasm' })).toEqual([false, true, 'wasm', false]);
  });
});
