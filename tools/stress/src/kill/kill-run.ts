// A SIGKILL run: rounds of (start the child on the store, let it write for a seeded
// while, SIGKILL the whole process, reopen the store here and check it). After each kill
// the store must open, its seqno R must be at least the last write the child
// acknowledged as durable, and its contents must be exactly the stream's writes 1..R.
// Kills land anywhere: in a log write, between a flush's table and its manifest edit, in
// a compaction on a worker thread, in a manifest rotation.

import { spawn } from 'node:child_process';
import { dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { NodeFs } from '@lsm/fs';
import { Tree } from '@lsm/engine';
import { contentsAt } from './kill-stream.js';
import { type KillChildArgs, type KillConfig, killStoreOptions } from './kill-options.js';

// dist/kill/kill-child.js, from src/kill (tests) and dist/kill alike.
const CHILD = fileURLToPath(new URL('../../dist/kill/kill-child.js', import.meta.url));

/** What a run saw. */
export interface KillReport {
  rounds: number;
  kills: number;
  /** Writes acknowledged as durable, and the highest one. */
  acks: number;
  /** Seqno the store recovered to after the last round. */
  seqno: number;
  /** Flushes and compactions the checks saw in the store (tables on disk). */
  tables: number;
}

/** A seeded generator for the kill delays. */
function delays(seed: number, minMs: number, maxMs: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return minMs + (x % (maxMs - minMs + 1));
  };
}

/** Runs the child until it has written for `ms` after opening, then SIGKILLs it. Returns the last ack. */
function runChild(args: KillChildArgs, ms: number): Promise<{ lastAck: number; acks: number; killed: boolean; out: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CHILD, JSON.stringify(args)], { stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    let lastAck = 0;
    let acks = 0;
    let timer: NodeJS.Timeout | undefined;
    child.stdout.setEncoding('utf8').on('data', (d: string) => {
      out += d;
      let nl: number;
      while ((nl = out.indexOf('\n')) >= 0) {
        const line = out.slice(0, nl);
        out = out.slice(nl + 1);
        if (line.startsWith('ack ')) {
          lastAck = Math.max(lastAck, Number(line.slice(4)));
          acks++;
        } else if (line.startsWith('open ') && timer === undefined) {
          timer = setTimeout(() => child.kill('SIGKILL'), ms);
        }
      }
    });
    child.stderr.setEncoding('utf8').on('data', (d: string) => {
      err += d;
    });
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (timer !== undefined) clearTimeout(timer);
      if (signal === 'SIGKILL' || code === 0) resolve({ lastAck, acks, killed: signal === 'SIGKILL', out: err });
      else reject(new Error(`child exited with code ${code}: ${err.trim()}`));
    });
  });
}

/**
 * `rounds` kills of a child writing to the store in `dir` (created by the first round).
 * Throws an Error naming the round, seed and config when a check fails.
 */
export async function killRun(dir: string, config: KillConfig, seed: number, rounds: number, minMs = 150, maxMs = 1200): Promise<KillReport> {
  const next = delays(seed, minMs, maxMs);
  const opts = { ...killStoreOptions(config), fs: new NodeFs({ root: dirname(dir) }) };
  let durable = 0;
  let acks = 0;
  let kills = 0;
  let seqno = 0;
  let tables = 0;
  for (let round = 0; round < rounds; round++) {
    const where = `seed ${seed}, config ${config}, round ${round}`;
    const r = await runChild({ dir, seed, config, limit: 1_000_000 }, next());
    if (r.killed) kills++;
    acks += r.acks;
    durable = Math.max(durable, r.lastAck);
    const tree = Tree.open(dir, opts);
    try {
      seqno = tree.seqno;
      if (seqno < durable) throw new Error(`${where}: recovered seqno ${seqno} is below the last write acknowledged as durable (${durable})`);
      const want = contentsAt(seed, seqno);
      const dec = new TextDecoder();
      let n = 0;
      for (const [k, v] of tree.range()) {
        const key = dec.decode(k);
        const w = want.get(key);
        if (w === undefined) throw new Error(`${where}: key ${key} is in the store but not in the writes 1..${seqno}`);
        if (dec.decode(v) !== w) throw new Error(`${where}: key ${key} has a wrong value after recovery to seqno ${seqno}`);
        n++;
      }
      if (n !== want.size) throw new Error(`${where}: the store holds ${n} keys, the writes 1..${seqno} leave ${want.size}`);
      tables = tree.stats().tables;
    } finally {
      tree.close();
    }
    durable = seqno; // recovery made what it kept durable
  }
  return { rounds, kills, acks, seqno, tables };
}
