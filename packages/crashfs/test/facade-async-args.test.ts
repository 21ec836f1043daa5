// The callback and promise forms' arguments and error delivery, side by side with node:fs:
// which calls throw at once (argument errors, a missing callback) and which report through
// the callback or promise (I/O errors such as EBADF), what a read or write callback is
// given on failure, and FileHandle.read's forms (options object, omitted length, offset or
// position). A wrapper that reports an argument error late, or an I/O error early, changes
// the control flow of the code under test; one that reads the wrong range corrupts its data.

import * as nodeFs from 'node:fs';
import { MemFs, NodeFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { CrashFs, createNodeFsFacade, type NodeFsModule } from '../src/index.js';
import { tempDirs } from './helpers.js';

const tempDir = tempDirs('crashfs-async-args-');

/** What an error says: its code and, for node's argument errors, the argument it names. */
const described = (err: unknown): string => {
  const named = /^The (?:value of )?"(\w+)"/.exec((err as Error).message)?.[1];
  return `${(err as { code?: string }).code ?? 'no code'}${named === undefined ? '' : ` (${named})`}`;
};

type CallbackCall = (fs: NodeFsModule, fd: number, cb: (...values: unknown[]) => void) => void;

/** Runs a callback-form call: 'throws X' if it threw at once, else what the callback got. */
function callbackOutcome(fs: NodeFsModule, fd: number, call: CallbackCall): Promise<string> {
  return new Promise((resolve) => {
    let sync = true;
    try {
      call(fs, fd, (...values: unknown[]) => {
        const [err, ...rest] = values;
        const shown = rest.map((v) => (Buffer.isBuffer(v) ? `<buffer ${v.toString('latin1')}>` : String(v)));
        resolve(`${sync ? 'called back at once' : 'called back'}: ${err === null ? 'null' : described(err)}; ${values.length} values; ${shown.join(', ')}`);
      });
    } catch (err) {
      resolve(`throws ${described(err)}`);
    }
    sync = false;
  });
}

const CALLBACK_CALLS: Record<string, CallbackCall> = {
  'read(fd, buf, 0, 3, 0, cb)': (fs, fd, cb) => fs.read(fd, Buffer.from('....'), 0, 3, 0, cb),
  'read(fd, buf, -1, 3, 0, cb)': (fs, fd, cb) => fs.read(fd, Buffer.from('....'), -1, 3, 0, cb),
  'read(fd, buf, 0, 9, 0, cb)': (fs, fd, cb) => fs.read(fd, Buffer.from('....'), 0, 9, 0, cb),
  'read(closed fd, buf, 0, 3, 0, cb)': (fs, fd, cb) => {
    fs.closeSync(fd);
    fs.read(fd, Buffer.from('....'), 0, 3, 0, cb);
  },
  'write(fd, buf, 0, 2, 1, cb)': (fs, fd, cb) => fs.write(fd, Buffer.from('XY'), 0, 2, 1, cb),
  'write(fd, buf, 3, 1, 0, cb)': (fs, fd, cb) => fs.write(fd, Buffer.from('XY'), 3, 1, 0, cb),
  'write(closed fd, buf, 0, 2, 0, cb)': (fs, fd, cb) => {
    fs.closeSync(fd);
    fs.write(fd, Buffer.from('XY'), 0, 2, 0, cb);
  },
  'write(fd, string, cb)': (fs, fd, cb) => fs.write(fd, 'pq', cb),
  'fsync(closed fd, cb)': (fs, fd, cb) => {
    fs.closeSync(fd);
    fs.fsync(fd, cb);
  },
  'fstat(fd) without a callback': (fs, fd) => (fs.fstat as unknown as (fd: number) => void)(fd),
  'close(fd, "not a function")': (fs, fd) => (fs.close as unknown as (fd: number, cb: string) => void)(fd, 'not a function'),
};

async function callbackOutcomes(fs: NodeFsModule, dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let i = 0;
  for (const [name, call] of Object.entries(CALLBACK_CALLS)) {
    const p = `${dir}/f${i++}`;
    fs.writeFileSync(p, 'abcdef');
    const fd = fs.openSync(p, 'r+');
    out[name] = await callbackOutcome(fs, fd, call);
    try {
      fs.closeSync(fd);
    } catch {
      // closed by the call
    }
    out[`${name}: file after`] = fs.readFileSync(p, 'latin1');
  }
  return out;
}

type HandleCall = (fh: Awaited<ReturnType<NodeFsModule['promises']['open']>>) => Promise<unknown>;

const HANDLE_CALLS: Record<string, HandleCall> = {
  'read(buf)': async (fh) => {
    const b = Buffer.from('....');
    const r = await fh.read(b);
    return `${r.bytesRead} ${b.toString('latin1')}`;
  },
  'read(buf, 1)': async (fh) => {
    const b = Buffer.from('....');
    const r = await fh.read(b, 1);
    return `${r.bytesRead} ${b.toString('latin1')}`;
  },
  'read(buf, 1, 2)': async (fh) => {
    const b = Buffer.from('....');
    const r = await fh.read(b, 1, 2);
    return `${r.bytesRead} ${b.toString('latin1')}`;
  },
  'read(buf, null, null, 3)': async (fh) => {
    const b = Buffer.from('....');
    const r = await fh.read(b, null, null, 3);
    return `${r.bytesRead} ${b.toString('latin1')}`;
  },
  'read(buf, 0, 2) twice: the position advances': async (fh) => {
    const b = Buffer.from('....');
    await fh.read(b, 0, 2);
    const r = await fh.read(b, 2, 2);
    return `${r.bytesRead} ${b.toString('latin1')}`;
  },
  'read({ buffer, offset: 1, length: 2, position: 2 })': async (fh) => {
    const b = Buffer.from('....');
    const r = await fh.read({ buffer: b, offset: 1, length: 2, position: 2 });
    return `${r.bytesRead} ${b.toString('latin1')} ${r.buffer === b}`;
  },
  'read({ buffer })': async (fh) => {
    const b = Buffer.from('........');
    const r = await fh.read({ buffer: b });
    return `${r.bytesRead} ${b.toString('latin1')}`;
  },
  'datasync, then read the file': async (fh) => {
    await fh.write('Z', 0);
    await fh.datasync();
    return 'ok';
  },
  'appendFile': async (fh) => {
    await fh.appendFile('+');
    return 'ok';
  },
  'close twice, then read': async (fh) => {
    await fh.close();
    await fh.close();
    return fh.read(Buffer.alloc(1), 0, 1, 0);
  },
};

async function handleOutcomes(fs: NodeFsModule, dir: string): Promise<Record<string, string>> {
  const out: Record<string, string> = {};
  let i = 0;
  for (const [name, call] of Object.entries(HANDLE_CALLS)) {
    const p = `${dir}/h${i++}`;
    fs.writeFileSync(p, 'abcdef');
    const fh = await fs.promises.open(p, 'r+');
    try {
      out[name] = `ok ${String(await call(fh))}`;
    } catch (err) {
      out[name] = described(err);
    }
    await fh.close();
    out[`${name}: file after`] = fs.readFileSync(p, 'latin1');
  }
  await fs.promises.appendFile(`${dir}/h0`, '!');
  out['promises.appendFile(path)'] = fs.readFileSync(`${dir}/h0`, 'latin1');
  return out;
}

const facades = (): Array<[string, () => [NodeFsModule, string]]> => [
  [
    'MemFs',
    () => {
      const mem = new MemFs();
      mem.createDirAll('/root');
      return [createNodeFsFacade(mem), '/root'];
    },
  ],
  [
    'CrashFs(NodeFs({ root }))',
    () => {
      const root = tempDir();
      return [createNodeFsFacade(new CrashFs(new NodeFs({ root }))), root];
    },
  ],
];

describe('callback forms: what throws at once and what the callback gets, as node:fs', () => {
  it.each(facades())('facade over %s', async (_, make) => {
    const [fs, dir] = make();
    const expected = await callbackOutcomes(nodeFs as unknown as NodeFsModule, tempDir());
    expect(await callbackOutcomes(fs, dir)).toEqual(expected);
  });
});

describe('FileHandle: read forms, datasync, appendFile, close, as node:fs', () => {
  it.each(facades())('facade over %s', async (_, make) => {
    const [fs, dir] = make();
    const expected = await handleOutcomes(nodeFs as unknown as NodeFsModule, tempDir());
    expect(await handleOutcomes(fs, dir)).toEqual(expected);
  });

  it('FileHandle.datasync makes the data durable on CrashFs', async () => {
    const mem = new MemFs();
    const crash = new CrashFs(mem);
    const fs = createNodeFsFacade(crash);
    fs.writeFileSync('/f', 'abc');
    const dir = fs.openSync('/', 'r');
    fs.fsyncSync(dir);
    fs.closeSync(dir);
    const fh = await fs.promises.open('/f', 'r+');
    await fh.write('XY', 1);
    await fh.datasync();
    await fh.write('Q', 0); // not synced: gone after the crash
    await fh.close();
    crash.crash();
    expect(createNodeFsFacade(mem).readFileSync('/f', 'latin1')).toBe('aXY');
  });
});
