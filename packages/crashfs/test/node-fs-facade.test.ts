// The sync node:fs facade's descriptor calls, side by side with node:fs: which offsets, lengths and positions readSync/writeSync/ftruncateSync accept or refuse (and with what code), fstat of a directory, and EBADF naming the syscall.

import * as nodeFs from 'node:fs';
import { describe, expect, it } from 'vitest';
import { FaultFs, MemFs, NodeFs } from '@lsm/fs';
import { CrashFs, createNodeFsFacade, type NodeFsModule } from '../src/index.js';
import { tempDirs } from './helpers.js';

const tempDir = tempDirs('crashfs-facade-args-');

const outcome = (fn: () => unknown): string => {
  try {
    return `ok ${String(fn())}`;
  } catch (err) {
    // The code, and the argument a range or type error names (node: 'The value of "offset" is out of range').
    const named = /^The (?:value of )?"(\w+)"/.exec((err as Error).message)?.[1];
    return `${(err as { code?: string }).code ?? 'no code'}${named === undefined ? '' : ` (${named})`}`;
  }
};

type Call = [string, (fs: NodeFsModule, fd: number, buf: Buffer) => unknown];

const args = (o: number | bigint | null | undefined): string => String(o);
const CALLS: Call[] = [];
for (const [off, len] of [[0, 8], [2, 4], [4, 4], [-1, 2], [9, 1], [1.5, 2], [0, -1], [0, 9], [4, 5], [8, 0], [0, 0]] as Array<[number | undefined | null, number | undefined | null]>) {
  for (const pos of [0, 2, null, -1, 3n, -1n, 1.5, -2, 2 ** 53] as Array<number | bigint | null>) {
    CALLS.push([`readSync(fd, buf8, ${args(off)}, ${args(len)}, ${args(pos)})`, (fs, fd, buf) => `${fs.readSync(fd, buf, off as number, len as number, pos)} ${buf.toString('latin1')}`]);
    CALLS.push([`readSync(fd, buf8, { offset: ${args(off)}, length: ${args(len)}, position: ${args(pos)} })`, (fs, fd, buf) => `${fs.readSync(fd, buf, { offset: off as number, length: len as number, position: pos })} ${buf.toString('latin1')}`]);
    // Positions node's readSync refuses; its writeSync takes any non-number as 'here' (not modelled).
    if (typeof pos !== 'bigint' && pos !== -1 && pos !== 1.5 && pos !== -2 && pos !== 2 ** 53) {
      CALLS.push([`writeSync(fd, 'ABCDEFGH', ${args(off)}, ${args(len)}, ${args(pos)})`, (fs, fd) => `${fs.writeSync(fd, Buffer.from('ABCDEFGH'), off, len, pos)} ${fs.readFileSync(pathOf(fs), 'latin1')}`]);
    }
  }
}
// Offsets and lengths of the wrong type, and omitted ones (each call's own defaults).
for (const [off, len] of [['1', 2], [1, '2'], [undefined, 3], [2, undefined], [null, null], [{}, 1]] as Array<[unknown, unknown]>) {
  const shown = `${JSON.stringify(off) ?? 'undefined'}, ${JSON.stringify(len) ?? 'undefined'}`;
  CALLS.push([`readSync(fd, buf8, ${shown}, 0)`, (fs, fd, buf) => `${fs.readSync(fd, buf, off as number, len as number, 0)} ${buf.toString('latin1')}`]);
  CALLS.push([`readSync(fd, buf8, { offset: ${shown} })`, (fs, fd, buf) => `${fs.readSync(fd, buf, { offset: off as number, length: len as number })} ${buf.toString('latin1')}`]);
  CALLS.push([`writeSync(fd, 'ABCDEFGH', ${shown}, 0)`, (fs, fd) => `${fs.writeSync(fd, Buffer.from('ABCDEFGH'), off as number, len as number, 0)} ${fs.readFileSync(pathOf(fs), 'latin1')}`]);
  CALLS.push([`writeSync(fd, 'ABCDEFGH', { offset: ${shown} })`, (fs, fd) => `${fs.writeSync(fd, Buffer.from('ABCDEFGH'), { offset: off, length: len } as never)} ${fs.readFileSync(pathOf(fs), 'latin1')}`]);
}
CALLS.push(['readSync(fd, buf8, 2)', (fs, fd, buf) => String((fs.readSync as (...a: unknown[]) => number)(fd, buf, 2))]);
CALLS.push(['readSync(fd, buf8, [2])', (fs, fd, buf) => String((fs.readSync as (...a: unknown[]) => number)(fd, buf, [2]))]);
CALLS.push(['readSync(fd, empty, 0, 1, 0)', (fs, fd) => String(fs.readSync(fd, Buffer.alloc(0), 0, 1, 0))]);
CALLS.push(['readSync(fd, empty, 0, 0, 0)', (fs, fd) => String(fs.readSync(fd, Buffer.alloc(0), 0, 0, 0))]);
CALLS.push(['readSync(fd, buf8, null) reads all of it at the cursor', (fs, fd, buf) => `${(fs.readSync as (...a: unknown[]) => number)(fd, buf, null)} ${buf.toString('latin1')}`]);
CALLS.push(['writeSync(fd, buf8, 1, 2.5, 0)', (fs, fd) => `${fs.writeSync(fd, Buffer.from('ABCDEFGH'), 1, 2.5, 0)} ${fs.readFileSync(pathOf(fs), 'latin1')}`]);
CALLS.push(['writeSync(fd, buf8, null) writes all of it at the cursor', (fs, fd) => `${fs.writeSync(fd, Buffer.from('ABCDEFGH'), null as never)} ${fs.readFileSync(pathOf(fs), 'latin1')}`]);
CALLS.push(['readSync(fd, buf8) twice, at the cursor', (fs, fd, buf) => `${fs.readSync(fd, buf.subarray(0, 3))} ${fs.readSync(fd, buf.subarray(3))} ${buf.toString('latin1')}`]);
CALLS.push(["writeSync(fd, 'xy') twice, at the cursor", (fs, fd) => `${fs.writeSync(fd, 'xy')} ${fs.writeSync(fd, 'zw', null, 'latin1')} ${fs.readFileSync(pathOf(fs), 'latin1')}`]);
for (const len of [0, 3, 20, 1.5, -1]) CALLS.push([`ftruncateSync(fd, ${len})`, (fs, fd) => `${String(fs.ftruncateSync(fd, len))} ${fs.readFileSync(pathOf(fs), 'latin1').length}`]);
CALLS.push(["writeSync(fd, '4142', 1, 'hex')", (fs, fd) => `${fs.writeSync(fd, '4142', 1, 'hex')} ${fs.readFileSync(pathOf(fs), 'latin1')}`]);
CALLS.push(["writeSync(fd, 'xy', -1)", (fs, fd) => `${fs.writeSync(fd, 'xy', -1)} ${fs.readFileSync(pathOf(fs), 'latin1')}`]);
CALLS.push(['readFileSync(fd) after reading 3', (fs, fd, buf) => `${fs.readSync(fd, buf, 0, 3, null)} ${fs.readFileSync(fd, 'latin1')}`]);
CALLS.push(['readFileSync(fd) after reading 3 and truncating to 1', (fs, fd, buf) => `${fs.readSync(fd, buf, 0, 3, null)} ${String(fs.ftruncateSync(fd, 1))} [${fs.readFileSync(fd, 'latin1')}]`]);

