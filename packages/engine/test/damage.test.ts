// Damage: a flipped byte anywhere in a table makes reads that touch it throw
// LSM_CORRUPTION naming the file, never return a wrong value or fail another way.

import { MemFs, readFile } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { LsmError, Tree } from '../src/index.js';
import { Oracle, Rng, hex, keyOf, valueOf } from './helpers.js';

function flip(fs: MemFs, path: string, offset: number): void {
  const f = fs.open(path, { read: true, write: true });
  const b = new Uint8Array(1);
  f.read(b, offset);
  b[0]! ^= 0x20;
  f.writeAt(b, offset);
  f.close();
}

describe('damaged tables', () => {
  it('every flipped byte of a table gives right answers or LSM_CORRUPTION, for gets and scans', () => {
    const fs = new MemFs();
    const rng = new Rng(7);
    const oracle = new Oracle();
    let tree = Tree.open('/db', { fs, blockSize: 512, blockCacheBytes: 0 });
    for (let i = 0; i < 300; i++) {
      const k = keyOf(i);
      const v = valueOf(rng, 20 + rng.int(40));
      oracle.put(k, v, tree.put(k, v));
    }
    tree.flush();
    tree.close();
    const table = fs.readDir('/db').find((n) => n.endsWith('.sst'))!;
    const path = `/db/${table}`;
    const size = readFile(fs, path).length;
    let detected = 0;
    // Every byte of the table, in steps that still cover every block and the footer.
    for (let off = 0; off < size; off += off > size - 200 ? 1 : 7) {
      flip(fs, path, off);
      tree = Tree.open('/db', { fs, blockCacheBytes: 0 });
      let sawCorruption = false;
      for (let i = 0; i < 300; i += 11) {
        const k = keyOf(i);
        try {
          const got = tree.get(k);
          expect(got && hex(got), `get ${i} with byte ${off} flipped`).toBe(hex(oracle.get(k, oracle.seqno)!));
        } catch (err) {
          expect(err, `byte ${off}: ${String(err)}`).toBeInstanceOf(LsmError);
          expect((err as LsmError).code, `byte ${off}: ${(err as Error).message}`).toBe('LSM_CORRUPTION');
          expect((err as Error).message).toContain(table);
          sawCorruption = true;
        }
      }
      try {
        const all = [...tree.range()];
        expect(all.length, `scan with byte ${off} flipped`).toBe(300);
        for (const [k, v] of all) expect(hex(v)).toBe(hex(oracle.get(k, oracle.seqno)!));
      } catch (err) {
        expect(err, `byte ${off}: ${String(err)}`).toBeInstanceOf(LsmError);
        expect((err as LsmError).code, `byte ${off}: ${(err as Error).message}`).toBe('LSM_CORRUPTION');
        sawCorruption = true;
      }
      if (sawCorruption) detected++;
      tree.close();
      flip(fs, path, off);
    }
    expect(detected).toBeGreaterThan(0);
  });
});
