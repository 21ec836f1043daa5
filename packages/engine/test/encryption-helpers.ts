// What the engine's encryption tests need from @lsm/encryption's and @lsm/base's public APIs, in one place.

export { ENCRYPTION_HEADER_SIZE, FileKind, decodeEncryptionHeader, keyIdHex, keyIdOf } from '@lsm/encryption';
export { xxh32 } from '@lsm/base';

/** A table's footer is 64 bytes (sstable FORMAT.md); the encryption header sits just before it. */
export const FOOTER_SIZE_FOR_TESTS = 64;
