// `lsm demo`: the engine end to end on a real directory. Loads N keys (default one
// million, 16-byte keys, 100-byte values, random order, batches of 1000), reads a random
// sample back and checks every value, scans forward and backward, then copies the store
// into memory, crash-tests the copy with CrashFs (synced and unsynced writes, then a
// simulated power loss) and checks what recovery brought back. Prints what it did with
// timings; long steps show a progress bar on a terminal.

import { tmpdir } from 'node:os';
import { dirname, resolve } from 'node:path';
import { CrashFs } from '@lsm/crashfs';
import { Tree } from '@lsm/engine';
import { type Fs, MemFs, NodeFs, readFile, writeFile } from '@lsm/fs';
import { Progress } from './progress.js';

/** Options of the demo. */
export interface DemoOptions {
  keys: number;
  dir: string | undefined;
  keep: boolean;
  seed: number;
}

const enc = new TextEncoder();

/** Key i: 16 bytes, "key" + 13 digits. */
function key(i: number): Uint8Array {
  return enc.encode(`key${String(i).padStart(13, '0')}`);
}

/** The 100-byte value of key i in generation `gen`, so every read can be checked. */
function value(i: number, gen = 0): Uint8Array {
  const v = new Uint8Array(100);
  let x = (Math.imul(i + 1, 0x9e3779b1) ^ Math.imul(gen + 1, 0x85ebca6b)) >>> 0;
  for (let j = 0; j < 100; j++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    v[j] = x & 0xff;
  }
  return v;
}

