// Public entry of @lsm/encryption: encryption at rest for every file kind of the @lsm
// storage engine (tables, blob files, write-ahead logs, manifests). A KeyRing holds the
// current key and older ones still accepted for reading; every encrypted file starts (a
// table: ends) with a plaintext encryption header naming its kind, number and key id;
// FileCipher seals each block with AES-256-GCM under a per-file subkey, bound to the
// file, the block's offset and its type. Promises: a wrong key, a moved, copied or altered
// block, or a tampered header is an LSM_CORRUPTION error, never garbage plaintext.

export { KeyRing, keyIdOf, keyIdHex, ENCRYPTION_KEY_LENGTH, type EncryptionOptions } from './encryption-keys.js';
export {
  FileKind,
  ENCRYPTION_HEADER_SIZE,
  GCM_TAG_LENGTH,
  hasEncryptionMagic,
  decodeEncryptionHeader,
  type EncryptionHeader,
} from './encryption-header.js';
export { FileCipher, BlockType, ENCRYPTION_OVERHEAD } from './file-cipher.js';
export { gcmBackend, setGcmBackend, type GcmBackend } from './aes-gcm.js';
