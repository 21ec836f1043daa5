// Runs one (engine, workload) pair in a child process and turns whatever happens into a
// PairResult: the worker's JSON line, or a failure (crash, error, bad output, timeout).
//
// Promises: never throws and never hangs: a child that outlives its timeout is killed
// with SIGKILL and reported as failed; a child that exits without a result line is
// reported with its exit code or signal and the tail of its stderr.

import { spawn } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { EngineName, WorkloadName } from './args.js';
import { PROGRESS_PREFIX, type PairResult, type WorkerFailure, type WorkerRequest, type WorkerResult } from './result.js';

/** The compiled worker next to this file. */
export const WORKER_PATH = fileURLToPath(new URL('./worker.js', import.meta.url));

/** One child to run. */
export interface ChildSpec {
  engine: EngineName;
  workload: WorkloadName;
  request: WorkerRequest;
  timeoutMs: number;
  /** Node flags for the child (e.g. --expose-gc, --cpu-prof). */
  nodeArgs?: string[];
  /** The script to run instead of worker.js (tests use it to stage crashes and hangs). */
  workerPath?: string;
  /** Called for every progress line of the child. */
  onProgress?: (stage: string, done: number, total: number) => void;
}

const STDERR_TAIL_LINES = 12;

/** Runs the child to completion (or its timeout) and reports the pair. */
export function runChild(spec: ChildSpec): Promise<PairResult> {
  const started = Date.now();
  const failed = (error: string): PairResult => ({ ok: false, engine: spec.engine, workload: spec.workload, error, seconds: (Date.now() - started) / 1000 });
  return new Promise((resolve) => {
    let child;
    try {
      child = spawn(process.execPath, [...(spec.nodeArgs ?? []), spec.workerPath ?? WORKER_PATH, spec.engine, spec.workload, JSON.stringify(spec.request)], {
        stdio: ['ignore', 'pipe', 'pipe'],
      });
    } catch (err) {
      resolve(failed(`could not start: ${err instanceof Error ? err.message : String(err)}`));
      return;
    }
    let stdout = '';
    let stderrBuf = '';
    const stderrTail: string[] = [];
    let timedOut = false;
    const timer = setTimeout(() => {
      timedOut = true;
      child.kill('SIGKILL');
    }, spec.timeoutMs);
    child.stdout.setEncoding('utf8');
    child.stdout.on('data', (d: string) => {
      stdout += d;
    });
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (d: string) => {
      stderrBuf += d;
      let nl: number;
      while ((nl = stderrBuf.indexOf('\n')) >= 0) {
        const line = stderrBuf.slice(0, nl);
        stderrBuf = stderrBuf.slice(nl + 1);
        if (line.startsWith(PROGRESS_PREFIX)) {
          const [stage, done, total] = line.slice(PROGRESS_PREFIX.length).split(' ');
          spec.onProgress?.(stage ?? '', Number(done), Number(total));
        } else if (line.trim() !== '') {
          stderrTail.push(line);
          if (stderrTail.length > STDERR_TAIL_LINES) stderrTail.shift();
        }
      }
    });
    child.on('error', (err) => {
      clearTimeout(timer);
      resolve(failed(`could not start: ${err.message}`));
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (stderrBuf.trim() !== '' && !stderrBuf.startsWith(PROGRESS_PREFIX)) stderrTail.push(stderrBuf);
      if (timedOut) {
        resolve(failed(`timed out after ${(spec.timeoutMs / 1000).toFixed(1)} s (killed)`));
        return;
      }
      const lines = stdout.split('\n').filter((l) => l.trim() !== '');
      let parsed: WorkerResult | WorkerFailure | undefined;
      try {
        parsed = lines.length > 0 ? (JSON.parse(lines[lines.length - 1]!) as WorkerResult | WorkerFailure) : undefined;
      } catch {
        parsed = undefined;
      }
      if (parsed?.ok === true && code === 0) resolve(parsed);
      else if (parsed?.ok === false) resolve(failed(parsed.error));
      else {
        const how = signal !== null ? `killed by ${signal}` : `exited with code ${code}`;
        const tail = stderrTail.join('\n').trim();
        resolve(failed(`${how} without a result${tail === '' ? '' : `: ${tail.split('\n').slice(-3).join(' | ')}`}`));
      }
    });
  });
}
