// tree.verify(): a healthy store (plain, zstd, encrypted, with blob files, opened
// read-only) is ok with plausible counts, and changes nothing; each kind of damage is
// reported with the right file, kind and (where it applies) offset; a torn tail of the
// newest log is not a problem.

import { MemFs, readFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { type StoreProblem, type TreeOptions, Tree } from '../src/index.js';
import { Rng, keyOf, valueOf } from './helpers.js';

const KEY = Uint8Array.from({ length: 32 }, (_, i) => (i * 7 + 3) & 0xff);

/** A store with several flushed tables over two levels, deletions, and writes only in the log. */
function build(fs: MemFs, opts: TreeOptions = {}, seed = 1): Tree {
  const tree = Tree.open('/db', { fs, blockSize: 512, compression: 'none', ...opts });
  const rng = new Rng(seed);
  for (let round = 0; round < 4; round++) {
    for (let i = 0; i < 150; i++) {
      const k = keyOf(rng.int(600));
      if (rng.chance(0.1)) tree.delete(k);
      else tree.put(k, valueOf(rng, 40 + rng.int(160)));
    }
    if (round === 2) tree.deleteRange(keyOf(100), keyOf(120));
    tree.flush();
    if (round === 1) tree.compact();
  }
  for (let i = 0; i < 60; i++) tree.put(keyOf(rng.int(600)), valueOf(rng, 30 + rng.int(60)));
  return tree;
}

function files(fs: MemFs, ext: string): string[] {
  return fs
    .readDir('/db')
    .filter((n) => n.endsWith(ext))
    .sort();
}

function flip(fs: MemFs, path: string, offset: number): void {
  const f = fs.open(path, { read: true, write: true });
  const b = new Uint8Array(1);
  f.read(b, offset);
  b[0]! ^= 0x41;
  f.writeAt(b, offset);
  f.close();
}

function image(fs: MemFs): Map<string, string> {
  const m = new Map<string, string>();
  for (const n of fs.readDir('/db')) m.set(n, Buffer.from(readFile(fs, `/db/${n}`)).toString('hex'));
  return m;
}

function expectOk(tree: Tree): ReturnType<Tree['verify']> {
  const progress: Array<[number, number]> = [];
  const r = tree.verify({ onProgress: (d, t) => progress.push([d, t]) });
  expect(r.problems).toEqual([]);
  expect(r.ok).toBe(true);
  const s = tree.stats();
  expect(r.checked.tables).toBe(s.tables);
  expect(r.checked.tables).toBeGreaterThan(1);
  expect(r.checked.manifestRecords).toBeGreaterThan(0);
  expect(r.checked.entries).toBeGreaterThan(s.levels.reduce((n, l) => n + l.entries, 0) - 1);
  expect(r.checked.bytes).toBeGreaterThan(0);
  expect(progress.length).toBeGreaterThan(2);
  const [done, total] = progress[progress.length - 1]!;
  expect(done).toBe(total);
  for (let i = 1; i < progress.length; i++) expect(progress[i]![0]).toBeGreaterThanOrEqual(progress[i - 1]![0]);
  return r;
}

function only(problems: StoreProblem[], pred: (p: StoreProblem) => boolean): StoreProblem {
  const hit = problems.find(pred);
  expect(hit, JSON.stringify(problems, null, 1)).toBeDefined();
  return hit!;
}

describe('verify on a healthy store', () => {
  it('plain: ok, with counts that match the store', () => {
    const fs = new MemFs();
    const tree = build(fs);
    const r = expectOk(tree);
    expect(r.checked.logs).toBe(1);
    expect(r.checked.blobFiles).toBe(0);
    tree.close();
  });

  it('zstd compression', () => {
    const fs = new MemFs();
    const tree = build(fs, { compression: 'zstd' });
    expectOk(tree);
    tree.close();
  });

  it('encrypted, through the store keys', () => {
    const fs = new MemFs();
    const tree = build(fs, { encryption: { key: KEY } });
    expectOk(tree);
    tree.close();
  });

  it('with blob files (K/V separation), encrypted and zstd', () => {
    const fs = new MemFs();
    const tree = build(fs, { kvSeparation: { minValueSize: 100 }, compression: 'zstd', encryption: { key: KEY } });
    const r = expectOk(tree);
    expect(r.checked.blobFiles).toBeGreaterThan(0);
    expect(r.checked.blobFiles).toBe(files(fs, '.blob').length);
    tree.close();
  });

  it('on a read-only open, changing nothing', () => {
    const fs = new MemFs();
    build(fs, { kvSeparation: { minValueSize: 100 } }).close();
    const before = image(fs);
    const ro = Tree.open('/db', { fs, readOnly: true });
    const r = expectOk(ro);
    expect(r.checked.blobFiles).toBeGreaterThan(0);
    ro.close();
    expect(image(fs)).toEqual(before);
  });

  // Seen in fuzz-verify.test.ts's allocation figures (9.5 MB per verify of a 40 KB store,
  // near the harness's limit): tableVerify hashed each table through a fresh 1 MiB
  // buffer, so verifying a store of n small tables allocated n MiB.
  // (A garbage collection during a call can hide growth, never add to it: the largest of
  // a few calls is what is checked.)
  it('allocates in proportion to the store, not 1 MiB per table', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, blockSize: 512, compression: 'none', autoCompaction: false });
    for (let round = 0; round < 6; round++) {
      for (let i = 0; i < 20; i++) tree.put(keyOf(round * 20 + i), 'v'.repeat(30));
      tree.flush();
    }
    tree.verify(); // first use of every table
    let grew = 0;
    for (let i = 0; i < 4; i++) {
      const before = process.memoryUsage().arrayBuffers;
      const r = tree.verify();
      grew = Math.max(grew, process.memoryUsage().arrayBuffers - before);
      expect(r.problems).toEqual([]);
      expect(r.checked.tables).toBe(6);
      expect(r.checked.bytes).toBeLessThan(64 << 10);
    }
    expect(grew).toBeLessThan(2 << 20); // 6 MiB and more before
    tree.close();
  });

  it('rejects bad options and a closed store', () => {
    const fs = new MemFs();
    const tree = build(fs);
    expect(() => tree.verify({ onProgress: 5 as never })).toThrow(/onProgress/);
    tree.close();
    expect(() => tree.verify()).toThrow(/closed/);
  });
});

