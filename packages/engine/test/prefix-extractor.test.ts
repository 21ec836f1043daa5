// The prefixExtractor option: every table the store writes (flush and compaction, inline
// and on the worker thread) carries a prefix filter under the extractor's name; prefix()
// scans pass over the tables whose filter rules the prefix out, point reads do so on
// tables without a whole-key filter, and results never change: checked against an
// oracle with random puts, deletes and range deletions, scans both ways with bounds and
// limits, across flushes, compactions and reopens, also with tables written before the
// extractor was set or with another one. Bad options are LSM_INVALID_ARGUMENT.

import { Leveled } from '@lsm/compaction';
import { MemFs, NodeFs, type Fs } from '@lsm/fs';
import { Table } from '@lsm/sstable';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type PrefixExtractor, Tree, type TreeOptions, fixedPrefixExtractor } from '../src/index.js';
import { Oracle, Rng, codeOf, hex } from './helpers.js';

const utf8 = new TextEncoder();
const text = (b: Uint8Array): string => new TextDecoder().decode(b);
/** Key `id` of tenant `t`: "t07:0042" (the extracted prefix is "t07"). */
const keyFor = (t: number, id: number): Uint8Array => utf8.encode(`t${String(t).padStart(2, '0')}:${String(id).padStart(4, '0')}`);

const tiny = (): TreeOptions => ({
  memtableBytes: 4096,
  blockSize: 256,
  compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 6, levelBaseBytes: 16 * 1024, levelMultiplier: 4, targetTableSize: 8 * 1024 }),
});

/** The prefix-filter properties of every table file in `dir`. */
function tableExtractors(fs: Fs, dir: string): string[] {
  return fs
    .readDir(dir)
    .filter((n) => n.endsWith('.sst'))
    .map((n) => Table.readProperties(fs, `${dir}/${n}`).prefixExtractor);
}

/** Checks a prefix scan (random direction, bounds and limit) and returns nothing; fails with the seed and step. */
function checkScan(tree: Tree, oracle: Oracle, rng: Rng, where: string): void {
  const t = rng.int(6);
  // Prefixes shorter than, as long as, and longer than the extracted prefix.
  const forms = [`t${t}`, `t0${t}`, `t0${t}:`, `t0${t}:00${rng.int(10)}`];
  const p = utf8.encode(forms[rng.int(forms.length)]!);
  const reverse = rng.chance(0.5);
  // Bounds inside the prefix (a scan stops at the first key without the prefix).
  const inside = (k: Uint8Array): Uint8Array | undefined => (k.length >= p.length && p.every((b, i) => k[i] === b) ? k : undefined);
  const gte = rng.chance(0.4) ? inside(keyFor(t, rng.int(120))) : undefined;
  const lt = rng.chance(0.4) ? inside(keyFor(t, rng.int(120))) : undefined;
  const limit = rng.chance(0.2) ? rng.int(10) : undefined;
  const got = [...tree.prefix(p, { ...(gte ? { gte } : {}), ...(lt ? { lt } : {}), reverse, ...(limit !== undefined ? { limit } : {}) })].map(([k, v]) => `${text(k)}=${hex(v)}`);
  let want = oracle
    .scan(oracle.seqno, gte, true, lt, false, reverse, undefined)
    .filter(([k]) => k.length >= p.length && p.every((b, i) => k[i] === b))
    .map(([k, v]) => `${text(k)}=${hex(v)}`);
  if (limit !== undefined) want = want.slice(0, limit);
  expect(got, `${where}: prefix ${text(p)} gte ${gte && text(gte)} lt ${lt && text(lt)} reverse ${reverse} limit ${limit}`).toEqual(want);
}

