// createReadStream and createWriteStream of the node:fs facade, side by side with node:fs: chunking, ranges, encodings, given descriptors, autoClose, close(cb).

import * as nodeFs from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FaultFs, MemFs, NodeFs } from '@lsm/fs';
import { CrashFs, createNodeFsFacade, type NodeFsModule } from '../src/index.js';

type Subject = { fs: NodeFsModule; root: string; cleanup: () => void };

const subjects: Array<{ name: string; make: () => Subject }> = [
  {
    name: 'node:fs (reference)',
    make: () => {
      const root = nodeFs.mkdtempSync(join(tmpdir(), 'crashfs-streams-'));
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
      const root = nodeFs.mkdtempSync(join(tmpdir(), 'crashfs-streams-'));
      return { fs: createNodeFsFacade(new CrashFs(new NodeFs({ root }))), root, cleanup: () => nodeFs.rmSync(root, { recursive: true, force: true }) };
    },
  },
];

const code = (fn: () => unknown): string => {
  try {
    fn();
  } catch (err) {
    return (err as { code?: string }).code ?? 'no code';
  }
  return 'none';
};

/** Every chunk a readable gives as 'data', once it has ended (and had a moment to close). */
async function drain(s: NodeJS.ReadableStream): Promise<Array<Buffer | string>> {
  const chunks: Array<Buffer | string> = [];
  await new Promise<void>((resolve, reject) => {
    s.on('data', (c: Buffer | string) => chunks.push(c));
    s.once('end', () => resolve());
    s.once('error', reject);
  });
  await new Promise((resolve) => setTimeout(resolve, 10));
  return chunks;
}

const finished = (s: NodeJS.WritableStream & { once(ev: string, f: (...a: unknown[]) => void): unknown }): Promise<void> =>
  new Promise((resolve, reject) => {
    s.once('close', () => resolve());
    s.once('error', reject);
  });

