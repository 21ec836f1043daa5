// Model-based randomized test: random operation sequences (creates, writes, truncations,
// syncs, renames, removals, links, directory trees, open handles, crashes) run on CrashFs
// and on a deliberately naive oracle that copies whole files and directory maps at every
// step. After every crash the inner Fs must hold exactly the oracle's durable image (same
// names, same bytes, same hard-link groups). A failing case prints its seed and op log.
// CRASHFS_MODEL_SEEDS=n and CRASHFS_MODEL_STEPS=m run longer soaks (defaults 300 and 120).

import { describe, expect, it } from 'vitest';
import { FsError, MemFs, type Fs, type FsFile } from '@lsm/fs';
import { CrashFs } from '../src/index.js';
import { backends, linkGroups, snapshotBytes } from './helpers.js';

type OOp = { kind: 'write'; pos: number; data: Uint8Array } | { kind: 'setLen'; len: number };

interface OFile {
  kind: 'file';
  live: Uint8Array;
  durable: Uint8Array;
  everSynced: boolean;
  /** Changes since the last sync (for the torn-write candidates). */
  ops: OOp[];
  /** After a crash: the contents the file may have (one, unless torn). */
  candidates?: Uint8Array[];
}
interface ODir {
  kind: 'dir';
  live: Map<string, ONode>;
  durable: Map<string, ONode>;
}
type ONode = OFile | ODir;

const newDir = (): ODir => ({ kind: 'dir', live: new Map(), durable: new Map() });

function writeBytes(cur: Uint8Array, pos: number, data: Uint8Array): Uint8Array {
  if (data.length === 0) return cur;
  const out = new Uint8Array(Math.max(cur.length, pos + data.length));
  out.set(cur);
  out.set(data, pos);
  return out;
}

function setLen(cur: Uint8Array, len: number): Uint8Array {
  const out = new Uint8Array(len);
  out.set(cur.subarray(0, Math.min(len, cur.length)));
  return out;
}

/** The naive oracle: whole copies everywhere, no laziness. */
class Oracle {
  root: ODir = newDir();
  constructor(readonly directorySync: boolean) {}

  lookup(parts: string[]): ONode | undefined {
    let node: ONode = this.root;
    for (const part of parts) {
      if (node.kind !== 'dir') return undefined;
      const next: ONode | undefined = node.live.get(part);
      if (next === undefined) return undefined;
      node = next;
    }
    return node;
  }

  parent(parts: string[]): { dir: ODir; name: string } {
    const dir = this.lookup(parts.slice(0, -1));
    if (dir === undefined || dir.kind !== 'dir') throw new Error(`oracle: no parent dir for ${parts.join('/')}`);
    return { dir, name: parts[parts.length - 1]! };
  }

  file(parts: string[]): OFile {
    const f = this.lookup(parts);
    if (f === undefined || f.kind !== 'file') throw new Error(`oracle: no file at ${parts.join('/')}`);
    return f;
  }

  setLive(dir: ODir, name: string, node: ONode | undefined): void {
    if (node === undefined) dir.live.delete(name);
    else dir.live.set(name, node);
    if (!this.directorySync) {
      if (node === undefined) dir.durable.delete(name);
      else dir.durable.set(name, node);
    }
  }

  open(parts: string[], create: boolean, truncate: boolean): OFile {
    const { dir, name } = this.parent(parts);
    let f = dir.live.get(name);
    if (f === undefined) {
      if (!create) throw new Error('oracle: open of a missing file succeeded');
      f = { kind: 'file', live: new Uint8Array(0), durable: new Uint8Array(0), everSynced: false, ops: [] };
      this.setLive(dir, name, f);
    }
    if (f.kind !== 'file') throw new Error('oracle: opened a directory');
    if (truncate) this.setLen(f, 0);
    return f;
  }

  write(f: OFile, pos: number, data: Uint8Array): void {
    f.live = writeBytes(f.live, pos, data);
    if (data.length > 0) f.ops.push({ kind: 'write', pos, data: data.slice() });
  }

  setLen(f: OFile, len: number): void {
    f.live = setLen(f.live, len);
    f.ops.push({ kind: 'setLen', len });
  }

  sync(f: OFile): void {
    f.durable = f.live.slice();
    f.everSynced = true;
    f.ops = [];
  }

  syncDir(parts: string[]): void {
    const d = this.lookup(parts);
    if (d === undefined || d.kind !== 'dir') throw new Error('oracle: syncDir of a non-directory succeeded');
    d.durable = new Map(d.live);
  }

