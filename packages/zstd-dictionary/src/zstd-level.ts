// zstd compression levels: the default every @lsm writer and the dictionary trainer use,
// and the check that a level is one the zstd library accepts. Kept here, below
// @lsm/sstable, so that the trainer and the table writer share one definition; sstable
// re-exports both.

import { InvalidArgumentError } from '@lsm/base';
import zstd from 'zstd-napi/binding.js';

/** Default zstd level: zstd's own default, a good speed/ratio point for 4 KiB blocks. */
export const DEFAULT_ZSTD_LEVEL = 3;

/** Validates a zstd level against the library's range. */
export function checkZstdLevel(level: number): void {
  if (!Number.isInteger(level) || level < zstd.minCLevel() || level > zstd.maxCLevel()) {
    throw new InvalidArgumentError(`zstd level must be an integer in [${zstd.minCLevel()}, ${zstd.maxCLevel()}], got ${String(level)}`);
  }
}
