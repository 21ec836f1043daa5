// The compressionPerLevel option: every table carries the compression of the level it
// is at (a flush writes with L0's entry, a compaction with its output level's, and a
// move between levels compressed differently rewrites its tables), inline and on the
// worker thread; the data reads back, also after reopening with other settings; a bad
// array is LSM_INVALID_ARGUMENT naming the option.

import { Leveled } from '@lsm/compaction';
import { MemFs, NodeFs, type Fs } from '@lsm/fs';
import { Table } from '@lsm/sstable';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { type CompressionOption, Tree, type TreeOptions } from '../src/index.js';
import { tableFileName } from '../src/file-names.js';
import type { VersionSet } from '../src/versions/version-set.js';
import { Rng, codeOf, hex, keyOf } from './helpers.js';

const utf8 = new TextEncoder();

/** L0 uncompressed, then zstd at level N on level N (1..6). */
const SEVEN: CompressionOption[] = ['none', ...[1, 2, 3, 4, 5, 6].map((level) => ({ type: 'zstd' as const, level }))];

const small = (): TreeOptions => ({
  memtableBytes: 8192,
  blockSize: 512,
  compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 8, levelBaseBytes: 8 * 1024, levelMultiplier: 2, targetTableSize: 4 * 1024 }),
});

/** A compressible value: a repeated phrase with the key's number in it. */
const valueFor = (i: number, round: number): Uint8Array => utf8.encode(`value of ${i} in round ${round}; `.repeat(4));

/** Writes `n` keys in shuffled order for a few rounds; returns what the store must hold. */
function fill(tree: Tree, n: number, rounds: number, seed: number): Map<string, string> {
  const want = new Map<string, string>();
  const rng = new Rng(seed);
  for (let round = 0; round < rounds; round++) {
    for (let j = 0; j < n; j++) {
      const i = rng.int(n);
      const v = valueFor(i, round);
      tree.put(keyOf(i), v);
      want.set(hex(keyOf(i)), hex(v));
    }
  }
  return want;
}

function contents(tree: Tree): Map<string, string> {
  return new Map([...tree.range()].map(([k, v]) => [hex(k), hex(v)]));
}

/** [level, compression, zstd level] of every table of the store's current version. */
function tableCompressions(tree: Tree, fs: Fs, dir: string): [number, string, number][] {
  const versions = (tree as unknown as { versions: VersionSet }).versions;
  const out: [number, string, number][] = [];
  versions.current.levels.forEach((tables, level) => {
    for (const t of tables) {
      const p = Table.readProperties(fs, `${dir}/${tableFileName(t.id)}`);
      out.push([level, p.compression, p.compressionLevel]);
    }
  });
  return out;
}

/** What a table at `level` must carry under `per` (the last entry repeats). */
function expected(per: CompressionOption[], level: number): [string, number] {
  const c = per[Math.min(level, per.length - 1)]!;
  if (typeof c === 'string') return [c, 0];
  return [c.type, c.type === 'zstd' ? (c.level ?? 3) : 0];
}

function checkLevels(tree: Tree, fs: Fs, dir: string, per: CompressionOption[]): Set<number> {
  const found = tableCompressions(tree, fs, dir);
  for (const [level, type, zl] of found) expect([type, zl], `a table at L${level}`).toEqual(expected(per, level));
  return new Set(found.map(([level]) => level));
}

