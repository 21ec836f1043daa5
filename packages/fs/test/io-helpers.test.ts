// The whole-buffer helpers: exact reads, atomic publish, path utilities, no leaked descriptors.

import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { FaultFs, FsError, MemFs, NodeFs, joinPath, parentDir, readExact, readFile, writeFile, writeFileAtomic } from '../src/index.js';

describe('io helpers', () => {
  it('readExact fails with EIO on a short file instead of returning fewer bytes', () => {
    const fs = new MemFs();
    writeFile(fs, '/f', new Uint8Array([1, 2, 3]));
    const f = fs.open('/f');
    expect([...readExact(f, 1, 2)]).toEqual([2, 3]);
    expect(() => readExact(f, 1, 3)).toThrowError(FsError);
    try {
      readExact(f, 1, 3);
    } catch (err) {
      expect((err as FsError).code).toBe('EIO');
      // The message says it was a read of this file, and how short it came up.
      expect((err as FsError).message).toBe("EIO: read '/f': short read: wanted 3 bytes at 1, file ended after 2");
    }
    f.close();
  });

  it('readFile and writeFile close the file they open, even when they fail', () => {
    // A leaked descriptor per call would end in EMFILE in a long-running engine.
    const root = mkdtempSync(join(tmpdir(), 'lsm-fs-helpers-'));
    try {
      const fs = new NodeFs({ root });
      const p = join(root, 'f');
      const openFds = (): number => readdirSync('/proc/self/fd').length;
      writeFile(fs, p, new Uint8Array([1, 2, 3]));
      const before = openFds();
      for (let i = 0; i < 64; i++) {
        writeFile(fs, p, new Uint8Array([i]), { sync: i % 8 === 0 });
        expect(readFile(fs, p)).toEqual(new Uint8Array([i]));
      }
      // When the write or the size call fails (FaultFs errors over the same disk), the
      // handles are closed all the same.
      const faulty = new FaultFs(fs);
      faulty.addRule({ op: 'write', times: Infinity, fault: { type: 'error', code: 'ENOSPC' } });
      faulty.addRule({ op: 'size', times: Infinity, fault: { type: 'error', code: 'EIO' } });
      for (let i = 0; i < 64; i++) {
        expect(() => writeFile(faulty, p, new Uint8Array([1]))).toThrowError(FsError);
        expect(() => readFile(faulty, p)).toThrowError(FsError);
      }
      // Leave room for descriptors the test runner itself opens meanwhile.
      expect(openFds() - before).toBeLessThan(16);
    } finally {
      rmSync(root, { recursive: true, force: true });
    }
  });

  it('writeFileAtomic publishes through a synced temp file, rename and directory sync', () => {
    const inner = new MemFs();
    inner.createDirAll('/db');
    const fs = new FaultFs(inner);
    const order: string[] = [];
    const watch = (op: Parameters<FaultFs['addRule']>[0]['op']) => fs.addRule({ op, times: Infinity, after: Infinity, fault: { type: 'error' } });
    const rules = { sync: watch('sync'), rename: watch('rename'), syncDirectory: watch('syncDirectory') };
    writeFileAtomic(fs, '/db/CURRENT', new TextEncoder().encode('MANIFEST-1\n'));
    for (const [k, r] of Object.entries(rules)) if (r.matched > 0) order.push(k);
    expect(order).toEqual(['sync', 'rename', 'syncDirectory']);
    expect(new TextDecoder().decode(readFile(inner, '/db/CURRENT'))).toBe('MANIFEST-1\n');
    expect(inner.exists('/db/CURRENT.tmp')).toBe(false);
  });

  it('a failed rename leaves the old content in place', () => {
    const inner = new MemFs();
    writeFile(inner, '/CURRENT', new TextEncoder().encode('old'));
    const fs = new FaultFs(inner);
    fs.addRule({ op: 'rename', fault: { type: 'error' } });
    expect(() => writeFileAtomic(fs, '/CURRENT', new TextEncoder().encode('new'))).toThrowError(FsError);
    expect(new TextDecoder().decode(readFile(inner, '/CURRENT'))).toBe('old');
  });

  it('parentDir and joinPath handle the edge cases', () => {
    expect(parentDir('/a/b/c')).toBe('/a/b');
    expect(parentDir('/a')).toBe('/');
    expect(parentDir('a')).toBe('.');
    expect(parentDir('a/b/')).toBe('a');
    expect(joinPath('/a/', '/b', 'c')).toBe('/a/b/c');
    expect(joinPath('a', '', 'b')).toBe('a/b');
  });
});