describe.each(subjects)('$name', ({ make }) => {
  let s: Subject;
  let fs: NodeFsModule;
  const p = (rel: string): string => `${s.root}/${rel}`;
  beforeEach(() => {
    s = make();
    fs = s.fs;
  });
  afterEach(() => s.cleanup());

  it('reads every byte of a file larger than highWaterMark, in chunks of that size, as Buffers, counting bytesRead', async () => {
    fs.writeFileSync(p('f'), 'abcdefghijkl');
    const rs = fs.createReadStream(p('f'), { highWaterMark: 5 });
    expect(rs.path).toBe(p('f'));
    const chunks = await drain(rs);
    expect(chunks.every((c) => Buffer.isBuffer(c))).toBe(true);
    expect(chunks.map((c) => c.length)).toEqual([5, 5, 2]);
    expect(Buffer.concat(chunks as Buffer[]).toString()).toBe('abcdefghijkl');
    expect(rs.bytesRead).toBe(12);
  });

  it('end without start bounds the read from the start: bytes 0..end, inclusive, also across chunks', async () => {
    // What a user would see go wrong: a library reading a file's header this way gets the whole file.
    fs.writeFileSync(p('f'), 'abcdefghijkl');
    expect(Buffer.concat((await drain(fs.createReadStream(p('f'), { end: 3 }))) as Buffer[]).toString()).toBe('abcd');
    const rs = fs.createReadStream(p('f'), { end: 6, highWaterMark: 2 });
    const chunks = await drain(rs);
    expect(chunks.map((c) => c.length)).toEqual([2, 2, 2, 1]);
    expect(rs.bytesRead).toBe(7);
    expect(Buffer.concat((await drain(fs.createReadStream(p('f'), { end: 0 }))) as Buffer[]).toString()).toBe('a');
  });

  it('realpathSync.native resolves like realpathSync', () => {
    fs.mkdirSync(p('d'));
    fs.writeFileSync(p('d/f'), 'x');
    const native = (fs.realpathSync as unknown as { native(path: string): string }).native;
    expect(native(p('d/../d/./f'))).toBe(fs.realpathSync(p('d/f')));
    expect(code(() => native(p('missing')))).toBe('ENOENT');
  });

  it('with an encoding, gives strings', async () => {
    fs.writeFileSync(p('f'), 'héllo');
    const chunks = await drain(fs.createReadStream(p('f'), 'utf8'));
    expect(chunks).toEqual(['héllo']);
  });

  it('opens the path itself: emits open with the descriptor, then ready, and closes it at the end', async () => {
    fs.writeFileSync(p('f'), 'abc');
    const rs = fs.createReadStream(p('f'));
    const events: string[] = [];
    let fd = -1;
    rs.on('open', (d: number) => {
      fd = d;
      events.push('open');
    });
    rs.on('ready', () => events.push('ready'));
    await drain(rs);
    expect(events).toEqual(['open', 'ready']);
    expect(typeof fd).toBe('number');
    expect(code(() => fs.fstatSync(fd))).toBe('EBADF'); // no descriptor leaks
  });

  it('given a descriptor, reads from it, not from the path, and closes it at the end (autoClose)', async () => {
    fs.writeFileSync(p('f'), 'from the fd');
    const fd = fs.openSync(p('f'), 'r');
    const chunks = await drain(fs.createReadStream(p('not-there'), { fd, encoding: 'utf8' }));
    expect(chunks.join('')).toBe('from the fd');
    expect(code(() => fs.fstatSync(fd))).toBe('EBADF');
  });

  it('given a descriptor and autoClose: false, leaves it open for its owner', async () => {
    fs.writeFileSync(p('f'), 'abc');
    const fd = fs.openSync(p('f'), 'r');
    await drain(fs.createReadStream(p('f'), { fd, autoClose: false }));
    expect(fs.fstatSync(fd).size).toBe(3);
    fs.closeSync(fd);
    const wfd = fs.openSync(p('w'), 'w');
    const ws = fs.createWriteStream(p('w'), { fd: wfd, autoClose: false });
    ws.end('written');
    await new Promise<void>((resolve) => ws.once('finish', resolve));
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(code(() => fs.fstatSync(wfd))).toBe('none');
    fs.closeSync(wfd);
    expect(fs.readFileSync(p('w'), 'utf8')).toBe('written');
  });

  it('a descriptor closed under the stream: destroying it reports EBADF', async () => {
    fs.writeFileSync(p('f'), 'abc');
    const fd = fs.openSync(p('f'), 'r');
    const rs = fs.createReadStream(p('f'), { fd });
    fs.closeSync(fd);
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      rs.on('error', resolve);
      rs.destroy();
    });
    expect(err.code).toBe('EBADF');
  });

  it('a read that fails (descriptor closed under the stream) errors the stream with EBADF instead of hanging', async () => {
    fs.writeFileSync(p('f'), 'abc');
    const fd = fs.openSync(p('f'), 'r');
    const rs = fs.createReadStream(p('f'), { fd, autoClose: false });
    fs.closeSync(fd);
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      rs.on('error', resolve);
      rs.resume();
    });
    expect(err.code).toBe('EBADF');
  });

  it('a write that fails (descriptor opened read-only) errors the stream with EBADF', async () => {
    fs.writeFileSync(p('f'), 'abc');
    const fd = fs.openSync(p('f'), 'r');
    const ws = fs.createWriteStream(p('f'), { fd, autoClose: false });
    const err = await new Promise<NodeJS.ErrnoException>((resolve) => {
      ws.on('error', resolve);
      ws.write('x');
    });
    expect(err.code).toBe('EBADF');
    fs.closeSync(fd);
    expect(fs.readFileSync(p('f'), 'utf8')).toBe('abc');
  });

  it('close() without a callback on a read stream closes it and releases the descriptor', async () => {
    fs.writeFileSync(p('f'), 'abc');
    const rs = fs.createReadStream(p('f'));
    const fd = await new Promise<number>((resolve) => rs.once('open', resolve));
    const closed = new Promise<void>((resolve) => rs.once('close', () => resolve()));
    rs.close();
    await closed;
    await new Promise((resolve) => setTimeout(resolve, 10));
    expect(code(() => fs.fstatSync(fd))).toBe('EBADF');
  });

  it('close(cb) on a read stream calls back once closed, with the descriptor released', async () => {
    fs.writeFileSync(p('f'), 'abc');
    const rs = fs.createReadStream(p('f'));
    const fd = await new Promise<number>((resolve) => rs.once('open', resolve));
    await new Promise<void>((resolve) => rs.close(() => resolve()));
    expect(code(() => fs.fstatSync(fd))).toBe('EBADF');
  });

  it('createWriteStream replaces the file by default, appends with flags a', async () => {
    fs.writeFileSync(p('f'), 'old content');
    const ws = fs.createWriteStream(p('f'));
    ws.end('new');
    await finished(ws);
    expect(fs.readFileSync(p('f'), 'utf8')).toBe('new');
    const wa = fs.createWriteStream(p('f'), { flags: 'a' });
    wa.end('+more');
    await finished(wa);
    expect(fs.readFileSync(p('f'), 'utf8')).toBe('new+more');
  });

  it("the stream's encoding decodes the strings written to it", async () => {
    const ws = fs.createWriteStream(p('f'), 'hex');
    ws.write('4142');
    ws.end('43');
    await finished(ws);
    expect(fs.readFileSync(p('f'), 'utf8')).toBe('ABC');
  });

  it('start: chunks land one after another from there, counted in bytesWritten', async () => {
    fs.writeFileSync(p('f'), 'abcdefgh');
    const ws = fs.createWriteStream(p('f'), { flags: 'r+', start: 2 });
    ws.write('XY');
    ws.end('Z');
    await finished(ws);
    expect(fs.readFileSync(p('f'), 'utf8')).toBe('abXYZfgh');
    expect(ws.bytesWritten).toBe(3);
  });

  it('close() without a callback ends the stream; close(cb) calls back after the data is in the file, and again once closed', async () => {
    const ws = fs.createWriteStream(p('f'));
    ws.write('one');
    const done = finished(ws);
    ws.close();
    await done;
    expect(fs.readFileSync(p('f'), 'utf8')).toBe('one');

    const w2 = fs.createWriteStream(p('g'));
    w2.write('two');
    await new Promise<void>((resolve) => w2.close(() => resolve()));
    expect(fs.readFileSync(p('g'), 'utf8')).toBe('two');
    expect(w2.closed).toBe(true);
    const again = await Promise.race([
      new Promise<string>((resolve) => w2.close(() => resolve('called back'))),
      new Promise<string>((resolve) => setTimeout(() => resolve('never called back'), 500)),
    ]);
    expect(again).toBe('called back');
  });
});

describe('write streams over an Fs that writes short', () => {
  // A short write (fewer bytes than asked) is legal for any Fs; the stream must carry on
  // from the byte where it stopped, at the file position after it.
  it.each([
    ['at start 2', { flags: 'r+', start: 2 }, '..ABCDEFGHIJ'],
    ['at the descriptor position', { flags: 'a' }, '..........ABCDEFGHIJ'],
  ])('%s: every byte lands once, in order', async (_, options, expected) => {
    const fault = new FaultFs(new MemFs());
    const fs = createNodeFsFacade(fault);
    fs.writeFileSync('/f', '..........');
    fault.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 3 }, times: 3 });
    const ws = fs.createWriteStream('/f', options);
    ws.write('ABCDEFGHIJ');
    ws.end();
    await finished(ws);
    expect(fs.readFileSync('/f', 'latin1')).toBe(expected);
    expect(ws.bytesWritten).toBe(10);
  });
});
