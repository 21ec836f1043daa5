// The node:fs-shaped facade: node's calling conventions (descriptors, flags, positions,
// encodings, error codes), checked side by side with node:fs itself; and a log written
// against the node:fs API, crash-tested unchanged through the facade over a CrashFs.

import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { MemFs, NodeFs } from '@lsm/fs';
import { CrashFs, createNodeFsFacade, type NodeFsFacade } from '../src/index.js';

// node:fs itself satisfies the facade's type: code typed against NodeFsFacade takes either.
const asFacade: NodeFsFacade = nodeFs;

type Subject = { name: string; fs: NodeFsFacade; root: string; cleanup: () => void };

const subjects: Array<{ name: string; make: () => Subject }> = [
  {
    name: 'node:fs (reference)',
    make: () => {
      const root = nodeFs.mkdtempSync(join(tmpdir(), 'crashfs-facade-'));
      return { name: 'node', fs: asFacade, root, cleanup: () => nodeFs.rmSync(root, { recursive: true, force: true }) };
    },
  },
  {
    name: 'facade over MemFs',
    make: () => {
      const mem = new MemFs();
      mem.createDirAll('/root');
      return { name: 'mem', fs: createNodeFsFacade(mem), root: '/root', cleanup: () => {} };
    },
  },
  {
    name: 'facade over CrashFs(NodeFs({ root }))',
    make: () => {
      const root = nodeFs.mkdtempSync(join(tmpdir(), 'crashfs-facade-'));
      return { name: 'crash', fs: createNodeFsFacade(new CrashFs(new NodeFs({ root }))), root, cleanup: () => nodeFs.rmSync(root, { recursive: true, force: true }) };
    },
  },
];

function codeOf(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? 'no code';
  }
  return 'none';
}

