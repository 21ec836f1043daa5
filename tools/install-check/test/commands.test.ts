// The `lsm` and `sst-dump` commands run from the installed packages (@lsm/cli and
// @lsm/sst-dump, test/global-setup.ts) with `npx`, as a user runs a package's bin:
// `lsm` writes, reads, compacts and describes a store in a real directory, and `sst-dump`
// verifies and dumps the table that the compaction wrote.

import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, inject, it } from 'vitest';
import { run } from './project.js';

const root = inject('root');
const app = inject('app');

/** `npx --no -- <command> ...args` in the project: the installed bin, never a download. */
function npx(command: string, ...args: string[]): { status: number | null; stdout: string; stderr: string } {
  return run(app, 'npx', '--no', '--', command, ...args);
}

describe('the installed commands', () => {
  it('lsm: help, put, get, scan, compact and stats on a store directory; sst-dump: verify and dump its table', () => {
    const help = npx('lsm', '--help');
    expect(help.status, help.stderr).toBe(0);
    expect(help.stdout).toContain('lsm put DIR KEY VALUE');

    const db = join(root, 'cli-db');
    for (const [k, v] of [['apple', 'red'], ['banana', 'yellow'], ['cherry', 'dark red']]) {
      const put = npx('lsm', 'put', db, k!, v!, '--sync');
      expect(put.status, put.stderr).toBe(0);
    }
    expect(npx('lsm', 'get', db, 'banana')).toMatchObject({ status: 0, stdout: 'yellow\n' });
    expect(npx('lsm', 'get', db, 'durian')).toMatchObject({ status: 1, stderr: 'not found\n' });
    expect(npx('lsm', 'scan', db, '--from', 'b', '--keys-only')).toMatchObject({ status: 0, stdout: 'banana\ncherry\n' });
    expect(npx('lsm', 'compact', db).status).toBe(0);
    const stats = npx('lsm', 'stats', db);
    expect(stats.status, stats.stderr).toBe(0);
    expect(stats.stdout).toMatch(/^seqno 3, 1 tables$/m);

    // sst-dump on the table the compaction wrote.
    const tables = readdirSync(db).filter((f) => f.endsWith('.sst'));
    expect(tables).toHaveLength(1);
    const table = join(db, tables[0]!);

    const verify = npx('sst-dump', 'verify', table);
    expect(verify.status, verify.stderr).toBe(0);
    const dump = npx('sst-dump', 'dump', table, '--keys-only');
    expect(dump.status, dump.stderr).toBe(0);
    expect(dump.stdout).toContain('apple');
    expect(dump.stdout).toContain('cherry');
    expect(npx('sst-dump', 'verify', join(root, 'no-such.sst')).status).not.toBe(0);
  });
});
