// Read-only opens (issue #24, part 1): nothing under the directory is ever written, every
// write-like call is LSM_READ_ONLY, a missing store is LSM_NOT_FOUND (and not created),
// and a read-only store opened beside a live writer sees the store as of its open while
// the writer goes on writing, flushing and compacting (deleting the tables it reads).

import { type Fs, FsError, type FsFile, MemFs, NodeFs, type OpenOptions } from '@lsm/fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { expectLsmError } from '@lsm/base/testing';
import { Tree, type TreeOptions } from '../src/index.js';

/** An Fs that fails every call that would change anything: proof that nothing is written. */
class NoWriteFs extends MemFs {
  attempts: string[] = [];
  private refuse(what: string, path: string): never {
    this.attempts.push(`${what} ${path}`);
    throw new FsError('EPERM', what, path);
  }
  override open(path: string, options?: OpenOptions): FsFile {
    if (options?.write || options?.create || options?.createNew || options?.truncate || options?.append) this.refuse('open for writing', path);
    return super.open(path, options);
  }
  override createDirAll(path: string): void {
    this.refuse('mkdir', path);
  }
  override removeFile(path: string): void {
    this.refuse('unlink', path);
  }
  override removeDirAll(path: string): void {
    this.refuse('rmdir', path);
  }
  override rename(from: string, to: string): void {
    this.refuse('rename', `${from} -> ${to}`);
  }
  override syncDirectory(path: string): void {
    this.refuse('fsync dir', path);
  }
  override hardLink(existing: string, newPath: string): void {
    this.refuse('link', `${existing} -> ${newPath}`);
  }
}

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));
const key = (i: number): string => `k${String(i).padStart(5, '0')}`;

/** A store with tables on several levels, a range deletion, and writes only in the log. */
function buildStore(fs: Fs): Map<string, string> {
  const want = new Map<string, string>();
  const tree = Tree.open('/db', { fs, memtableBytes: 16 * 1024, autoCompaction: false });
  for (let i = 0; i < 2000; i++) {
    tree.put(key(i), `v${i}`);
    want.set(key(i), `v${i}`);
  }
  tree.compact();
  for (let i = 0; i < 2000; i += 3) {
    tree.put(key(i), `w${i}`);
    want.set(key(i), `w${i}`);
  }
  tree.flush();
  tree.deleteRange(key(100), key(200));
  for (let i = 100; i < 200; i++) want.delete(key(i));
  tree.put(key(5000), 'in the log only');
  want.set(key(5000), 'in the log only');
  // Closed without a flush: the last writes are in the log alone.
  tree.close();
  return want;
}

function image(fs: MemFs): Map<string, string> {
  const out = new Map<string, string>();
  for (const name of fs.readDir('/db')) {
    const f = fs.open(`/db/${name}`, { read: true });
    const buf = new Uint8Array(f.size());
    f.read(buf, 0);
    f.close();
    out.set(name, Buffer.from(buf).toString('base64'));
  }
  return out;
}

function expectContents(tree: Tree, want: ReadonlyMap<string, string>): void {
  const sorted = [...want].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  expect([...tree.range()].map(([k, v]) => `${text(k)}=${text(v)}`)).toEqual(sorted.map(([k, v]) => `${k}=${v}`));
  for (const i of [0, 1, 3, 150, 199, 200, 1999, 5000, 7777]) expect(text(tree.get(key(i))), key(i)).toBe(want.get(key(i)));
}

