// FaultFs: wraps any Fs and injects failures on chosen operations, so tests can check
// that storage code reports I/O errors and stays consistent. Rules are deterministic:
// a rule lets its first `after` matches pass and fires on the next `times` matches.

import { FsError, type FsErrorCode } from './errors.js';
import type { Fs, FsFile, Metadata, OpenOptions } from './types.js';

/** The operation kinds a rule can match. */
export type FaultOp =
  | 'open'
  | 'read'
  | 'write'
  | 'sync'
  | 'setLen'
  | 'size'
  | 'lock'
  | 'close'
  | 'createDir'
  | 'readDir'
  | 'remove'
  | 'rename'
  | 'metadata'
  | 'exists'
  | 'syncDirectory'
  | 'hardLink';

/** What happens when a rule fires. */
export type Fault =
  /** Throw FsError with this code (EIO if omitted) without touching the inner Fs. */
  | { type: 'error'; code?: FsErrorCode }
  /** For write: pass only the first `bytes` bytes to the inner file and report that count. */
  | { type: 'shortWrite'; bytes: number }
  /** For read: flip one bit of what the read returned (bit index within the bytes read; default: seeded pick). */
  | { type: 'corruptRead'; bit?: number };

/** A rule: which operations it matches and what it does to them. */
export interface FaultRule {
  op: FaultOp;
  /** Match only operations whose path contains this substring (rename and hardLink: either path). */
  path?: string;
  /** Matches to let through before firing. Default 0; Infinity makes a rule that only counts matches. */
  after?: number;
  /** How many matches to fire on. Default 1; Infinity fires forever. */
  times?: number;
  fault: Fault;
}

/** A live rule: how often it matched and fired. */
export interface ArmedRule {
  readonly rule: Readonly<FaultRule>;
  readonly matched: number;
  readonly fired: number;
  /** Stops the rule from matching anything again. */
  disarm(): void;
}

class Armed implements ArmedRule {
  matched = 0;
  fired = 0;
  active = true;
  constructor(readonly rule: Readonly<FaultRule>) {}
  disarm(): void {
    this.active = false;
  }
}

/** An Fs that fails on command. With no rules it is a transparent wrapper. */
export class FaultFs implements Fs {
  private rules: Armed[] = [];
  private seed: number;
  /** How many faults have fired in total. */
  faultsInjected = 0;

  constructor(
    readonly inner: Fs,
    options?: { seed?: number },
  ) {
    this.seed = (options?.seed ?? 0x9e3779b9) >>> 0;
  }

  /** Arms a rule. Rules are checked in the order they were added; the first that fires wins. */
  addRule(rule: FaultRule): ArmedRule {
    const after = rule.after ?? 0;
    const times = rule.times ?? 1;
    if (!(after === Infinity || (Number.isInteger(after) && after >= 0))) throw new FsError('EINVAL', 'addRule', undefined, { detail: 'after must be an integer >= 0' });
    if (!(times === Infinity || (Number.isInteger(times) && times >= 0))) {
      throw new FsError('EINVAL', 'addRule', undefined, { detail: 'times must be an integer >= 0 or Infinity' });
    }
    if (rule.fault.type === 'shortWrite' && (rule.op !== 'write' || !Number.isInteger(rule.fault.bytes) || rule.fault.bytes < 0)) {
      throw new FsError('EINVAL', 'addRule', undefined, { detail: "shortWrite needs op 'write' and an integer bytes >= 0" });
    }
    if (rule.fault.type === 'corruptRead' && rule.op !== 'read') {
      throw new FsError('EINVAL', 'addRule', undefined, { detail: "corruptRead needs op 'read'" });
    }
    const armed = new Armed({ ...rule, after, times });
    this.rules.push(armed);
    return armed;
  }

  /** Removes every rule. */
  clearRules(): void {
    this.rules = [];
  }

  /** Returns the fault to apply to this operation, if a rule fires on it. */
  check(op: FaultOp, path: string, otherPath?: string): Fault | undefined {
    for (const r of this.rules) {
      if (!r.active || r.rule.op !== op) continue;
      const want = r.rule.path;
      if (want !== undefined && !path.includes(want) && !(otherPath !== undefined && otherPath.includes(want))) continue;
      r.matched++;
      const after = r.rule.after ?? 0;
      const times = r.rule.times ?? 1;
      if (r.matched > after && r.fired < times) {
        r.fired++;
        this.faultsInjected++;
        return r.rule.fault;
      }
    }
    return undefined;
  }

