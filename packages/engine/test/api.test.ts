// The public API's contract at its edges: typed errors for bad input and use after
// close, recovery behaviours (WAL damage strict vs salvage, orphan cleanup, comparator
// check), snapshots and batches.

import { MemFs, readFile, writeFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { type Comparator, LsmError, Tree, bytewiseComparator } from '../src/index.js';
import { codeOf } from './helpers.js';

const text = (b: Uint8Array | undefined): string | undefined => (b === undefined ? undefined : new TextDecoder().decode(b));


describe('Tree API contract', () => {
  it('rejects bad keys, values and options with LSM_INVALID_ARGUMENT naming what was wrong', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    expect(codeOf(() => tree.put(42 as unknown as string, 'v'))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.put('k', null as unknown as string))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.put(new Uint8Array(65536), 'v'))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.get({} as unknown as string))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.range({ gt: 'a', gte: 'b' }))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.range({ limit: -1 }))).toBe('LSM_INVALID_ARGUMENT');
    expect(codeOf(() => tree.get('k', { seqno: -3 }))).toBe('LSM_INVALID_ARGUMENT');
    // A bad value is shown as what it is: a string quoted, anything else but a number by its type.
    expect(() => tree.range({ limit: '3' as unknown as number })).toThrow('option limit must be an integer >= 0, got "3"');
    expect(() => tree.range({ limit: 2.5 })).toThrow('option limit must be an integer >= 0, got 2.5');
    expect(() => tree.get('k', { seqno: {} as unknown as number })).toThrow('option seqno must be a safe integer >= 0, got object');
    expect(() => tree.get('k', { seqno: null as unknown as number })).toThrow('option seqno must be a safe integer >= 0, got null');
    expect(codeOf(() => tree.put('k', 'v', { sync: 'yes' as unknown as boolean }))).toBe('LSM_INVALID_ARGUMENT');
    expect(() => tree.put(new Uint8Array(70000), 'v')).toThrow('70000 bytes');
    tree.close();
    for (const bad of [{ memtableBytes: 10 }, { compression: 'lz4' }, { walRecovery: 'maybe' }, { wal: 1 }, { blockSize: 1.5 }]) {
      expect(codeOf(() => Tree.open('/other', { fs: new MemFs(), ...(bad as object) })), JSON.stringify(bad)).toBe('LSM_INVALID_ARGUMENT');
    }
    expect(codeOf(() => Tree.open('', { fs: new MemFs() }))).toBe('LSM_INVALID_ARGUMENT');
    // An fs that is not an Fs: refused up front, naming what it lacks (it used to fail deep inside open with a TypeError).
    expect(() => Tree.open('/other', { fs: {} as never })).toThrow('option fs must be an Fs (NodeFs, MemFs, ... from @lsm/fs): it has no open, createDirAll, readDir, removeFile, removeDirAll, rename, metadata, exists, syncDirectory, hardLink');
    const { hardLink: _, ...noLinks } = Object.fromEntries(['open', 'createDirAll', 'readDir', 'removeFile', 'removeDirAll', 'rename', 'metadata', 'exists', 'syncDirectory', 'hardLink'].map((m) => [m, () => {}]));
    expect(() => Tree.open('/other', { fs: noLinks as never })).toThrow('option fs must be an Fs (NodeFs, MemFs, ... from @lsm/fs): it has no hardLink');
    expect(() => Tree.open('/other', { fs: 'memory' as never })).toThrow('option fs must be an Fs (NodeFs, MemFs, ... from @lsm/fs), got "memory"');
    expect(codeOf(() => Tree.open('/other', { fs: null as never }))).toBe('LSM_INVALID_ARGUMENT');
    // A misspelt option is refused, not ignored (a silently ignored `syncWrite: true` would
    // leave writes unsynced), naming the closest option; one set to undefined is ignored.
    const open = (o: object): void => Tree.open('/other', { fs: new MemFs(), ...o } as never).close();
    expect(() => open({ syncWrite: true })).toThrow('unknown option "syncWrite" (did you mean syncWrites?)');
    expect(() => open({ memtableSize: 1 << 20 })).toThrow('unknown option "memtableSize" (did you mean memtableBytes?)');
    expect(() => open({ cacheSize: 8 << 20 })).toThrow(/^unknown option "cacheSize"$/);
    expect(() => open({ writeBufferSize: 8 << 20 })).toThrow(/^unknown option "writeBufferSize"$/);
    open({ somethingElse: undefined });
  });

  it('throws LSM_CLOSED for every use after close, and for released snapshots and committed batches', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    tree.put('a', '1');
    const snap = tree.snapshot();
    const batch = tree.batch().put('b', '2');
    batch.commit();
    expect(codeOf(() => batch.put('c', '3'))).toBe('LSM_CLOSED');
    snap.release();
    expect(codeOf(() => snap.get('a'))).toBe('LSM_CLOSED');
    const it = tree.range();
    tree.close();
    tree.close();
    for (const fn of [() => tree.get('a'), () => tree.put('a', '1'), () => tree.range(), () => tree.flush(), () => tree.compact(), () => tree.stats(), () => tree.snapshot()]) {
      expect(codeOf(fn)).toBe('LSM_CLOSED');
    }
    expect([...it]).toEqual([]); // closed with the tree: its resources are released
  });

  it('sees a snapshot as of its creation and reads at any seqno', () => {
    const tree = Tree.open('/db', { fs: new MemFs(), memtableBytes: 2048 });
    const s1 = tree.put('k', 'v1');
    const snap = tree.snapshot();
    tree.put('k', 'v2');
    tree.delete('k');
    tree.flush();
    tree.compact();
    expect(text(snap.get('k'))).toBe('v1');
    expect(text(tree.get('k', { seqno: s1 }))).toBe('v1');
    expect(tree.get('k')).toBeUndefined();
    expect([...snap.range()].map(([k]) => text(k))).toEqual(['k']);
    snap.release();
    tree.close();
  });

  it('keeps the versions a snapshot needs through compaction, and drops them after release', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    tree.put('k', 'v1');
    tree.put('gone', 'x');
    const snap = tree.snapshot();
    tree.put('k', 'v2');
    tree.delete('gone');
    tree.compact();
    const entries = () => tree.stats().levels.reduce((n, l) => n + l.entries, 0);
    expect(entries()).toBe(4); // k@v2, k@v1 and gone's delete and value: the snapshot sees v1 and x
    expect(text(snap.get('k'))).toBe('v1');
    expect(text(snap.get('gone'))).toBe('x');
    snap.release();
    tree.compact();
    expect(entries()).toBe(1); // only k@v2: the old version, the delete and what it hid are gone
    expect(text(tree.get('k'))).toBe('v2');
    tree.close();
  });

  it('fails to open on damage in the middle of a log (LSM_CORRUPTION), and salvages when asked', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs });
    for (let i = 0; i < 200; i++) tree.put(`key${i}`, 'x'.repeat(200));
    // Abandon without close: the log is the only copy.
    const log = fs.readDir('/db').find((n) => n.endsWith('.log'))!;
    const data = readFile(fs, `/db/${log}`);
    data[1000]! ^= 0xff;
    writeFile(fs, `/db/${log}`, data);
    const fresh = new MemFs();
    fresh.createDirAll('/db');
    for (const n of fs.readDir('/db')) if (n !== 'LOCK') writeFile(fresh, `/db/${n}`, readFile(fs, `/db/${n}`));
    let err: unknown;
    try {
      Tree.open('/db', { fs: fresh });
    } catch (e) {
      err = e;
    }
    expect((err as LsmError).code).toBe('LSM_CORRUPTION');
    expect((err as Error).message).toContain(log);
    const salvaged = Tree.open('/db', { fs: fresh, walRecovery: 'salvage' });
    expect(text(salvaged.get('key199'))).toBe('x'.repeat(200));
    expect(salvaged.get('key1')).toBeDefined();
    salvaged.close();
  });

  it('deletes orphans left by an interrupted flush or compaction at open', () => {
    const fs = new MemFs();
    let tree = Tree.open('/db', { fs });
    tree.put('a', '1');
    tree.flush();
    tree.close();
    writeFile(fs, '/db/000900.sst', new Uint8Array(100));
    writeFile(fs, '/db/000901.tmp', new Uint8Array(10));
    writeFile(fs, '/db/MANIFEST-000001', new Uint8Array(10));
    writeFile(fs, '/db/notes.txt', new Uint8Array(3));
    tree = Tree.open('/db', { fs });
    const names = fs.readDir('/db');
    expect(names).not.toContain('000900.sst');
    expect(names).not.toContain('000901.tmp');
    expect(names).not.toContain('MANIFEST-000001');
    expect(names).toContain('notes.txt'); // not ours: left alone
    expect(text(tree.get('a'))).toBe('1');
    tree.close();
  });

  it('refuses to open a store with a different comparator, and honours a custom order', () => {
    const fs = new MemFs();
    const reverse: Comparator = { name: 'test.Reverse', compare: (a, b) => bytewiseComparator.compare(b, a) };
    const tree = Tree.open('/db', { fs, comparator: reverse, memtableBytes: 2048 });
    for (const k of ['a', 'b', 'c', 'd']) tree.put(k, k);
    tree.flush();
    expect([...tree.range()].map(([k]) => text(k))).toEqual(['d', 'c', 'b', 'a']);
    expect(codeOf(() => tree.prefix('a'))).toBe('LSM_NOT_SUPPORTED');
    tree.close();
    expect(codeOf(() => Tree.open('/db', { fs }))).toBe('LSM_INVALID_ARGUMENT');
    Tree.open('/db', { fs, comparator: reverse }).close();
  });

  it('honours createIfMissing and errorIfExists', () => {
    const fs = new MemFs();
    expect(codeOf(() => Tree.open('/db', { fs, createIfMissing: false }))).toBe('LSM_INVALID_ARGUMENT');
    Tree.open('/db', { fs }).close();
    expect(codeOf(() => Tree.open('/db', { fs, errorIfExists: true }))).toBe('LSM_INVALID_ARGUMENT');
  });

  it('keeps multiGet, deleteWeak and empty batches consistent', () => {
    const tree = Tree.open('/db', { fs: new MemFs() });
    tree.put('a', '1');
    tree.put('w', 'once');
    const before = tree.seqno;
    expect(tree.batch().commit()).toBe(before);
    tree.deleteWeak('w');
    expect(tree.multiGet(['a', 'w', 'zz']).map(text)).toEqual(['1', undefined, undefined]);
    tree.flush();
    tree.compact();
    expect(tree.get('w')).toBeUndefined();
    tree.close();
  });
});