describe('prefixExtractor: results match an oracle', () => {
  for (const [name, opts] of [
    ['whole-key filter too', {}],
    ['prefix filter only (filter: false)', { filter: false as const }],
  ] as const) {
    for (const seed of [1, 2, 3]) {
      it(`${name}, seed ${seed}`, () => {
        const fs = new MemFs();
        const options = (): TreeOptions => ({ ...tiny(), ...opts, fs, prefixExtractor: fixedPrefixExtractor(3) });
        let tree = Tree.open('/db', options());
        const oracle = new Oracle();
        const rng = new Rng(seed);
        let skips = 0;
        for (let step = 0; step < 2500; step++) {
          const where = `seed ${seed} step ${step}`;
          const r = rng.next();
          // Writes go mostly to one tenant at a time, so tables hold few tenants.
          const t = rng.chance(0.85) ? Math.floor(step / 150) % 6 : rng.int(6);
          const k = keyFor(t, rng.int(120));
          if (r < 0.55) {
            const v = utf8.encode(`v${step}`);
            oracle.put(k, v, tree.put(k, v));
          } else if (r < 0.7) {
            oracle.del(k, tree.delete(k));
          } else if (r < 0.73) {
            const hi = keyFor(t, rng.int(120));
            const [lo, up] = Buffer.compare(k, hi) <= 0 ? [k, hi] : [hi, k];
            oracle.deleteRange(lo, up, tree.deleteRange(lo, up));
          } else if (r < 0.85) {
            expect(tree.get(k), `${where}: get ${text(k)}`).toEqual(oracle.get(k, oracle.seqno));
          } else if (r < 0.87) {
            const keys = [k, keyFor(rng.int(6), rng.int(120)), keyFor(9, 1)];
            expect(tree.multiGet(keys), `${where}: multiGet`).toEqual(keys.map((x) => oracle.get(x, oracle.seqno)));
          } else if (r < 0.98) {
            checkScan(tree, oracle, rng, where);
          } else if (r < 0.99) {
            tree.flush();
          } else if (r < 0.995) {
            tree.compact();
          } else {
            skips += tree.stats().prefixFilterSkips;
            tree.close();
            tree = Tree.open('/db', options());
          }
        }
        // The filters did pass tables over (stats count since open).
        expect(skips + tree.stats().prefixFilterSkips).toBeGreaterThan(0);
        expect(new Set(tableExtractors(fs, '/db'))).toEqual(new Set(['lsm.fixed:3']));
        tree.close();
      });
    }
  }
});

/**
 * Writes eight L0 tables (no compaction): table i holds tenants 0, 9 and i, so every
 * table's key range covers every tenant while its prefix filter holds three.
 */
function writeTenantTables(tree: Tree, from = 1, to = 8): void {
  for (let i = from; i <= to; i++) {
    for (const t of [0, 9, i]) for (let id = 0; id < 20; id++) tree.put(keyFor(t, id), `v${i}`);
    tree.flush();
  }
}

describe('prefixExtractor: tables are passed over', () => {
  it('a prefix scan reads only the tables whose filter may hold the prefix', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, autoCompaction: false, prefixExtractor: fixedPrefixExtractor(3) });
    writeTenantTables(tree);
    expect(tree.stats().levels[0]!.tables).toBe(8);
    const before = tree.stats().prefixFilterSkips;
    expect([...tree.prefix('t05:')].map(([k]) => text(k))).toEqual(Array.from({ length: 20 }, (_, id) => text(keyFor(5, id))));
    // Seven of the eight tables hold no key of t05.
    expect(tree.stats().prefixFilterSkips - before).toBe(7);
    expect([...tree.prefix('t05:001', { reverse: true })].length).toBe(10);
    expect(tree.stats().prefixFilterSkips - before).toBe(14);
    // Tenant 0 is in every table: nothing to pass over. A prefix shorter than the
    // extracted one ("t0") cannot use the filter.
    expect([...tree.prefix('t00')].length).toBe(20);
    expect([...tree.prefix('t0')].length).toBe(20 * 10);
    expect(tree.stats().prefixFilterSkips - before).toBe(14);
    // range() never uses it.
    expect([...tree.range({ gte: 't05', lt: 't06' })].length).toBe(20);
    expect(tree.stats().prefixFilterSkips - before).toBe(14);
    tree.close();
  });

  it('point reads ask the prefix filter of tables without a whole-key filter', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, autoCompaction: false, filter: false, prefixExtractor: fixedPrefixExtractor(3) });
    writeTenantTables(tree);
    const before = tree.stats().prefixFilterSkips;
    expect(text(tree.get(keyFor(5, 3))!)).toBe('v5');
    // The L0 tables newer than table 5 (6, 7, 8) are asked first and hold no t05.
    expect(tree.stats().prefixFilterSkips - before).toBe(3);
    expect(tree.get(keyFor(5, 99))).toBeUndefined();
    expect(tree.stats().prefixFilterSkips - before).toBe(10);
    expect(tree.multiGet([keyFor(3, 1), keyFor(0, 1)]).map((v) => v && text(v))).toEqual(['v3', 'v8']);
    tree.close();
  });

  it('without an extractor nothing is passed over', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, autoCompaction: false });
    writeTenantTables(tree);
    expect([...tree.prefix('t05:')].length).toBe(20);
    expect(tree.stats().prefixFilterSkips).toBe(0);
    expect(new Set(tableExtractors(fs, '/db'))).toEqual(new Set(['']));
    tree.close();
  });
});

