// Every block-transform combination of issue #9 on tables, end to end: compression none,
// zstd and zstd with a trained dictionary, each without and with encryption, through
// flush, compaction, reopen and a power cut (CrashFs). Checks the contents against a map,
// that dictionary tables were really written, and (encrypted) that no plaintext of the
// values reaches any file.

import { Leveled } from '@lsm/compaction';
import { CrashFs } from '@lsm/crashfs';
import { type Fs, MemFs, readFile } from '@lsm/fs';
import { Table } from '@lsm/sstable';
import { describe, expect, it } from 'vitest';
import { Tree, type TreeOptions } from '../src/index.js';
import { Rng } from './helpers.js';

const utf8 = new TextEncoder();
const td = new TextDecoder();
const KEY = new Uint8Array(32).map((_, i) => i * 7 + 1);
const CITIES = ['Berlin', 'Lisbon', 'Osaka', 'Toronto', 'Nairobi'];

function doc(rng: Rng, i: number, v: number): string {
  return JSON.stringify({ id: i, v, city: CITIES[rng.int(5)], score: rng.int(100000), note: 'plaintext-marker', tags: ['alpha', 'beta'] });
}

const key = (i: number): string => `user/${String(i).padStart(6, '0')}`;

type Compression = 'none' | 'zstd' | 'zstd+dict';
const COMPRESSIONS: Compression[] = ['none', 'zstd', 'zstd+dict'];

function options(fs: Fs, c: Compression, encrypted: boolean): TreeOptions {
  return {
    fs,
    memtableBytes: 32 * 1024,
    blockSize: 1024,
    compression: c === 'none' ? 'none' : c === 'zstd' ? 'zstd' : { type: 'zstd', level: 3, dictionary: { maxBytes: 2048, sampleBytes: 16 * 1024 } },
    ...(encrypted ? { encryption: { key: KEY } } : {}),
    compaction: new Leveled({ l0CompactionTrigger: 3, levelBaseBytes: 64 * 1024, levelMultiplier: 4, targetTableSize: 32 * 1024 }),
  };
}

function contents(tree: Tree): Map<string, string> {
  const m = new Map<string, string>();
  for (const [k, v] of tree.range()) m.set(td.decode(k), td.decode(v));
  return m;
}

function expectSame(got: Map<string, string>, want: Map<string, string>, where: string): void {
  expect(got.size, where).toBe(want.size);
  for (const [k, v] of want) expect(got.get(k), `${where}: ${k}`).toBe(v);
}

describe('block transforms: compression x encryption', () => {
  for (const c of COMPRESSIONS) {
    for (const encrypted of [false, true]) {
      it(`${c}, ${encrypted ? 'encrypted' : 'plaintext'}: flush, compaction, reopen, crash`, () => {
        const rng = new Rng(c.length * 31 + (encrypted ? 7 : 0));
        const mem = new MemFs();
        const fs = new CrashFs(mem, { seed: 5 });
        const opts = options(fs, c, encrypted);
        let tree = Tree.open('/db', opts);
        const want = new Map<string, string>();
        for (let round = 0; round < 4; round++) {
          for (let i = 0; i < 600; i++) {
            const k = rng.int(900);
            const v = doc(rng, k, round);
            tree.put(key(k), v);
            want.set(key(k), v);
          }
          const a = rng.int(800);
          tree.deleteRange(key(a), key(a + 40));
          for (const k of [...want.keys()]) if (k >= key(a) && k < key(a + 40)) want.delete(k);
          tree.flush();
        }
        expectSame(contents(tree), want, 'after flushes');
        tree.compact();
        expect(tree.stats().compactions).toBeGreaterThan(0);
        expectSame(contents(tree), want, 'after compaction');
        tree.close();
        tree = Tree.open('/db', opts);
        expectSame(contents(tree), want, 'after reopen');

        // Tables really carry the transform.
        const tables = fs.readDir('/db').filter((n) => n.endsWith('.sst'));
        expect(tables.length).toBeGreaterThan(0);
        let withDict = 0;
        for (const name of tables) {
          const p = Table.readProperties(fs, `/db/${name}`, encrypted ? { encryption: { key: KEY } } : {});
          if (p.dictionarySize > 0) withDict++;
          expect(p.formatVersion, name).toBe(encrypted ? 2 : 1);
        }
        if (c === 'zstd+dict') expect(withDict).toBeGreaterThan(0);
        else expect(withDict).toBe(0);

        // A power cut: the synced writes stay, the unsynced batch is all or nothing.
        tree.sync();
        const before = new Map(want);
        const b = tree.batch();
        for (let i = 0; i < 50; i++) {
          const v = doc(rng, i, 99);
          b.put(key(i), v);
          want.set(key(i), v);
        }
        b.commit();
        fs.crash();
        tree = Tree.open('/db', opts);
        const got = contents(tree);
        const all = got.get(key(0)) === want.get(key(0));
        expectSame(got, all ? want : before, 'after the crash');

        if (encrypted) {
          for (const name of fs.readDir('/db')) {
            const bytes = readFile(fs, `/db/${name}`);
            const text = Buffer.from(bytes).toString('latin1');
            expect(text.includes('plaintext-marker'), `${name} holds plaintext`).toBe(false);
            expect(text.includes('user/000'), `${name} holds a plaintext key`).toBe(false);
          }
        }
        tree.close();
      });
    }
  }
});
