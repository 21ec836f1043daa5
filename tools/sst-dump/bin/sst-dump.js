#!/usr/bin/env node
// Launcher for the compiled CLI (run `pnpm --filter @lsm/sst-dump build` first).
import { main } from '../dist/cli.js';

process.exitCode = await main(process.argv.slice(2), { out: (s) => process.stdout.write(s), err: (s) => process.stderr.write(s) });
