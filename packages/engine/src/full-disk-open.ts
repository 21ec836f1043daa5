// A normal open that fails for want of space leaves the directory as it found it, as far
// as the store allows: every file the open created is removed again (a new manifest never
// installed, a log that holds nothing, temp files), so that the failed attempt costs no
// space. When the open got as far as installing its new manifest (CURRENT names it), that
// manifest and what it names are the store now and stay.

import { type Fs, readFile } from '@lsm/fs';
import { CURRENT, parseFileName } from './file-names.js';
import { removeQuietly } from './remove-quietly.js';

/** The directory's entries, or an empty set when it cannot be listed (nothing will be undone). */
export function listQuietly(fs: Fs, dir: string): Set<string> {
  try {
    return new Set(fs.readDir(dir));
  } catch {
    return new Set();
  }
}

/** Removes what a failed open created in `dir` (`before`: its entries before the open). */
export function undoFailedOpen(fs: Fs, dir: string, before: ReadonlySet<string>): void {
  if (before.size === 0) return;
  let current: string | undefined;
  try {
    current = new TextDecoder().decode(readFile(fs, `${dir}/${CURRENT}`)).trim();
  } catch {
    current = undefined;
  }
  for (const name of listQuietly(fs, dir)) {
    if (before.has(name) || name === current) continue;
    const p = parseFileName(name);
    if (p === undefined || p.kind === 'lock') continue;
    // A log the installed manifest may count on is kept unless it is empty.
    if (p.kind === 'log' && current !== undefined && !before.has(current) && !isEmpty(fs, `${dir}/${name}`)) continue;
    removeQuietly(fs, `${dir}/${name}`);
  }
}

function isEmpty(fs: Fs, path: string): boolean {
  try {
    return fs.metadata(path).size === 0;
  } catch {
    return false;
  }
}
