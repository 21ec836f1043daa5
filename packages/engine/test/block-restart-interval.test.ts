// Option blockRestartInterval: every table a store writes (flush and compaction, on the
// caller's thread and on a worker) uses it, reads agree with a model whatever it is, a
// store reopened with another value reads the tables the first one wrote, and bad values
// are refused with LSM_INVALID_ARGUMENT naming the option.

import { MemFs, NodeFs, type Fs } from '@lsm/fs';
import { Table } from '@lsm/sstable';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { Tree, type TreeOptions } from '../src/index.js';
import { keyOf } from './helpers.js';

const utf8 = new TextEncoder();

function valueFor(i: number, round: number): Uint8Array {
  return utf8.encode(`v${round}-${i}-${'x'.repeat(i % 40)}`);
}

/** The restart interval recorded in every table of the store at `dir`. */
function intervals(fs: Fs, dir: string): number[] {
  return fs
    .readDir(dir)
    .filter((n) => n.endsWith('.sst'))
    .map((n) => {
      const t = Table.open(fs, `${dir}/${n}`);
      try {
        return t.properties.restartInterval;
      } finally {
        t.close();
      }
    });
}

/** Writes keys 0..n-1 twice (the second round overwrites every third key), with flushes and a full compaction. */
function fill(tree: Tree, n: number): Map<number, Uint8Array> {
  const model = new Map<number, Uint8Array>();
  for (let round = 0; round < 2; round++) {
    for (let i = 0; i < n; i++) {
      if (round === 1 && i % 3 !== 0) continue;
      const v = valueFor(i, round);
      tree.put(keyOf(i), v);
      model.set(i, v);
    }
    tree.flush();
  }
  tree.compact();
  return model;
}

function checkReads(tree: Tree, model: Map<number, Uint8Array>, n: number): void {
  for (let i = 0; i < n; i++) expect(tree.get(keyOf(i)), `key ${i}`).toEqual(model.get(i));
  expect(tree.get(utf8.encode('key-'))).toBeUndefined(); // before every key
  expect(tree.get(utf8.encode('key-0000005'))).toBeUndefined(); // between two keys
  const scanned = [...tree.range()].map(([, v]) => v);
  expect(scanned).toEqual([...model.keys()].sort((a, b) => a - b).map((i) => model.get(i)));
  const back = [...tree.range({ reverse: true, limit: 7 })].map(([, v]) => v);
  expect(back).toEqual(scanned.slice(-7).reverse());
}

describe('option blockRestartInterval', () => {
  it('is refused unless an integer in [1, 65536], naming the option', () => {
    for (const bad of [0, -1, 1.5, 65537, '8', null]) {
      expect(() => Tree.open('/db', { fs: new MemFs(), blockRestartInterval: bad as never })).toThrow(
        expect.objectContaining({ code: 'LSM_INVALID_ARGUMENT', message: expect.stringContaining('blockRestartInterval') }),
      );
    }
  });

  for (const interval of [1, 4, 16, 100]) {
    it(`${interval}: every table records it, and reads agree with the model (inline jobs)`, () => {
      const fs = new MemFs();
      const opts: TreeOptions = { fs, memtableBytes: 16 * 1024, blockSize: 512, blockRestartInterval: interval };
      const tree = Tree.open('/db', opts);
      const n = 1500;
      const model = fill(tree, n);
      checkReads(tree, model, n);
      tree.close();
      const found = intervals(fs, '/db');
      expect(found.length).toBeGreaterThan(0);
      expect(new Set(found)).toEqual(new Set([interval]));
    });
  }

  it('the default is 4; a store reopened with another value reads the old tables and writes new ones with it', () => {
    const fs = new MemFs();
    const first = Tree.open('/db', { fs, memtableBytes: 16 * 1024, blockSize: 512 });
    const model = fill(first, 800);
    first.close();
    expect(new Set(intervals(fs, '/db'))).toEqual(new Set([4]));
    const second = Tree.open('/db', { fs, memtableBytes: 16 * 1024, blockSize: 512, blockRestartInterval: 2 });
    checkReads(second, model, 800);
    for (let i = 800; i < 900; i++) {
      second.put(keyOf(i), valueFor(i, 0));
      model.set(i, valueFor(i, 0));
    }
    second.flush();
    checkReads(second, model, 900);
    second.close();
    expect(new Set(intervals(fs, '/db'))).toEqual(new Set([4, 2]));
  });
});

describe('option blockRestartInterval on a worker', () => {
  let dir: string | undefined;
  afterEach(() => {
    if (dir !== undefined) rmSync(dir, { recursive: true, force: true });
    dir = undefined;
  });

  it('tables written by flushes and compactions on the worker use it', () => {
    dir = mkdtempSync(join(tmpdir(), 'lsm-restart-'));
    const fs = new NodeFs({ root: dir });
    const db = join(dir, 'db');
    const tree = Tree.open(db, { fs, memtableBytes: 16 * 1024, blockSize: 512, blockRestartInterval: 3 });
    const model = fill(tree, 1500);
    checkReads(tree, model, 1500);
    expect(tree.stats().jobs.onWorker).toBeGreaterThan(0);
    tree.close();
    const found = intervals(fs, db);
    expect(found.length).toBeGreaterThan(0);
    expect(new Set(found)).toEqual(new Set([3]));
  });
});
