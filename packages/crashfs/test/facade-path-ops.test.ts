// The sync node:fs facade's path calls (mkdir, readdir, stat, exists, access, rm, rmdir,
// copyFile, truncate, realpath, chmod, chown, rename, unlink), side by side with node:fs on
// the same small tree: what each call returns, or which error code (and for most, which
// syscall) it throws. Storage code that a user tests through CrashFs takes these answers
// for node's: a facade that created a directory node refuses, or let rmdir empty a full
// directory, would test the wrong program.

import * as nodeFs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MemFs, NodeFs } from '@lsm/fs';
import { CrashFs, createNodeFsFacade, type NodeFsModule } from '../src/index.js';
import { tempDirs } from './helpers.js';

const tempDir = tempDirs('crashfs-path-ops-');

/**
 * A call on a fresh tree at `r`: r/f (a file holding "abc"), r/d (a directory holding the
 * file x), r/e (an empty directory). Returns what the caller should compare; `tree` lists
 * the tree afterwards.
 */
type Call = (fs: NodeFsModule, r: string) => unknown;

const COPYFILE_EXCL = 1;
const uid = process.getuid?.() ?? 0;
const gid = process.getgid?.() ?? 0;

/** The tree under `r` after a call, as sorted "path:kind:size" lines. */
function tree(fs: NodeFsModule, r: string, rel = ''): string[] {
  const out: string[] = [];
  for (const name of (fs.readdirSync(rel === '' ? r : `${r}/${rel}`) as string[]).slice().sort()) {
    const p = rel === '' ? name : `${rel}/${name}`;
    const s = fs.statSync(`${r}/${p}`);
    if (s.isDirectory()) out.push(`${p}:dir`, ...tree(fs, r, p));
    else out.push(`${p}:file:${s.size}`);
  }
  return out;
}

