// NodeFs({ root }) at its edges: symlink loops, dangling links that stay inside, a root of
// '/', malformed roots, and what the refusal says. Each case is something a user of a
// confined NodeFs would see go wrong: a crash instead of EACCES, a path inside refused,
// or a refusal that does not say which root it broke.

import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FsError, NodeFs, readFile, writeFile } from '../src/index.js';
import { thrown } from './thrown.js';

let base: string;
let root: string;

beforeEach(() => {
  base = mkdtempSync(join(tmpdir(), 'lsm-fs-root-edges-'));
  root = join(base, 'root');
  mkdirSync(root);
  mkdirSync(join(base, 'out'));
});
afterEach(() => rmSync(base, { recursive: true, force: true }));

describe('NodeFs({ root }) edges', () => {
  it('refuses a path through a loop of dangling symlinks with EACCES (not a stack overflow), saying why', () => {
    symlinkSync(join(root, 'loop-b'), join(root, 'loop-a'));
    symlinkSync(join(root, 'loop-a'), join(root, 'loop-b'));
    const fs = new NodeFs({ root });
    const err = thrown(() => fs.open(join(root, 'loop-a/x'), { write: true, create: true }));
    expect(err.code).toBe('EACCES');
    expect(err.message).toContain('too many symlinks');
    expect(err.message).toContain(root);
  });

  it('refuses a root that leads through a symlink loop with ELOOP', () => {
    symlinkSync(join(base, 'r2'), join(base, 'r1'));
    symlinkSync(join(base, 'r1'), join(base, 'r2'));
    const err = thrown(() => new NodeFs({ root: join(base, 'r1/db') }));
    expect(err.code).toBe('ELOOP');
    expect(err.syscall).toBe('NodeFs');
    expect(err.path).toBe(join(base, 'r1/db'));
    expect(err.message).toBe(`ELOOP: NodeFs '${join(base, 'r1/db')}': the root leads through too many symlinks`);
  });

  it('follows a dangling symlink that stays inside: creating through it creates the target inside', () => {
    symlinkSync(join(root, 'target'), join(root, 'alias'));
    const fs = new NodeFs({ root });
    writeFile(fs, join(root, 'alias'), new Uint8Array([7]), { sync: true });
    expect(readFileSync(join(root, 'target'))).toEqual(Buffer.from([7]));
    // A relative dangling link to a deeper place inside.
    mkdirSync(join(root, 'sub'));
    symlinkSync('sub/later', join(root, 'rel'));
    writeFile(fs, join(root, 'rel'), new Uint8Array([8]), { sync: true });
    expect(readFileSync(join(root, 'sub/later'))).toEqual(Buffer.from([8]));
  });

  it('refuses a relative dangling symlink that climbs out, and a path below it', () => {
    symlinkSync('../out/later', join(root, 'climb'));
    const fs = new NodeFs({ root });
    // The refusal says exactly where the path leads: the link's target, then the rest of the path.
    for (const [p, to] of [[join(root, 'climb'), join(base, 'out/later')], [join(root, 'climb/x'), join(base, 'out/later/x')]] as const) {
      const err = thrown(() => fs.createDirAll(p));
      expect(err.code).toBe('EACCES');
      expect(err.message).toContain(`resolves to '${to}', outside the root`);
    }
    expect(existsSync(join(base, 'out/later'))).toBe(false);
  });

  it('a refusal names the path, where it resolves, and the root it is outside of', () => {
    const fs = new NodeFs({ root });
    const err = thrown(() => fs.metadata(join(base, 'out')));
    expect(err.code).toBe('EACCES');
    expect(err.syscall).toBe('stat');
    expect(err.message).toContain(join(base, 'out'));
    expect(err.message).toContain(`outside the root '${root}'`);
  });

  it('a root of / confines nothing: every absolute path is inside', () => {
    writeFileSync(join(base, 'out/f'), 'x');
    const fs = new NodeFs({ root: '/' });
    expect(fs.exists(join(base, 'out/f'))).toBe(true);
    expect(readFile(fs, join(base, 'out/f'))).toEqual(new TextEncoder().encode('x'));
  });

  it('rejects a root that is not a non-empty string without NUL bytes, naming the problem', () => {
    for (const bad of ['', 'a\0b', 42, null, {}]) {
      const err = thrown(() => new NodeFs({ root: bad as string }));
      expect(err.code).toBe('EINVAL');
      expect(err.syscall).toBe('NodeFs');
      expect(err.message).toContain('EINVAL: NodeFs: root must be a non-empty path');
    }
  });

  it('a refusal names the call as node would (the syscall), for every kind of call', () => {
    const fs = new NodeFs({ root });
    const out = join(base, 'out');
    const inside = join(root, 'f');
    writeFileSync(inside, 'x');
    const calls: Array<[string, () => unknown]> = [
      ['open', () => fs.open(join(out, 'x'))],
      ['mkdir', () => fs.createDirAll(join(out, 'x'))],
      ['scandir', () => fs.readDir(out)],
      ['unlink', () => fs.removeFile(join(out, 'x'))],
      ['rm', () => fs.removeDirAll(out)],
      ['rename', () => fs.rename(inside, join(out, 'x'))],
      ['rename', () => fs.rename(join(out, 'x'), inside)],
      ['stat', () => fs.metadata(out)],
      ['access', () => fs.exists(out)],
      ['fsync', () => fs.syncDirectory(out)],
      ['link', () => fs.hardLink(inside, join(out, 'x'))],
      ['link', () => fs.hardLink(join(out, 'x'), join(root, 'g'))],
    ];
    for (const [syscall, call] of calls) {
      const err = thrown(call);
      expect([err.code, err.syscall]).toEqual(['EACCES', syscall]);
    }
  });
});