const paths = new WeakMap<object, string>();
const pathOf = (fs: NodeFsModule): string => paths.get(fs)!;

/** Runs every call on a fresh 'abcdefgh' file opened r+, and says what each did. */
function outcomes(fs: NodeFsModule, dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  CALLS.forEach(([name, call], i) => {
    const p = `${dir}/f${i}`;
    fs.writeFileSync(p, 'abcdefgh');
    paths.set(fs, p);
    const fd = fs.openSync(p, 'r+');
    const buf = Buffer.from('........');
    out[name] = outcome(() => call(fs, fd, buf));
    fs.closeSync(fd);
  });
  return out;
}

describe('descriptor calls: arguments', () => {
  const nodeOutcomes = (): Record<string, string> => outcomes(nodeFs as unknown as NodeFsModule, tempDir());

  it('accepts and refuses offsets, lengths and positions as node:fs does (facade over MemFs)', () => {
    const mem = new MemFs();
    mem.createDirAll('/root');
    expect(outcomes(createNodeFsFacade(mem), '/root')).toEqual(nodeOutcomes());
  });

  it('accepts and refuses offsets, lengths and positions as node:fs does (facade over CrashFs(NodeFs({ root })))', () => {
    const root = tempDir();
    expect(outcomes(createNodeFsFacade(new CrashFs(new NodeFs({ root }))), root)).toEqual(nodeOutcomes());
  });
});

