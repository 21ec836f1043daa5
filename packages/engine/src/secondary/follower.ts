// A secondary store follows a live primary (in another process, or another Tree in this
// one) without writing anything: tryCatchUp() reads what the primary wrote since the last
// catch-up, the manifest's new state and the logs' new records, and makes it visible.
//
// Promises: after a catch-up, reads see a state the primary really had (every record of
// every log the adopted manifest does not cover, and nothing half of a record). Records
// are replayed incrementally: each log from where the last catch-up stopped, into a
// memtable of its own; once the primary's manifest moves past a log (it is in a table
// now), that log's memtable is dropped. The tables of every version a reader may
// still use are held open, so a table the primary deletes stays readable through its
// handle. When the primary changes its manifest or deletes a log while we read, the
// catch-up starts over (at least READ_ONLY_OPEN_ATTEMPTS times and for up to 2 s, then
// LSM_IO: call again). A catch-up that fails changes nothing readers see.

import { type Fs, readFile } from '@lsm/fs';
import { IoError, bytewiseComparator } from '@lsm/base';
import { CURRENT, parseFileName } from '../file-names.js';
import { replayLogTail } from '../log/replay-log.js';
import { Memtable } from '../memtable/memtable.js';
import type { ResolvedOptions } from '../options.js';
import { READ_ONLY_OPEN_ATTEMPTS, vanishedUnderUs } from '../read-only-open.js';
import type { TableCache } from '../versions/table-cache.js';
import { VersionSet } from '../versions/version-set.js';
import { applyOp } from '../write/write-path.js';

/** How long a catch-up keeps starting over while the primary keeps moving (after READ_ONLY_OPEN_ATTEMPTS tries). */
const CATCH_UP_BUDGET_MS = 2000;

/** What one tryCatchUp() did. */
export interface CatchUpResult {
  /** The newest seqno the secondary sees now. */
  readonly seqno: number;
  /** True when the primary's manifest had changed (new tables, or tables gone). */
  readonly manifestChanged: boolean;
  /** Log records (batches' operations) replayed by this catch-up. */
  readonly operations: number;
  /** Log bytes read by this catch-up. */
  readonly logBytes: number;
  /** Logs whose memtables were dropped: the primary flushed them into the adopted tables. */
  readonly logsDropped: number;
  readonly millis: number;
}

/** The parts of a store a follower updates. */
export interface FollowerHost {
  readonly fs: Fs;
  readonly dir: string;
  readonly opts: ResolvedOptions;
  readonly versions: VersionSet;
  readonly tableCache: TableCache;
  /** The memtables readers search (the follower's replayed tail is the only one). */
  readonly memtables: Memtable[];
  /** Raises the store's visible seqno. */
  setLastSeqno(seqno: number): void;
}

/** The catch-up state of one secondary store. */
export class Follower {
  /** Per live log: its records replayed so far, and the offset just past the last one. */
  private readonly tails = new Map<number, { mem: Memtable; end: number }>();
  /**
   * The newest seqno replayed so far. Kept across attempts: an attempt that starts over
   * has already replayed records (and moved its logs' ends past them).
   */
  private maxSeq = 0;
  /** CURRENT's contents and the manifest's size at the last adoption. */
  private stamp = '';

  constructor(private readonly host: FollowerHost) {
    // Every live version holds one reference to each of its tables (taken when adopted).
    host.versions.onDropped = (v) => {
      for (const id of v.tableIds()) host.tableCache.release(id);
    };
  }

  /** Reads the primary's new state and makes it visible. */
  catchUp(): CatchUpResult {
    const t0 = performance.now();
    for (let attempt = 1; ; attempt++) {
      try {
        return this.attempt(t0);
      } catch (err) {
        if (!vanishedUnderUs(err)) throw err;
        // A primary that flushes often (small memtables) can change its manifest during
        // several attempts in a row: go on for a while before giving up.
        if (attempt >= READ_ONLY_OPEN_ATTEMPTS && performance.now() - t0 >= CATCH_UP_BUDGET_MS) {
          throw new IoError(`tryCatchUp(): the primary changed its files during each of ${attempt} attempts over ${Math.round(performance.now() - t0)} ms; call again`, err);
        }
      }
    }
  }