const CALLS: Record<string, Call> = {
  'mkdir new': (fs, r) => fs.mkdirSync(`${r}/new`),
  'mkdir new, options null': (fs, r) => fs.mkdirSync(`${r}/new`, null),
  'mkdir new, mode number': (fs, r) => fs.mkdirSync(`${r}/new`, 0o755),
  'mkdir new, recursive false': (fs, r) => fs.mkdirSync(`${r}/new`, { recursive: false }),
  'mkdir over a file': (fs, r) => fs.mkdirSync(`${r}/f`),
  'mkdir over a directory': (fs, r) => fs.mkdirSync(`${r}/d`),
  'mkdir under a missing parent': (fs, r) => fs.mkdirSync(`${r}/missing/new`),
  'mkdir under a file': (fs, r) => fs.mkdirSync(`${r}/f/new`),
  'mkdir recursive: returns the first directory made': (fs, r) => fs.mkdirSync(`${r}/a/b/c`, { recursive: true }),
  'mkdir recursive of an existing directory': (fs, r) => fs.mkdirSync(`${r}/d`, { recursive: true }),
  'mkdir recursive inside an existing directory': (fs, r) => fs.mkdirSync(`${r}/d/n/m`, { recursive: true }),
  'readdir': (fs, r) => (fs.readdirSync(r) as string[]).slice().sort(),
  'readdir, options null': (fs, r) => (fs.readdirSync(r, null as never) as unknown as string[]).slice().sort(),
  'readdir withFileTypes': (fs, r) =>
    (fs.readdirSync(r, { withFileTypes: true }) as Array<{ name: string; isFile(): boolean; isDirectory(): boolean }>)
      .map((e) => `${e.name}:${e.isFile()}:${e.isDirectory()}`)
      .sort(),
  'readdir withFileTypes, path ending in /': (fs, r) =>
    (fs.readdirSync(`${r}/d/`, { withFileTypes: true }) as Array<{ name: string; isFile(): boolean }>).map((e) => `${e.name}:${e.isFile()}`).sort(),
  'readdir withFileTypes false': (fs, r) => (fs.readdirSync(r, { withFileTypes: false } as never) as unknown as string[]).slice().sort(),
  'readdir of a file': (fs, r) => fs.readdirSync(`${r}/f`),
  'readdir of nothing': (fs, r) => fs.readdirSync(`${r}/missing`),
  'stat a file': (fs, r) => {
    const s = fs.statSync(`${r}/f`);
    return [s.isFile(), s.isDirectory(), s.size];
  },
  'stat a directory': (fs, r) => {
    const s = fs.statSync(`${r}/d`);
    return [s.isFile(), s.isDirectory()];
  },
  'lstat a file': (fs, r) => fs.lstatSync(`${r}/f`).size,
  'stat nothing': (fs, r) => fs.statSync(`${r}/missing`),
  'stat nothing, throwIfNoEntry false': (fs, r) => fs.statSync(`${r}/missing`, { throwIfNoEntry: false }),
  'stat nothing, throwIfNoEntry true': (fs, r) => fs.statSync(`${r}/missing`, { throwIfNoEntry: true } as never),
  'stat below a file': (fs, r) => fs.statSync(`${r}/f/x`),
  'stat below a file, throwIfNoEntry false': (fs, r) => fs.statSync(`${r}/f/x`, { throwIfNoEntry: false }),
  'exists: file, directory, nothing, below a file': (fs, r) => [`${r}/f`, `${r}/d`, `${r}/missing`, `${r}/f/x`].map((p) => fs.existsSync(p)),
  'access a file': (fs, r) => fs.accessSync(`${r}/f`),
  'access nothing': (fs, r) => fs.accessSync(`${r}/missing`),
  'rm a file': (fs, r) => fs.rmSync(`${r}/f`),
  'rm nothing': (fs, r) => fs.rmSync(`${r}/missing`),
  'rm nothing, force': (fs, r) => fs.rmSync(`${r}/missing`, { force: true }),
  'rm a directory': (fs, r) => fs.rmSync(`${r}/d`),
  'rm an empty directory': (fs, r) => fs.rmSync(`${r}/e`),
  'rm a directory, recursive': (fs, r) => fs.rmSync(`${r}/d`, { recursive: true }),
  'rm a directory, force only': (fs, r) => fs.rmSync(`${r}/d`, { force: true }),
  'rmdir an empty directory': (fs, r) => fs.rmdirSync(`${r}/e`),
  'rmdir a full directory': (fs, r) => fs.rmdirSync(`${r}/d`),
  'rmdir a file': (fs, r) => fs.rmdirSync(`${r}/f`),
  'rmdir nothing': (fs, r) => fs.rmdirSync(`${r}/missing`),
  'copyFile to a new name': (fs, r) => fs.copyFileSync(`${r}/f`, `${r}/g`),
  'copyFile over a file': (fs, r) => fs.copyFileSync(`${r}/f`, `${r}/d/x`),
  'copyFile over a file, COPYFILE_EXCL': (fs, r) => fs.copyFileSync(`${r}/f`, `${r}/d/x`, COPYFILE_EXCL),
  'copyFile to a new name, COPYFILE_EXCL': (fs, r) => fs.copyFileSync(`${r}/f`, `${r}/g`, COPYFILE_EXCL),
  'copyFile from nothing': (fs, r) => fs.copyFileSync(`${r}/missing`, `${r}/g`),
  'truncate': (fs, r) => fs.truncateSync(`${r}/f`),
  'truncate, null': (fs, r) => fs.truncateSync(`${r}/f`, null),
  'truncate to 1': (fs, r) => fs.truncateSync(`${r}/f`, 1),
  'truncate to 10': (fs, r) => fs.truncateSync(`${r}/f`, 10),
  'truncate to 1.5': (fs, r) => fs.truncateSync(`${r}/f`, 1.5),
  'truncate to -1': (fs, r) => fs.truncateSync(`${r}/f`, -1),
  "truncate to '1'": (fs, r) => fs.truncateSync(`${r}/f`, '1' as never),
  'truncate to 2^53': (fs, r) => fs.truncateSync(`${r}/f`, 2 ** 53),
  'truncate nothing': (fs, r) => fs.truncateSync(`${r}/missing`, 0),
  'realpath of a directory with a trailing /': (fs, r) => fs.realpathSync(`${r}/d/`),
  'realpath through . and ..': (fs, r) => fs.realpathSync(`${r}/./d/../f`),
  'realpath.native through . and ..': (fs, r) => fs.realpathSync.native(`${r}/./d/../f`),
  'realpath of nothing': (fs, r) => fs.realpathSync(`${r}/missing`),
  'chmod a file': (fs, r) => fs.chmodSync(`${r}/f`, 0o644),
  'chmod nothing': (fs, r) => fs.chmodSync(`${r}/missing`, 0o644),
  'chown a file': (fs, r) => fs.chownSync(`${r}/f`, uid, gid),
  'chown nothing': (fs, r) => fs.chownSync(`${r}/missing`, uid, gid),
  'rename a file': (fs, r) => fs.renameSync(`${r}/f`, `${r}/g`),
  'rename nothing': (fs, r) => fs.renameSync(`${r}/missing`, `${r}/g`),
  'unlink a file': (fs, r) => fs.unlinkSync(`${r}/f`),
  'unlink nothing': (fs, r) => fs.unlinkSync(`${r}/missing`),
};


