// Reading a manifest file: its encryption (checked first: the store's keys must fit, before
// any record is read), then its version edits in order, with a strict tail (a complete
// last record that does not check out is damage, not a torn write; see FORMAT.md). The
// one reader of manifests: open (VersionSet.recover) stops at the first damage; verify and
// salvage go on past it, each damaged stretch reported.

import type { KeyRing } from '@lsm/encryption';
import { FileKind } from '@lsm/encryption';
import { isLsmError } from '@lsm/base';
import { openLog } from '../log/log-encryption.js';
import { readLog } from '../log/log-reader.js';
import { type VersionEdit, decodeVersionEdit } from './version-edit.js';

/** How a manifest is read past problems. */
export interface ManifestReadOptions {
  /** Damaged records are skipped and reported here; without it, damage throws LSM_CORRUPTION. */
  onDamage?: (offset: number, length: number, what: string) => void;
  /** A record of a newer format (LSM_NOT_SUPPORTED) is skipped and reported here; without it, it throws. */
  onUnsupported?: (err: Error, offset: number) => void;
}

/**
 * Calls `each` with every version edit of the manifest `data` (the bytes of file `path`,
 * manifest number `number`, of the store in `dir`) and its offset. Throws what the
 * encryption check throws (LSM_INVALID_ARGUMENT: the store is encrypted and no keys were
 * given; LSM_CORRUPTION otherwise), and, unless `opts` takes them, LSM_CORRUPTION for
 * damage and LSM_NOT_SUPPORTED for an edit of a newer format.
 */
export function readManifestEdits(
  data: Uint8Array,
  path: string,
  number: number,
  keys: KeyRing | undefined,
  dir: string,
  each: (edit: VersionEdit, offset: number) => void,
  opts: ManifestReadOptions = {},
): void {
  const crypt = openLog(data, path, FileKind.Manifest, number, keys, dir)!;
  const { onDamage, onUnsupported } = opts;
  readLog(
    data,
    path,
    number,
    (rec, offset) => {
      let edit: VersionEdit;
      try {
        edit = decodeVersionEdit(rec, path, offset);
      } catch (err) {
        if (onUnsupported !== undefined && isLsmError(err, 'LSM_NOT_SUPPORTED')) {
          onUnsupported(err as Error, offset);
          return;
        }
        throw err;
      }
      each(edit, offset);
    },
    { strictTail: true, salvage: onDamage !== undefined, cipher: crypt.cipher, start: crypt.start, ...(onDamage === undefined ? {} : { onDamage }) },
  );
}
