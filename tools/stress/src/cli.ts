#!/usr/bin/env node
// lsm-stress: seeded random operation streams against @lsm/engine under crashes (CrashFs)
// and I/O faults (FaultFs), checked against an oracle of acknowledged writes. See
// README.md; the program itself is main.ts.

import { main } from './main.js';

process.exitCode = main(process.argv.slice(2), {
  out: (line) => process.stdout.write(`${line}\n`),
  err: (line) => process.stderr.write(`${line}\n`),
  now: () => performance.now(),
  clockSeed: Date.now() % 1_000_000_007,
});
