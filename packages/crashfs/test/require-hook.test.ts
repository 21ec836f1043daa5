// hookRequire, the plain-Node recipe for CommonJS libraries: require('fs') and friends from
// the named packages get mountedFs (so their writes land on the mounted Fs, here a MemFs),
// every other module keeps the real node:fs, and unhooking restores node's loader. The fake
// packages live in this test's own temp dir; nothing else on the disk is touched.

import * as realFs from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsError, MemFs } from '@lsm/fs';
import { crashTest, hookRequire, mountFs, mountedFs } from '../src/index.js';

const LIB = `
const fs = require('fs');
exports.forms = [require('node:fs'), require('fs/promises'), require('node:fs/promises'), require('path')];
const fsp = require('node:fs/promises');
exports.fs = fs;
exports.save = (path, text) => fs.writeFileSync(path, text);
exports.saveAsync = async (path, text) => {
  const fh = await fsp.open(path, 'w');
  await fh.writeFile(text);
  await fh.sync();
  await fh.close();
};
`;

describe('hookRequire', () => {
  let root: string;
  let req: NodeJS.Require;
  const unhooks: Array<() => void> = [];

  beforeEach(() => {
    root = realFs.mkdtempSync(join(tmpdir(), 'crashfs-hook-'));
    for (const name of ['fake-store', 'other-lib']) {
      realFs.mkdirSync(join(root, 'node_modules', name), { recursive: true });
      realFs.writeFileSync(join(root, 'node_modules', name, 'index.js'), LIB);
    }
    req = createRequire(join(root, 'entry.js'));
  });
  afterEach(() => {
    for (const u of unhooks.splice(0)) u();
    realFs.rmSync(root, { recursive: true, force: true });
  });

  it('gives the named package mountedFs, and every other module the real node:fs', () => {
    unhooks.push(hookRequire({ packages: ['fake-store'] }));
    const lib = req('fake-store') as { fs: unknown; save: (p: string, t: string) => void };
    const other = req('other-lib') as { fs: unknown };
    expect(lib.fs).toBe(mountedFs);
    expect(other.fs).toBe(req('fs')); // required from outside the package: the real node:fs

    const mem = new MemFs();
    const unmount = mountFs(mem);
    lib.save('/saved.txt', 'hello');
    unmount();
    expect(mem.exists('/saved.txt')).toBe(true);
    expect(realFs.existsSync('/saved.txt')).toBe(false);
    expect(() => lib.save('/again.txt', 'x')).toThrow(FsError); // nothing mounted: refused, not the real disk
  });

  it('puts a CommonJS library under crashTest unchanged', async () => {
    unhooks.push(hookRequire({ packages: ['fake-store'] }));
    const lib = req('fake-store') as { saveAsync: (p: string, t: string) => Promise<void> };
    const report = await crashTest({
      workload: async (_fs, ack) => {
        await lib.saveAsync('/value', 'v1');
        ack('v1');
      },
      check: (fs, acked) => {
        if (acked.length > 0 && !fs.existsSync('/value')) throw new Error('acknowledged file missing');
      },
    });
    // The library never fsyncs '/', so its new file is never durable.
    expect(report.failures.map((f) => f.op)).toEqual(["fsync '/value'"]);
  });

  it('stops redirecting once unhooked, and refuses a bad package list', () => {
    const unhook = hookRequire({ packages: ['fake-store'] });
    unhook();
    expect((req('fake-store') as { fs: unknown }).fs).not.toBe(mountedFs);
    for (const bad of [{ packages: [] }, { packages: [''] }, { packages: ['fake-store', ''] }, { packages: ['fake-store', 7] }, {}, { packages: 'fake-store' }, null, undefined]) {
      let err: unknown;
      try {
        hookRequire(bad as never);
      } catch (e) {
        err = e;
      }
      expect(err, JSON.stringify(bad)).toBeInstanceOf(FsError);
      expect((err as FsError).code).toBe('EINVAL');
      expect((err as FsError).syscall).toBe('hookRequire');
      expect((err as Error).message).toContain('packages must be a non-empty array of package names');
    }
  });

  it('redirects every name of node:fs and its promises API, and nothing else', () => {
    unhooks.push(hookRequire({ packages: ['fake-store'] }));
    const [nodeFs, fsp, nodeFsp, path] = (req('fake-store') as { forms: unknown[] }).forms;
    expect(nodeFs).toBe(mountedFs);
    expect(fsp).toBe(mountedFs.promises);
    expect(nodeFsp).toBe(mountedFs.promises);
    expect(path).toBe(req('path'));
  });

  it("hooks stack, and unhooking in either order ends exactly that hook's redirects", () => {
    const first = hookRequire({ packages: ['fake-store'] });
    const second = hookRequire({ packages: ['other-lib'] });
    first(); // while the second still wraps it
    expect((req('fake-store') as { fs: unknown }).fs).toBe(req('fs'));
    expect((req('other-lib') as { fs: unknown }).fs).toBe(mountedFs);
    second();
    const fresh = createRequire(join(root, 'again.js'));
    delete fresh.cache[fresh.resolve('fake-store')];
    delete fresh.cache[fresh.resolve('other-lib')];
    expect((fresh('fake-store') as { fs: unknown }).fs).toBe(fresh('fs'));
    expect((fresh('other-lib') as { fs: unknown }).fs).toBe(fresh('fs'));
  });
  it('with several packages, a file of any one of them is redirected; node\'s loader is restored exactly on unhook', () => {
    const Module = createRequire(import.meta.url)('node:module') as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
    const before = Module._load;
    const unhook = hookRequire({ packages: ['fake-store', 'other-lib'] });
    expect((req('fake-store') as { fs: unknown }).fs).toBe(mountedFs);
    expect((req('other-lib') as { fs: unknown }).fs).toBe(mountedFs);
    unhook();
    expect(Module._load).toBe(before);
  });

  it('asks only for the package directory: Windows separators count, a parent without a file name is left alone', () => {
    const Module = createRequire(import.meta.url)('node:module') as { _load: (request: string, parent: unknown, isMain: boolean) => unknown };
    unhooks.push(hookRequire({ packages: ['fake-store'] }));
    const real = req('fs');
    expect(Module._load('fs', { filename: 'C:\\app\\node_modules\\fake-store\\lib\\index.js' }, false)).toBe(mountedFs);
    expect(Module._load('fs', { filename: '/app/node_modules/fake-store-extra/index.js' }, false)).toBe(real);
    expect(Module._load('fs', { filename: '/app/node_modules/not-fake-store/index.js' }, false)).toBe(real);
    expect(Module._load('fs', { filename: undefined }, false)).toBe(real);
    expect(Module._load('fs', null, false)).toBe(real);
  });

  it('refuses a package list with something that is not a string in it', () => {
    for (const bad of [[{ length: 1 }], [['fake-store']], ['fake-store', { length: 3 }]]) {
      expect(() => hookRequire({ packages: bad as never })).toThrow(/packages must be a non-empty array of package names/);
    }
  });
});