describe.each(subjects)('$name', ({ make }) => {
  let s: Subject;
  let fs: NodeFsFacade;
  const p = (rel: string): string => `${s.root}/${rel}`;
  beforeEach(() => {
    s = make();
    fs = s.fs;
  });
  afterEach(() => s.cleanup());

  it('writes and reads through descriptors, with positions like node', () => {
    const fd = fs.openSync(p('f'), 'w+');
    expect(fs.writeSync(fd, Buffer.from('hello '))).toBe(6);
    expect(fs.writeSync(fd, 'world')).toBe(5);
    expect(fs.writeSync(fd, 'J', 0)).toBe(1); // positional: does not move the file position
    expect(fs.writeSync(fd, Buffer.from('xx!yy'), 2, 1)).toBe(1); // offset 2, length 1: '!'
    const buf = Buffer.alloc(20);
    expect(fs.readSync(fd, buf, 0, 20, 0)).toBe(12);
    expect(buf.toString('utf8', 0, 12)).toBe('Jello world!');
    expect(fs.readSync(fd, buf, { position: 6, length: 5 })).toBe(5);
    expect(buf.toString('utf8', 0, 5)).toBe('world');
    fs.ftruncateSync(fd, 5);
    fs.fdatasyncSync(fd);
    fs.fsyncSync(fd);
    expect(fs.fstatSync(fd).size).toBe(5);
    fs.closeSync(fd);
    expect(fs.readFileSync(p('f'), 'utf8')).toBe('Jello');
  });

  it('reads sequentially from the file position', () => {
    fs.writeFileSync(p('seq'), 'abcdefgh');
    const fd = fs.openSync(p('seq'), 'r');
    const b = Buffer.alloc(3);
    expect(fs.readSync(fd, b, 0, 3, null)).toBe(3);
    expect(b.toString()).toBe('abc');
    expect(fs.readSync(fd, b, 0, 3, null)).toBe(3);
    expect(b.toString()).toBe('def');
    expect(fs.readFileSync(fd, 'utf8')).toBe('gh'); // the rest, from the position
    fs.closeSync(fd);
  });

  it('honours the flags', () => {
    fs.writeFileSync(p('x'), 'first');
    expect(codeOf(() => fs.openSync(p('x'), 'wx'))).toBe('EEXIST');
    expect(codeOf(() => fs.openSync(p('x'), 'ax'))).toBe('EEXIST');
    expect(codeOf(() => fs.openSync(p('missing'), 'r'))).toBe('ENOENT');
    expect(codeOf(() => fs.openSync(p('missing'), 'r+'))).toBe('ENOENT');
    expect(codeOf(() => fs.openSync(p('x'), 'bogus'))).toBe('ERR_INVALID_ARG_VALUE');
    const a = fs.openSync(p('x'), 'a');
    fs.writeSync(a, '+more', 0); // append mode: the position is ignored on Linux
    fs.closeSync(a);
    expect(fs.readFileSync(p('x'), 'utf8')).toBe('first+more');
    const w = fs.openSync(p('x'), 'w');
    fs.closeSync(w);
    expect(fs.readFileSync(p('x')).length).toBe(0);
    const r = fs.openSync(p('x'), 'r');
    expect(codeOf(() => fs.writeSync(r, 'no'))).toBe('EBADF');
    fs.closeSync(r);
    expect(codeOf(() => fs.closeSync(r))).toBe('EBADF');
    fs.appendFileSync(p('x'), 'a');
    fs.appendFileSync(p('x'), Buffer.from('b'));
    expect(fs.readFileSync(p('x'), { encoding: 'utf8' })).toBe('ab');
  });

  it('returns a Buffer without an encoding, a string with one', () => {
    fs.writeFileSync(p('b'), new Uint8Array([104, 105]));
    const buf = fs.readFileSync(p('b'));
    expect(Buffer.isBuffer(buf)).toBe(true);
    expect(buf.toString('hex')).toBe('6869');
    expect(fs.readFileSync(p('b'), 'latin1')).toBe('hi');
    fs.writeFileSync(p('h'), '6869', 'hex');
    expect(fs.readFileSync(p('h'), 'utf8')).toBe('hi');
  });

  it('manages directories like node', () => {
    fs.mkdirSync(p('d'));
    expect(codeOf(() => fs.mkdirSync(p('d')))).toBe('EEXIST');
    expect(codeOf(() => fs.mkdirSync(p('no/such')))).toBe('ENOENT');
    expect(fs.mkdirSync(p('d/e/f'), { recursive: true })).toBe(p('d/e'));
    expect(fs.mkdirSync(p('d/e/f'), { recursive: true })).toBeUndefined();
    fs.writeFileSync(p('d/file'), '1');
    expect(fs.readdirSync(p('d')).sort()).toEqual(['e', 'file']);
    const dirents = fs.readdirSync(p('d'), { withFileTypes: true }).sort((x, y) => (x.name < y.name ? -1 : 1));
    expect(dirents.map((d) => [d.name, d.isDirectory(), d.isFile()])).toEqual([
      ['e', true, false],
      ['file', false, true],
    ]);
    expect(fs.statSync(p('d')).isDirectory()).toBe(true);
    expect(fs.statSync(p('d/file')).size).toBe(1);
    expect(fs.statSync(p('d/file')).mtime).toBeInstanceOf(Date);
    expect(fs.statSync(p('nope'), { throwIfNoEntry: false })).toBeUndefined();
    expect(codeOf(() => fs.statSync(p('nope')))).toBe('ENOENT');
    expect(fs.existsSync(p('d/file'))).toBe(true);
    expect(fs.existsSync(p('d/none'))).toBe(false);
    fs.renameSync(p('d/file'), p('d/moved'));
    expect(fs.existsSync(p('d/file'))).toBe(false);
    fs.unlinkSync(p('d/moved'));
    expect(codeOf(() => fs.unlinkSync(p('d/moved')))).toBe('ENOENT');
    expect(codeOf(() => fs.unlinkSync(p('d')))).toBe('EISDIR');
  });

  it('opens a directory read-only to fsync it, as POSIX code does', () => {
    fs.mkdirSync(p('dir'));
    const dfd = fs.openSync(p('dir'), 'r');
    fs.fsyncSync(dfd);
    expect(fs.fstatSync(dfd).isDirectory()).toBe(true);
    expect(codeOf(() => fs.readSync(dfd, Buffer.alloc(1), 0, 1, 0))).toBe('EISDIR');
    fs.closeSync(dfd);
    expect(codeOf(() => fs.openSync(p('dir'), 'w'))).toBe('EISDIR');
  });
});

// A log written against node's API: no Fs, no CrashFs in sight.
type SyncFs = Pick<NodeFsFacade, 'openSync' | 'writeSync' | 'fdatasyncSync' | 'fsyncSync' | 'closeSync' | 'mkdirSync' | 'readFileSync' | 'existsSync'>;

class NodeStyleLog {
  private constructor(
    private readonly fs: SyncFs,
    private readonly fd: number,
  ) {}

