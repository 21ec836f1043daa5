// File removal that must not fail the caller: a file that cannot be removed now is an
// orphan that the next deletion pass (or the next open) removes.

import type { Fs } from '@lsm/fs';

/** Removes a file, ignoring failure: a leftover is an orphan the next open deletes. */
export function removeQuietly(fs: Fs, path: string): void {
  try {
    fs.removeFile(path);
  } catch {
    // See above.
  }
}
