// A stand-in for a reopened Tree in the recovery checker's tests: a seqno and its contents,
// which is all checkRecovery reads (tree.seqno and a full tree.range()).

import type { Tree } from '@lsm/engine';

/** A "tree" at `seqno` holding `contents` (keys latin1, values UTF-8). */
export function fakeTree(seqno: number, contents: Record<string, string>): Tree {
  const pairs = Object.entries(contents)
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([k, v]) => [Buffer.from(k, 'latin1'), Buffer.from(v)] as [Uint8Array, Uint8Array]);
  return {
    seqno,
    range: () => {
      const it = pairs[Symbol.iterator]();
      return Object.assign(it, { close: () => undefined });
    },
  } as unknown as Tree;
}
