// Scope: the names CrashFs's user handed it, kept apart from the namespace model, and the
// guard that keeps crash() to them. crash() changes the inner Fs wherever the model says
// it differs from the durable image; if the model is wrong, it could remove or rewrite
// anything the model ever adopted (on a real disk: anything under '/'). So every change
// crash() plans is checked against the names the user's own calls changed, and a plan
// that reaches beyond them is refused whole, before the first change.

import { FsError } from '@lsm/fs';
import { childPath, splitPath } from './paths.js';

/** The canonical spelling of `path` (as the namespace model spells it). */
function canonical(path: string): string {
  const { root, parts } = splitPath(path);
  let p: string = root;
  for (const part of parts) p = childPath(p, part);
  return p;
}

/** The canonical paths of `path` and each of its ancestors, the root first. */
function lineage(path: string): string[] {
  const { root, parts } = splitPath(path);
  const out: string[] = [root];
  let p: string = root;
  for (const part of parts) out.push((p = childPath(p, part)));
  return out;
}

/**
 * The names a CrashFs was handed: every path its user created, opened for writing,
 * removed, renamed (either side) or linked (the new name) through it, and, for
 * `createDirAll`, the shallowest directory the call created. A name covers itself and
 * everything below it. Also the files its user opened for writing: a crash may roll back
 * such a file's content under any of its names (a hard link is the same file).
 */
export class Scope {
  private readonly handed = new Set<string>();
  private readonly writtenFiles = new Set<object>();

  /** Records that the user opened `file` (the model's file) for writing. */
  handFile(file: object): void {
    this.writtenFiles.add(file);
  }

  /** Throws like `check` unless the user opened `file` for writing or `path` is covered. */
  checkContent(file: object, path: string): void {
    if (!this.writtenFiles.has(file)) this.check(path);
  }

  /** Records that the user's call changed `path` (and so may change what is below it). */
  hand(path: string): void {
    if (!this.covers(path)) this.handed.add(canonical(path));
  }

  /** True when `path` is a handed name or below one. */
  covers(path: string): boolean {
    for (const p of lineage(path)) if (this.handed.has(p)) return true;
    return false;
  }

  /**
   * Throws FsError EACCES (syscall 'crash', naming the path) unless `path` is covered: the
   * model wants to change a name its user never handed it, so the model is wrong.
   */
  check(path: string): void {
    if (this.covers(path)) return;
    throw new FsError('EACCES', 'crash', path, {
      detail: 'the model would change a name below no path this CrashFs was handed, or a file never opened for writing through it (the model is wrong); crash() changed nothing',
    });
  }
}
