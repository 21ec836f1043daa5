// Bulk ingestion on a worker thread (inputs larger than INGEST_CHUNK_BYTES on a store whose
// jobs run on workers): the caller checks and packs chunks, a worker of the ingest's own
// writes the tables. What it must keep from the caller-thread path: the same tables (cut
// at the same keys), the same contents, one seqno, and on every failure (a bad entry, the
// iterable throwing, the worker's I/O failing) nothing visible, the seqno unchanged, and
// no file left once the store settles; a process killed during the call loses the ingest
// whole and nothing acknowledged before it. The worker runs the built package (dist/).

import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, renameSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Leveled } from '@lsm/compaction';
import { NodeFs } from '@lsm/fs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LsmError, Tree, type TreeOptions } from '../src/index.js';
import { INGEST_CHUNK_BYTES } from '../src/ops/ingest.js';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'lsm-ingest-worker-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const KEYS = 70_000;
const key = (i: number): Uint8Array => new TextEncoder().encode(`key-${String(i).padStart(8, '0')}`);
/** 60 to 109 bytes that do not compress (xorshift of i), so 1 MiB tables hold about 1 MiB of input. */
const value = (i: number): Uint8Array => {
  const v = new Uint8Array(60 + (i % 50));
  let x = (i * 0x9e3779b1) >>> 0 || 1;
  for (let j = 0; j < v.length; j++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    v[j] = x & 0xff;
  }
  return v;
};

function* input(n: number, hook?: (i: number) => void): Generator<[Uint8Array, Uint8Array]> {
  for (let i = 0; i < n; i++) {
    hook?.(i);
    yield [key(i), value(i)];
  }
}

/** Bytes of the input, as the chunks count them. */
const inputBytes = (n: number): number => {
  let b = 0;
  for (let i = 0; i < n; i++) b += 8 + key(i).length + value(i).length;
  return b;
};

function options(threads: number): TreeOptions {
  return { fs: new NodeFs({ root }), backgroundThreads: threads, compaction: new Leveled({ targetTableSize: 1 << 20 }) };
}

const tableFiles = (dir: string): string[] => readdirSync(dir).filter((n) => n.endsWith('.sst')).sort();

