// SIGKILL runs: a child process writes to a store on the real disk with flushes and
// compactions on worker threads and is killed at seeded moments; every write it
// acknowledged as durable must be there after reopen, and the store must hold exactly
// the stream's writes up to its recovered seqno (what a user sees: nothing acknowledged
// lost, nothing half-applied, after `kill -9` in the middle of background work).

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { KILL_CONFIGS } from '../src/kill/kill-options.js';
import { killRun } from '../src/kill/kill-run.js';
import { contentsAt, streamWrite } from '../src/kill/kill-stream.js';

describe('SIGKILL with background threads (NodeFs)', () => {
  for (const [i, config] of KILL_CONFIGS.entries()) {
    it(`${config}: 3 kills, every acknowledged sync write survives`, async () => {
      const parent = mkdtempSync(join(tmpdir(), 'lsm-kill-test-'));
      try {
        const r = await killRun(join(parent, 'db'), config, 100 + i, 3, 300, 900);
        expect(r.kills).toBe(3);
        expect(r.acks).toBeGreaterThan(0);
        expect(r.tables, 'no table reached the disk: the kills never met background work').toBeGreaterThan(0);
      } finally {
        rmSync(parent, { recursive: true, force: true });
      }
    });
  }

  it('the write stream is a pure function of (seed, seqno)', () => {
    expect(streamWrite(9, 1234)).toEqual(streamWrite(9, 1234));
    expect(streamWrite(9, 1234)).not.toEqual(streamWrite(10, 1234));
    const m = contentsAt(9, 500);
    const last = streamWrite(9, 500);
    expect(m.get(last.key)).toBe(last.value);
  });
});