  mkdirAll(parts: string[]): void {
    let dir = this.root;
    for (const part of parts) {
      let next = dir.live.get(part);
      if (next === undefined) {
        next = newDir();
        this.setLive(dir, part, next);
      }
      if (next.kind !== 'dir') throw new Error('oracle: mkdir through a file succeeded');
      dir = next;
    }
  }

  remove(parts: string[]): void {
    const { dir, name } = this.parent(parts);
    this.setLive(dir, name, undefined);
  }

  rename(from: string[], to: string[]): void {
    const s = this.parent(from);
    const node = s.dir.live.get(s.name)!;
    const d = this.parent(to);
    if (d.dir.live.get(d.name) === node) return;
    this.setLive(s.dir, s.name, undefined);
    this.setLive(d.dir, d.name, node);
  }

  link(existing: string[], to: string[]): void {
    const f = this.file(existing);
    const d = this.parent(to);
    this.setLive(d.dir, d.name, f);
  }

  /** Power loss: the durable image becomes the whole state (contents to be confirmed by `settle`). */
  crash(torn: boolean): void {
    const files = new Map<OFile, OFile>();
    const image = (dir: ODir, ancestors: Set<ODir>): ODir => {
      const out = newDir();
      for (const [name, node] of dir.durable) {
        let copy: ONode;
        if (node.kind === 'file') {
          if (!this.directorySync && !node.everSynced) continue;
          let f = files.get(node);
          if (f === undefined) {
            f = { kind: 'file', live: node.durable.slice(), durable: node.durable.slice(), everSynced: true, ops: [] };
            f.candidates = torn ? prefixes(node.durable, node.ops) : [node.durable];
            files.set(node, f);
          }
          copy = f;
        } else {
          if (ancestors.has(node)) continue;
          ancestors.add(node);
          copy = image(node, ancestors);
          ancestors.delete(node);
        }
        out.live.set(name, copy);
        out.durable.set(name, copy);
      }
      return out;
    };
    this.root = image(this.root, new Set([this.root]));
  }

  snapshot(): Map<string, Uint8Array | 'dir'> {
    const out = new Map<string, Uint8Array | 'dir'>();
    const walk = (dir: ODir, rel: string): void => {
      for (const name of [...dir.live.keys()].sort(compareNames)) {
        const node = dir.live.get(name)!;
        const r = rel === '' ? name : `${rel}/${name}`;
        if (node.kind === 'dir') {
          out.set(r, 'dir');
          walk(node, r);
        } else out.set(r, node.live);
      }
    };
    walk(this.root, '');
    return out;
  }

  linkGroups(): string[][] {
    const groups = new Map<OFile, string[]>();
    const walk = (dir: ODir, rel: string): void => {
      for (const [name, node] of dir.live) {
        const r = rel === '' ? name : `${rel}/${name}`;
        if (node.kind === 'dir') walk(node, r);
        else groups.set(node, [...(groups.get(node) ?? []), r]);
      }
    };
    walk(this.root, '');
    return [...groups.values()].map((g) => g.sort()).sort((a, b) => (a[0]! < b[0]! ? -1 : 1));
  }
}

/** Every content a torn crash may leave: `base` plus each prefix of `ops` (last write cut anywhere). */
function prefixes(base: Uint8Array, ops: OOp[]): Uint8Array[] {
  const out = [base];
  let cur = base;
  for (const op of ops) {
    if (op.kind === 'setLen') {
      cur = setLen(cur, op.len);
      out.push(cur);
    } else {
      for (let k = 1; k <= op.data.length; k++) out.push(writeBytes(cur, op.pos, op.data.subarray(0, k)));
      cur = writeBytes(cur, op.pos, op.data);
    }
  }
  return out;
}

function compareNames(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a), Buffer.from(b));
}

function rng(seed: number): () => number {
  let x = (seed ^ 0x9e3779b9) >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 4294967296;
  };
}

interface Handle {
  file: FsFile;
  oracle: OFile;
}

/**
 * Runs one random scenario; throws with the op log on any mismatch. Positional writes are
 * never empty: MemFs extends a file on an empty write past its end and NodeFs does not, and
 * CrashFs models POSIX (an empty write changes nothing).
 */
