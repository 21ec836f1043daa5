// When a read-only open starts over. It reads CURRENT, the manifest, the logs and the
// tables one after the other while a live writer (in this or another process) may replace
// the manifest, delete a log after a flush, or delete tables after a compaction. A file
// that vanished between two of our reads is not damage: the open starts over from CURRENT.
// Anything else (a checksum mismatch, a comparator mismatch) is reported at once.

import { isLsmError } from '@lsm/base';

/** Opens tried before a read-only open gives up and reports the last error. */
export const READ_ONLY_OPEN_ATTEMPTS = 5;

/** True when `err` says a file the open was reading has disappeared. */
export function vanishedUnderUs(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e !== undefined && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    if ((e as { code?: unknown })?.code === 'ENOENT') return true;
  }
  if (isLsmError(err, 'LSM_CORRUPTION')) {
    // Raised by the manifest checks when a file it names is gone.
    return /which is missing|names a manifest that does not exist/.test(err.message);
  }
  return false;
}