  static open(fs: SyncFs, dir: string, opts: { syncDir: boolean }): NodeStyleLog {
    fs.mkdirSync(dir, { recursive: true });
    const fd = fs.openSync(`${dir}/log.txt`, 'a');
    if (opts.syncDir) {
      for (const d of [dir, dir.slice(0, dir.lastIndexOf('/')) || '/']) {
        const dfd = fs.openSync(d, 'r');
        fs.fsyncSync(dfd);
        fs.closeSync(dfd);
      }
    }
    return new NodeStyleLog(fs, fd);
  }

  append(line: string): void {
    fs_write(this.fs, this.fd, `${line}\n`);
    this.fs.fdatasyncSync(this.fd);
  }

  static read(fs: SyncFs, dir: string): string[] {
    if (!fs.existsSync(`${dir}/log.txt`)) return [];
    const text = fs.readFileSync(`${dir}/log.txt`, 'utf8');
    return text.split('\n').slice(0, -1); // a torn last line has no newline: dropped
  }
}

function fs_write(fs: SyncFs, fd: number, s: string): void {
  const bytes = Buffer.from(s);
  let off = 0;
  while (off < bytes.length) off += fs.writeSync(fd, bytes, off, bytes.length - off, null);
}

describe('node:fs-style code, crash-tested unchanged', () => {
  const run = (syncDir: boolean, seed: number): { acked: string[]; recovered: string[] } => {
    const mem = new MemFs();
    const crashFs = new CrashFs(mem, { seed });
    const log = NodeStyleLog.open(createNodeFsFacade(crashFs), '/data', { syncDir });
    const acked: string[] = [];
    for (let i = 0; i < 3; i++) {
      log.append(`line ${i}`);
      acked.push(`line ${i}`);
    }
    crashFs.crash();
    return { acked, recovered: NodeStyleLog.read(createNodeFsFacade(mem), '/data') };
  };

  it('catches the missing directory fsync', () => {
    const r = run(false, 1);
    expect(r.recovered).toEqual([]);
    expect(r.recovered).not.toEqual(r.acked);
  });

  it('passes with the directory fsync, over many seeds', () => {
    for (let seed = 0; seed < 30; seed++) {
      const r = run(true, seed);
      expect(r.recovered).toEqual(r.acked);
    }
  });

  it('runs the same code on real node:fs', () => {
    const root = nodeFs.mkdtempSync(join(tmpdir(), 'crashfs-nodelog-'));
    try {
      const log = NodeStyleLog.open(nodeFs, `${root}/data`, { syncDir: true });
      log.append('real');
      expect(NodeStyleLog.read(nodeFs, `${root}/data`)).toEqual(['real']);
    } finally {
      nodeFs.rmSync(root, { recursive: true, force: true });
    }
  });
});

describe('facade errors', () => {
  it('carries node codes and rejects bad arguments like node', () => {
    const fs = createNodeFsFacade(new MemFs());
    expect(codeOf(() => fs.readSync(999, Buffer.alloc(1), 0, 1, 0))).toBe('EBADF');
    expect(codeOf(() => fs.fsyncSync(999))).toBe('EBADF');
    const fd = fs.openSync('/f', 'w+');
    expect(codeOf(() => fs.readSync(fd, Buffer.alloc(4), 3, 4, 0))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => fs.writeSync(fd, Buffer.alloc(4), 5))).toBe('ERR_OUT_OF_RANGE');
    expect(codeOf(() => fs.readSync(fd, Buffer.alloc(4), 0, 4, -5))).toBe('ERR_OUT_OF_RANGE');
    fs.ftruncateSync(fd, -3); // node clamps to 0
    expect(fs.fstatSync(fd).size).toBe(0);
    const nums = new Uint16Array([0x4241]);
    fs.writeSync(fd, nums);
    expect(fs.readFileSync('/f', 'latin1')).toBe('AB');
    fs.closeSync(fd);
    expect(codeOf(() => fs.openSync(42 as unknown as string, 'r'))).toBe('ERR_INVALID_ARG_TYPE');
  });

  it('gives descriptors that are never reused', () => {
    const fs = createNodeFsFacade(new MemFs());
    const a = fs.openSync('/a', 'w');
    fs.closeSync(a);
    const b = fs.openSync('/b', 'w');
    expect(b).not.toBe(a);
    expect(codeOf(() => fs.writeSync(a, 'x'))).toBe('EBADF');
    fs.closeSync(b);
  });
});
