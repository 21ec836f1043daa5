// K/V separation (issue 8): values of at least minValueSize go to blob files at flush and
// are read back through pointers by get, multiGet, iterators (both ways) and snapshots;
// options are validated; the manifest records blob files and per-table references across
// reopen (with and without kvSeparation); a damaged blob file is LSM_CORRUPTION on read;
// garbage collection brings disk usage back down under overwrites while every read stays
// right, and a blob file an open iterator still reaches is kept until it is closed.

import { Leveled } from '@lsm/compaction';
import { MemFs, readFile, writeFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { LsmError, Tree, type TreeOptions } from '../src/index.js';
import { Rng, hex, keyOf, valueOf } from './helpers.js';

const DIR = '/db';

const small = (fs: MemFs, extra: Partial<TreeOptions> = {}): TreeOptions => ({
  fs,
  memtableBytes: 64 * 1024,
  blockSize: 512,
  compaction: new Leveled({ l0CompactionTrigger: 2, l0StallFiles: 8, levelBaseBytes: 64 * 1024, levelMultiplier: 4, targetTableSize: 16 * 1024 }),
  kvSeparation: { minValueSize: 1000, blobFileBytes: 256 * 1024 },
  ...extra,
});

const blobNames = (fs: MemFs): string[] => fs.readDir(DIR).filter((n) => n.endsWith('.blob'));
const dirBytes = (fs: MemFs): number => fs.readDir(DIR).reduce((s, n) => s + fs.metadata(`${DIR}/${n}`).size, 0);

describe('K/V separation', () => {
  it('validates the option', () => {
    const fs = new MemFs();
    for (const bad of [{ minValueSize: 0 }, { minValueSize: 1.5 }, { gcRatio: 0 }, { gcRatio: 1.5 }, { compression: 'lz4' }, { blobFileBytes: 10 }, { maxOpenFiles: 0 }, 'yes']) {
      try {
        Tree.open(DIR, { fs, kvSeparation: bad as never });
        expect.unreachable(JSON.stringify(bad));
      } catch (err) {
        expect((err as LsmError).code).toBe('LSM_INVALID_ARGUMENT');
        expect((err as Error).message).toContain('kvSeparation');
      }
    }
    Tree.open(DIR, { fs, kvSeparation: true }).close();
  });

  it('stores large values in blob files and reads them back everywhere', () => {
    const fs = new MemFs();
    const rng = new Rng(1);
    const tree = Tree.open(DIR, small(fs));
    const want = new Map<string, Uint8Array>();
    for (let i = 0; i < 200; i++) {
      const v = valueOf(rng, i % 2 === 0 ? 999 + rng.int(3) : 3000);
      tree.put(keyOf(i), v);
      want.set(hex(keyOf(i)), v);
    }
    const snap = tree.snapshot();
    tree.flush();
    const st = tree.stats();
    expect(st.blobs.files).toBeGreaterThan(0);
    expect(blobNames(fs).length).toBe(st.blobs.files);
    expect(st.blobs.deadBytes).toBe(0);
    // Small values stayed in the table: about 150 of 200 values are >= 1000 bytes.
    expect(st.blobs.liveBytes).toBeGreaterThan(150 * 999);
    expect(st.blobs.liveBytes).toBeLessThan(200 * 1000 + 100 * 2100);
    for (let i = 0; i < 200; i++) expect(hex(tree.get(keyOf(i))!)).toBe(hex(want.get(hex(keyOf(i)))!));
    expect(tree.multiGet([keyOf(3), keyOf(4), keyOf(999)]).map((v) => v && hex(v))).toEqual([hex(want.get(hex(keyOf(3)))!), hex(want.get(hex(keyOf(4)))!), undefined]);
    const fwd = [...tree.range()].map(([k, v]) => `${hex(k)}=${hex(v)}`);
    expect(fwd).toEqual([...want.entries()].sort().map(([k, v]) => `${k}=${hex(v)}`));
    const rev = [...tree.range({ reverse: true })].map(([k, v]) => `${hex(k)}=${hex(v)}`);
    expect(rev).toEqual([...fwd].reverse());
    // Overwrite through a snapshot: the snapshot still sees the old (separated) values.
    for (let i = 0; i < 200; i++) tree.put(keyOf(i), valueOf(rng, 2000));
    tree.compact();
    for (let i = 0; i < 200; i += 7) expect(hex(snap.get(keyOf(i))!)).toBe(hex(want.get(hex(keyOf(i)))!));
    expect([...snap.range()].length).toBe(200);
    snap.release();
    tree.close();
  });

  it('reopens with and without kvSeparation; old pointers stay readable', () => {
    const fs = new MemFs();
    const rng = new Rng(2);
    let tree = Tree.open(DIR, small(fs));
    const values = Array.from({ length: 100 }, () => valueOf(rng, 1500));
    values.forEach((v, i) => tree.put(keyOf(i), v));
    tree.close();
    tree = Tree.open(DIR, small(fs, { kvSeparation: false }));
    expect(tree.stats().blobs.files).toBeGreaterThan(0);
    expect(tree.stats().blobs.enabled).toBe(false);
    for (let i = 0; i < 100; i++) expect(hex(tree.get(keyOf(i))!)).toBe(hex(values[i]!));
    // Compaction without separation keeps the pointers (and their references) intact.
    for (let i = 100; i < 200; i++) tree.put(keyOf(i), valueOf(rng, 1500));
    tree.compact();
    tree.close();
    tree = Tree.open(DIR, small(fs));
    for (let i = 0; i < 100; i++) expect(hex(tree.get(keyOf(i))!)).toBe(hex(values[i]!));
    expect([...tree.range()].length).toBe(200);
    tree.close();
  });

  it('a damaged blob file is LSM_CORRUPTION naming the file on read, never a wrong value', () => {
    const fs = new MemFs();
    const rng = new Rng(3);
    let tree = Tree.open(DIR, small(fs));
    for (let i = 0; i < 50; i++) tree.put(keyOf(i), valueOf(rng, 2000));
    tree.close();
    const [name] = blobNames(fs);
    const path = `${DIR}/${name!}`;
    const bytes = readFile(fs, path);
    bytes[bytes.length >> 1] = bytes[bytes.length >> 1]! ^ 0x01;
    writeFile(fs, path, bytes);
    tree = Tree.open(DIR, small(fs));
    let corrupt = 0;
    for (let i = 0; i < 50; i++) {
      try {
        tree.get(keyOf(i));
      } catch (err) {
        expect((err as LsmError).code).toBe('LSM_CORRUPTION');
        expect((err as Error).message).toContain(name!);
        corrupt++;
      }
    }
    expect(corrupt).toBe(1);
    expect(() => [...tree.range()]).toThrow(/corruption/);
    tree.close();
  });

  it('a missing blob file fails the open with LSM_CORRUPTION', () => {
    const fs = new MemFs();
    const tree = Tree.open(DIR, small(fs));
    tree.put('k', new Uint8Array(5000));
    tree.flush();
    tree.close();
    fs.removeFile(`${DIR}/${blobNames(fs)[0]!}`);
    expect(() => Tree.open(DIR, small(fs))).toThrow(expect.objectContaining({ code: 'LSM_CORRUPTION' }));
  });

  it('overwriting large values: GC runs, disk usage comes back down, every read stays right', () => {
    const fs = new MemFs();
    const rng = new Rng(4);
    const tree = Tree.open(DIR, small(fs, { kvSeparation: { minValueSize: 1000, blobFileBytes: 128 * 1024, gcRatio: 0.5 } }));
    const N = 100;
    const current: Uint8Array[] = [];
    let peak = 0;
    for (let round = 0; round < 12; round++) {
      // Overwrite a random 60% of the keys: blob files end up partly dead, so GC must
      // move their live values rather than just drop whole files.
      for (let i = 0; i < N; i++) {
        if (round > 0 && rng.chance(0.4)) continue;
        const v = valueOf(rng, 2000 + rng.int(2000));
        current[i] = v;
        tree.put(keyOf(i), v);
      }
      tree.flush();
      peak = Math.max(peak, dirBytes(fs));
      for (let i = 0; i < N; i += 9) expect(hex(tree.get(keyOf(i))!), `round ${round}`).toBe(hex(current[i]!));
    }
    const live = N * 3000;
    const st = tree.stats();
    expect(st.blobs.gcValuesRewritten).toBeGreaterThan(0);
    expect(st.blobs.filesDeleted).toBeGreaterThan(0);
    expect(st.blobs.reclaimedBytes).toBeGreaterThan(live);
    // 12 rounds wrote ~12x the live data; what stays on disk is a small multiple of it.
    tree.compact();
    const after = dirBytes(fs);
    expect(after).toBeLessThan(peak);
    expect(after).toBeLessThan(3 * live);
    expect(tree.stats().blobs.deadBytes).toBeLessThan(tree.stats().blobs.liveBytes);
    for (let i = 0; i < N; i++) expect(hex(tree.get(keyOf(i))!)).toBe(hex(current[i]!));
    tree.close();
    const again = Tree.open(DIR, small(fs));
    expect([...again.range()].map(([, v]) => hex(v))).toEqual(current.map(hex));
    again.close();
  });

  it('keeps a blob file an open iterator reaches until the iterator is closed', () => {
    const fs = new MemFs();
    const rng = new Rng(5);
    const tree = Tree.open(DIR, small(fs, { kvSeparation: { minValueSize: 1000, gcRatio: 0.1 } }));
    const old = Array.from({ length: 40 }, () => valueOf(rng, 3000));
    old.forEach((v, i) => tree.put(keyOf(i), v));
    tree.flush();
    const first = blobNames(fs);
    const it = tree.range();
    for (let i = 0; i < 40; i++) tree.put(keyOf(i), valueOf(rng, 3000));
    tree.compact();
    // Nothing in the current version points at the first blob file any more...
    expect(tree.stats().blobs.files).toBe(blobNames(fs).length - first.length);
    // ...but the iterator's version does.
    for (const n of first) expect(fs.exists(`${DIR}/${n}`)).toBe(true);
    expect([...it].map(([, v]) => hex(v))).toEqual(old.map(hex));
    for (const n of first) expect(fs.exists(`${DIR}/${n}`)).toBe(false);
    tree.close();
  });
});

describe('K/V separation: blob reads', () => {
  it('a read or a scan (either direction) reads one blob per key, not one per version', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), kvSeparation: { minValueSize: 16 }, autoCompaction: false });
    for (let v = 0; v < 5; v++) {
      for (let k = 0; k < 10; k++) tree.put(keyOf(k), `value ${v} of ${k} `.padEnd(40, '.'));
      tree.flush(); // every version in its own table, so scans meet all five
    }
    const reads = (): number => tree.stats().blobs.valueReads;
    let before = reads();
    expect([...tree.range()].length).toBe(10);
    expect(reads() - before).toBe(10);
    before = reads();
    const rev = [...tree.range({ reverse: true })];
    expect(rev.length).toBe(10);
    expect(new TextDecoder().decode(rev[0]![1]).startsWith('value 4 of 9')).toBe(true);
    expect(reads() - before).toBe(10);
    before = reads();
    tree.get(keyOf(3));
    expect(reads() - before).toBe(1);
    tree.close();
  });
});