function scenario(fs: Fs, root: string, seed: number, directorySync: boolean, steps: number, tornWrites = false): void {
  const rand = rng(seed);
  const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rand() * xs.length)]!;
  const names = ['a', 'b', 'c'] as const;
  const randParts = (): string[] => Array.from({ length: 1 + Math.floor(rand() * 2.4) }, () => pick(names));
  const bytes = (min = 0): Uint8Array => Uint8Array.from({ length: min + Math.floor(rand() * 9) }, () => 97 + Math.floor(rand() * 26));
  const abs = (parts: string[]): string => (parts.length === 0 ? root : `${root}/${parts.join('/')}`);
  const log: string[] = [];

  // A pre-existing tree, adopted by CrashFs as durable.
  const oracle = new Oracle(directorySync);
  for (let i = 0; i < 4; i++) {
    const parts = randParts();
    try {
      if (rand() < 0.3) {
        fs.createDirAll(abs(parts));
        oracle.mkdirAll(parts);
      } else {
        const content = bytes();
        const f = fs.open(abs(parts), { write: true, create: true, truncate: true });
        f.write(content);
        f.close();
        const of = oracle.open(parts, true, true);
        oracle.write(of, 0, content);
        oracle.sync(of);
        oracle.syncDir(parts.slice(0, -1));
      }
    } catch (err) {
      if (!(err instanceof FsError)) throw err;
    }
  }
  oracle.root.durable = new Map(oracle.root.live);
  const everything = (dir: ODir): void => {
    dir.durable = new Map(dir.live);
    for (const n of dir.live.values()) if (n.kind === 'dir') everything(n);
  };
  everything(oracle.root);

  const c = new CrashFs(fs, { directorySync, tornWrites, seed });
  let handles: Handle[] = [];

  const fmt = (m: Map<string, Uint8Array | 'dir'>): string[] =>
    [...m].map(([k, v]) => `${k}=${v === 'dir' ? '<dir>' : new TextDecoder().decode(v)}`);
  const fail = (what: string, got: Map<string, Uint8Array | 'dir'>, why: string): never => {
    throw new Error(
      `seed ${seed} (directorySync ${directorySync}, torn ${tornWrites}) after ${what}: ${why}\n  got  ${fmt(got).join(' ')}\n  want ${fmt(oracle.snapshot()).join(' ')}\n` +
        `  links got ${JSON.stringify(linkGroups(fs, root))} want ${JSON.stringify(oracle.linkGroups())}\nops:\n  ${log.join('\n  ')}`,
    );
  };

  /** After a crash: same names and kinds, same link groups, each file one of its allowed contents (then adopted). */
  const checkCrash = (): void => {
    const got = snapshotBytes(fs, root);
    const want = oracle.snapshot();
    const kinds = (m: Map<string, Uint8Array | 'dir'>): string[] => [...m].map(([k, v]) => `${k}:${v === 'dir' ? 'd' : 'f'}`);
    if (JSON.stringify(kinds(got)) !== JSON.stringify(kinds(want))) fail('crash', got, 'names differ');
    if (JSON.stringify(linkGroups(fs, root)) !== JSON.stringify(oracle.linkGroups())) fail('crash', got, 'link groups differ');
    for (const [path, v] of got) {
      if (v === 'dir') continue;
      const f = oracle.file(path.split('/'));
      const allowed = f.candidates ?? [f.live];
      if (!allowed.some((a) => a.length === v.length && a.every((x, i) => x === v[i]))) fail('crash', got, `${path} is not an allowed content`);
      f.live = v.slice();
      f.durable = v.slice();
      f.candidates = undefined;
    }
  };

  const check = (what: string): void => {
    if (what === 'crash') return checkCrash();
    const got = snapshotBytes(fs, root);
    if (JSON.stringify(fmt(got)) !== JSON.stringify(fmt(oracle.snapshot()))) fail(what, got, 'live state differs');
  };

  for (let step = 0; step < steps; step++) {
    const r = rand();
    const a = randParts();
    const b = randParts();
    let desc = '';
    try {
      if (r < 0.14) {
        const data = bytes();
        const truncate = rand() < 0.5;
        desc = `create ${a.join('/')} trunc=${truncate} "${new TextDecoder().decode(data)}"`;
        const f = c.open(abs(a), { write: true, create: true, truncate });
        f.write(data);
        f.close();
        const of = oracle.open(a, true, truncate);
        oracle.write(of, 0, data);
      } else if (r < 0.24) {
        const data = bytes();
        desc = `append ${a.join('/')} "${new TextDecoder().decode(data)}"`;
        const f = c.open(abs(a), { append: true });
        f.write(data);
        f.close();
        const of = oracle.file(a);
        oracle.write(of, of.live.length, data);
      } else if (r < 0.3) {
        const data = bytes(1); // at least one byte: see the note on empty writes past the end
        const pos = Math.floor(rand() * 12);
        desc = `writeAt ${a.join('/')} ${pos} "${new TextDecoder().decode(data)}"`;
        const f = c.open(abs(a), { write: true });
        f.writeAt(data, pos);
        f.close();
        oracle.write(oracle.file(a), pos, data);
      } else if (r < 0.34) {
        const len = Math.floor(rand() * 10);
        desc = `setLen ${a.join('/')} ${len}`;
        const f = c.open(abs(a), { write: true });
        f.setLen(len);
        f.close();
        oracle.setLen(oracle.file(a), len);
      } else if (r < 0.46) {
        desc = `syncFile ${a.join('/')}`;
        const f = c.open(abs(a));
        f.syncData();
        f.close();
        oracle.sync(oracle.file(a));
      } else if (r < 0.6) {
        const parts = rand() < 0.4 ? [] : a.slice(0, -1);
        desc = `syncDir ${parts.join('/') || '.'}`;
        c.syncDirectory(abs(parts));
        oracle.syncDir(parts);
      } else if (r < 0.68) {
        desc = `rename ${a.join('/')} -> ${b.join('/')}`;
        c.rename(abs(a), abs(b));
        oracle.rename(a, b);
      } else if (r < 0.72) {
        desc = `removeFile ${a.join('/')}`;
        c.removeFile(abs(a));
        oracle.remove(a);
      } else if (r < 0.75) {
        desc = `removeDirAll ${a.join('/')}`;
        c.removeDirAll(abs(a));
        oracle.remove(a);
      } else if (r < 0.79) {
        desc = `hardLink ${a.join('/')} -> ${b.join('/')}`;
        c.hardLink(abs(a), abs(b));
        oracle.link(a, b);
      } else if (r < 0.85) {
        desc = `mkdir ${a.join('/')}`;
        c.createDirAll(abs(a));
        oracle.mkdirAll(a);
      } else if (r < 0.88) {
        desc = `hold ${a.join('/')}`;
        const f = c.open(abs(a), { read: true, write: true });
        handles.push({ file: f, oracle: oracle.file(a) });
      } else if (r < 0.95 && handles.length > 0) {
        const i = Math.floor(rand() * handles.length);
        const h = handles[i]!;
        const q = rand();
        if (q < 0.5) {
          const data = bytes(1);
          const pos = Math.floor(rand() * 12);
          desc = `handle#${i} writeAt ${pos} "${new TextDecoder().decode(data)}"`;
          h.file.writeAt(data, pos);
          oracle.write(h.oracle, pos, data);
        } else if (q < 0.65) {
          const len = Math.floor(rand() * 10);
          desc = `handle#${i} setLen ${len}`;
          h.file.setLen(len);
          oracle.setLen(h.oracle, len);
        } else if (q < 0.85) {
          desc = `handle#${i} sync`;
          h.file.syncAll();
          oracle.sync(h.oracle);
        } else {
          desc = `handle#${i} close`;
          h.file.close();
          handles.splice(i, 1);
        }
      } else if (r > 0.97) {
        desc = 'crash';
        log.push(desc);
        c.crash();
        oracle.crash(tornWrites);
        handles = [];
        check('crash');
        continue;
      } else {
        continue;
      }
      log.push(desc);
    } catch (err) {
      if (!(err instanceof FsError)) throw err;
      log.push(`${desc} -> ${err.code}`);
    }
    check(desc);
  }
  log.push('final crash');
  c.crash();
  oracle.crash(tornWrites);
  check('crash');
}

