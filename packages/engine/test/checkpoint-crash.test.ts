// Crashes during a checkpoint, at every step it takes. The store runs on a KillFs over
// CrashFs over MemFs; the KillFs lets the checkpoint take k mutating steps (a file
// created, a write, an fsync, a link, a rename, a removal, a directory fsync), fails the
// next one and every later call (the process is gone); CrashFs then drops what was not
// durable (torn writes and directory durability on). For every k, the source must reopen
// with its durable writes (a prefix of its writes: nothing the checkpoint did touched it),
// and the target must either be complete -- CURRENT and no CHECKPOINT-INCOMPLETE marker,
// opening with exactly the writes acknowledged before the call, unsynced ones included --
// or be refused by Tree.open (the marker: LSM_CORRUPTION; nothing at all: no store). A
// checkpoint that returned is complete after any crash.

import { CrashFs } from '@lsm/crashfs';
import { type Fs, FsError, type FsFile, type Metadata, MemFs, type OpenOptions } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { Leveled, Tree, type TreeOptions, appendWithSeparator } from '../src/index.js';
import { Oracle, Rng, codeOf, hex, keyOf, valueOf } from './helpers.js';

/** An Fs that dies at its k-th mutating step once armed: that call and every later one fail with EIO. */
class KillFs implements Fs {
  private left = Number.POSITIVE_INFINITY;
  steps = 0;
  dead = false;

  constructor(
    private readonly inner: Fs,
    /** Refuse hard links (EXDEV), so the checkpoint copies. */
    private readonly noLinks = false,
  ) {}

  /** Dies at the `k`-th mutating step from now (Infinity: never; steps are counted either way). */
  arm(k: number): void {
    this.left = k;
    this.steps = 0;
  }

  step(what: string, path: string): void {
    this.alive(what, path);
    this.steps++;
    if (this.left-- <= 0) {
      this.dead = true;
      throw new FsError('EIO', what, path, { detail: 'killed' });
    }
  }

  alive(what: string, path: string): void {
    if (this.dead) throw new FsError('EIO', what, path, { detail: 'the process is gone' });
  }

  open(path: string, options?: OpenOptions): FsFile {
    const mutating = options !== undefined && (options.write === true || options.append === true || options.create === true || options.createNew === true || options.truncate === true);
    if (mutating) this.step('open', path);
    else this.alive('open', path);
    const f = this.inner.open(path, options);
    const fs = this;
    return {
      path: f.path,
      read: (buf, position) => (fs.alive('read', path), f.read(buf, position)),
      write: (data) => (fs.step('write', path), f.write(data)),
      writeAt: (data, position) => (fs.step('write', path), f.writeAt(data, position)),
      syncData: () => (fs.step('fsync', path), f.syncData()),
      syncAll: () => (fs.step('fsync', path), f.syncAll()),
      setLen: (len) => (fs.step('ftruncate', path), f.setLen(len)),
      size: () => (fs.alive('fstat', path), f.size()),
      tryLock: () => f.tryLock(),
      unlock: () => f.unlock(),
      close: () => f.close(),
    };
  }

  createDirAll(path: string): void {
    this.step('mkdir', path);
    this.inner.createDirAll(path);
  }
  readDir(path: string): string[] {
    this.alive('readdir', path);
    return this.inner.readDir(path);
  }
  removeFile(path: string): void {
    this.step('unlink', path);
    this.inner.removeFile(path);
  }
  removeDirAll(path: string): void {
    this.step('rmdir', path);
    this.inner.removeDirAll(path);
  }
  rename(from: string, to: string): void {
    this.step('rename', from);
    this.inner.rename(from, to);
  }
  metadata(path: string): Metadata {
    this.alive('stat', path);
    return this.inner.metadata(path);
  }
  exists(path: string): boolean {
    return !this.dead && this.inner.exists(path);
  }
  syncDirectory(path: string): void {
    this.step('fsync', path);
    this.inner.syncDirectory(path);
  }
  hardLink(existing: string, newPath: string): void {
    this.step('link', newPath);
    if (this.noLinks) throw new FsError('EXDEV', 'link', newPath);
    this.inner.hardLink(existing, newPath);
  }
}

const merge = appendWithSeparator('|');

interface Variant {
  name: string;
  options: () => Partial<TreeOptions>;
  noLinks: boolean;
}

const VARIANTS: Variant[] = [
  { name: 'hard links', options: () => ({}), noLinks: false },
  {
    name: 'encrypted, blob files, copies (links refused)',
    options: () => ({ encryption: { key: new Uint8Array(32).fill(0x33) }, kvSeparation: { minValueSize: 100, blobFileBytes: 4096 } }),
    noLinks: true,
  },
];

const baseOptions = (v: Variant): TreeOptions => ({
  mergeOperator: merge,
  memtableBytes: 4096,
  blockSize: 256,
  compaction: new Leveled({ l0CompactionTrigger: 2, levelBaseBytes: 16 * 1024, targetTableSize: 8 * 1024 }),
  ...v.options(),
});