describe('ingest on a worker', () => {
  it('writes the same tables (as many, with as many entries, at the same level) as the caller-thread path', () => {
    expect(inputBytes(KEYS)).toBeGreaterThan(INGEST_CHUNK_BYTES); // several chunks: the worker path
    const layouts: string[][] = [];
    const sizes: number[] = [];
    for (const threads of [1, 0]) {
      const dir = join(root, `db-${threads}`);
      const tree = Tree.open(dir, options(threads));
      const seq = tree.ingest(input(KEYS));
      expect(seq).toBe(1);
      const st = tree.stats();
      expect(st.ingestedEntries).toBe(KEYS);
      expect(st.ingestedOnWorker).toBe(threads === 0 ? 0 : KEYS);
      layouts.push(st.levels.filter((l) => l.tables > 0).map((l) => `L${l.level}: ${l.tables} tables, ${l.entries} entries`));
      // Everything is there, in order, with the ingest's seqno.
      let i = 0;
      for (const [k, v] of tree.range()) {
        expect(Buffer.from(k).equals(Buffer.from(key(i))), `key ${i}`).toBe(true);
        expect(Buffer.from(v).equals(Buffer.from(value(i))), `value ${i}`).toBe(true);
        i++;
      }
      expect(i).toBe(KEYS);
      sizes.push(st.levels.reduce((n, l) => n + l.bytes, 0));
      expect(tree.verify().problems).toEqual([]);
      tree.close();
      const again = Tree.open(dir, options(threads));
      expect(again.get(key(KEYS - 1))).toEqual(value(KEYS - 1));
      expect(tableFiles(dir).length).toBe(again.stats().tables);
      expect(again.stats().tables).toBeGreaterThan(3); // cut near 1 MiB, across chunk boundaries
      again.close();
    }
    expect(layouts[0]).toEqual(layouts[1]);
    expect(Math.abs(sizes[0]! - sizes[1]!)).toBeLessThan(sizes[1]! / 100);
  });

  it('a key out of order after chunks went to the worker: LSM_INVALID_ARGUMENT, nothing visible, no file left', () => {
    const dir = join(root, 'db');
    const tree = Tree.open(dir, options(1));
    tree.put('a', '1');
    const before = tree.seqno;
    const files = tableFiles(dir);
    function* bad(): Generator<[Uint8Array, Uint8Array]> {
      yield* input(KEYS - 10);
      yield [key(5), value(5)];
    }
    let err: unknown;
    try {
      tree.ingest(bad());
    } catch (e) {
      err = e;
    }
    expect(err instanceof LsmError && err.code).toBe('LSM_INVALID_ARGUMENT');
    expect((err as Error).message).toContain(`entry ${KEYS - 10}`);
    expect(tree.seqno).toBe(before);
    expect(tree.get(key(0))).toBeUndefined();
    expect(tableFiles(dir)).toEqual(files);
    // The store goes on.
    expect(tree.ingest(input(10))).toBe(before + 1);
    tree.close();
  });

  it('the iterable throws after chunks went to the worker: rethrown as is, no file left', () => {
    const dir = join(root, 'db');
    const tree = Tree.open(dir, options(1));
    const boom = new Error('source failed');
    expect(() =>
      tree.ingest(
        input(KEYS, (i) => {
          if (i === KEYS - 100) throw boom;
        }),
      ),
    ).toThrow(boom);
    expect(tree.seqno).toBe(0);
    expect(tableFiles(dir)).toEqual([]);
    tree.close();
  });

  it("the worker's writes fail: LSM_IO, nothing visible, and the store settles with no file of it left", () => {
    const dir = join(root, 'db');
    const moved = join(root, 'moved');
    const tree = Tree.open(dir, options(1));
    tree.put('a', '1');
    tree.flush();
    const files = tableFiles(dir);
    let err: unknown;
    try {
      // Once the first chunks are on their way, the directory goes away under the worker:
      // the next table it creates cannot be.
      tree.ingest(
        input(KEYS, (i) => {
          if (i === KEYS / 2) renameSync(dir, moved);
        }),
      );
    } catch (e) {
      err = e;
    } finally {
      renameSync(moved, dir);
    }
    expect(err instanceof LsmError && err.code).toBe('LSM_IO');
    expect(tree.seqno).toBe(1);
    expect(tree.get(key(0))).toBeUndefined();
    expect(tree.get('a')).toEqual(new TextEncoder().encode('1'));
    tree.close();
    // Tables of the failed ingest that the worker could not remove are orphans: the next
    // open deletes them.
    const again = Tree.open(dir, options(1));
    expect(tableFiles(dir)).toEqual(files);
    expect(again.get('a')).toEqual(new TextEncoder().encode('1'));
    expect(again.get(key(0))).toBeUndefined();
    again.close();
  });

  it('SIGKILL while the worker writes: the reopened store has every earlier write, none of the ingest, no file of it', () => {
    const dir = join(root, 'db');
    const dist = fileURLToPath(new URL('../dist/index.js', import.meta.url));
    const fsDist = fileURLToPath(import.meta.resolve('@lsm/fs'));
    // The child writes and syncs two keys, then ingests 300,000 pairs and kills itself
    // when the iterable has handed out 280,000 of them (about 32 MiB: chunks already on the worker).
    const program = `
      const { Tree } = await import(${JSON.stringify(dist)});
      const { NodeFs } = await import(${JSON.stringify(fsDist)});
      const tree = Tree.open(${JSON.stringify(dir)}, { fs: new NodeFs({ root: ${JSON.stringify(root)} }) });
      tree.put('before-1', 'a');
      tree.put('before-2', 'b', { sync: true });
      const v = new Uint8Array(100).fill(7);
      function* pairs() {
        for (let i = 0; i < 300000; i++) {
          if (i === 280000) process.kill(process.pid, 'SIGKILL');
          yield [new TextEncoder().encode('key-' + String(i).padStart(8, '0')), v];
        }
      }
      tree.ingest(pairs());
      console.log('not killed');
    `;
    const r = spawnSync(process.execPath, ['--input-type=module', '-e', program], { encoding: 'utf8', timeout: 60_000 });
    expect(r.signal, `${r.stdout}${r.stderr}`).toBe('SIGKILL');
    expect(tableFiles(dir).length).toBeGreaterThan(0); // the worker had written tables
    const tree = Tree.open(dir, options(1));
    expect(new TextDecoder().decode(tree.get('before-1'))).toBe('a');
    expect(new TextDecoder().decode(tree.get('before-2'))).toBe('b');
    expect(tree.get(key(0))).toBeUndefined();
    expect(tree.seqno).toBe(2);
    expect(tableFiles(dir).length).toBe(tree.stats().tables); // the ingest's tables are gone
    tree.close();
  });
});