function equal(a: Uint8Array | undefined, b: Uint8Array): boolean {
  if (a === undefined || a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}

/** A seeded permutation of 0..n-1 (Fisher-Yates with xorshift). */
function permutation(n: number, seed: number): Uint32Array {
  const p = new Uint32Array(n);
  for (let i = 0; i < n; i++) p[i] = i;
  let x = seed >>> 0 || 1;
  for (let i = n - 1; i > 0; i--) {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    const j = x % (i + 1);
    const t = p[i]!;
    p[i] = p[j]!;
    p[j] = t;
  }
  return p;
}

function rate(n: number, ms: number): string {
  return `${Math.round((n / ms) * 1000).toLocaleString('en-US')}/s`;
}

function secs(ms: number): string {
  return `${(ms / 1000).toFixed(2)} s`;
}

/** Copies every file of `dir` on `from` into `dir` on `to`. */
function copyDir(from: Fs, to: Fs, dir: string): number {
  to.createDirAll(dir);
  let bytes = 0;
  for (const name of from.readDir(dir)) {
    if (name === 'LOCK' || name.endsWith('.lock-owner')) continue;
    const data = readFile(from, `${dir}/${name}`);
    writeFile(to, `${dir}/${name}`, data, { sync: true });
    bytes += data.length;
  }
  to.syncDirectory(dir);
  return bytes;
}

/** Runs the demo; returns the process exit code (0 when every check passed). */
export function runDemo(o: DemoOptions): number {
  // The demo's real-disk door is confined: to a temp directory of its own, or to the
  // parent of the --dir it was given (the engine syncs a new store's parent).
  const own = o.dir === undefined ? `${tmpdir()}/lsm-demo-${process.pid}-${Date.now()}` : undefined;
  const dir = o.dir ?? `${own}/store`;
  const disk = new NodeFs({ root: own ?? dirname(resolve(dir)) });
  const n = o.keys;
  let failures = 0;
  const check = (ok: boolean, what: string): void => {
    if (!ok) {
      failures++;
      console.log(`  FAILED: ${what}`);
    }
  };
  console.log(`lsm demo: ${n.toLocaleString('en-US')} keys of 16 bytes with 100-byte values, in ${dir}\n`);

  // 1. Load in random order, batches of 1000.
  let tree = Tree.open(dir, { errorIfExists: true, fs: disk });
  const order = permutation(n, o.seed);
  let bar = new Progress('loading', n);
  let t0 = performance.now();
  for (let i = 0; i < n; i += 1000) {
    const b = tree.batch();
    const end = Math.min(n, i + 1000);
    for (let j = i; j < end; j++) b.put(key(order[j]!), value(order[j]!));
    b.commit();
    bar.update(end);
  }
  tree.flush();
  bar.done();
  let ms = performance.now() - t0;
  let s = tree.stats();
  console.log(`load      ${secs(ms)}  ${rate(n, ms)} puts (fillrandom, then flush)`);
  console.log(`          ${s.tables} tables: ${s.levels.filter((l) => l.tables > 0).map((l) => `L${l.level} ${l.tables}`).join(', ')}; ` +
    `${s.flushes} flushes, ${s.compactions} compactions, ${s.trivialMoves} trivial moves; write amplification ${s.writeAmplification.toFixed(2)}`);

  // 2. Random reads, every value checked.
  const reads = Math.min(n, 200_000);
  bar = new Progress('reading', reads);
  t0 = performance.now();
  let wrong = 0;
  let x = o.seed * 7919;
  for (let r = 0; r < reads; r++) {
    x = (Math.imul(x, 1103515245) + 12345) >>> 0;
    const i = x % n;
    if (!equal(tree.get(key(i)), value(i))) wrong++;
    if ((r & 4095) === 0) bar.update(r);
  }
  bar.done();
  ms = performance.now() - t0;
  console.log(`get       ${secs(ms)}  ${rate(reads, ms)} random gets, ${reads - wrong}/${reads} values correct`);
  check(wrong === 0, `${wrong} random reads returned a wrong value`);
  check(tree.get('key-that-is-absent') === undefined, 'an absent key was found');

  // 3. Scans: forward over everything, reverse over a tenth.
  bar = new Progress('scanning', n);
  t0 = performance.now();
  let count = 0;
  let ordered = true;
  let prev = -1;
  for (const [k, v] of tree.range()) {
    const i = Number(new TextDecoder().decode(k.subarray(3)));
    if (i <= prev || !equal(v, value(i))) ordered = false;
    prev = i;
    if ((++count & 65535) === 0) bar.update(count);
  }
  bar.done();
  ms = performance.now() - t0;
  console.log(`scan      ${secs(ms)}  ${rate(count, ms)} entries forward (${count.toLocaleString('en-US')} keys, in order: ${ordered})`);
  check(count === n && ordered, `forward scan saw ${count} keys, ordered ${ordered}`);
  const tenth = Math.max(1, Math.floor(n / 10));
  t0 = performance.now();
  count = 0;
  prev = n;
  for (const [k] of tree.range({ reverse: true, limit: tenth })) {
    const i = Number(new TextDecoder().decode(k.subarray(3)));
    if (i >= prev) ordered = false;
    prev = i;
    count++;
  }
  ms = performance.now() - t0;
  console.log(`reverse   ${secs(ms)}  ${rate(count, ms)} entries backward (${count.toLocaleString('en-US')} keys)`);
  check(count === tenth && ordered, 'reverse scan out of order or short');
  tree.close();

  // 4. Crash-test a copy in memory: synced writes must survive a power loss.
  t0 = performance.now();
  const mem = new MemFs();
  const copied = copyDir(disk, mem, dir);
  const crashFs = new CrashFs(mem, { seed: o.seed });
  tree = Tree.open(dir, { fs: crashFs });
  // Three disjoint key ranges: updated (the first), deleted (the last), untouched (between).
  const deleted = 100;
  const updates = Math.min(20_000, n - 2 * deleted);
  const unsyncedCount = Math.min(5000, updates);
  for (let j = 0; j < updates; j++) {
    tree.put(key(j), value(j, 1), { sync: j % 1000 === 999 || j === updates - 1 });
  }
  const b = tree.batch();
  for (let j = 0; j < deleted; j++) b.delete(key(n - 1 - j));
  b.commit({ sync: true });
  for (let j = 0; j < unsyncedCount; j++) tree.put(key(j), value(j, 2)); // never synced
  const unsynced = crashFs.unsynced();
  crashFs.crash(); // power loss; the tree object is abandoned, not closed
  const crashMs = performance.now() - t0;
  t0 = performance.now();
  tree = Tree.open(dir, { fs: crashFs });
  const recoverMs = performance.now() - t0;
  let lostSynced = 0;
  let survivedUnsynced = 0;
  for (let j = 0; j < updates; j++) {
    const got = tree.get(key(j));
    if (j < unsyncedCount && equal(got, value(j, 2))) survivedUnsynced++;
    else if (!equal(got, value(j, 1))) lostSynced++;
  }
  let deletedBack = 0;
  for (let j = 0; j < deleted; j++) if (tree.get(key(n - 1 - j)) !== undefined) deletedBack++;
  let untouchedWrong = 0;
  for (let j = updates; j < n - deleted; j += Math.max(1, Math.floor(n / 5000))) if (!equal(tree.get(key(j)), value(j))) untouchedWrong++;
  console.log(`crash     copied ${(copied / 1e6).toFixed(1)} MB to memory, ${updates.toLocaleString('en-US')} synced updates + ${deleted} synced deletes + ${unsyncedCount.toLocaleString('en-US')} unsynced updates, ` +
    `then power loss with ${unsynced.bytes.toLocaleString('en-US')} bytes unsynced (${secs(crashMs)})`);
  console.log(`recover   ${secs(recoverMs)}  reopened at seqno ${tree.seqno}: synced writes lost ${lostSynced}, deleted keys back ${deletedBack}, ` +
    `untouched keys wrong ${untouchedWrong}; ${survivedUnsynced} of ${unsyncedCount.toLocaleString('en-US')} unsynced updates happened to survive (torn log tail)`);
  check(lostSynced === 0 && deletedBack === 0 && untouchedWrong === 0, 'recovery lost acknowledged durable writes');
  tree.close();

  if (!o.keep) disk.removeDirAll(own ?? dir);
  else console.log(`\nkept the store in ${dir}`);
  console.log(failures === 0 ? '\nevery check passed' : `\n${failures} check(s) FAILED`);
  return failures === 0 ? 0 : 1;
}
