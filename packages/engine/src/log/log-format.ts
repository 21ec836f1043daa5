// The write-ahead log's framing (see FORMAT.md, "Write-ahead log"): the file is a
// sequence of 32 KiB blocks; a record is split into fragments that never cross a block
// boundary, each with a 7-byte header. Fixed block boundaries are what let a reader
// resynchronise after damage, and so tell a torn tail (nothing valid after it) from
// damage in the middle (valid records after it).

/** Bytes per log block. */
export const LOG_BLOCK_SIZE = 32768;
/** Fragment header: checksum u32 LE, length u16 LE, type u8. */
export const LOG_HEADER_SIZE = 7;

/** Fragment types. 0 is reserved so that zero-filled space never parses as a fragment. */
export const enum FragmentType {
  Full = 1,
  First = 2,
  Middle = 3,
  Last = 4,
}

/**
 * The seed of a fragment's XXH32: derived from the log's file number, so a fragment
 * that belongs to another log (a recycled or misplaced file) fails its check.
 */
export function logChecksumSeed(logNumber: number): number {
  return (Math.imul(logNumber >>> 0, 0x9e3779b1) ^ 0x10c0ffee ^ Math.floor(logNumber / 0x100000000)) >>> 0;
}