describe('compressionPerLevel', () => {
  it('every table carries its level compression; data reads back and survives reopening', () => {
    const fs = new MemFs();
    let tree = Tree.open('/db', { ...small(), fs, compressionPerLevel: SEVEN });
    const want = fill(tree, 1500, 3, 1);
    tree.flush();
    // Tables at L0 and at two or more deeper levels, each with its own compression.
    const levels = checkLevels(tree, fs, '/db', SEVEN);
    expect(levels.has(0)).toBe(true);
    expect(levels.size).toBeGreaterThanOrEqual(3);
    expect(tree.stats().compactions).toBeGreaterThan(0);
    expect(contents(tree)).toEqual(want);
    tree.close();

    // Reopened with the same settings, then with a shorter array: reads are unaffected,
    // and what is written from then on follows the new settings.
    tree = Tree.open('/db', { ...small(), fs, compressionPerLevel: SEVEN });
    expect(contents(tree)).toEqual(want);
    tree.close();
    const two: CompressionOption[] = [{ type: 'zstd', level: 1 }, 'none'];
    tree = Tree.open('/db', { ...small(), fs, compressionPerLevel: two });
    expect(contents(tree)).toEqual(want);
    tree.compact();
    checkLevels(tree, fs, '/db', two);
    expect(contents(tree)).toEqual(want);
    tree.close();
  });

  it('a shorter array repeats its last entry for the deeper levels, and overrides compression', () => {
    const fs = new MemFs();
    const per: CompressionOption[] = ['none', { type: 'zstd', level: 5 }];
    const tree = Tree.open('/db', { ...small(), fs, compression: { type: 'zstd', level: 9 }, compressionPerLevel: per });
    const want = fill(tree, 1500, 2, 2);
    tree.flush();
    const levels = checkLevels(tree, fs, '/db', per);
    expect([...levels].some((l) => l >= 2)).toBe(true);
    expect(contents(tree)).toEqual(want);
    tree.close();
  });

  it('on the worker thread: each job carries its output level compression', () => {
    const root = mkdtempSync(join(tmpdir(), 'lsm-cpl-'));
    try {
      const fs = new NodeFs({ root });
      const dir = join(root, 'db');
      const tree = Tree.open(dir, { ...small(), fs, backgroundThreads: 1, compressionPerLevel: SEVEN });
      const want = fill(tree, 1500, 3, 3);
      tree.flush();
      tree.compact();
      tree.put(keyOf(0), 'last');
      want.set(hex(keyOf(0)), hex(utf8.encode('last')));
      tree.flush();
      const jobs = tree.stats().jobs;
      expect(jobs.runner).toBe('worker');
      expect(jobs.onWorker).toBeGreaterThan(0);
      expect(jobs.inline).toBe(0);
      const levels = checkLevels(tree, fs, dir, SEVEN);
      expect(levels.has(0)).toBe(true);
      expect(levels.size).toBeGreaterThanOrEqual(2);
      expect(contents(tree)).toEqual(want);
      tree.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('ingested tables carry their level compression: deeper only where it matches L0, whose compression they are written with', () => {
    for (const per of [SEVEN, ['none', 'none', 'none'] as CompressionOption[]]) {
      const fs = new MemFs();
      const tree = Tree.open('/db', { fs, ...small(), compressionPerLevel: per });
      const want = fill(tree, 300, 2, 11);
      tree.compact();
      const rows: Array<[Uint8Array, Uint8Array]> = [];
      for (let i = 0; i < 400; i++) rows.push([utf8.encode(`zz-ingest-${String(i).padStart(5, '0')}`), valueFor(i, 9)]);
      tree.ingest(rows);
      for (const [k, v] of rows) want.set(hex(k), hex(v));
      const levels = checkLevels(tree, fs, '/db', per);
      // With one compression everywhere the ingest may go below L0 (its range is free there).
      if (per !== SEVEN) expect([...levels].some((l) => l > 0)).toBe(true);
      expect(contents(tree)).toEqual(want);
      tree.close();
    }
  });

  it('a bad array is LSM_INVALID_ARGUMENT naming the option', () => {
    const fs = new MemFs();
    const bad: unknown[] = [
      [],
      Array(8).fill('none'),
      'zstd',
      ['lz4'],
      [null],
      ['none', { type: 'none', level: 3 }],
      [{ type: 'zstd', level: 99 }],
      ['none', { type: 'none', dictionary: { maxBytes: 1024 } }],
    ];
    for (const per of bad) {
      let message = '';
      expect(
        codeOf(() => {
          try {
            Tree.open('/db', { fs, compressionPerLevel: per as CompressionOption[] });
          } catch (err) {
            message = (err as Error).message;
            throw err;
          }
        }),
        JSON.stringify(per),
      ).toBe('LSM_INVALID_ARGUMENT');
      expect(message).toContain('compressionPerLevel');
    }
  });
});