/** A store with tables, a synced prefix and unsynced writes in its memtable, plus the oracle of its writes. */
function setup(v: Variant, seed: number): { crash: CrashFs; kill: KillFs; tree: Tree; oracle: Oracle; durable: number } {
  const crash = new CrashFs(new MemFs(), { seed, tornWrites: true, directorySync: true });
  const kill = new KillFs(crash, v.noLinks);
  const tree = Tree.open('/db', { ...baseOptions(v), fs: kill });
  const oracle = new Oracle((k, e, o) => merge.merge(k, e, o));
  const rng = new Rng(seed);
  const value = (): Uint8Array => valueOf(rng, rng.chance(0.3) ? 150 + rng.int(200) : rng.int(40));
  const write = (): void => {
    const k = keyOf(rng.int(400));
    const r = rng.next();
    if (r < 0.7) {
      const x = value();
      oracle.put(k, x, tree.put(k, x));
    } else if (r < 0.8) oracle.del(k, tree.delete(k));
    else if (r < 0.9) {
      const x = valueOf(rng, 3);
      oracle.merge(k, x, tree.merge(k, x));
    } else {
      const b = tree.batch();
      const ops: ((s: number) => void)[] = [];
      for (let i = 0; i < 3; i++) {
        const bk = keyOf(rng.int(400));
        const x = value();
        b.put(bk, x);
        ops.push((s) => oracle.put(bk, x, s));
      }
      const s = b.commit();
      for (const f of ops) f(s);
    }
  };
  for (let i = 0; i < 400; i++) write();
  tree.sync();
  const durable = tree.seqno;
  for (let i = 0; i < 25; i++) write(); // acknowledged, never synced: only the checkpoint makes them durable
  return { crash, kill, tree, oracle, durable };
}

const lines = (pairs: [Uint8Array, Uint8Array][]): string[] => pairs.map(([k, x]) => `${hex(k)}=${hex(x)}`);

function crashAt(v: Variant, seed: number, k: number): 'complete' | 'marked' | 'absent' {
  const where = `${v.name}, seed ${seed}, crash at step ${k}`;
  const { crash, kill, tree, oracle, durable } = setup(v, seed);
  const last = tree.seqno;
  expect(tree.stats().tables, where).toBeGreaterThan(0);
  kill.arm(k);
  let returned = false;
  try {
    tree.checkpoint('/cp');
    returned = true;
  } catch (err) {
    expect(codeOf(() => {
      throw err;
    }), where).toBe('LSM_IO');
  }
  crash.crash(); // power loss: the tree is abandoned
  const opts = { ...baseOptions(v), fs: crash };

  const src = Tree.open('/db', opts);
  const r = src.seqno;
  expect(r, `${where}: source below its durable writes`).toBeGreaterThanOrEqual(durable);
  expect(r, where).toBeLessThanOrEqual(last);
  expect(lines([...src.range()]), `${where}: source contents`).toEqual(lines(oracle.scan(r, undefined, true, undefined, false, false, undefined)));
  src.close();

  const marked = crash.exists('/cp/CHECKPOINT-INCOMPLETE');
  if (crash.exists('/cp/CURRENT') && !marked) {
    const cp = Tree.open('/cp', opts);
    expect(cp.seqno, `${where}: checkpoint seqno`).toBe(last);
    expect(lines([...cp.range()]), `${where}: checkpoint contents`).toEqual(lines(oracle.scan(last, undefined, true, undefined, false, false, undefined)));
    cp.close();
    return 'complete';
  }
  expect(returned, `${where}: the checkpoint returned, yet it is incomplete after the crash`).toBe(false);
  if (marked) {
    expect(codeOf(() => Tree.open('/cp', opts)), where).toBe('LSM_CORRUPTION');
    return 'marked';
  }
  // Nothing durable was written: no file of a store (the marker is always the first).
  const left = crash.exists('/cp') ? crash.readDir('/cp') : [];
  expect(left, `${where}: files without the marker`).toEqual([]);
  expect(codeOf(() => Tree.open('/cp', { ...opts, createIfMissing: false })), where).toBe('LSM_INVALID_ARGUMENT');
  return 'absent';
}

describe('crash during a checkpoint, at every step', () => {
  for (const v of VARIANTS) {
    for (const seed of [1, 2]) {
      it(`${v.name}, seed ${seed}`, () => {
        // A dry run counts the steps a checkpoint of this store takes.
        const dry = setup(v, seed);
        dry.kill.arm(Number.POSITIVE_INFINITY);
        dry.tree.checkpoint('/cp');
        const steps = dry.kill.steps;
        dry.tree.close();
        expect(steps).toBeGreaterThan(10);
        const seen = { complete: 0, marked: 0, absent: 0 };
        for (let k = 0; k <= steps; k++) seen[crashAt(v, seed, k)]++;
        // Every outcome occurs: a crash before anything is durable, while the files are
        // taken, and after CURRENT (the last steps, and no crash at all).
        expect(seen.absent, JSON.stringify(seen)).toBeGreaterThan(0);
        expect(seen.marked, JSON.stringify(seen)).toBeGreaterThan(steps / 2);
        expect(seen.complete, JSON.stringify(seen)).toBeGreaterThan(0);
      });
    }
  }
});
