// Closing an iterator runs the obsolete-file pass only when that close left a replaced
// version without readers (its tables may now be deleted); closing an iterator on the
// current version frees nothing and must not list the directory (it did, on every close,
// which cost a seek-heavy workload a quarter of its time).

import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { Tree } from '../src/index.js';

/** A MemFs that counts directory listings. */
class CountingFs extends MemFs {
  listings = 0;
  override readDir(path: string): string[] {
    this.listings++;
    return super.readDir(path);
  }
}

const tables = (fs: MemFs): string[] => fs.readDir('/db').filter((n) => n.endsWith('.sst')).sort();

describe('closing an iterator', () => {
  it('does not list the directory when the version it pinned is still current', () => {
    const fs = new CountingFs();
    const tree = Tree.open('/db', { fs, autoCompaction: false });
    for (let i = 0; i < 100; i++) tree.put(`k${i}`, `v${i}`);
    tree.flush();
    const before = fs.listings;
    for (let i = 0; i < 50; i++) expect([...tree.range({ gte: `k${i}`, limit: 3 })]).toHaveLength(3);
    expect(fs.listings).toBe(before);
    tree.close();
  });

  it('deletes the tables a replaced version held once its last reader closes, not before', () => {
    const fs = new CountingFs();
    const tree = Tree.open('/db', { fs, autoCompaction: false });
    for (let round = 0; round < 3; round++) {
      for (let i = 0; i < 100; i++) tree.put(`k${String(i).padStart(3, '0')}`, `v${round}-${i}`);
      tree.flush();
    }
    const old = tables(fs);
    expect(old).toHaveLength(3);
    const first = tree.range();
    const second = tree.range();
    expect(first.next().value?.[0]).toBeDefined();
    tree.compact();
    // Both readers pin the old tables: still on disk.
    for (const t of old) expect(fs.exists(`/db/${t}`)).toBe(true);
    first.return();
    for (const t of old) expect(fs.exists(`/db/${t}`), `${t} while a reader remains`).toBe(true);
    const listed = fs.listings;
    second.return();
    expect(fs.listings).toBeGreaterThan(listed);
    for (const t of old) expect(fs.exists(`/db/${t}`), `${t} after the last reader`).toBe(false);
    expect([...tree.range()].length).toBe(100);
    tree.close();
  });
});
