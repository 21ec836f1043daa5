// I/O failures: an Fs error while reading surfaces as LSM_IO (with the FsError as cause);
// one while writing makes the writer fail, report it, and remove the partial file.

import { FaultFs, FsError, MemFs, type FaultRule } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { IoError } from '@lsm/base';
import { b, expectLsmError, numKey } from '@lsm/base/testing';
import { Table } from '../src/table.js';
import { TableWriter } from '../src/table-writer.js';
import { tableVerify } from '../src/verify.js';

function writeSample(fs: FaultFs | MemFs, path: string, n = 500): void {
  const w = new TableWriter(fs, path, { blockSize: 256 });
  for (let i = 0; i < n; i++) w.put(numKey(i), 1, b(`value-${i}`));
  w.finish();
}

describe('read faults', () => {
  it('an EIO during a data block read is LSM_IO with the FsError as cause; the table stays usable', () => {
    const fs = new FaultFs(new MemFs());
    writeSample(fs, '/t.sst');
    const t = Table.open(fs, '/t.sst');
    fs.addRule({ op: 'read', fault: { type: 'error', code: 'EIO' } });
    const err = expectLsmError(() => t.get(numKey(7)), 'LSM_IO');
    expect(err).toBeInstanceOf(IoError);
    expect(err.cause).toBeInstanceOf(FsError);
    expect((err.cause as FsError).code).toBe('EIO');
    expect(err.message).toContain('/t.sst');
    expect(new TextDecoder().decode(t.get(numKey(7))!.value)).toBe('value-7'); // the rule fired once
    const it = t.iterator();
    it.seekToFirst();
    fs.addRule({ op: 'read', fault: { type: 'error' } });
    let thrown: unknown;
    try {
      for (; it.valid(); it.next()) {
        // scan until the next block read fails
      }
    } catch (e) {
      thrown = e;
    }
    expect((thrown as IoError).code).toBe('LSM_IO');
    expect(it.valid()).toBe(false);
    it.seekToFirst(); // re-seek works
    expect(it.valid()).toBe(true);
  });

  it('EIO while opening (footer, properties, index) is LSM_IO; a missing file is LSM_IO with ENOENT', () => {
    const mem = new MemFs();
    writeSample(mem, '/t.sst');
    for (let after = 0; after < 6; after++) {
      const fs = new FaultFs(mem);
      fs.addRule({ op: 'read', after, fault: { type: 'error' } });
      try {
        Table.open(fs, '/t.sst').close();
        expect(fs.faultsInjected).toBe(0); // opened before the rule could fire
      } catch (err) {
        expect((err as IoError).code).toBe('LSM_IO');
      }
    }
    const err = expectLsmError(() => Table.open(mem, '/missing.sst'), 'LSM_IO');
    expect((err.cause as FsError).code).toBe('ENOENT');
    const fs = new FaultFs(mem);
    fs.addRule({ op: 'size', fault: { type: 'error' } });
    expectLsmError(() => Table.open(fs, '/t.sst'), 'LSM_IO');
    fs.addRule({ op: 'read', fault: { type: 'error' } });
    expectLsmError(() => tableVerify(fs, '/t.sst'), 'LSM_IO');
  });

  it('a block the index names but the file no longer holds (short read) is corruption, not I/O', () => {
    const mem = new MemFs();
    writeSample(mem, '/t.sst');
    const t = Table.open(mem, '/t.sst');
    const f = mem.open('/t.sst', { write: true });
    f.setLen(300); // cut the file under the open table
    f.close();
    const err = expectLsmError(() => t.get(numKey(400)), 'LSM_CORRUPTION');
    expect(err.message).toContain('/t.sst');
    expect(err.message).toMatch(/offset \d+/);
  });

  it('a bit flipped in flight is caught by the block checksum', () => {
    const fs = new FaultFs(new MemFs());
    writeSample(fs, '/t.sst');
    const t = Table.open(fs, '/t.sst');
    fs.addRule({ op: 'read', fault: { type: 'corruptRead' } });
    expectLsmError(() => t.get(numKey(100)), 'LSM_CORRUPTION');
  });
});

describe('write faults', () => {
  // A full disk has its own code (LSM_NO_SPACE); every other failure is LSM_IO.
  const rules: Array<[string, FaultRule, string]> = [
    ['EIO on the first write', { op: 'write', fault: { type: 'error', code: 'EIO' } }, 'LSM_IO'],
    ['ENOSPC on a later write', { op: 'write', after: 1, fault: { type: 'error', code: 'ENOSPC' } }, 'LSM_NO_SPACE'],
    ['writes that make no progress', { op: 'write', times: Infinity, fault: { type: 'shortWrite', bytes: 0 } }, 'LSM_IO'],
    ['fsync failure', { op: 'sync', fault: { type: 'error' } }, 'LSM_IO'],
    ['close failure', { op: 'close', fault: { type: 'error' } }, 'LSM_IO'],
  ];
  for (const [name, rule, code] of rules) {
    it(`${name}: finish reports ${code} and leaves no table behind`, () => {
      const mem = new MemFs();
      const fs = new FaultFs(mem);
      fs.addRule({ ...rule, path: '/t.sst' });
      const w = new TableWriter(fs, '/t.sst', { blockSize: 256 });
      let err: unknown;
      try {
        // ~75 KB of entries: less than the 256 KiB write buffer, so the first write happens in finish().
        for (let i = 0; i < 3000; i++) w.put(numKey(i), 1, b(`value-${i}`));
        w.finish();
      } catch (e) {
        err = e;
      }
      expect(err, 'the fault must surface').toBeDefined();
      expect((err as IoError).code).toBe(code);
      expect((err as IoError).cause).toBeInstanceOf(FsError);
      expect(mem.exists('/t.sst')).toBe(false);
      expectLsmError(() => w.finish(), 'LSM_CLOSED');
    });
  }

  it('a write failure in the middle of add() (a full write buffer) fails the writer', () => {
    const mem = new MemFs();
    const fs = new FaultFs(mem);
    fs.addRule({ op: 'write', fault: { type: 'error' } });
    const w = new TableWriter(fs, '/t.sst', { blockSize: 4096 });
    const v = new Uint8Array(1000);
    let err: unknown;
    try {
      for (let i = 0; i < 1000; i++) w.put(numKey(i), 1, v);
    } catch (e) {
      err = e;
    }
    expect((err as IoError).code).toBe('LSM_IO');
    expect(mem.exists('/t.sst')).toBe(false);
    expectLsmError(() => w.put(numKey(5000), 1, v), 'LSM_CLOSED');
  });

  it('a failing create is LSM_IO', () => {
    const fs = new FaultFs(new MemFs());
    fs.addRule({ op: 'open', fault: { type: 'error', code: 'EACCES' } });
    expectLsmError(() => new TableWriter(fs, '/t.sst'), 'LSM_IO');
  });
});
