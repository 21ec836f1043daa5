#!/usr/bin/env node
// lsm-kill-stress: SIGKILL runs of @lsm/engine on the real disk with flushes and
// compactions on worker threads (see kill-run.ts and the README).
// usage: lsm-kill-stress [--seed N] [--rounds N] [--config bg1,bg2,...] [--dir D]

import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { KILL_CONFIGS, type KillConfig } from './kill-options.js';
import { killRun } from './kill-run.js';

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i < 0 ? undefined : process.argv[i + 1];
}

const seed = Number(flag('seed') ?? Date.now() % 1_000_000);
const rounds = Number(flag('rounds') ?? 20);
const configs = (flag('config') ?? KILL_CONFIGS.join(',')).split(',') as KillConfig[];
if (!Number.isInteger(seed) || !Number.isInteger(rounds) || rounds < 1 || configs.some((c) => !KILL_CONFIGS.includes(c))) {
  process.stderr.write(`usage: lsm-kill-stress [--seed N] [--rounds N] [--config ${KILL_CONFIGS.join(',')}] [--dir D]\n`);
  process.exit(64);
}
const parent = flag('dir') ?? mkdtempSync(join(tmpdir(), 'lsm-kill-'));
let failed = false;
for (const config of configs) {
  const dir = join(parent, `${config}-${seed}`);
  const t0 = performance.now();
  try {
    const r = await killRun(dir, config, seed, rounds);
    process.stdout.write(
      `${config} seed ${seed}: ${r.kills} SIGKILLs in ${r.rounds} rounds, ${r.acks} durable acks, recovered to seqno ${r.seqno}, ${r.tables} tables; every acknowledged sync write survived (${((performance.now() - t0) / 1000).toFixed(1)} s)\n`,
    );
  } catch (err) {
    failed = true;
    process.stdout.write(`FAILED ${config} seed ${seed}: ${(err as Error).message}\nreplay: lsm-kill-stress --seed ${seed} --config ${config} --rounds ${rounds}\n`);
  } finally {
    if (flag('dir') === undefined) rmSync(dir, { recursive: true, force: true });
  }
}
if (flag('dir') === undefined) rmSync(parent, { recursive: true, force: true });
process.exitCode = failed ? 1 : 0;
