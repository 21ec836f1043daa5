// Engine bugs lsm-stress found that are not fixed yet, each as the smallest test that shows
// it, written with `it.fails`: the test body asserts the promised behaviour, so this file is
// green while the bug is there and turns red the day it is fixed (then move the body into
// an ordinary `it` and drop it from the README's open-bugs list).

import { Tree } from '@lsm/engine';
import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';

describe('known engine bugs (it.fails: green while the bug exists)', () => {
  // packages/engine/README.md, "Encryption at rest": "plaintext keys and values never reach
  // the disk". With kvSeparation the separated values are written to blob files in
  // plaintext: blob files have no encryption (the blob format reserves a flag bit for it).
  it.fails('encryption + kvSeparation: no value in plaintext on disk', () => {
    const fs = new MemFs();
    const tree = Tree.open('/db', { fs, encryption: { key: new Uint8Array(32).fill(7) }, kvSeparation: { minValueSize: 16 } });
    tree.put('k1', `SECRET-VALUE-${'x'.repeat(100)}`);
    tree.flush();
    tree.close();
    const leaks = fs.readDir('/db').filter((n) => {
      const size = fs.metadata(`/db/${n}`).size;
      const data = Buffer.alloc(size);
      const f = fs.open(`/db/${n}`, { read: true });
      f.read(data, 0);
      f.close();
      return data.includes('SECRET-VALUE');
    });
    expect(leaks).toEqual([]);
  });
});
