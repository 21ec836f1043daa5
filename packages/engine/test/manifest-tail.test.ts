// The manifest's last record (issue #22, part 4; FORMAT.md, "Manifests are read with a
// strict tail"): a torn tail (the file ends inside a record, or only zeros follow the
// damage) is a crash during the write and is ignored; a complete last record whose
// checksum does not match is damage, LSM_CORRUPTION naming the manifest.

import { MemFs } from '@lsm/fs';
import { describe, expect, it } from 'vitest';
import { LsmError, Tree } from '../src/index.js';
import { LOG_HEADER_SIZE } from '../src/log/log-format.js';
import { type StoreImage, contentsOf, imageOf, reopenWith } from './store-image.js';

/** A closed store with several manifest edits, and the contents it must reopen with. */
function closedStore(): StoreImage & { contents: string[] } {
  const fs = new MemFs();
  const tree = Tree.open('/db', { fs, autoCompaction: false });
  for (let round = 0; round < 3; round++) {
    for (let i = 0; i < 20; i++) tree.put(`key-${round}-${i}`, `value-${round}-${i}`);
    tree.flush();
  }
  tree.put('in-the-log', 'yes');
  const contents = contentsOf(tree);
  tree.close();
  return { ...imageOf(fs), contents };
}

/** Opens the store with its manifest replaced by `manifest`: the contents, or the error. */
function openWith(store: StoreImage, manifest: Uint8Array): string[] | LsmError {
  try {
    return reopenWith(store, store.manifest, manifest);
  } catch (err) {
    if (err instanceof LsmError) return err;
    throw err;
  }
}

describe("the manifest's last record", () => {
  const store = closedStore();
  const good = store.files.get(store.manifest)!;
  const lastFrame = good.subarray(store.lastRecord);

  it('opens as it is', () => {
    expect(openWith(store, good)).toEqual(store.contents);
  });

  // What a user would see go wrong if a torn tail were refused: a crash during a manifest write leaves a store that never opens again.
  it('torn (the file ends inside a record, or zeros follow): ignored, the store opens with its contents', () => {
    for (const cut of [1, 3, LOG_HEADER_SIZE - 1, LOG_HEADER_SIZE, LOG_HEADER_SIZE + 1, lastFrame.length - 1]) {
      const torn = new Uint8Array(good.length + cut);
      torn.set(good);
      torn.set(lastFrame.subarray(0, cut), good.length); // a copy of a record, cut short by the crash
      expect(openWith(store, torn), `a record cut after ${cut} bytes`).toEqual(store.contents);
    }
    const zeros = new Uint8Array(good.length + 100);
    zeros.set(good);
    expect(openWith(store, zeros), 'zeros after the last record').toEqual(store.contents);
  });

  // What a user would see go wrong if a bad checksum counted as torn: the store opens on an older version (writes lost, deleted tables named), with no error.
  it('complete, with a bad checksum: LSM_CORRUPTION naming the manifest, never an open', () => {
    const header = { checksum: [0, 1, 2, 3], type: [6] };
    const payload = [LOG_HEADER_SIZE, LOG_HEADER_SIZE + Math.floor((lastFrame.length - LOG_HEADER_SIZE) / 2), lastFrame.length - 1];
    for (const at of [...header.checksum, ...header.type, ...payload]) {
      for (const bit of [0, 7]) {
        const bad = good.slice();
        bad[store.lastRecord + at]! ^= 1 << bit;
        const got = openWith(store, bad);
        expect(got, `bit ${bit} of byte ${at} of the last record flipped`).toBeInstanceOf(LsmError);
        const err = got as LsmError & { file?: string };
        expect(err.code).toBe('LSM_CORRUPTION');
        expect(err.file).toBe(`/db/${store.manifest}`);
        expect(err.message).toContain(store.manifest);
      }
    }
  });
});
