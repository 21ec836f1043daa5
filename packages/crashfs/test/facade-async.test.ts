// The callback, promise (FileHandle) and stream forms of the node:fs facade and the path
// calls added with them (copyFile, rm, rmdir, access, exists, realpath, lstat, truncate),
// checked side by side with node:fs itself in a temp dir: same results, same error codes.

import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemFs, NodeFs } from '@lsm/fs';
import { CrashFs, createNodeFsFacade, type NodeFsModule } from '../src/index.js';

type Subject = { fs: NodeFsModule; root: string; cleanup: () => void };

const tempRoot = (): string => nodeFs.mkdtempSync(join(tmpdir(), 'crashfs-async-'));
const subjects: Array<{ name: string; make: () => Subject }> = [
  {
    name: 'node:fs (reference)',
    make: () => {
      const root = tempRoot();
      return { fs: nodeFs as unknown as NodeFsModule, root, cleanup: () => nodeFs.rmSync(root, { recursive: true, force: true }) };
    },
  },
  {
    name: 'facade over MemFs',
    make: () => {
      const mem = new MemFs();
      mem.createDirAll('/root');
      return { fs: createNodeFsFacade(mem), root: '/root', cleanup: () => {} };
    },
  },
  {
    name: 'facade over CrashFs(NodeFs({ root }))',
    make: () => {
      const root = tempRoot();
      return { fs: createNodeFsFacade(new CrashFs(new NodeFs({ root }))), root, cleanup: () => nodeFs.rmSync(root, { recursive: true, force: true }) };
    },
  },
];

/** The code an async call fails with, or 'none'. */
async function codeOfAsync(p: Promise<unknown>): Promise<string> {
  try {
    await p;
  } catch (err) {
    return (err as { code?: string }).code ?? 'no code';
  }
  return 'none';
}