/** What `call` did on a fresh tree at `r`: its result or error, then the tree. */
function outcome(fs: NodeFsModule, r: string, call: Call): string {
  fs.writeFileSync(`${r}/f`, 'abc');
  fs.mkdirSync(`${r}/d`);
  fs.writeFileSync(`${r}/d/x`, 'xyz!');
  fs.mkdirSync(`${r}/e`);
  let what: string;
  try {
    const v = call(fs, r);
    what = `ok ${JSON.stringify(v === undefined ? null : v)?.split(r).join('<r>')}`;
  } catch (err) {
    const e = err as { code?: string; syscall?: string; message?: string };
    // node's argument errors name the argument: 'The value of "len" is out of range', 'The "path" argument must be'.
    const named = /^The (?:value of )?"(\w+)"/.exec(e.message ?? '')?.[1];
    what = `${e.code ?? 'no code'} ${e.syscall ?? ''}${named === undefined ? '' : `(${named})`}`;
    if (e.code === 'ERR_FS_EISDIR') what += e.message?.includes('Path is a directory') ? ' (says: Path is a directory)' : ' (message without the reason)';
  }
  return `${what} | ${tree(fs, r).join(' ')}`;
}

function outcomes(fs: NodeFsModule, root: string): Record<string, string> {
  const out: Record<string, string> = {};
  Object.entries(CALLS).forEach(([name, call], i) => {
    const r = `${root}/c${i}`;
    fs.mkdirSync(r);
    out[name] = outcome(fs, r, call);
  });
  return out;
}

describe('path calls of the sync facade, against node:fs', () => {
  const nodeOutcomes = (): Record<string, string> => outcomes(nodeFs as unknown as NodeFsModule, tempDir());

  it('answers every call as node:fs does (facade over MemFs)', () => {
    const mem = new MemFs();
    mem.createDirAll('/root');
    expect(outcomes(createNodeFsFacade(mem), '/root')).toEqual(nodeOutcomes());
  });

  it('answers every call as node:fs does (facade over CrashFs(NodeFs({ root })))', () => {
    const root = tempDir();
    expect(outcomes(createNodeFsFacade(new CrashFs(new NodeFs({ root }))), root)).toEqual(nodeOutcomes());
  });

  it('realpath of / is /', () => {
    const mem = new MemFs();
    expect(createNodeFsFacade(mem).realpathSync('/')).toBe(nodeFs.realpathSync('/'));
    expect(createNodeFsFacade(mem).realpathSync.native('/')).toBe(nodeFs.realpathSync.native('/'));
  });
});
