// The write-ahead log at its block boundaries, plain and encrypted (issue #22, part 4):
// a record starting at every offset around the end of a 32 KiB block (where fewer than 7
// bytes left are zero padding and the record starts in the next block; an encrypted
// record's nonce is that start). And the log writer's duties that no read shows: an
// encrypted log's header is durable on its own, and a log is closed when the store is
// done with it.

import { CrashFs } from '@lsm/crashfs';
import { MemFs, readFile, type Fs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { Tree, type TreeOptions } from '../src/index.js';
import { LOG_BLOCK_SIZE, LOG_HEADER_SIZE } from '../src/log/log-format.js';
import { readLog } from '../src/log/log-reader.js';
import { LogWriter } from '../src/log/log-writer.js';
import { ENCRYPTION_HEADER_SIZE } from './encryption-helpers.js';
import { trackHandles } from './helpers.js';

const KEY = new Uint8Array(32).fill(7);
const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));

/** The store's newest write-ahead log: its path and size. */
function activeLog(fs: Fs): { path: string; size: number } {
  const name = fs.readDir('/db').filter((n) => n.endsWith('.log')).sort().pop()!;
  const path = `/db/${name}`;
  return { path, size: fs.metadata(path).size };
}

/** How many bytes a put of key 'filler' and a value of `n` bytes (16 KiB..2 MiB: one length encoding) adds to the log, less n. */
function fillerOverhead(options: TreeOptions): number {
  const fs = new MemFs();
  const tree = Tree.open('/db', { ...options, fs });
  const before = activeLog(fs).size;
  tree.put('filler', new Uint8Array(20_000));
  const grew = activeLog(fs).size - before;
  tree.close();
  return grew - 20_000;
}

describe('write-ahead log records around a block boundary', () => {
  for (const encrypted of [false, true]) {
    // What a user would see go wrong: every write succeeds, and the next open fails with LSM_CORRUPTION (or loses the writes).
    it(`${encrypted ? 'encrypted' : 'plain'}: a record at every offset from 12 bytes before a block's end to its end reads back after reopen`, () => {
      const options: TreeOptions = encrypted ? { encryption: { key: KEY } } : {};
      const overhead = fillerOverhead(options);
      for (let left = 0; left <= 12; left++) {
        const fs = new MemFs();
        let tree = Tree.open('/db', { ...options, fs });
        const log = activeLog(fs);
        expect(log.size).toBe(encrypted ? ENCRYPTION_HEADER_SIZE : 0);
        // One record that ends `left` bytes before the end of the first block.
        const target = LOG_BLOCK_SIZE - left;
        const filler = new Uint8Array(target - log.size - overhead).fill(left);
        tree.put('filler', filler);
        expect(activeLog(fs).size, `the filler ends ${left} bytes before the block's end`).toBe(target);
        // The next record starts there, or (fewer than 7 bytes left) after the padding.
        const written = new Map<string, string>();
        const sizes = [1, 30, LOG_HEADER_SIZE, 0, 40_000, 3];
        sizes.forEach((n, i) => {
          const k = `r${i}`;
          const v = `${i}:${'v'.repeat(n)}`;
          tree.put(k, v, { sync: i === sizes.length - 1 });
          written.set(k, v);
        });
        expect(activeLog(fs).size, 'the records ran into the third block').toBeGreaterThan(LOG_BLOCK_SIZE + 40_000);
        tree.close();
        tree = Tree.open('/db', { ...options, fs });
        expect(tree.get('filler'), `filler, ${left} bytes left`).toEqual(filler);
        for (const [k, v] of written) expect(text(tree.get(k)), `${k}, ${left} bytes left`).toBe(v);
        tree.close();
      }
    });
  }
});

describe("the log writer's duties", () => {
  // What a user would see go wrong: the writer reuses one scratch buffer for every record; padding
  // left with an earlier record's bytes reads back as damage, and the next open fails.
  it('block padding is zeros even where the writer last held another record', () => {
    const fs = new MemFs();
    const f = fs.open('/log', { write: true, createNew: true });
    const w = new LogWriter(f, 3);
    const fill = (n: number, v: number): Uint8Array => new Uint8Array(n).fill(v);
    w.addRecord(fill(LOG_BLOCK_SIZE - LOG_HEADER_SIZE - 3, 0xa5)); // ends 3 bytes before the block's end
    w.addRecord(fill(40, 0x5a)); // starts the next block: 3 bytes of padding first
    w.addRecord(fill(30, 0x3c));
    f.close();
    const data = readFile(fs, '/log');
    expect([...data.subarray(LOG_BLOCK_SIZE - 3, LOG_BLOCK_SIZE)]).toEqual([0, 0, 0]);
    const got: number[] = [];
    const res = readLog(data, '/log', 3, (p) => got.push(p.length), { strictTail: true });
    expect(got).toEqual([LOG_BLOCK_SIZE - LOG_HEADER_SIZE - 3, 40, 30]);
    expect(res.tornTail).toBe(false);
  });


  // What a user would see go wrong: on a disk that reorders writes, a synced record can outlive the log's header, and the store no longer opens.
  it("an encrypted log's header is durable before any record is written to the log", () => {
    const crashFs = new CrashFs(new MemFs(), { tornWrites: false });
    let tree = Tree.open('/db', { fs: crashFs, encryption: { key: KEY } });
    tree.put('a', '1', { sync: true });
    tree.flush(); // a new log
    const log = activeLog(crashFs);
    expect(log.size).toBe(ENCRYPTION_HEADER_SIZE);
    expect(crashFs.unsynced().files).not.toContain(log.path);
    crashFs.crash();
    expect(crashFs.metadata(log.path).size).toBe(ENCRYPTION_HEADER_SIZE);
    tree = Tree.open('/db', { fs: crashFs, encryption: { key: KEY } });
    tree.put('b', '2', { sync: true });
    crashFs.crash();
    tree = Tree.open('/db', { fs: crashFs, encryption: { key: KEY } });
    expect([text(tree.get('a')), text(tree.get('b'))]).toEqual(['1', '2']);
    tree.close();
  });

  // What a user would see go wrong: every log the store retires keeps a file handle open (descriptors leak until the process runs out).
  it('a log is closed when the store moves to a new one and when the store closes; close() makes the tail durable', () => {
    const crashFs = new CrashFs(new MemFs(), { tornWrites: false });
    const { fs, open } = trackHandles(crashFs);
    let tree = Tree.open('/db', { fs });
    const logs = (): string[] => [...open].filter((p) => p.endsWith('.log'));
    tree.put('a', '1');
    const first = activeLog(crashFs).path;
    expect(logs()).toEqual([first]);
    tree.flush();
    const second = activeLog(crashFs).path;
    expect(second).not.toBe(first);
    expect(logs(), 'the retired log is closed').toEqual([second]);
    tree.put('b', '2'); // not synced: close() must make it durable
    tree.close();
    expect([...open], 'nothing left open after close()').toEqual([]);
    crashFs.crash();
    tree = Tree.open('/db', { fs: crashFs });
    expect([text(tree.get('a')), text(tree.get('b'))]).toEqual(['1', '2']);
    tree.close();
  });
});