const SEEDS = Number(process.env.CRASHFS_MODEL_SEEDS ?? 300);
const STEPS = Number(process.env.CRASHFS_MODEL_STEPS ?? 120);
const SOAK = { timeout: 120_000 };

describe('model-based: CrashFs against a naive oracle', () => {
  for (const directorySync of [true, false]) {
    it(`matches the oracle over ${SEEDS} random scenarios (directorySync: ${directorySync})`, SOAK, () => {
      for (let seed = 1; seed <= SEEDS; seed++) {
        const mem = new MemFs();
        mem.createDirAll('/r');
        scenario(mem, '/r', seed, directorySync, STEPS);
      }
    });
  }

  it(`matches the oracle with torn writes over ${SEEDS} random scenarios (contents: a prefix of the changes)`, SOAK, () => {
    for (let seed = 1; seed <= SEEDS; seed++) {
      const mem = new MemFs();
      mem.createDirAll('/r');
      scenario(mem, '/r', seed, seed % 4 !== 0, STEPS, true);
    }
  });

  const nodeBackend = backends.find((b) => b.name === 'NodeFs')!;
  it('matches the oracle on NodeFs too', SOAK, () => {
    for (let seed = 1000; seed < 1012; seed++) {
      const env = nodeBackend.make();
      try {
        scenario(env.fs, env.root, seed, seed % 3 !== 0, 80, seed % 2 === 0);
      } finally {
        env.cleanup();
      }
    }
  });
});
