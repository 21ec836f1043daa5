// When the write path asks a worker to fdatasync the active log in the background
// (RocksDB's wal_bytes_per_sync, in src/write/write-path.ts): once 4 MiB have been written
// to the log since its last sync or accepted request, and again 4 MiB after an accepted
// request; a refused request is asked again at the next write; a sync write, and a new
// log, start the count again. The background work is spied on (a store on MemFs has no
// worker, which would refuse every request).

import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { Tree } from '../src/index.js';

const MiB = 1 << 20;
const value = new Uint8Array(100 * 1024).fill(0x61);

function spy(tree: Tree, accept: boolean): number[] {
  const asked: number[] = [];
  const bg = (tree as unknown as { writes: { bg: { syncLogInBackground(n: number): boolean } } }).writes.bg;
  bg.syncLogInBackground = (logNumber: number) => {
    asked.push(logNumber);
    return accept;
  };
  return asked;
}

const activeLog = (fs: MemFs): number => Number(fs.readDir('/db').find((n) => n.endsWith('.log'))!.slice(0, -4));

describe('background log sync requests', () => {
  it('asks once every 4 MiB of log when the worker accepts', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs });
    const asked = spy(tree, true);
    let written = 0;
    const at: number[] = [];
    for (let i = 0; i < 100; i++) {
      const before = asked.length;
      tree.put(`k${i}`, value);
      written = tree.stats().walBytesWritten;
      if (asked.length > before) at.push(written);
    }
    expect(written).toBeGreaterThan(9 * MiB);
    expect(asked).toEqual([activeLog(fs), activeLog(fs)]);
    // Each request the first write past another 4 MiB (the log also holds its framing).
    expect(at[0]).toBeGreaterThanOrEqual(4 * MiB - 8 * 1024);
    expect(at[0]).toBeLessThan(4 * MiB + 110 * 1024);
    expect(at[1]! - at[0]!).toBeGreaterThanOrEqual(4 * MiB - 8 * 1024);
    expect(at[1]! - at[0]!).toBeLessThan(4 * MiB + 110 * 1024);
    tree.close();
  });

  it('asks at every write past 4 MiB while the worker refuses', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    const asked = spy(tree, false);
    const first: number[] = [];
    for (let i = 0; i < 60; i++) {
      tree.put(`k${i}`, value);
      if (asked.length > 0 && first.length === 0) first.push(i);
    }
    expect(first[0]).toBeGreaterThanOrEqual(38);
    expect(first[0]).toBeLessThanOrEqual(42);
    expect(asked).toHaveLength(60 - first[0]!);
    tree.close();
  });

  it('a sync write and a new log start the count again', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs });
    const asked = spy(tree, true);
    for (let i = 0; i < 30; i++) tree.put(`a${i}`, value); // 3 MiB
    tree.put('s', 'x', { sync: true });
    for (let i = 0; i < 30; i++) tree.put(`b${i}`, value); // 3 MiB after the sync
    expect(asked).toEqual([]);
    tree.flush(); // a new log
    for (let i = 0; i < 30; i++) tree.put(`c${i}`, value);
    expect(asked).toEqual([]);
    for (let i = 0; i < 15; i++) tree.put(`d${i}`, value);
    expect(asked).toEqual([activeLog(fs)]);
    tree.close();
  });
});
