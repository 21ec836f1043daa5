// mountedFs, mountFs, nodeFsMock and nodeFsPromisesMock: the stand-in for node:fs forwards to the mount of the moment, keeps node's shape, and reaches no disk with nothing mounted.

import * as nodeFs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FsError, MemFs } from '@lsm/fs';
import { createNodeFsFacade, mountedFs, mountFs, nodeFsMock, nodeFsPromisesMock } from '../src/index.js';

const memWith = (content: string): MemFs => {
  const mem = new MemFs();
  mem.createDirAll('/d');
  createNodeFsFacade(mem).writeFileSync('/d/f', content);
  return mem;
};

describe('mountedFs', () => {
  it("keeps node's constants, as values, at the top level and under promises", () => {
    expect(mountedFs.constants.COPYFILE_EXCL).toBe(nodeFs.constants.COPYFILE_EXCL);
    expect(mountedFs.constants.O_CREAT).toBe(nodeFs.constants.O_CREAT);
    expect(typeof mountedFs.constants).toBe('object');
    expect(mountedFs.promises.constants.F_OK).toBe(nodeFs.constants.F_OK);
  });

  it('realpath.native forwards like realpath; other functions have no .native, as on node', async () => {
    const unmount = mountFs(memWith('x'));
    try {
      const native = (mountedFs.realpath as unknown as { native?: (p: string, cb: (e: unknown, r: string) => void) => void }).native;
      expect(typeof native).toBe('function');
      let got: unknown;
      native!('/d/f', (e, r) => (got = e ?? r));
      await new Promise<void>((resolve) => setTimeout(resolve, 5));
      expect(got).toBe('/d/f');
      expect((mountedFs.readFileSync as unknown as { native?: unknown }).native).toBeUndefined();
      expect((mountedFs.writeFileSync as unknown as { native?: unknown }).native).toBeUndefined();
    } finally {
      unmount();
    }
  });

  it('with nothing mounted, a call fails EACCES naming the function, promises under promises.', async () => {
    let err: unknown;
    try {
      mountedFs.readFileSync('/d/f');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(FsError);
    expect((err as FsError).code).toBe('EACCES');
    expect((err as Error).message).toMatch(/^EACCES: readFileSync\b/);
    let perr: unknown;
    try {
      await mountedFs.promises.readFile('/d/f');
    } catch (e) {
      perr = e;
    }
    expect((perr as FsError).code).toBe('EACCES');
    expect((perr as Error).message).toMatch(/^EACCES: promises\.readFile\b/);
  });
});

describe('mountFs', () => {
  it('the same facade mounted twice: calling the first unmount twice removes only one of the mounts', () => {
    const facade = createNodeFsFacade(memWith('inner'));
    const outer = mountFs(memWith('outer'));
    const first = mountFs(facade);
    const second = mountFs(facade);
    try {
      first();
      first(); // a second call is a no-op: the other mount of the same facade stays
      expect(mountedFs.readFileSync('/d/f', 'utf8')).toBe('inner');
      second();
      expect(mountedFs.readFileSync('/d/f', 'utf8')).toBe('outer');
    } finally {
      second();
      outer();
    }
    expect(() => mountedFs.readFileSync('/d/f')).toThrow(/EACCES/);
  });
});

describe('vi.mock factories', () => {
  it('nodeFsMock() is mountedFs as a module namespace: named exports and default both forward to the mount', () => {
    const mock = nodeFsMock();
    expect(mock.default).toBe(mountedFs);
    const unmount = mountFs(memWith('mocked'));
    try {
      expect(mock.readFileSync('/d/f', 'utf8')).toBe('mocked');
      expect(mock.default.readFileSync('/d/f', 'utf8')).toBe('mocked');
    } finally {
      unmount();
    }
  });

  it('nodeFsPromisesMock() is mountedFs.promises as a module namespace', async () => {
    const mock = nodeFsPromisesMock();
    expect(mock.default).toBe(mountedFs.promises);
    const unmount = mountFs(memWith('mocked'));
    try {
      expect(await mock.readFile('/d/f', 'utf8')).toBe('mocked');
    } finally {
      unmount();
    }
  });
});