describe.each(subjects)('$name', ({ make }) => {
  let s: Subject;
  let fs: NodeFsModule;
  const p = (rel: string): string => `${s.root}/${rel}`;
  beforeEach(() => {
    s = make();
    fs = s.fs;
  });
  afterEach(() => s.cleanup());

  it('callback forms: open, write, fsync, close, read back; errors go to the callback', async () => {
    const open = promisify(fs.open as (path: string, flags: string, cb: (e: Error | null, fd: number) => void) => void);
    const fd = await open(p('cb'), 'w+');
    const written = await new Promise<[number, unknown]>((resolve, reject) =>
      fs.write(fd, Buffer.from('hello world'), 0, 11, null, (err, n, buf) => (err ? reject(err) : resolve([n, buf]))),
    );
    expect(written[0]).toBe(11);
    expect(Buffer.isBuffer(written[1])).toBe(true);
    await new Promise<void>((resolve, reject) => fs.write(fd, '!', null, 'utf8', (err) => (err ? reject(err) : resolve())));
    await promisify(fs.fsync as (fd: number, cb: (e: Error | null) => void) => void)(fd);
    await promisify(fs.fdatasync as (fd: number, cb: (e: Error | null) => void) => void)(fd);
    const buf = Buffer.alloc(5);
    const read = await new Promise<number>((resolve, reject) => fs.read(fd, buf, 0, 5, 6, (err, n) => (err ? reject(err) : resolve(n))));
    expect([read, buf.toString()]).toEqual([5, 'world']);
    await promisify(fs.close as (fd: number, cb: (e: Error | null) => void) => void)(fd);
    const text = await promisify(fs.readFile as (path: string, enc: string, cb: (e: Error | null, t: string) => void) => void)(p('cb'), 'utf8');
    expect(text).toBe('hello world!');
    const err = await new Promise<NodeJS.ErrnoException | null>((resolve) => fs.open(p('missing'), 'r', (e: NodeJS.ErrnoException | null) => resolve(e)));
    expect(err?.code).toBe('ENOENT');
    let sync = true;
    const late = new Promise<boolean>((resolve) => fs.stat(p('cb'), () => resolve(sync)));
    sync = false;
    expect(await late).toBe(false); // the callback never runs before the call returns
    expect(() => fs.rename(p('cb'), p('x'), undefined as never)).toThrow(TypeError);
  });

  it('callback path calls: mkdir, readdir, rename, unlink, rm, rmdir, copyFile, exists, access', async () => {
    const cb = <T>(fn: unknown, ...args: unknown[]): Promise<T> =>
      new Promise((resolve, reject) => (fn as (...a: unknown[]) => void)(...args, (e: Error | null, v: T) => (e ? reject(e) : resolve(v))));
    expect(await cb(fs.mkdir, p('d/e'), { recursive: true })).toBe(p('d'));
    await cb(fs.writeFile, p('d/f'), 'data');
    await cb(fs.appendFile, p('d/f'), '+more');
    await cb(fs.copyFile, p('d/f'), p('d/g'));
    expect((await cb<string[]>(fs.readdir, p('d'))).sort()).toEqual(['e', 'f', 'g']);
    await cb(fs.rename, p('d/g'), p('d/h'));
    expect(await new Promise((resolve) => fs.exists(p('d/h'), resolve))).toBe(true);
    expect(await new Promise((resolve) => fs.exists(p('d/g'), resolve))).toBe(false);
    await cb(fs.access, p('d/h'));
    expect(await codeOfAsync(cb(fs.access, p('d/g')))).toBe('ENOENT');
    expect(await codeOfAsync(cb(fs.rmdir, p('d')))).toBe('ENOTEMPTY');
    await cb(fs.unlink, p('d/h'));
    await cb(fs.rm, p('d'), { recursive: true });
    expect(fs.existsSync(p('d'))).toBe(false);
  });

  it('fs.promises and FileHandle: positions, flags, sync, stat, truncate', async () => {
    const fh = await fs.promises.open(p('fh'), 'w+');
    expect(typeof fh.fd).toBe('number');
    expect((await fh.write(Buffer.from('abcdef'))).bytesWritten).toBe(6);
    expect((await fh.write('XY', 0)).bytesWritten).toBe(2); // positional: the file position stays at 6
    expect((await fh.write('gh')).bytesWritten).toBe(2);
    await fh.sync();
    await fh.datasync();
    const b = Buffer.alloc(8);
    const r = await fh.read(b, 0, 8, 0);
    expect([r.bytesRead, b.toString()]).toEqual([8, 'XYcdefgh']);
    expect((await fh.stat()).size).toBe(8);
    await fh.truncate(3);
    expect((await fh.stat()).size).toBe(3);
    await fh.close();
    await fh.close(); // a second close is harmless on a FileHandle

    const a = await fs.promises.open(p('fh'), 'a+');
    await a.appendFile('++');
    await a.close();
    expect(await fs.promises.readFile(p('fh'), 'utf8')).toBe('XYc++');

    const rp = await fs.promises.open(p('fh'), 'r+');
    await rp.writeFile('Q'); // from the current position: the start
    expect(await rp.readFile('utf8')).toBe('Yc++'); // the rest, from the position after 'Q'
    await rp.close();
    expect(await fs.promises.readFile(p('fh'), { encoding: 'utf8' })).toBe('QYc++');
  });

  it('fs.promises path calls and node error codes', async () => {
    const P = fs.promises;
    await P.mkdir(p('dir'));
    expect(await codeOfAsync(P.mkdir(p('dir')))).toBe('EEXIST');
    expect(await codeOfAsync(P.mkdir(p('no/such')))).toBe('ENOENT');
    await P.writeFile(p('dir/a'), Buffer.from('0123456789'));
    expect(await codeOfAsync(P.writeFile(p('dir/a'), 'x', { flag: 'wx' }))).toBe('EEXIST');
    expect(await codeOfAsync(P.readFile(p('dir')))).toBe('EISDIR');
    expect(await codeOfAsync(P.open(p('dir/a/b'), 'w'))).toBe('ENOTDIR');
    expect(await codeOfAsync(P.rmdir(p('dir')))).toBe('ENOTEMPTY');
    expect(await codeOfAsync(P.unlink(p('dir')))).toBe('EISDIR');
    expect(await codeOfAsync(P.rm(p('dir')))).toBe('ERR_FS_EISDIR');
    expect(await codeOfAsync(P.rm(p('nope')))).toBe('ENOENT');
    await P.rm(p('nope'), { force: true });
    await P.truncate(p('dir/a'), 4);
    expect((await P.stat(p('dir/a'))).size).toBe(4);
    expect((await P.lstat(p('dir/a'))).isFile()).toBe(true);
    await P.copyFile(p('dir/a'), p('dir/b'));
    expect(await codeOfAsync(P.copyFile(p('dir/a'), p('dir/b'), fs.constants.COPYFILE_EXCL))).toBe('EEXIST');
    expect(await P.realpath(p('dir/../dir/./b'))).toBe(p('dir/b'));
    expect(await codeOfAsync(P.realpath(p('dir/none')))).toBe('ENOENT');
    await P.access(p('dir/b'), fs.constants.F_OK);
    await P.chmod(p('dir/b'), 0o600);
    expect(await codeOfAsync(P.chmod(p('dir/none'), 0o600))).toBe('ENOENT');
    const names = (await P.readdir(p('dir'), { withFileTypes: true })) as Array<{ name: string; isFile(): boolean }>;
    expect(names.map((d) => [d.name, d.isFile()]).sort()).toEqual([
      ['a', true],
      ['b', true],
    ]);
    await P.rename(p('dir/b'), p('dir/c'));
    await P.unlink(p('dir/c'));
    await P.rm(p('dir'), { recursive: true });
    expect(fs.existsSync(p('dir'))).toBe(false);
    const st = fs.statSync(p(''));
    expect(st.isDirectory()).toBe(true);
    expect(typeof st.mode).toBe('number');
  });

  it('fsync of a directory opened for reading, in every form', async () => {
    fs.mkdirSync(p('sub'));
    const dh = await fs.promises.open(p('sub'), 'r');
    await dh.sync();
    expect((await dh.stat()).isDirectory()).toBe(true);
    await dh.close();
    const fd = await new Promise<number>((resolve, reject) => fs.open(p('sub'), 'r', (e: Error | null, d: number) => (e ? reject(e) : resolve(d))));
    await new Promise<void>((resolve, reject) => fs.fsync(fd, (e: Error | null) => (e ? reject(e) : resolve())));
    fs.closeSync(fd);
  });

  it('streams: createWriteStream with close(cb), createReadStream with encoding and a range', async () => {
    const ws = fs.createWriteStream(p('stream'), { flags: 'w' });
    for (const line of ['one', 'two', 'three']) ws.write(`${line}\n`);
    await new Promise<void>((resolve, reject) => ws.close((err) => (err ? reject(err) : resolve())));
    expect(fs.readFileSync(p('stream'), 'utf8')).toBe('one\ntwo\nthree\n');
    const chunks: string[] = [];
    for await (const chunk of fs.createReadStream(p('stream'), { encoding: 'utf8', start: 4, end: 6 })) chunks.push(chunk as string);
    expect(chunks.join('')).toBe('two');
    const errored = await new Promise<string>((resolve) => fs.createReadStream(p('none')).on('error', (e: NodeJS.ErrnoException) => resolve(e.code ?? '')));
    expect(errored).toBe('ENOENT');
  });
});