describe('prefixExtractor: changing it between opens', () => {
  it('tables from before the extractor, and from another one, are read without their prefix filter', () => {
    const fs = new MemFs();
    let tree = Tree.open('/db', { fs, autoCompaction: false });
    writeTenantTables(tree, 1, 4);
    tree.close();
    tree = Tree.open('/db', { fs, autoCompaction: false, prefixExtractor: fixedPrefixExtractor(3) });
    writeTenantTables(tree, 5, 8);
    expect(tableExtractors(fs, '/db').sort()).toEqual(['', '', '', '', 'lsm.fixed:3', 'lsm.fixed:3', 'lsm.fixed:3', 'lsm.fixed:3']);
    // t02 lives in an old table: found although the new tables rule it out.
    expect([...tree.prefix('t02:')].map(([, v]) => text(v))).toEqual(Array(20).fill('v2'));
    // Only the four new tables have a filter this store trusts.
    expect(tree.stats().prefixFilterSkips).toBe(4);
    expect([...tree.prefix('t06:')].length).toBe(20);
    expect(tree.stats().prefixFilterSkips).toBe(4 + 3);
    tree.close();

    // Another extractor: no table's filter is trusted, every answer stays right.
    tree = Tree.open('/db', { fs, autoCompaction: false, prefixExtractor: fixedPrefixExtractor(4) });
    for (const t of [2, 6, 9]) expect([...tree.prefix(`t0${t}:`)].length).toBe(20);
    expect(tree.stats().prefixFilterSkips).toBe(0);
    // A compaction rewrites every table with the store's extractor now.
    tree.compact();
    expect(new Set(tableExtractors(fs, '/db'))).toEqual(new Set(['lsm.fixed:4']));
    for (const t of [2, 6, 9]) expect([...tree.prefix(`t0${t}:`)].length).toBe(20);
    tree.close();

    // And without one again.
    tree = Tree.open('/db', { fs });
    expect([...tree.prefix('t03:')].map(([, v]) => text(v))).toEqual(Array(20).fill('v3'));
    expect(text(tree.get(keyFor(0, 0))!)).toBe('v8');
    tree.close();
  });
});

describe('prefixExtractor: on the worker thread', () => {
  it('the built-in extractor runs flushes and compactions on the worker; a custom one keeps them inline', () => {
    const root = mkdtempSync(join(tmpdir(), 'lsm-prefix-'));
    try {
      const fs = new NodeFs({ root });
      const dir = join(root, 'db');
      let tree = Tree.open(dir, { fs, backgroundThreads: 1, autoCompaction: false, prefixExtractor: fixedPrefixExtractor(3) });
      writeTenantTables(tree);
      tree.compact();
      writeTenantTables(tree, 1, 3);
      const jobs = tree.stats().jobs;
      expect(jobs.runner).toBe('worker');
      expect(jobs.onWorker).toBeGreaterThan(0);
      expect(jobs.inline).toBe(0);
      expect(new Set(tableExtractors(fs, dir))).toEqual(new Set(['lsm.fixed:3']));
      expect([...tree.prefix('t05:')].map(([, v]) => text(v))).toEqual(Array(20).fill('v5'));
      // The compacted table holds t05; the three newer L0 tables do not.
      expect(tree.stats().prefixFilterSkips).toBe(3);
      tree.close();

      // A custom extractor (a closure a worker cannot load) keeps every job inline.
      const custom: PrefixExtractor = { name: 'tenant', prefix: (k) => (k.length >= 3 ? k.subarray(0, 3) : undefined) };
      tree = Tree.open(dir, { fs, backgroundThreads: 1, autoCompaction: false, prefixExtractor: custom });
      writeTenantTables(tree, 4, 5);
      tree.compact();
      expect(tree.stats().jobs.runner).toBe('inline');
      expect(tree.stats().jobs.onWorker).toBe(0);
      expect(tree.stats().jobs.inline).toBeGreaterThan(0);
      expect(new Set(tableExtractors(fs, dir))).toEqual(new Set(['tenant']));
      expect([...tree.prefix('t04:')].map(([, v]) => text(v))).toEqual(Array(20).fill('v4'));
      tree.close();

      // An object that only borrows a built-in's name is custom too.
      const lookalike: PrefixExtractor = { name: 'lsm.fixed:3', prefix: custom.prefix };
      tree = Tree.open(dir, { fs, backgroundThreads: 1, prefixExtractor: lookalike });
      expect(tree.stats().jobs.runner).toBe('inline');
      tree.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('prefixExtractor: validation', () => {
  it('a bad extractor is LSM_INVALID_ARGUMENT naming the option', () => {
    const fs = new MemFs();
    for (const bad of [null, 42, {}, { name: '', prefix: () => undefined }, { name: 'x' }, { name: 7, prefix: () => undefined }, { name: 'x', prefix: 'no' }]) {
      let message = '';
      expect(
        codeOf(() => {
          try {
            Tree.open('/db', { fs, prefixExtractor: bad as unknown as PrefixExtractor });
          } catch (err) {
            message = (err as Error).message;
            throw err;
          }
        }),
      ).toBe('LSM_INVALID_ARGUMENT');
      expect(message).toContain('prefixExtractor');
    }
    for (const n of [0, -1, 1.5, 65536]) expect(codeOf(() => fixedPrefixExtractor(n))).toBe('LSM_INVALID_ARGUMENT');
    expect(fixedPrefixExtractor(2).name).toBe('lsm.fixed:2');
  });
});