describe('Tree.open with readOnly: true', () => {
  it('reads tables and log records, writes nothing, and refuses every write-like call with LSM_READ_ONLY', () => {
    const fs = new NoWriteFs();
    // Built through a writable view of the same files: NoWriteFs refuses only once armed.
    const writable = new MemFs();
    const want = buildStore(writable);
    MemFs.prototype.createDirAll.call(fs, '/db');
    for (const [name, data] of image(writable)) {
      const f = MemFs.prototype.open.call(fs, `/db/${name}`, { write: true, create: true }) as FsFile;
      f.write(Buffer.from(data, 'base64'));
      f.close();
    }
    const before = image(fs);
    const tree = Tree.open('/db', { fs, readOnly: true, memtableBytes: 1024 });
    expect(tree.readOnly).toBe(true);
    expectContents(tree, want);
    const snap = tree.snapshot();
    expect(text(snap.get(key(5000)))).toBe('in the log only');
    expect(tree.multiGet([key(0), key(150)]).map(text)).toEqual([want.get(key(0)), undefined]);
    expect(tree.stats().blockCache).toBeDefined();
    expectLsmError(() => tree.put('a', 'b'), 'LSM_READ_ONLY');
    expectLsmError(() => tree.delete('a'), 'LSM_READ_ONLY');
    expectLsmError(() => tree.deleteRange('a', 'b'), 'LSM_READ_ONLY');
    expectLsmError(() => tree.batch().put('a', 'b').commit(), 'LSM_READ_ONLY');
    expectLsmError(() => tree.flush(), 'LSM_READ_ONLY');
    expectLsmError(() => tree.compact(), 'LSM_READ_ONLY');
    expectLsmError(() => tree.sync(), 'LSM_READ_ONLY');
    expectLsmError(() => tree.checkpoint('/copy'), 'LSM_READ_ONLY');
    expectLsmError(() => tree.resume(), 'LSM_READ_ONLY');
    expect(tree.approximateCount({})).toBeGreaterThan(0);
    expect(tree.get('a')).toBeUndefined();
    snap.release();
    tree.close();
    expect(fs.attempts).toEqual([]);
    expect(image(fs)).toEqual(before);
  });

  it('a missing store is LSM_NOT_FOUND and no directory is created', () => {
    const fs = new MemFs();
    expectLsmError(() => Tree.open('/nothing/here', { fs, readOnly: true }), 'LSM_NOT_FOUND');
    expect(fs.exists('/nothing')).toBe(false);
    fs.createDirAll('/empty');
    expectLsmError(() => Tree.open('/empty', { fs, readOnly: true }), 'LSM_NOT_FOUND');
    expect(fs.readDir('/empty')).toEqual([]);
  });

  it('opens beside a live writer and sees the store as of its open while the writer flushes and compacts', () => {
    const root = mkdtempSync(join(tmpdir(), 'lsm-read-only-'));
    try {
      const fs = new NodeFs({ root });
      const dir = `${root}/db`;
      const options: TreeOptions = { fs, memtableBytes: 16 * 1024, backgroundThreads: 0 };
      const writer = Tree.open(dir, options);
      const want = new Map<string, string>();
      for (let i = 0; i < 3000; i++) {
        writer.put(key(i), `a${i}`);
        want.set(key(i), `a${i}`);
      }
      // The writer holds the lock: a normal second open is refused, a read-only one is not.
      expectLsmError(() => Tree.open(dir, { fs }), 'LSM_LOCKED');
      const reader = Tree.open(dir, { fs, readOnly: true });
      const it = reader.range({ gte: key(1000) });
      expect(text(it.next().value?.[0])).toBe(key(1000));
      // The writer replaces every value, flushes and compacts: the tables the reader opened are deleted.
      for (let i = 0; i < 3000; i++) writer.put(key(i), `b${i}`);
      writer.compact();
      expectContents(reader, want);
      let n = 1;
      for (const [k, v] of it) {
        expect(text(v)).toBe(want.get(text(k)!));
        n++;
      }
      expect(n).toBe(2000);
      reader.close();
      // A new read-only open sees the writer's later state.
      const later = Tree.open(dir, { fs, readOnly: true });
      expect(text(later.get(key(7)))).toBe('b7');
      later.close();
      writer.close();
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('rejects a non-boolean readOnly', () => {
    expectLsmError(() => Tree.open('/db', { fs: new MemFs(), readOnly: 'yes' as unknown as boolean }), 'LSM_INVALID_ARGUMENT');
  });
});
