// Benchmark (not a test): what following a live primary costs a secondary. A primary in
// another process writes batches of 100 puts (16-byte keys, 100-byte values, plus a `ts`
// key holding Date.now()) as fast as it can for BENCH_SECONDS; the secondary calls
// tryCatchUp() every BENCH_POLL_MS and reads `ts` after each. Reported: the primary's
// write rate, the catch-up rate (operations replayed per second of catch-up time), the
// longest single catch-up (the secondary's event-loop stall), and the lag (how old the
// newest write the secondary sees is, just after a catch-up).
//
//   pnpm --filter @lsm/engine exec tsc -p tsconfig.bench.json && node dist-bench/bench/secondary-bench.js

import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { NodeFs } from '@lsm/fs';
import { Tree } from '../src/index.js';

const SECONDS = Number(process.env['BENCH_SECONDS'] ?? 10);
const POLL_MS = Number(process.env['BENCH_POLL_MS'] ?? 10);

async function main(): Promise<void> {
  const root = mkdtempSync(join(tmpdir(), 'lsm-secondary-bench-'));
  try {
    const dir = `${root}/db`;
    const engine = new URL('../../dist/index.js', import.meta.url).href;
    const fsPkg = import.meta.resolve('@lsm/fs');
    const child = join(root, 'primary.mjs');
    writeFileSync(
      child,
      `import { Tree } from ${JSON.stringify(engine)};
import { NodeFs } from ${JSON.stringify(fsPkg)};
const t = Tree.open(${JSON.stringify(dir)}, { fs: new NodeFs({ root: ${JSON.stringify(root)} }) });
const enc = new TextEncoder();
const value = new Uint8Array(100).fill(120);
process.stdout.write('open\\n');
const end = Date.now() + ${SECONDS * 1000};
let n = 0;
while (Date.now() < end) {
  const b = t.batch();
  for (let j = 0; j < 100; j++) b.put(enc.encode(String(n++).padStart(16, '0')), value);
  b.put('ts', String(Date.now()));
  b.commit();
  if (n % 20000 === 0) await new Promise((r) => setImmediate(r));
}
t.close();
process.stdout.write('done ' + n + '\\n');
`,
    );
    const proc = spawn(process.execPath, [child], { stdio: ['ignore', 'pipe', 'inherit'] });
    let out = '';
    proc.stdout.on('data', (d: Buffer) => (out += d.toString()));
    while (!out.includes('open')) await new Promise((r) => setTimeout(r, 2));
    const secondary = Tree.openSecondary(dir, { fs: new NodeFs({ root }) });
    let done = false;
    proc.on('exit', () => (done = true));
    const catchUps: number[] = [];
    const lags: number[] = [];
    let ops = 0;
    let bytes = 0;
    let rebuilds = 0;
    while (!done) {
      const r = secondary.tryCatchUp();
      catchUps.push(r.millis);
      ops += r.operations;
      bytes += r.logBytes;
      rebuilds += r.logsDropped;
      const ts = secondary.get('ts');
      if (ts !== undefined) lags.push(Date.now() - Number(new TextDecoder().decode(ts)));
      await new Promise((r) => setTimeout(r, POLL_MS));
    }
    const written = Number(/done (\d+)/.exec(out)?.[1] ?? 0);
    const busy = catchUps.reduce((a, b) => a + b, 0);
    const sorted = [...catchUps].sort((a, b) => a - b);
    const lagSorted = [...lags].sort((a, b) => a - b);
    const pct = (a: number[], p: number): number => a[Math.min(a.length - 1, Math.floor(a.length * p))] ?? 0;
    console.log(`primary: ${written.toLocaleString('en-US')} puts in ${SECONDS} s (${Math.round(written / SECONDS).toLocaleString('en-US')}/s)`);
    console.log(
      `secondary: ${catchUps.length} catch-ups every ${POLL_MS} ms, ${ops.toLocaleString('en-US')} operations replayed (${(bytes / 1e6).toFixed(1)} MB of log), ` +
        `${Math.round(ops / (busy / 1000)).toLocaleString('en-US')} operations/s of catch-up time, ${rebuilds} logs dropped (flushed by the primary)`,
    );
    console.log(`catch-up ms: median ${pct(sorted, 0.5).toFixed(2)}, p99 ${pct(sorted, 0.99).toFixed(1)}, max ${pct(sorted, 1).toFixed(1)}; busy ${((100 * busy) / (SECONDS * 1000)).toFixed(0)}% of the run`);
    console.log(`lag ms (age of the newest visible write after a catch-up): median ${pct(lagSorted, 0.5)}, p99 ${pct(lagSorted, 0.99)}, max ${pct(lagSorted, 1)}`);
    secondary.close();
  } finally {
    rmSync(root, { recursive: true, force: true });
  }
}

await main();
