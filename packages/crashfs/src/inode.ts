// Inode: CrashFs's model of one file (shared by all its hard links). It holds the file's
// durable content (as of its last successful sync) and the ordered list of changes made
// since then. A sync folds the pending changes into the durable content incrementally,
// so a write-ahead log that syncs after every append costs O(appended bytes), not O(file).

import { ByteImage } from './bytes.js';
import type { Slot } from './namespace.js';

/** A write made since the last sync. `data` may have spare capacity past `len`. */
export interface WriteOp {
  readonly kind: 'write';
  readonly pos: number;
  data: Uint8Array;
  len: number;
}

/** A truncation or extension made since the last sync. */
export interface SetLenOp {
  readonly kind: 'setLen';
  readonly len: number;
}

export type PendingOp = WriteOp | SetLenOp;

/** One file of the model. */
export class Inode {
  /**
   * Durable content. Undefined means "not loaded": the durable content is whatever the
   * inner Fs holds for this file, which is only allowed while nothing is pending.
   */
  private image: ByteImage | undefined;
  /** Changes since the last successful sync, in order. */
  readonly pending: PendingOp[] = [];
  /** Bytes written since the last sync (sum of pending write lengths). */
  pendingBytes = 0;
  /** The file's current length on the inner Fs, tracked to know where appends land. */
  liveLen: number;
  /** False for a file CrashFs created and nobody has synced yet. */
  everSynced: boolean;
  /**
   * Set when an inner mutation failed midway, so the inner bytes may differ from
   * durable + pending: crash() then rewrites the file whole from its durable content.
   */
  tainted = false;
  /** Open CrashFs handles on this file. */
  openHandles = 0;
  /** The live directory entries that name this file. */
  readonly liveSlots = new Set<Slot>();

  private constructor(
    readonly id: number,
    image: ByteImage | undefined,
    liveLen: number,
    everSynced: boolean,
  ) {
    this.image = image;
    this.liveLen = liveLen;
    this.everSynced = everSynced;
  }

  /** A file that existed on the inner Fs before CrashFs saw it: durable, content not loaded. */
  static adopted(id: number, size: number): Inode {
    return new Inode(id, undefined, size, true);
  }

  /** A file CrashFs just created: empty, never synced. */
  static created(id: number): Inode {
    return new Inode(id, new ByteImage(), 0, false);
  }

  /** True when the durable content is held in memory. */
  get loaded(): boolean {
    return this.image !== undefined;
  }

  /** True when something was changed since the last sync. */
  get dirty(): boolean {
    return this.pending.length > 0;
  }

  /** Sets the durable content read from the inner Fs (takes ownership). No-op if loaded. */
  load(content: Uint8Array): void {
    if (this.image === undefined) this.image = new ByteImage(content);
  }

  /** Forgets the durable content to save memory; only legal when nothing is pending. */
  unload(): void {
    if (this.pending.length === 0 && !this.tainted) this.image = undefined;
  }

  /** Records a write of `data` at `pos`. The content must be loaded. */
  recordWrite(pos: number, data: Uint8Array): void {
    const n = data.length;
    if (n === 0) return;
    this.mustBeLoaded();
    if (pos + n > this.liveLen) this.liveLen = pos + n;
    this.pendingBytes += n;
    const last = this.pending[this.pending.length - 1];
    // A write that continues the previous one is merged with it: cutting the merged
    // write at k bytes gives the same file as cutting the pair at k, so torn crashes
    // see no difference, and a log of small appends keeps one op.
    if (last !== undefined && last.kind === 'write' && last.pos + last.len === pos) {
      const need = last.len + n;
      if (need > last.data.length) {
        const grown = new Uint8Array(Math.max(need, last.data.length * 2));
        grown.set(last.data.subarray(0, last.len));
        last.data = grown;
      }
      last.data.set(data, last.len);
      last.len = need;
      return;
    }
    // A copy: the caller may reuse its buffer (and a Buffer's slice() would be a view of it).
    this.pending.push({ kind: 'write', pos, data: new Uint8Array(data), len: n });
  }

  /** Records a truncation or extension to `len`. The content must be loaded. */
  recordSetLen(len: number): void {
    this.mustBeLoaded();
    this.liveLen = len;
    this.pending.push({ kind: 'setLen', len });
  }

  /** Makes everything pending durable (a successful syncData/syncAll). */
  sync(): void {
    this.everSynced = true;
    if (this.pending.length === 0) return;
    const image = this.mustBeLoaded();
    for (const op of this.pending) apply(image, op, op.kind === 'write' ? op.len : 0);
    this.pending.length = 0;
    this.pendingBytes = 0;
  }

  /** Units a torn crash chooses from: one per pending written byte, one per pending setLen. */
  pendingUnits(): number {
    let units = this.pendingBytes;
    for (const op of this.pending) if (op.kind === 'setLen') units++;
    return units;
  }

  /** The lowest offset any pending op may have changed (Infinity when nothing is pending). */
  lowestPendingOffset(): number {
    let lo = Infinity;
    for (const op of this.pending) lo = Math.min(lo, op.kind === 'write' ? op.pos : op.len);
    return lo;
  }

  /**
   * The content after a crash: the durable content plus the first `units` units of the
   * pending ops, in order (a write reached with fewer units left than its length keeps
   * that many leading bytes; nothing after it applies). Consumes the model: only crash()
   * calls this, and the inode is discarded afterwards.
   */
  contentAfterCrash(units: number): Uint8Array {
    const image = this.mustBeLoaded();
    let left = units;
    for (const op of this.pending) {
      const cost = op.kind === 'write' ? op.len : 1;
      if (left < cost) {
        if (op.kind === 'write' && left > 0) apply(image, op, left);
        break;
      }
      apply(image, op, op.kind === 'write' ? op.len : 0);
      left -= cost;
    }
    return image.view();
  }

  private mustBeLoaded(): ByteImage {
    if (this.image === undefined) throw new Error(`CrashFs internal error: content of inode ${this.id} is not loaded`);
    return this.image;
  }
}

/** Applies one op (a write only for its first `bytes` bytes) to `image`. */
function apply(image: ByteImage, op: PendingOp, bytes: number): void {
  if (op.kind === 'write') image.write(op.pos, op.data.subarray(0, bytes));
  else image.setLen(op.len);
}