describe('descriptor calls: kinds and bad descriptors', () => {
  const subjects = (): Array<[string, NodeFsModule, string]> => {
    const mem = new MemFs();
    mem.createDirAll('/root');
    return [
      ['node', nodeFs as unknown as NodeFsModule, tempDir()],
      ['facade', createNodeFsFacade(mem), '/root'],
    ];
  };

  it('fstat tells a directory descriptor from a file descriptor; fsync and fdatasync of a directory succeed', () => {
    for (const [, fs, root] of subjects()) {
      fs.mkdirSync(`${root}/d`);
      fs.writeFileSync(`${root}/f`, 'abc');
      const d = fs.openSync(`${root}/d`, 'r');
      const f = fs.openSync(`${root}/f`, 'r');
      expect([fs.fstatSync(d).isDirectory(), fs.fstatSync(d).isFile()]).toEqual([true, false]);
      expect([fs.fstatSync(f).isDirectory(), fs.fstatSync(f).isFile(), fs.fstatSync(f).size]).toEqual([false, true, 3]);
      fs.fsyncSync(d);
      fs.fdatasyncSync(d);
      fs.closeSync(d);
      fs.closeSync(f);
    }
  });

  it('a closed descriptor is EBADF, with the syscall named in the message', () => {
    for (const [, fs, root] of subjects()) {
      fs.writeFileSync(`${root}/f`, 'abc');
      const fd = fs.openSync(`${root}/f`, 'r+');
      fs.closeSync(fd);
      const calls: Array<[string, () => unknown]> = [
        ['close', () => fs.closeSync(fd)],
        ['fstat', () => fs.fstatSync(fd)],
        ['read', () => fs.readSync(fd, Buffer.alloc(1), 0, 1, 0)],
        ['write', () => fs.writeSync(fd, 'x')],
        ['fsync', () => fs.fsyncSync(fd)],
        ['fdatasync', () => fs.fdatasyncSync(fd)],
        ['ftruncate', () => fs.ftruncateSync(fd, 0)],
      ];
      for (const [syscall, call] of calls) {
        let err: unknown;
        try {
          call();
        } catch (e) {
          err = e;
        }
        expect((err as { code?: string }).code).toBe('EBADF');
        expect((err as Error).message).toMatch(new RegExp(`\\b${syscall}\\b`));
      }
    }
  });
});

describe('whole-file writes over short writes', () => {
  it('writeFileSync and appendFileSync go on after a short write until every byte is down', () => {
    const faults = new FaultFs(new MemFs());
    const fs = createNodeFsFacade(faults);
    fs.writeFileSync('/f', '');
    // Every write takes 3 bytes at most: the facade must continue from where each stopped.
    faults.addRule({ op: 'write', times: Infinity, fault: { type: 'shortWrite', bytes: 3 } });
    fs.writeFileSync('/f', 'abcdefghij');
    fs.appendFileSync('/f', 'KLMNOPQ');
    const fd = fs.openSync('/f', 'r+');
    fs.writeFileSync(fd, '0123456');
    fs.closeSync(fd);
    faults.clearRules();
    expect(fs.readFileSync('/f', 'latin1')).toBe('0123456hijKLMNOPQ');
  });

  it('a write that makes no progress is EIO naming write, not an endless loop', () => {
    const faults = new FaultFs(new MemFs());
    const fs = createNodeFsFacade(faults);
    faults.addRule({ op: 'write', times: Infinity, fault: { type: 'shortWrite', bytes: 0 } });
    let err: unknown;
    try {
      fs.writeFileSync('/f', 'abc');
    } catch (e) {
      err = e;
    }
    expect((err as { code?: string }).code).toBe('EIO');
    expect((err as { syscall?: string }).syscall).toBe('write');
    expect((err as Error).message).toContain('write made no progress');
  });
});
