// The at-rest promise of encrypted configs: no key or value written to the store may be
// found in plaintext in any of its files. Run on a closed store (everything flushed or
// logged). It samples: the longest current values (short ones could occur in ciphertext
// by chance; values of at least 16 bytes cannot, in practice) and a few current keys.

import type { Fs } from '@lsm/fs';
import { StressFailure } from './failure.js';
import type { Oracle } from './oracle.js';

/** How many keys and values are searched for (each in every file). */
const SAMPLE = 16;

/** Throws when a file of `dir` holds a current key or a long current value in plaintext. */
export function checkNoPlaintext(fs: Fs, dir: string, oracle: Oracle): void {
  const live = oracle.scan(Number.MAX_SAFE_INTEGER, undefined, true, undefined, true, false, undefined);
  const values = live
    .filter(([, v]) => v.length >= 16)
    .sort((a, b) => b[1].length - a[1].length)
    .slice(0, SAMPLE)
    .map(([k, v]) => ({ what: `the value of ${k}`, bytes: Buffer.from(v.buffer, v.byteOffset, Math.min(v.length, 64)) }));
  const keys = live
    .filter(([k]) => k.length >= 10)
    .slice(0, SAMPLE)
    .map(([k]) => ({ what: `key ${k}`, bytes: Buffer.from(k, 'latin1') }));
  for (const name of fs.readDir(dir)) {
    const path = `${dir}/${name}`;
    const size = fs.metadata(path).size;
    const f = fs.open(path, { read: true });
    const data = Buffer.alloc(size);
    try {
      f.read(data, 0);
    } finally {
      f.close();
    }
    for (const s of [...values, ...keys]) {
      if (data.includes(s.bytes)) throw new StressFailure(`encrypted store: ${s.what} is in plaintext in ${path}`);
    }
  }
}
