#!/usr/bin/env node
// One (engine, workload) pair in its own process: `node worker.js <engine> <workload> <json>`
// where json is a WorkerRequest. It opens a fresh store in the given directory, loads it if
// the workload needs that (untimed: fillrandom order, then the engine's settle step, then a
// close and reopen for every engine, then a wait until the process has written nothing for
// 0.5 s), runs the timed phase, closes the store, measures it,
// and prints exactly one JSON line on stdout (WorkerResult, or WorkerFailure with exit
// code 1). With progress on, `@@progress <stage> <done> <total>` lines go to stderr. With
// a profile path, the timed phase (only) is CPU-profiled into that .cpuprofile file.

import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { performance } from 'node:perf_hooks';
import { ENGINES, type EngineName, WORKLOADS, type WorkloadName } from './args.js';
import { ADAPTERS } from './adapters/index.js';
import { dirSize, processWrites, waitForQuiet } from './disk-io.js';
import { KeySpace, ValueSource } from './keys.js';
import { startProfile } from './profile.js';
import { PROGRESS_PREFIX, type WorkerFailure, type WorkerRequest, type WorkerResult, type WriteAmpSource } from './result.js';
import { WORKLOAD_IMPLS, type WorkloadContext, loadOrder, writeStream } from './workloads.js';

/** Workloads that only read: the ones --warm runs twice. */
const READ_ONLY_WORKLOADS: ReadonlySet<WorkloadName> = new Set(['readrandom', 'readmissing', 'readseq', 'readreverse', 'seekrandom']);

function parseRequest(argv: readonly string[]): { engine: EngineName; workload: WorkloadName; req: WorkerRequest } {
  const [engine, workload, json] = argv;
  if (!(ENGINES as readonly string[]).includes(engine ?? '')) throw new Error(`unknown engine ${JSON.stringify(engine)}`);
  if (!(WORKLOADS as readonly string[]).includes(workload ?? '')) throw new Error(`unknown workload ${JSON.stringify(workload)}`);
  const req = JSON.parse(json ?? '') as WorkerRequest;
  if (typeof req?.dir !== 'string' || typeof req.settings?.num !== 'number') throw new Error('bad request JSON');
  return { engine: engine as EngineName, workload: workload as WorkloadName, req };
}

async function run(engine: EngineName, workload: WorkloadName, req: WorkerRequest): Promise<WorkerResult> {
  const s = req.settings;
  const impl = WORKLOAD_IMPLS[workload];
  const adapter = await ADAPTERS[engine](req.dir, s);
  let lastReport = 0;
  const ctx: WorkloadContext = {
    adapter,
    settings: s,
    keys: new KeySpace(s.num, s.keySize),
    values: new ValueSource(s.valueDist, s.seed),
    progress: req.progress
      ? (stage, done, total) => {
          const now = Date.now();
          if (now - lastReport < 100 && done < total) return;
          lastReport = now;
          process.stderr.write(`${PROGRESS_PREFIX}${stage} ${done} ${total}\n`);
        }
      : () => {},
  };
  await adapter.open();
  let loadSeconds = 0;
  let settleSeconds = 0;
  if (impl.needsLoad) {
    const l0 = performance.now();
    await writeStream(ctx, loadOrder(s), s.num, 0, false, undefined, 'load');
    await adapter.settle();
    await adapter.close();
    await adapter.open();
    loadSeconds = (performance.now() - l0) / 1000;
    // Background flushes and compactions the load started (LevelDB, RocksDB) finish now,
    // not inside the timed phase; @lsm/engine and LMDB are quiet at once.
    ctx.progress('settle', 0, 1);
    settleSeconds = await waitForQuiet();
  }
  if (s.warm && READ_ONLY_WORKLOADS.has(workload)) {
    // --warm: the same reads once, untimed, so the timed run meets warm caches.
    await impl.run(ctx);
  }
  (globalThis as { gc?: () => void }).gc?.();

  const size0 = dirSize(req.dir).apparent;
  const io0 = processWrites();
  const cpu0 = process.cpuUsage();
  const counters0 = adapter.writeCounters?.();
  const stopProfile = req.profile !== undefined ? await startProfile() : undefined;
  const m = await impl.run(ctx);
  const cpu = process.cpuUsage(cpu0);
  if (stopProfile !== undefined && req.profile !== undefined) {
    mkdirSync(dirname(req.profile), { recursive: true });
    writeFileSync(req.profile, JSON.stringify(await stopProfile()));
  }
  const counters1 = adapter.writeCounters?.();
  await adapter.close();
  const io1 = processWrites();
  const size1 = dirSize(req.dir).apparent;

  const ioWriteBytes = io0 !== null && io1 !== null ? io1.writeBytes - io0.writeBytes : null;
  const ioWchar = io0 !== null && io1 !== null ? io1.wchar - io0.wchar : null;
  const engineBytesWritten =
    counters0 !== undefined && counters1 !== undefined ? counters1.walBytes - counters0.walBytes + (counters1.tableBytes - counters0.tableBytes) : null;
  let writeAmp: number | null = null;
  let writeAmpSource: WriteAmpSource | null = null;
  if (m.userBytesWritten > 0) {
    if (engineBytesWritten !== null) {
      writeAmp = engineBytesWritten / m.userBytesWritten;
      writeAmpSource = 'engine stats';
    } else if (ioWriteBytes !== null) {
      writeAmp = ioWriteBytes / m.userBytesWritten;
      writeAmpSource = '/proc/self/io write_bytes';
    } else {
      writeAmp = Math.max(0, size1 - size0) / m.userBytesWritten;
      writeAmpSource = 'directory growth';
    }
  }
  const seconds = m.ms / 1000;
  return {
    ok: true,
    engine,
    workload,
    label: adapter.label,
    api: { ...adapter.api },
    notes: [...adapter.notes],
    ops: m.ops,
    seconds,
    opsPerSec: m.ops / seconds,
    mbPerSec: m.bytes / 1e6 / seconds,
    latency: m.latency.summary(),
    latencyUnit: m.latencyUnit,
    diskBytes: size1,
    userBytesWritten: m.userBytesWritten,
    writeAmp,
    writeAmpSource,
    writeAmpSyscalls: ioWchar !== null && m.userBytesWritten > 0 ? ioWchar / m.userBytesWritten : null,
    ioWriteBytes,
    ioWchar,
    engineBytesWritten,
    cpuSeconds: (cpu.user + cpu.system) / 1e6,
    maxRssBytes: process.resourceUsage().maxRSS * 1024,
    loadSeconds,
    settleSeconds,
    counts: m.counts,
    keyDigest: m.digest(),
  };
}

function emit(line: WorkerResult | WorkerFailure, code: number): void {
  process.stdout.write(`${JSON.stringify(line)}\n`, () => process.exit(code));
}

try {
  const { engine, workload, req } = parseRequest(process.argv.slice(2));
  run(engine, workload, req).then(
    (r) => emit(r, 0),
    (err: unknown) => emit({ ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) }, 1),
  );
} catch (err) {
  emit({ ok: false, error: err instanceof Error ? err.message : String(err) }, 1);
}
