// The text report: one Markdown table of every (workload, engine) pair, then one table of
// ratios per workload, then the notes that make the numbers honest (how each engine was
// driven, where write amplification comes from). Markdown so that the README can hold
// exactly what the terminal showed.

import type { EngineName, WorkloadName } from './args.js';
import { ENGINE_TITLES } from './adapters/index.js';
import { megabytes, micros, ratio, thousands } from './format.js';
import { PEERS, type WorkloadRatios } from './ratios.js';
import { spread } from './repeats.js';
import type { PairResult } from './result.js';

function row(cells: string[]): string {
  return `| ${cells.join(' | ')} |`;
}

/** " ±7%" (half the max-min spread of repeated runs, relative to the median), or "". */
function spreadMark(r: PairResult): string {
  const s = spread(r);
  return s === null ? '' : ` ±${Math.round((s / 2) * 100)}%`;
}

const UNIT_MARK: Record<string, string> = { op: '', batch: ' b', chunk: ' c' };

/** The results table: one row per pair, with lsm's ratio to that engine. */
export function resultsTable(results: readonly PairResult[], engines: readonly EngineName[], workloads: readonly WorkloadName[]): string {
  const lines = [
    row(['workload', 'engine', 'ops/s', 'MB/s', 'p50 µs', 'p99 µs', 'max µs', 'max stall ms', 'disk MB', 'W-amp', 'W-amp sys', 'lsm ÷ this']),
    row(['---', '---', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:', '---:']),
  ];
  for (const w of workloads) {
    const ours = results.find((r) => r.engine === 'lsm' && r.workload === w);
    for (const e of engines) {
      const r = results.find((x) => x.engine === e && x.workload === w);
      if (r === undefined) continue;
      if (!r.ok) {
        lines.push(row([w, ENGINE_TITLES[e], `FAILED: ${r.error.replace(/\|/g, '/')}`, '', '', '', '', '', '', '', '', '']));
        continue;
      }
      const mark = UNIT_MARK[r.latencyUnit] ?? '';
      const wa = r.writeAmp === null ? '-' : `${r.writeAmp.toFixed(2)}${r.writeAmpSource === 'engine stats' ? ' s' : r.writeAmpSource === 'directory growth' ? ' d' : ' io'}`;
      const vs = e === 'lsm' ? '' : ratio(ours?.ok === true ? ours.opsPerSec / r.opsPerSec : null);
      lines.push(
        row([
          w,
          ENGINE_TITLES[e],
          thousands(r.opsPerSec) + spreadMark(r),
          r.mbPerSec.toFixed(1),
          micros(r.latency.p50) + mark,
          micros(r.latency.p99) + mark,
          micros(r.latency.max) + mark,
          (r.latency.maxCallMs ?? 0).toFixed(1),
          megabytes(r.diskBytes),
          wa,
          r.writeAmpSyscalls === null || r.userBytesWritten === 0 ? '-' : r.writeAmpSyscalls.toFixed(2),
          vs,
        ]),
      );
    }
  }
  return lines.join('\n');
}

/** The ratio table: lsm ÷ each peer, and ÷ the best peer, per workload. */
export function ratioTable(ratios: readonly WorkloadRatios[], engines: readonly EngineName[]): string {
  const peers = PEERS.filter((p) => engines.includes(p));
  const lines = [
    row(['workload', ...peers.map((p) => `lsm ÷ ${ENGINE_TITLES[p]}`), 'best peer', 'lsm ÷ best']),
    row(['---', ...peers.map(() => '---:'), '---', '---:']),
  ];
  for (const r of ratios) {
    lines.push(row([r.workload, ...peers.map((p) => ratio(r.vs[p])), r.best === null ? 'n/a' : ENGINE_TITLES[r.best.engine], ratio(r.best?.ratio ?? null)]));
  }
  return lines.join('\n');
}

/** The legend and per-engine notes printed under the tables. */
export function notes(results: readonly PairResult[], engines: readonly EngineName[], warm = false): string {
  const out = [
    'Latency: per operation; "b" = per batch / batch size (writes), "c" = per chunk of 100 entries / 100 (scans).',
    'W-amp: bytes written to storage / user bytes (keys + values) written by the timed phase, through close. "s" = the engine\'s own',
    'stats (WAL + table bytes); "io" = /proc/self/io write_bytes of the child (counted when a page-cache page turns dirty, so a page',
    'rewritten before writeback counts once: LMDB\'s in-place page rewrites mostly vanish from it); "d" = directory growth.',
    'W-amp sys: /proc/self/io wchar (bytes handed to write system calls) / user bytes, for every engine alike.',
    'Max stall ms: the longest single engine call of the timed phase, undivided (a whole write batch, one read, one scan chunk;',
    'readwhilewriting: its write batches too). For a synchronous engine it is how long the event loop was blocked; for the async peers, the longest awaited call.',
    'Disk MB: apparent size of the store after close. Ratios: @lsm/engine ops/s ÷ that engine\'s ops/s (> 1: @lsm/engine is faster).',
  ];
  out.push(
    warm
      ? 'Read workloads: warm (--warm: the same reads ran once, untimed, in the same process before the timed run).'
      : 'Read workloads: cold (the timed run starts right after the store was closed and reopened; caches empty).',
  );
  if (results.some((r) => spread(r) !== null)) {
    out.push('Repeated runs: every figure is from the median run by ops/s; "±N%" is half the max - min spread of the runs\' ops/s.');
  }
  for (const e of engines) {
    const r = results.find((x) => x.engine === e && x.ok);
    if (r === undefined || !r.ok) continue;
    out.push(`${ENGINE_TITLES[e]} (${r.label}): ${r.notes.join('; ')}`);
  }
  return out.join('\n');
}
