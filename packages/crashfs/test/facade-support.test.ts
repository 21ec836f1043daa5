// What every form of the node:fs facade shares: each open flag, path arguments (string, Buffer, URL), argument errors and Stats/Dirent, side by side with node:fs.

import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { MemFs, NodeFs } from '@lsm/fs';
import { CrashFs, createNodeFsFacade, type NodeFsModule } from '../src/index.js';

const FLAGS = ['r', 'rs', 'sr', 'r+', 'rs+', 'sr+', 'w', 'wx', 'xw', 'w+', 'wx+', 'xw+', 'a', 'as', 'sa', 'ax', 'xa', 'a+', 'as+', 'sa+', 'ax+', 'xa+'];

const code = (err: unknown): string => (err as { code?: string }).code ?? 'no code';

/**
 * What a program sees when it opens `name` with `flag`: the open's error, or whether it can
 * write 'XY' through the descriptor, whether it can read back from position 0, and what the
 * file holds afterwards.
 */
function behaviour(fs: NodeFsModule, path: string, flag: string): string {
  let fd: number;
  try {
    fd = fs.openSync(path, flag);
  } catch (err) {
    return `open: ${code(err)}`;
  }
  let wrote: string;
  try {
    wrote = String(fs.writeSync(fd, 'XY'));
  } catch (err) {
    wrote = code(err);
  }
  let read: string;
  try {
    const buf = Buffer.alloc(16);
    read = buf.toString('utf8', 0, fs.readSync(fd, buf, 0, 16, 0));
  } catch (err) {
    read = code(err);
  }
  fs.closeSync(fd);
  const content = fs.existsSync(path) ? fs.readFileSync(path, 'utf8') : '<none>';
  return `write: ${wrote}, read: ${read}, file: ${content}`;
}

function allBehaviours(fs: NodeFsModule, root: string): Record<string, string> {
  const out: Record<string, string> = {};
  FLAGS.forEach((flag, i) => {
    fs.writeFileSync(`${root}/existing${i}`, 'abcdef');
    out[`${flag} on an existing file`] = behaviour(fs, `${root}/existing${i}`, flag);
    out[`${flag} on a missing file`] = behaviour(fs, `${root}/missing${i}`, flag);
  });
  return out;
}

const temps: string[] = [];
const tempDir = (): string => {
  const d = nodeFs.mkdtempSync(join(tmpdir(), 'crashfs-support-'));
  temps.push(d);
  return d;
};
afterEach(() => {
  for (const d of temps.splice(0)) nodeFs.rmSync(d, { recursive: true, force: true });
});

const facades: Array<{ name: string; make: () => { fs: NodeFsModule; root: string } }> = [
  {
    name: 'facade over MemFs',
    make: () => {
      const mem = new MemFs();
      mem.createDirAll('/root');
      return { fs: createNodeFsFacade(mem), root: '/root' };
    },
  },
  {
    name: 'facade over CrashFs(NodeFs({ root }))',
    make: () => {
      const root = tempDir();
      return { fs: createNodeFsFacade(new CrashFs(new NodeFs({ root }))), root };
    },
  },
];

describe('open flags', () => {
  it.each(facades)('every flag node accepts behaves as on node:fs ($name)', ({ make }) => {
    const nodeRoot = tempDir();
    const expected = allBehaviours(nodeFs as unknown as NodeFsModule, nodeRoot);
    const { fs, root } = make();
    expect(allBehaviours(fs, root)).toEqual(expected);
  });

  it('a flag that is not a string is refused, naming the argument, even when it would spell one', () => {
    const mem = new MemFs();
    mem.createDirAll('/root');
    const fs = createNodeFsFacade(mem);
    fs.writeFileSync('/root/f', 'data');
    // ['r'] would index the flag table as 'r'; node refuses it (ERR_INVALID_ARG_VALUE).
    let err: unknown;
    try {
      fs.openSync('/root/f', ['r'] as unknown as string);
    } catch (e) {
      err = e;
    }
    expect(code(err)).toBe('ERR_INVALID_ARG_VALUE');
    expect(codeOfNode(() => nodeFs.openSync(nodeFile(), ['r'] as unknown as string))).toBe('ERR_INVALID_ARG_VALUE');
    expect(err).toBeInstanceOf(TypeError);
    expect((err as Error).message).toContain("'flags'");
    expect((err as Error).message).toContain('Received r');
  });
});

function codeOfNode(fn: () => unknown): string {
  try {
    fn();
  } catch (err) {
    return code(err);
  }
  return 'none';
}

function nodeFile(): string {
  const d = tempDir();
  nodeFs.writeFileSync(`${d}/f`, 'data');
  return `${d}/f`;
}

