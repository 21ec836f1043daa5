// The plaintext check must find a value or key of a store that is not encrypted, and find
// nothing in an encrypted one (so a pass of the encrypted configs means something).

import { Tree, appendWithSeparator } from '@lsm/engine';
import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { appendFold } from '../src/merge-model.js';
import { Oracle } from '../src/oracle.js';
import { checkNoPlaintext } from '../src/plaintext-check.js';
import { bytesFromSeed } from '../src/rng.js';

function store(encrypted: boolean): { fs: MemFs; oracle: Oracle } {
  const fs = new MemFs();
  const oracle = new Oracle(appendFold(Buffer.from('|')));
  const tree = Tree.open('/db', { fs, mergeOperator: appendWithSeparator('|'), ...(encrypted ? { encryption: { key: new Uint8Array(32).fill(3) } } : {}) });
  for (let i = 0; i < 50; i++) {
    const key = `key-${String(i).padStart(6, '0')}`;
    const value = bytesFromSeed(i + 1, 40);
    oracle.record([{ key, kind: 'put', value }], tree.put(key, value), true);
  }
  tree.flush();
  tree.close();
  return { fs, oracle };
}

describe('checkNoPlaintext', () => {
  it('finds plaintext in a store that is not encrypted', () => {
    const { fs, oracle } = store(false);
    expect(() => checkNoPlaintext(fs, '/db', oracle)).toThrow(/in plaintext/);
  });
  it('finds none in an encrypted store', () => {
    const { fs, oracle } = store(true);
    expect(() => checkNoPlaintext(fs, '/db', oracle)).not.toThrow();
  });
});
