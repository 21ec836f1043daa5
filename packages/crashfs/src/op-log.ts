// The file operations crashTest records from a workload, one per Fs call that can change
// what a crash leaves (opens, writes, truncates, syncs, closes, namespace changes), with a
// human-readable label each, and their replay onto a fresh Fs. Replaying the first k
// operations of a log onto the image the log started from rebuilds exactly the state the
// workload had after them: the Fs calls are the same, and every Fs here is deterministic.

import type { Fs, FsFile, OpenOptions } from '@lsm/fs';

/** One recorded Fs call. `handle` numbers the files the workload opened, in order. */
export type RecordedCall =
  | { kind: 'open'; handle: number; path: string; options: OpenOptions }
  | { kind: 'write'; handle: number; data: Uint8Array; position: number | undefined }
  | { kind: 'setLen'; handle: number; len: number }
  | { kind: 'syncData' | 'syncAll' | 'close'; handle: number }
  | { kind: 'createDirAll' | 'removeFile' | 'removeDirAll' | 'syncDirectory'; path: string }
  | { kind: 'rename'; from: string; to: string }
  | { kind: 'hardLink'; existing: string; newPath: string };

/** A recorded call and what it did. */
export interface RecordedOp {
  call: RecordedCall;
  /** What the trace shows, e.g. `write '/db/x.tmp' 12 bytes at 0`. */
  label: string;
  /** True when a crash right after this call may leave a different image than before it. */
  point: boolean;
  /** True when, after this call, some file had unsynced changes (so a torn crash differs). */
  unsyncedData: boolean;
  /** The error code when the call failed (failed calls are not replayed). */
  failed: string | undefined;
}

/** The label of a call in a trace; `pathOf` names the file behind a handle. */
export function labelOf(call: RecordedCall, pathOf: (handle: number) => string): string {
  const q = (p: string): string => `'${p}'`;
  switch (call.kind) {
    case 'open': {
      const o = call.options;
      const mode = [o.read !== false && !o.write && !o.append ? 'read' : '', o.write ? 'write' : '', o.append ? 'append' : '', o.create ? 'create' : '', o.createNew ? 'createNew' : '', o.truncate ? 'truncate' : '']
        .filter((m) => m !== '')
        .join(', ');
      return `open ${q(call.path)} (${mode})`;
    }
    case 'write':
      return `write ${q(pathOf(call.handle))} ${call.data.length} bytes ${call.position === undefined ? 'at the cursor' : `at ${call.position}`}`;
    case 'setLen':
      return `truncate ${q(pathOf(call.handle))} to ${call.len}`;
    case 'syncData':
      return `fdatasync ${q(pathOf(call.handle))}`;
    case 'syncAll':
      return `fsync ${q(pathOf(call.handle))}`;
    case 'close':
      return `close ${q(pathOf(call.handle))}`;
    case 'createDirAll':
      return `mkdir -p ${q(call.path)}`;
    case 'removeFile':
      return `unlink ${q(call.path)}`;
    case 'removeDirAll':
      return `rm -r ${q(call.path)}`;
    case 'syncDirectory':
      return `fsync directory ${q(call.path)}`;
    case 'rename':
      return `rename ${q(call.from)} -> ${q(call.to)}`;
    case 'hardLink':
      return `link ${q(call.existing)} -> ${q(call.newPath)}`;
  }
}

/** Applies the successful calls among the first `count` of `ops` to `fs`, in order. */
export function replay(ops: readonly RecordedOp[], count: number, fs: Fs): void {
  const files = new Map<number, FsFile>();
  const file = (handle: number): FsFile => {
    const f = files.get(handle);
    if (f === undefined) throw new Error(`crashTest replay: handle ${handle} is not open (a bug in crashTest)`);
    return f;
  };
  for (const op of ops.slice(0, count)) {
    if (op.failed !== undefined) continue;
    const c = op.call;
    switch (c.kind) {
      case 'open':
        files.set(c.handle, fs.open(c.path, c.options));
        break;
      case 'write':
        if (c.position === undefined) file(c.handle).write(c.data);
        else file(c.handle).writeAt(c.data, c.position);
        break;
      case 'setLen':
        file(c.handle).setLen(c.len);
        break;
      case 'syncData':
        file(c.handle).syncData();
        break;
      case 'syncAll':
        file(c.handle).syncAll();
        break;
      case 'close':
        files.get(c.handle)?.close(); // closing twice is a no-op, as on FsFile
        files.delete(c.handle);
        break;
      case 'createDirAll':
        fs.createDirAll(c.path);
        break;
      case 'removeFile':
        fs.removeFile(c.path);
        break;
      case 'removeDirAll':
        fs.removeDirAll(c.path);
        break;
      case 'syncDirectory':
        fs.syncDirectory(c.path);
        break;
      case 'rename':
        fs.rename(c.from, c.to);
        break;
      case 'hardLink':
        fs.hardLink(c.existing, c.newPath);
        break;
    }
  }
}
