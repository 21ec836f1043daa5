// zstd compression levels: the default every @lsm writer and the dictionary trainer use,
// and the check that a level is one the zstd library accepts. Kept here, below
// @lsm/sstable, so that the trainer and the table writer share one definition; sstable
// re-exports both. The range is @lsm/zstd's constant (both backends report it), so that
// checking a level loads no zstd.

import { InvalidArgumentError, shownValue } from '@lsm/base';
import { ZSTD_MAX_LEVEL, ZSTD_MIN_LEVEL } from '@lsm/zstd';

/** Default zstd level: zstd's own default, a good speed/ratio point for 4 KiB blocks. */
export const DEFAULT_ZSTD_LEVEL = 3;

/** Validates a zstd level against the library's range. */
export function checkZstdLevel(level: number): void {
  if (!Number.isInteger(level) || level < ZSTD_MIN_LEVEL || level > ZSTD_MAX_LEVEL) {
    throw new InvalidArgumentError(`zstd level must be an integer in [${ZSTD_MIN_LEVEL}, ${ZSTD_MAX_LEVEL}], got ${shownValue(level)}`);
  }
}
