// Scope, the guard that keeps crash() to the names its user handed CrashFs. What a user
// would see go wrong: a crash() that rewrites or removes something the workload never
// touched (on a real disk, anything), or one that refuses a legal rollback of a file the
// workload wrote. Each case states which.

import { describe, expect, it } from 'vitest';
import { FsError } from '@lsm/fs';
import { Scope } from '../src/scope.js';
import { fsErrorOf } from './helpers.js';

const refusal = fsErrorOf;

describe('Scope', () => {
  it('a handed name covers itself and everything below it, nothing beside it', () => {
    const s = new Scope();
    s.hand('/data/db');
    expect(s.covers('/data/db')).toBe(true);
    expect(s.covers('/data/db/000001.log')).toBe(true);
    expect(s.covers('/data/db/sub/deeper')).toBe(true);
    expect(s.covers('/data')).toBe(false);
    expect(s.covers('/data/dbx')).toBe(false);
    expect(s.covers('/data/other')).toBe(false);
    // Spellings of the same name.
    expect(s.covers('/data//db/./x')).toBe(true);
  });

  it('handing the root covers every name (a user who gave CrashFs a whole MemFs)', () => {
    const s = new Scope();
    s.hand('/');
    expect(s.covers('/anything/at/all')).toBe(true);
    expect(s.covers('/')).toBe(true);
  });

  it('check refuses an uncovered name with EACCES from "crash", saying crash() changed nothing', () => {
    const s = new Scope();
    s.hand('/db');
    s.check('/db/x');
    const err = refusal(() => s.check('/etc/passwd'));
    expect([err.code, err.syscall, err.path]).toEqual(['EACCES', 'crash', '/etc/passwd']);
    expect(err.message).toContain('crash() changed nothing');
    expect(err.message).toContain('the model is wrong');
  });

  it('a file opened for writing may be rolled back under any of its names; another file may not', () => {
    const s = new Scope();
    const written = {};
    const other = {};
    s.handFile(written);
    s.checkContent(written, '/elsewhere/hard-link-to-it'); // same file, another name: allowed
    const err = refusal(() => s.checkContent(other, '/elsewhere/file'));
    expect(err.code).toBe('EACCES');
    // A covered name is fine whichever file it is.
    s.hand('/elsewhere');
    s.checkContent(other, '/elsewhere/file');
  });
});
