// FaultFs: rules fire exactly where armed (after N matches, M times, path filter),
// and each fault kind does what it says.

import { describe, expect, it } from 'vitest';
import { FaultFs, FsError, MemFs, readFile, writeAll, writeFile } from '../src/index.js';

const enc = (s: string): Uint8Array => new TextEncoder().encode(s);

function setup(): { inner: MemFs; fs: FaultFs } {
  const inner = new MemFs();
  inner.createDirAll('/d');
  return { inner, fs: new FaultFs(inner) };
}

function codeOf(fn: () => unknown): string | undefined {
  try {
    fn();
  } catch (err) {
    expect(err).toBeInstanceOf(FsError);
    return (err as FsError).code;
  }
  return undefined;
}

describe('FaultFs', () => {
  it('lets the first `after` matches pass, then fires `times` times, then passes again', () => {
    const { fs } = setup();
    const rule = fs.addRule({ op: 'open', after: 2, times: 2, fault: { type: 'error', code: 'EACCES' } });
    const open = () => fs.open('/d/f', { write: true, create: true }).close();
    expect(codeOf(open)).toBeUndefined();
    expect(codeOf(open)).toBeUndefined();
    expect(codeOf(open)).toBe('EACCES');
    expect(codeOf(open)).toBe('EACCES');
    expect(codeOf(open)).toBeUndefined();
    expect(rule.matched).toBe(5);
    expect(rule.fired).toBe(2);
    expect(fs.faultsInjected).toBe(2);
  });

  it('matches only paths containing the given substring', () => {
    const { fs } = setup();
    fs.addRule({ op: 'sync', path: 'MANIFEST', times: Infinity, fault: { type: 'error' } });
    const wal = fs.open('/d/000001.log', { write: true, create: true });
    wal.syncData();
    const man = fs.open('/d/MANIFEST-000002', { write: true, create: true });
    expect(codeOf(() => man.syncData())).toBe('EIO');
    expect(codeOf(() => man.syncAll())).toBe('EIO');
    wal.close();
    man.close();
  });

  it('does not touch the inner Fs when an error fires', () => {
    const { fs, inner } = setup();
    writeFile(inner, '/d/a', enc('1'));
    fs.addRule({ op: 'rename', fault: { type: 'error', code: 'EIO' } });
    expect(codeOf(() => fs.rename('/d/a', '/d/b'))).toBe('EIO');
    expect(inner.exists('/d/a')).toBe(true);
    expect(inner.exists('/d/b')).toBe(false);
    fs.addRule({ op: 'remove', fault: { type: 'error', code: 'EBUSY' } });
    expect(codeOf(() => fs.removeFile('/d/a'))).toBe('EBUSY');
    expect(inner.exists('/d/a')).toBe(true);
  });

  it('a rename rule can match the source or the target path', () => {
    const { fs, inner } = setup();
    writeFile(inner, '/d/CURRENT.tmp', enc('x'));
    writeFile(inner, '/d/other', enc('y'));
    fs.addRule({ op: 'rename', path: 'CURRENT.tmp', fault: { type: 'error' } });
    expect(codeOf(() => fs.rename('/d/CURRENT.tmp', '/d/CURRENT'))).toBe('EIO');
    fs.addRule({ op: 'rename', path: 'MANIFEST', fault: { type: 'error' } });
    expect(codeOf(() => fs.rename('/d/other', '/d/MANIFEST-000003'))).toBe('EIO');
    expect(codeOf(() => fs.rename('/d/CURRENT.tmp', '/d/CURRENT'))).toBeUndefined();
  });

  it('short writes pass only k bytes and report k; writeAll finishes the job', () => {
    const { fs, inner } = setup();
    fs.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 3 } });
    const f = fs.open('/d/w', { write: true, create: true });
    expect(f.write(enc('abcdefgh'))).toBe(3);
    expect(new TextDecoder().decode(readFile(inner, '/d/w'))).toBe('abc');
    fs.addRule({ op: 'write', fault: { type: 'shortWrite', bytes: 2 } });
    writeAll(f, enc('XYZW'));
    f.close();
    expect(new TextDecoder().decode(readFile(inner, '/d/w'))).toBe('abcXYZW');
  });

  it('a short write of 0 bytes makes writeAll fail with EIO instead of looping', () => {
    const { fs } = setup();
    fs.addRule({ op: 'write', times: Infinity, fault: { type: 'shortWrite', bytes: 0 } });
    const f = fs.open('/d/w', { write: true, create: true });
    expect(codeOf(() => writeAll(f, enc('abc')))).toBe('EIO');
    f.close();
  });

  it('corrupt-on-read flips exactly one bit of what was read, leaving the file intact', () => {
    const { fs, inner } = setup();
    const data = new Uint8Array(64).fill(0x55);
    writeFile(inner, '/d/r', data);
    fs.addRule({ op: 'read', fault: { type: 'corruptRead', bit: 8 * 10 + 3 } });
    const f = fs.open('/d/r');
    const buf = new Uint8Array(64);
    expect(f.read(buf, 0)).toBe(64);
    let flipped = 0;
    for (let i = 0; i < 64; i++) {
      const diff = buf[i]! ^ 0x55;
      if (diff !== 0) {
        expect(i).toBe(10);
        expect(diff).toBe(1 << 3);
        flipped++;
      }
    }
    expect(flipped).toBe(1);
    expect(f.read(buf, 0)).toBe(64);
    expect(buf.every((b) => b === 0x55)).toBe(true);
    f.close();
    expect(readFile(inner, '/d/r').every((b) => b === 0x55)).toBe(true);
  });

  it('picks corrupt-read bits deterministically from its seed', () => {
    const pick = (seed: number): number[] => {
      const inner = new MemFs();
      writeFile(inner, '/r', new Uint8Array(256));
      const fs = new FaultFs(inner, { seed });
      fs.addRule({ op: 'read', times: 5, fault: { type: 'corruptRead' } });
      const f = fs.open('/r');
      const out: number[] = [];
      for (let i = 0; i < 5; i++) {
        const buf = new Uint8Array(256);
        f.read(buf, 0);
        out.push(buf.findIndex((b) => b !== 0));
      }
      return out;
    };
    expect(pick(7)).toEqual(pick(7));
    expect(pick(7)).not.toEqual(pick(8));
  });

  it('fails close but still releases the handle', () => {
    const { fs } = setup();
    fs.addRule({ op: 'close', fault: { type: 'error', code: 'EIO' } });
    const f = fs.open('/d/c', { write: true, create: true });
    expect(codeOf(() => f.close())).toBe('EIO');
    expect(codeOf(() => f.size())).toBe('EBADF');
  });

  it('covers every namespace operation', () => {
    const { fs, inner } = setup();
    writeFile(inner, '/d/f', enc('1'));
    const cases: Array<[Parameters<FaultFs['addRule']>[0]['op'], () => unknown]> = [
      ['createDir', () => fs.createDirAll('/d/x')],
      ['readDir', () => fs.readDir('/d')],
      ['metadata', () => fs.metadata('/d/f')],
      ['exists', () => fs.exists('/d/f')],
      ['syncDirectory', () => fs.syncDirectory('/d')],
      ['hardLink', () => fs.hardLink('/d/f', '/d/g')],
      ['remove', () => fs.removeDirAll('/d')],
    ];
    for (const [op, fn] of cases) {
      fs.addRule({ op, fault: { type: 'error', code: 'ENOSPC' } });
      expect(codeOf(fn), op).toBe('ENOSPC');
    }
    const f = fs.open('/d/f', { write: true });
    for (const [op, fn] of [
      ['setLen', () => f.setLen(0)],
      ['size', () => f.size()],
      ['lock', () => f.tryLock()],
    ] as const) {
      fs.addRule({ op, fault: { type: 'error' } });
      expect(codeOf(fn), op).toBe('EIO');
    }
    f.close();
  });

  it('rejects malformed rules with EINVAL', () => {
    const { fs } = setup();
    expect(codeOf(() => fs.addRule({ op: 'read', fault: { type: 'shortWrite', bytes: 1 } }))).toBe('EINVAL');
    expect(codeOf(() => fs.addRule({ op: 'write', fault: { type: 'corruptRead' } }))).toBe('EINVAL');
    expect(codeOf(() => fs.addRule({ op: 'write', after: -1, fault: { type: 'error' } }))).toBe('EINVAL');
    expect(codeOf(() => fs.addRule({ op: 'write', times: 0.5, fault: { type: 'error' } }))).toBe('EINVAL');
  });

  it('disarm and clearRules stop rules from firing', () => {
    const { fs } = setup();
    const r = fs.addRule({ op: 'readDir', times: Infinity, fault: { type: 'error' } });
    expect(codeOf(() => fs.readDir('/d'))).toBe('EIO');
    r.disarm();
    expect(codeOf(() => fs.readDir('/d'))).toBeUndefined();
    fs.addRule({ op: 'readDir', times: Infinity, fault: { type: 'error' } });
    fs.clearRules();
    expect(codeOf(() => fs.readDir('/d'))).toBeUndefined();
  });
});
