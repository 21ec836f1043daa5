// Where a flipped byte in a blob file must be noticed. A blob file's header and footer are
// checked whenever the file is opened for a read, and a record is checked whenever a read
// follows a pointer to it; but records nothing points at any more (overwritten, deleted,
// or moved by blob GC: the moved copy is byte-identical) are never read, so damage there
// is invisible and harmless. For the "every corruption detected" count to mean something,
// flips into blob files go only to bytes some read of the current store must check: the
// header, the footer, and records that are certainly live. A record is certainly live when
// its (key, value) is the store's current value of that key (per the oracle) and no other
// record in any blob file holds the same (key, value) (which rules out GC's dead copies).

import { type EncryptionOptions } from '@lsm/encryption';
import { BLOB_FOOTER_SIZE, BLOB_HEADER_SIZE, BlobFileReader } from '@lsm/sstable';
import type { FaultFs } from '@lsm/fs';
import { keyText } from './compare.js';
import { StressFailure, describeError } from './failure.js';
import { type Oracle, sameValue } from './oracle.js';

/** A blob file and the byte ranges [start, end) of it that current reads must check. */
export interface BlobTarget {
  path: string;
  ranges: [number, number][];
}

/**
 * Blob files (names in `dir`) that hold a certainly-live record, with their checked ranges.
 * `encryption`: the store's keys, when its blob files are encrypted.
 */
export function blobTargets(fs: FaultFs, dir: string, names: readonly string[], oracle: Oracle, encryption?: EncryptionOptions): BlobTarget[] {
  const files: { path: string; size: number; footerAt: number; records: { offset: number; size: number; id: string; key: string; value: Uint8Array }[] }[] = [];
  const copies = new Map<string, number>();
  for (const name of names) {
    const path = `${dir}/${name}`;
    let reader: BlobFileReader;
    try {
      reader = BlobFileReader.open(fs, path, Number(name.slice(0, name.indexOf('.'))), encryption === undefined ? {} : { encryption });
    } catch (err) {
      throw new StressFailure(`undamaged blob file ${path} does not open: ${describeError(err)}`);
    }
    try {
      const records = reader.records().map((r) => {
        const key = keyText(r.key);
        const id = `${key}\u0000${Buffer.from(r.value).toString('hex')}`;
        copies.set(id, (copies.get(id) ?? 0) + 1);
        return { offset: r.offset, size: r.size, id, key, value: r.value };
      });
      files.push({ path, size: reader.fileSize, footerAt: reader.fileSize - BLOB_FOOTER_SIZE, records });
    } catch (err) {
      throw new StressFailure(`undamaged blob file ${path} fails its own check: ${describeError(err)}`);
    } finally {
      reader.close();
    }
  }
  const out: BlobTarget[] = [];
  for (const f of files) {
    const live = f.records.filter((r) => copies.get(r.id) === 1 && sameValue(oracle.get(r.key, Number.MAX_SAFE_INTEGER), r.value));
    if (live.length === 0) continue;
    out.push({ path: f.path, ranges: [[0, BLOB_HEADER_SIZE], ...live.map((r): [number, number] => [r.offset, r.offset + r.size]), [f.footerAt, f.size]] });
  }
  return out;
}

/** The byte offset at fraction `at` (in [0, 1)) of the target's ranges laid end to end. */
export function offsetIn(t: BlobTarget, at: number): number {
  const total = t.ranges.reduce((s, [a, b]) => s + (b - a), 0);
  let x = Math.min(total - 1, Math.floor(at * total));
  for (const [a, b] of t.ranges) {
    if (x < b - a) return a + x;
    x -= b - a;
  }
  throw new Error('offsetIn: empty target');
}