describe('verify finds damage', () => {
  it('a flipped byte in a data block: that table, table-corrupt, the block offset', () => {
    const fs = new MemFs();
    const tree = build(fs);
    const t = files(fs, '.sst')[0]!;
    flip(fs, `/db/${t}`, 20); // inside data block 0, which starts at offset 0
    const r = tree.verify();
    expect(r.ok).toBe(false);
    const p = only(r.problems, (x) => x.file === t && x.kind === 'table-corrupt' && x.offset === 0);
    expect(p.message).toMatch(/checksum/);
    expect(r.problems.every((x) => x.file === t)).toBe(true);
    tree.close();
  });

  it("a flipped byte in a table's index block and in its footer", () => {
    const fs = new MemFs();
    const tree = build(fs);
    const [t1, t2] = files(fs, '.sst');
    const d1 = readFile(fs, `/db/${t1!}`);
    const footerAt = d1.length - 64;
    const indexAt = Number(Buffer.from(d1.buffer, d1.byteOffset, d1.byteLength).readBigUInt64LE(footerAt + 16));
    flip(fs, `/db/${t1!}`, indexAt + 3);
    const size2 = readFile(fs, `/db/${t2!}`).length;
    flip(fs, `/db/${t2!}`, size2 - 20); // the footer's checksum field
    const r = tree.verify();
    only(r.problems, (x) => x.file === t1 && x.kind === 'table-corrupt' && x.offset === indexAt);
    only(r.problems, (x) => x.file === t2 && x.kind === 'table-corrupt' && x.offset === size2 - 64);
    tree.close();
  });

  it("a table replaced by another valid table: table-metadata (the manifest's record disagrees)", () => {
    const fs = new MemFs();
    const tree = build(fs);
    const [a, b] = files(fs, '.sst');
    // Plaintext tables are not bound to their file number: b's bytes check out under a's name.
    const bytes = readFile(fs, `/db/${b!}`);
    fs.removeFile(`/db/${a!}`);
    const f = fs.open(`/db/${a!}`, { write: true, create: true });
    f.write(bytes);
    f.close();
    const r = tree.verify();
    const p = only(r.problems, (x) => x.file === a && x.kind === 'table-metadata');
    expect(p.message).toMatch(/seqno range|smallest key|size|entries/);
    expect(r.problems.every((x) => x.file === a && x.kind === 'table-metadata')).toBe(true);
    tree.close();
  });

  it('a flipped byte in a blob file: blob-corrupt naming it, with the record offset', () => {
    const fs = new MemFs();
    const tree = build(fs, { kvSeparation: { minValueSize: 100 } });
    const b = files(fs, '.blob')[0]!;
    const size = readFile(fs, `/db/${b}`).length;
    flip(fs, `/db/${b}`, Math.floor(size / 2));
    const r = tree.verify();
    expect(r.ok).toBe(false);
    only(r.problems, (x) => x.file === b && x.kind === 'blob-corrupt' && x.offset === 0 && /XXH64/.test(x.message));
    const rec = only(r.problems, (x) => x.file === b && x.kind === 'blob-corrupt' && (x.offset ?? 0) > 0);
    expect(rec.offset!).toBeLessThanOrEqual(Math.floor(size / 2));
    expect(r.problems.every((x) => x.file === b)).toBe(true);
    tree.close();
  });

  it("a flipped byte in the manifest's first record (more follow): manifest-corrupt at offset 0", () => {
    const fs = new MemFs();
    const tree = build(fs);
    const m = fs.readDir('/db').find((n) => n.startsWith('MANIFEST-'))!;
    flip(fs, `/db/${m}`, 12);
    const r = tree.verify();
    const p = only(r.problems, (x) => x.file === m && x.kind === 'manifest-corrupt');
    expect(p.offset).toBe(0);
    expect(r.checked.manifestRecords).toBeGreaterThan(0);
    tree.close();
  });

  it("a flipped byte in a log's middle record: log-corrupt at that record", () => {
    const fs = new MemFs();
    const tree = build(fs);
    const log = files(fs, '.log').at(-1)!;
    // Record 0 starts at 0 (a plaintext log): damage its payload, later records stay valid.
    flip(fs, `/db/${log}`, 30);
    const r = tree.verify();
    const p = only(r.problems, (x) => x.file === log && x.kind === 'log-corrupt');
    expect(p.offset).toBe(0);
    expect(r.problems).toHaveLength(1);
    tree.close();
  });

  it('the same on a read-only open that salvaged the log, and on an encrypted log', () => {
    for (const encryption of [undefined, { key: KEY }]) {
      const fs = new MemFs();
      build(fs, { encryption, wal: true }).close();
      // The close synced the log; a read-only open replays it (the writer never flushed it).
      const log = files(fs, '.log').at(-1)!;
      const at = encryption === undefined ? 0 : 64;
      flip(fs, `/db/${log}`, at + 30);
      const ro = Tree.open('/db', { fs, readOnly: true, walRecovery: 'salvage', encryption });
      const r = ro.verify();
      const p = only(r.problems, (x) => x.file === log && x.kind === 'log-corrupt');
      expect(p.offset).toBe(at);
      ro.close();
    }
  });

  it('a torn tail of the newest log is not a problem', () => {
    const fs = new MemFs();
    const tree = build(fs);
    const log = files(fs, '.log').at(-1)!;
    const f = fs.open(`/db/${log}`, { read: true, write: true });
    f.setLen(f.size() - 5);
    f.close();
    const r = tree.verify();
    expect(r.problems).toEqual([]);
    expect(r.ok).toBe(true);
    tree.close();
  });

  it('a deleted table: missing-file naming it', () => {
    const fs = new MemFs();
    const tree = build(fs);
    const t = files(fs, '.sst')[1]!;
    fs.removeFile(`/db/${t}`);
    const r = tree.verify();
    const p = only(r.problems, (x) => x.file === t);
    expect(p.kind).toBe('missing-file');
    expect(p.offset).toBeUndefined();
    expect(r.checked.tables).toBe(tree.stats().tables - 1);
    tree.close();
  });

  it('a deleted blob file: missing-file, and the pointers into it', () => {
    const fs = new MemFs();
    const tree = build(fs, { kvSeparation: { minValueSize: 100 } });
    const b = files(fs, '.blob')[0]!;
    fs.removeFile(`/db/${b}`);
    const r = tree.verify();
    only(r.problems, (x) => x.file === b && x.kind === 'missing-file');
    only(r.problems, (x) => x.file.endsWith('.sst') && x.kind === 'blob-reference' && x.message.includes(b));
    tree.close();
  });
});