describe('path arguments', () => {
  const make = (): NodeFsModule => {
    const mem = new MemFs();
    mem.createDirAll('/root');
    const fs = createNodeFsFacade(mem);
    fs.writeFileSync('/root/f é', 'data');
    return fs;
  };

  it('a Buffer or Uint8Array path names the same file as its string', () => {
    const fs = make();
    expect(fs.readFileSync(Buffer.from('/root/f é') as unknown as string, 'utf8')).toBe('data');
    // A view into the middle of a larger buffer: only its own bytes are the path.
    const big = Buffer.from('xx/root/f éyy');
    const view = new Uint8Array(big.buffer, big.byteOffset + 2, big.length - 4);
    expect(fs.readFileSync(view as unknown as string, 'utf8')).toBe('data');
  });

  it('a file: URL names its (decoded) path; a URL of another scheme is refused, not resolved', () => {
    const fs = make();
    expect(fs.readFileSync(new URL('file:///root/f%20%C3%A9') as unknown as string, 'utf8')).toBe('data');
    let err: unknown;
    try {
      fs.readFileSync(new URL('http://host/root/f%20%C3%A9') as unknown as string, 'utf8');
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TypeError);
    expect(code(err)).toMatch(/^ERR_INVALID_/);
  });

  it('a path of another type is ERR_INVALID_ARG_TYPE, naming the argument and what it must be', () => {
    const fs = make();
    let err: unknown;
    try {
      fs.statSync(42 as unknown as string); // (readFileSync would take 42 as a descriptor, as node does)
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(TypeError);
    expect(code(err)).toBe('ERR_INVALID_ARG_TYPE');
    expect((err as Error).message).toBe('The "path" argument must be of type string, Buffer or URL. Received number');
  });
});

describe('argument errors in the callback form', () => {
  it('are thrown at once, as node does, while file errors go to the callback', async () => {
    const mem = new MemFs();
    mem.createDirAll('/root');
    const fs = createNodeFsFacade(mem);
    const thrown = (f: (cb: (err: unknown) => void) => void): unknown => {
      try {
        f(() => {});
      } catch (err) {
        return err;
      }
      return undefined;
    };
    for (const impl of [fs, nodeFs as unknown as NodeFsModule]) {
      const t = thrown((cb) => impl.stat(42 as unknown as string, cb));
      expect(t).toBeInstanceOf(TypeError);
      expect(code(t)).toBe('ERR_INVALID_ARG_TYPE');
    }
    // A file error is not an argument error: it reaches the callback.
    const viaCallback = await new Promise<unknown>((resolve) => {
      expect(thrown(() => fs.stat('/root/missing', (err: unknown) => resolve(err)))).toBeUndefined();
    });
    expect(code(viaCallback)).toBe('ENOENT');
  });

  it('an out-of-range position is thrown at once as ERR_OUT_OF_RANGE, naming the argument', () => {
    const mem = new MemFs();
    mem.createDirAll('/root');
    const fs = createNodeFsFacade(mem);
    fs.writeFileSync('/root/f', 'data');
    const fd = fs.openSync('/root/f', 'r');
    let err: unknown;
    try {
      fs.read(fd, Buffer.alloc(4), 0, 4, -2, () => {
        err = 'reached the callback';
      });
    } catch (e) {
      err = e;
    }
    fs.closeSync(fd);
    expect(err).toBeInstanceOf(RangeError);
    expect(code(err)).toBe('ERR_OUT_OF_RANGE');
    expect((err as Error).message).toContain('"position"');
  });
});

describe('options', () => {
  it('null options read a Buffer and write with the default flag, as node does', () => {
    const mem = new MemFs();
    mem.createDirAll('/root');
    const fs = createNodeFsFacade(mem);
    fs.writeFileSync('/root/f', 'data', null as never);
    const got = fs.readFileSync('/root/f', null as never) as unknown;
    expect(Buffer.isBuffer(got)).toBe(true);
    // an options object without a flag uses the default ('r' to read, 'w' to write)
    fs.writeFileSync('/root/f', 'new', { encoding: 'utf8' });
    expect(fs.readFileSync('/root/f', { encoding: 'utf8' })).toBe('new');
    // an encoding that is not a string (null) means bytes, as on node
    expect(Buffer.isBuffer(fs.readFileSync('/root/f', { encoding: null }))).toBe(true);
  });
});

describe('Stats and Dirent', () => {
  it('nothing in the model is a symbolic link: stat and readdir say so, like node for files and directories', () => {
    const mem = new MemFs();
    mem.createDirAll('/root/d');
    const fs = createNodeFsFacade(mem);
    fs.writeFileSync('/root/f', 'x');
    expect(fs.statSync('/root/f').isSymbolicLink()).toBe(false);
    expect(fs.statSync('/root/d').isSymbolicLink()).toBe(false);
    for (const d of fs.readdirSync('/root', { withFileTypes: true })) expect(d.isSymbolicLink()).toBe(false);
    expect(fs.statSync('/root/f').uid).toBe(process.getuid!());
    expect(fs.statSync('/root/f').gid).toBe(process.getgid!());
  });
});
