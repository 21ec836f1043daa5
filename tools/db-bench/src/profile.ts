// CPU profiles of the timed phase: recording one through the inspector (the same
// .cpuprofile format `node --cpu-prof` writes, but only around the timed phase, so the
// untimed load and the key generation do not drown the workload), and reading one back as
// self time by function and by package.

import { Session } from 'node:inspector';

/** The parts of a V8 .cpuprofile this file reads. */
export interface CpuProfile {
  nodes: { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }[];
  samples?: number[];
  timeDeltas?: number[];
  startTime: number;
  endTime: number;
}

function post<T>(session: Session, method: string, params?: object): Promise<T> {
  return new Promise((resolve, reject) => {
    session.post(method, params ?? {}, (err, result) => (err ? reject(err) : resolve(result as T)));
  });
}

/** Starts sampling this process every `intervalUs`; the returned function stops and returns the profile. */
export async function startProfile(intervalUs = 250): Promise<() => Promise<CpuProfile>> {
  const session = new Session();
  session.connect();
  await post(session, 'Profiler.enable');
  await post(session, 'Profiler.setSamplingInterval', { interval: intervalUs });
  await post(session, 'Profiler.start');
  return async () => {
    const { profile } = await post<{ profile: CpuProfile }>(session, 'Profiler.stop');
    session.disconnect();
    return profile;
  };
}

/** Where a function lives, for the per-package summary. */
function packageOf(url: string, name: string): string {
  if (url === '') return name.startsWith('(') ? name : '(native / builtin)';
  const m = /\/packages\/([^/]+)\//.exec(url) ?? /node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(url);
  if (m !== null) return m[1]!;
  if (url.startsWith('node:')) return 'node internals';
  if (url.includes('/tools/db-bench/')) return 'db-bench harness';
  return url;
}

/** Self time (ms) of every sampled function: `name file:line` -> ms; and per package. */
export function selfTimes(p: CpuProfile): { byFunction: Map<string, number>; byPackage: Map<string, number>; totalMs: number } {
  const byId = new Map(p.nodes.map((n) => [n.id, n]));
  const byFunction = new Map<string, number>();
  const byPackage = new Map<string, number>();
  const samples = p.samples ?? [];
  const deltas = p.timeDeltas ?? [];
  let total = 0;
  for (let i = 0; i < samples.length; i++) {
    const n = byId.get(samples[i]!);
    // A sample's time is the gap to the next sample (the last one gets the mean).
    const dt = (deltas[i + 1] ?? (p.endTime - p.startTime) / Math.max(1, samples.length)) / 1000;
    if (n === undefined || dt < 0) continue;
    const f = n.callFrame;
    const file = f.url.replace(/^file:\/\//, '').replace(/^.*\/(packages|tools|node_modules)\//, '$1/');
    const key = `${f.functionName || '(anonymous)'} ${file === '' ? '' : `${file}:${f.lineNumber + 1}`}`.trim();
    byFunction.set(key, (byFunction.get(key) ?? 0) + dt);
    const pkg = packageOf(f.url, f.functionName);
    byPackage.set(pkg, (byPackage.get(pkg) ?? 0) + dt);
    total += dt;
  }
  return { byFunction, byPackage, totalMs: total };
}

/** The `top` functions by self time, then self time per package, as text. */
export function topSelfTime(p: CpuProfile, top: number): string {
  const { byFunction, byPackage, totalMs } = selfTimes(p);
  const pct = (ms: number): string => `${((ms / Math.max(totalMs, 1e-9)) * 100).toFixed(1).padStart(5)}%`;
  const lines = [...byFunction.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([k, ms]) => `  ${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${k}`);
  lines.push('  by package:');
  for (const [k, ms] of [...byPackage.entries()].sort((a, b) => b[1] - a[1]).slice(0, 10)) lines.push(`  ${pct(ms)} ${ms.toFixed(0).padStart(7)} ms  ${k}`);
  return lines.join('\n');
}
