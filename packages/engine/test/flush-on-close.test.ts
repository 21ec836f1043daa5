// flushOnCloseBytes: close() writes memtables holding at least that many bytes to tables
// (after syncing the log), so the closed store keeps no large log; smaller ones stay in
// the log. A flush that fails at close loses nothing: the synced log replays at the next
// open, and close() does not throw for it.

import { FaultFs, MemFs, NodeFs } from '@lsm/fs';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { LsmError, Tree } from '../src/index.js';
import { keyOf } from './helpers.js';

const value = (i: number): Uint8Array => new TextEncoder().encode(`value-${i}-${'v'.repeat(90)}`);

function fill(tree: Tree, n: number): void {
  for (let i = 0; i < n; i += 100) {
    const b = tree.batch();
    for (let j = i; j < i + 100 && j < n; j++) b.put(keyOf(j), value(j));
    b.commit();
  }
}

function logBytes(fs: MemFs, dir: string): number {
  let n = 0;
  for (const name of fs.readDir(dir)) if (name.endsWith('.log')) n += fs.metadata(`${dir}/${name}`).size;
  return n;
}

function expectAll(tree: Tree, n: number): void {
  for (let i = 0; i < n; i += 37) expect(tree.get(keyOf(i))).toEqual(value(i));
  expect(tree.get(keyOf(n - 1))).toEqual(value(n - 1));
}

describe('flushOnCloseBytes', () => {
  it('memtables over the threshold are in tables after close; the log is gone', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, flushOnCloseBytes: 64 * 1024 });
    fill(tree, 2000); // about 240 KB in the active memtable, none flushed yet
    expect(tree.stats().flushes).toBe(0);
    tree.close();
    expect(logBytes(fs, '/db')).toBe(0);
    const again = Tree.open('/db', { fs });
    expect(again.stats().tables).toBeGreaterThan(0);
    expectAll(again, 2000);
    again.close();
  });

  it('below the threshold the memtable stays in the synced log and replays', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs }); // default threshold: 4 MiB
    fill(tree, 2000);
    tree.close();
    expect(logBytes(fs, '/db')).toBeGreaterThan(200_000);
    const again = Tree.open('/db', { fs, flushOnCloseBytes: Number.MAX_SAFE_INTEGER });
    expectAll(again, 2000);
    again.close();
  });

  it('a flush that fails at close loses nothing and does not fail close()', () => {
    const fs = new FaultFs(new MemFs());
    const tree = Tree.open('/db', { fs, flushOnCloseBytes: 0 });
    fill(tree, 500);
    fs.addRule({ op: 'open', path: '.sst', times: Infinity, fault: { type: 'error' } });
    tree.close();
    fs.clearRules();
    const again = Tree.open('/db', { fs });
    expectAll(again, 500);
    again.close();
  });

  it('on a worker thread (NodeFs): the flush at close runs there, and no log is left', () => {
    const root = mkdtempSync(join(tmpdir(), 'lsm-close-'));
    try {
      const tree = Tree.open(join(root, 'db'), { fs: new NodeFs({ root }), flushOnCloseBytes: 64 * 1024 });
      fill(tree, 2000);
      tree.close();
      expect(readdirSync(join(root, 'db')).filter((n) => n.endsWith('.log'))).toEqual([]);
      const again = Tree.open(join(root, 'db'), { fs: new NodeFs({ root }) });
      expect(again.stats().flushes).toBe(0); // nothing to replay
      expectAll(again, 2000);
      again.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('a bad value is LSM_INVALID_ARGUMENT naming the option', () => {
    for (const bad of [-1, 1.5, '4MiB']) {
      try {
        Tree.open('/db', { fs: new MemFs(), flushOnCloseBytes: bad as number });
        expect.unreachable();
      } catch (err) {
        expect(err).toBeInstanceOf(LsmError);
        expect((err as LsmError).code).toBe('LSM_INVALID_ARGUMENT');
        expect((err as Error).message).toContain('flushOnCloseBytes');
      }
    }
  });
});