  private attempt(t0: number): CatchUpResult {
    const h = this.host;
    const stamp = manifestStamp(h.fs, h.dir);
    // A new manifest is read here but adopted only once the whole attempt has succeeded:
    // readers keep the state of the last good catch-up if it fails. (Adopting first put
    // the new tables under the old seqno: a value the primary had compacted away was
    // then missing, and its replacement too new to see.)
    let next: VersionSet | undefined;
    if (stamp !== this.stamp) {
      next = VersionSet.recover(h.fs, h.dir, h.opts.comparator, h.opts.mergeOperator?.name, h.opts.encryption, true);
      h.tableCache.acquireAll(next.current.tableIds());
    }
    const logNumber = next?.logNumber ?? h.versions.logNumber;
    let operations = 0;
    let logBytes = 0;
    try {
      const lastSeqno = next?.lastSeqno ?? h.versions.lastSeqno;
      if (lastSeqno > this.maxSeq) this.maxSeq = lastSeqno;
      for (const n of liveLogs(h.fs, h.dir, logNumber)) {
        let tail = this.tails.get(n);
        if (tail === undefined) this.tails.set(n, (tail = { mem: this.newMemtable(), end: 0 }));
        // Records land in a memtable readers may search, but with seqnos above the visible
        // one: nothing shows until setLastSeqno below.
        const mem = tail.mem;
        const r = replayLogTail(h.fs, h.dir, n, h.opts.encryption, { salvage: false }, tail.end, (seq, type, key, value) => {
          applyOp(mem, seq, type, key, value);
          operations++;
          if (seq > this.maxSeq) this.maxSeq = seq;
        });
        logBytes += r.bytes;
        if (r.end > tail.end) tail.end = r.end;
      }
      // The primary moved on while we read (a new manifest, a log flushed and deleted):
      // what we hold may miss records. Start over; the records replayed so far are real.
      if (manifestStamp(h.fs, h.dir) !== stamp) throw Object.assign(new Error('the primary changed its manifest during a catch-up'), { code: 'ENOENT' });
    } catch (err) {
      if (next !== undefined) for (const id of next.current.tableIds()) h.tableCache.release(id);
      throw err;
    }
    if (next !== undefined) {
      h.versions.adopt(next);
      this.stamp = stamp;
    }
    let logsDropped = 0;
    for (const n of [...this.tails.keys()]) {
      if (n >= logNumber) continue;
      // The primary flushed this log: its records are in the adopted tables now.
      this.tails.delete(n);
      logsDropped++;
    }
    // Readers search memtables newest last: by log number, ascending.
    const mems = h.memtables;
    mems.length = 0;
    for (const n of [...this.tails.keys()].sort((a, b) => a - b)) {
      const mem = this.tails.get(n)!.mem;
      if (!mem.empty) mems.push(mem);
    }
    h.setLastSeqno(this.maxSeq);
    return { seqno: this.maxSeq, manifestChanged: next !== undefined, operations, logBytes, logsDropped, millis: performance.now() - t0 };
  }

  private newMemtable(): Memtable {
    const o = this.host.opts;
    return new Memtable(o.comparator, o.comparator === bytewiseComparator, 0);
  }
}

/** Log numbers >= `from` present in `dir`, ascending. */
function liveLogs(fs: Fs, dir: string, from: number): number[] {
  const out: number[] = [];
  for (const name of fs.readDir(dir)) {
    const p = parseFileName(name);
    if (p?.kind === 'log' && p.number >= from) out.push(p.number);
  }
  return out.sort((a, b) => a - b);
}

/** What changes whenever the primary's manifest does: CURRENT's contents and that manifest's size. */
function manifestStamp(fs: Fs, dir: string): string {
  const name = new TextDecoder().decode(readFile(fs, `${dir}/${CURRENT}`)).trim();
  return `${name}:${fs.metadata(`${dir}/${name}`).size}`;
}
