// The error contract: each error class carries its stable code, name and a message naming
// what failed; toIoError turns Fs failures into IoError / NoSpaceError and lets our own
// errors and bugs (anything without an errno-style code) through unchanged.

import { FsError } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import {
  closedError,
  CorruptionError,
  InvalidArgumentError,
  IoError,
  isLsmError,
  LsmError,
  NoSpaceError,
  NotSupportedError,
  toIoError,
} from '../src/errors.js';

describe('error classes', () => {
  it('carry their code, name and message, and are LsmErrors', () => {
    const cases: [LsmError, string, string, string][] = [
      [new LsmError('LSM_LOCKED', 'held by pid 7'), 'LSM_LOCKED', 'LsmError', 'held by pid 7'],
      [new InvalidArgumentError('key out of order'), 'LSM_INVALID_ARGUMENT', 'InvalidArgumentError', 'key out of order'],
      [new NotSupportedError('format version 9'), 'LSM_NOT_SUPPORTED', 'NotSupportedError', 'format version 9'],
      [new CorruptionError('000012.sst', 4096, 'bad block checksum'), 'LSM_CORRUPTION', 'CorruptionError', 'corruption in 000012.sst at offset 4096: bad block checksum'],
      [new IoError('reading 000012.sst', new Error('EIO: read')), 'LSM_IO', 'IoError', 'reading 000012.sst: EIO: read'],
      [new NoSpaceError('writing the log', new Error('ENOSPC: write')), 'LSM_NO_SPACE', 'NoSpaceError', 'writing the log: no space left (ENOSPC: write)'],
      [closedError('table reader'), 'LSM_CLOSED', 'LsmError', 'table reader is closed'],
    ];
    for (const [err, code, name, message] of cases) {
      expect(err).toBeInstanceOf(LsmError);
      expect(err).toBeInstanceOf(Error);
      expect(err.code).toBe(code);
      expect(err.name).toBe(name);
      expect(err.message).toBe(message);
    }
  });

  it('CorruptionError names the file and the offset', () => {
    const err = new CorruptionError('MANIFEST-000003', 77, 'truncated record');
    expect(err.file).toBe('MANIFEST-000003');
    expect(err.offset).toBe(77);
  });

  it('keeps a cause when one is given, and has none otherwise', () => {
    const cause = new Error('underlying');
    expect(new CorruptionError('f', 0, 'x', { cause }).cause).toBe(cause);
    expect(new InvalidArgumentError('x', { cause }).cause).toBe(cause);
    expect(new NotSupportedError('x', { cause }).cause).toBe(cause);
    expect(new IoError('x', cause).cause).toBe(cause);
    expect(new NoSpaceError('x', cause).cause).toBe(cause);
    expect('cause' in new LsmError('LSM_IO', 'x')).toBe(false);
    expect('cause' in new LsmError('LSM_IO', 'x', {})).toBe(false);
    expect('cause' in new InvalidArgumentError('x')).toBe(false);
  });

  it('IoError and NoSpaceError describe a cause that is not an Error', () => {
    expect(new IoError('syncing the log', 'disk gone').message).toBe('syncing the log: disk gone');
    expect(new NoSpaceError('flushing', 42).message).toBe('flushing: no space left (42)');
  });
});

describe('isLsmError', () => {
  it('matches LsmErrors, by code when one is given', () => {
    const err = new InvalidArgumentError('x');
    expect(isLsmError(err)).toBe(true);
    expect(isLsmError(err, 'LSM_INVALID_ARGUMENT')).toBe(true);
    expect(isLsmError(err, 'LSM_CORRUPTION')).toBe(false);
    expect(isLsmError(closedError('db'), 'LSM_CLOSED')).toBe(true);
  });

  it('does not match other errors, even ones carrying an LSM code', () => {
    const lookalike = Object.assign(new Error('x'), { code: 'LSM_CORRUPTION' });
    expect(isLsmError(lookalike)).toBe(false);
    expect(isLsmError(lookalike, 'LSM_CORRUPTION')).toBe(false);
    expect(isLsmError(undefined)).toBe(false);
  });
});

describe('toIoError', () => {
  it('passes our own errors through unchanged', () => {
    const err = new CorruptionError('f', 1, 'x');
    expect(toIoError(err, 'reading f')).toBe(err);
    const closed = closedError('db');
    expect(toIoError(closed, 'reading f')).toBe(closed);
  });

  it('turns an FsError into an IoError naming what failed, with the FsError as cause', () => {
    const fsErr = new FsError('EIO', 'read', '/db/000001.sst');
    const err = toIoError(fsErr, 'reading 000001.sst') as IoError;
    expect(err).toBeInstanceOf(IoError);
    expect(err.code).toBe('LSM_IO');
    expect(err.cause).toBe(fsErr);
    expect(err.message).toBe("reading 000001.sst: EIO: read '/db/000001.sst'");
  });

  it('turns every FsError into an IoError, whatever its code looks like', () => {
    // FaultFs injects FsErrors with any code a test chooses.
    const injected = new FsError('FAULT_INJECTED', 'read', '/db/000002.sst');
    const err = toIoError(injected, 'reading 000002.sst');
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).cause).toBe(injected);
  });

  it('turns a full disk (ENOSPC, EDQUOT) into a NoSpaceError, from an FsError or a node error', () => {
    const fsErr = new FsError('ENOSPC', 'write', '/db/LOG');
    const a = toIoError(fsErr, 'appending to the log') as NoSpaceError;
    expect(a).toBeInstanceOf(NoSpaceError);
    expect(a.code).toBe('LSM_NO_SPACE');
    expect(a.cause).toBe(fsErr);
    expect(a.message).toBe("appending to the log: no space left (ENOSPC: write '/db/LOG')");
    const quota = Object.assign(new Error('EDQUOT: disk quota exceeded'), { code: 'EDQUOT' });
    const b = toIoError(quota, 'writing a table') as NoSpaceError;
    expect(b).toBeInstanceOf(NoSpaceError);
    expect(b.cause).toBe(quota);
    expect(b.message).toContain('writing a table');
  });

  it('turns anything with an errno-style code into an IoError', () => {
    const nodeErr = Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' });
    const err = toIoError(nodeErr, 'opening LOCK');
    expect(err).toBeInstanceOf(IoError);
    expect((err as IoError).cause).toBe(nodeErr);
    expect(toIoError({ code: 'E2BIG' }, 'x')).toBeInstanceOf(IoError);
  });

  it('lets bugs and non-errno codes through unchanged', () => {
    const bug = new TypeError('x is not a function');
    expect(toIoError(bug, 'x')).toBe(bug);
    // Node's own ERR_* codes are programming errors, not I/O failures.
    const assertion = Object.assign(new Error('assertion'), { code: 'ERR_ASSERTION' });
    expect(toIoError(assertion, 'x')).toBe(assertion);
    // The errno pattern is anchored at both ends.
    const foreign = Object.assign(new Error('sqlite'), { code: 'SQLITE_EBUSY' });
    expect(toIoError(foreign, 'x')).toBe(foreign);
    const lower = Object.assign(new Error('lower'), { code: 'Eio' });
    expect(toIoError(lower, 'x')).toBe(lower);
    const numeric = Object.assign(new Error('numeric'), { code: 28 });
    expect(toIoError(numeric, 'x')).toBe(numeric);
    expect(toIoError('a string', 'x')).toBe('a string');
    expect(toIoError(null, 'x')).toBe(null);
    expect(toIoError(undefined, 'x')).toBe(undefined);
  });
});