  /** Applies a fault that can only be an error (ops other than read/write). */
  gate(op: FaultOp, path: string, syscall: string, otherPath?: string): void {
    const f = this.check(op, path, otherPath);
    if (f !== undefined && f.type === 'error') throw injected(f, syscall, path);
  }

  /** A deterministic pseudo-random 32-bit number (xorshift32) for corruptRead bit picks. */
  nextRandom(): number {
    let x = this.seed;
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    this.seed = x;
    return x;
  }

  open(path: string, options?: OpenOptions): FsFile {
    this.gate('open', path, 'open');
    return new FaultFile(this, this.inner.open(path, options));
  }
  createDirAll(path: string): void {
    this.gate('createDir', path, 'mkdir');
    this.inner.createDirAll(path);
  }
  readDir(path: string): string[] {
    this.gate('readDir', path, 'scandir');
    return this.inner.readDir(path);
  }
  removeFile(path: string): void {
    this.gate('remove', path, 'unlink');
    this.inner.removeFile(path);
  }
  removeDirAll(path: string): void {
    this.gate('remove', path, 'rm');
    this.inner.removeDirAll(path);
  }
  rename(from: string, to: string): void {
    this.gate('rename', from, 'rename', to);
    this.inner.rename(from, to);
  }
  metadata(path: string): Metadata {
    this.gate('metadata', path, 'stat');
    return this.inner.metadata(path);
  }
  exists(path: string): boolean {
    this.gate('exists', path, 'stat');
    return this.inner.exists(path);
  }
  syncDirectory(path: string): void {
    this.gate('syncDirectory', path, 'fsync');
    this.inner.syncDirectory(path);
  }
  hardLink(existing: string, newPath: string): void {
    this.gate('hardLink', existing, 'link', newPath);
    this.inner.hardLink(existing, newPath);
  }
}

function injected(f: { code?: FsErrorCode }, syscall: string, path: string): FsError {
  return new FsError(f.code ?? 'EIO', syscall, path, { detail: 'injected by FaultFs' });
}

class FaultFile implements FsFile {
  constructor(
    private readonly fs: FaultFs,
    private readonly inner: FsFile,
  ) {}

  get path(): string {
    return this.inner.path;
  }

  read(buf: Uint8Array, position: number): number {
    const f = this.fs.check('read', this.path);
    if (f?.type === 'error') throw injected(f, 'read', this.path);
    const n = this.inner.read(buf, position);
    if (f?.type === 'corruptRead' && n > 0) {
      const bits = n * 8;
      const bit = f.bit === undefined ? this.fs.nextRandom() % bits : f.bit % bits;
      buf[bit >>> 3]! ^= 1 << (bit & 7);
    }
    return n;
  }

  write(data: Uint8Array): number {
    const f = this.fs.check('write', this.path);
    if (f?.type === 'error') throw injected(f, 'write', this.path);
    if (f?.type === 'shortWrite' && f.bytes < data.length) return this.inner.write(data.subarray(0, f.bytes));
    return this.inner.write(data);
  }

  writeAt(data: Uint8Array, position: number): number {
    const f = this.fs.check('write', this.path);
    if (f?.type === 'error') throw injected(f, 'write', this.path);
    if (f?.type === 'shortWrite' && f.bytes < data.length) return this.inner.writeAt(data.subarray(0, f.bytes), position);
    return this.inner.writeAt(data, position);
  }

  syncData(): void {
    this.fs.gate('sync', this.path, 'fdatasync');
    this.inner.syncData();
  }
  syncAll(): void {
    this.fs.gate('sync', this.path, 'fsync');
    this.inner.syncAll();
  }
  setLen(len: number): void {
    this.fs.gate('setLen', this.path, 'ftruncate');
    this.inner.setLen(len);
  }
  size(): number {
    this.fs.gate('size', this.path, 'fstat');
    return this.inner.size();
  }
  tryLock(): boolean {
    this.fs.gate('lock', this.path, 'flock');
    return this.inner.tryLock();
  }
  unlock(): void {
    this.inner.unlock();
  }
  close(): void {
    // A failing close still releases the handle, as close(2) does.
    const f = this.fs.check('close', this.path);
    this.inner.close();
    if (f?.type === 'error') throw injected(f, 'close', this.path);
  }
}
