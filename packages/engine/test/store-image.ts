// A closed store as bytes, for the tests that damage one of its files and reopen it: its
// files, its manifest's name and where the manifest's last record lies, and a reopen on a
// fresh MemFs with one file replaced.

import { MemFs, readFile, writeFile, type Fs } from '@lsm/fs';
import { expect } from 'vitest';
import { Tree } from '../src/index.js';
import { LOG_HEADER_SIZE } from '../src/log/log-format.js';
import { readLog } from '../src/log/log-reader.js';
import { hex } from './helpers.js';

/** The files of a closed store at /db. */
export interface StoreImage {
  files: Map<string, Uint8Array>;
  /** The live manifest's name (what CURRENT names). */
  manifest: string;
  /** Offset where the manifest's last record starts; that record is one fragment ending the file. */
  lastRecord: number;
}

/** Every entry of `tree`, as `hex(key)=hex(value)`. */
export function contentsOf(tree: Tree): string[] {
  return [...tree.range()].map(([k, v]) => `${hex(k)}=${hex(v)}`);
}

/** The files of the closed store at /db on `fs`. */
export function imageOf(fs: Fs): StoreImage {
  const files = new Map<string, Uint8Array>();
  for (const name of fs.readDir('/db')) files.set(name, readFile(fs, `/db/${name}`));
  const manifest = new TextDecoder().decode(files.get('CURRENT')).trim();
  const data = files.get(manifest)!;
  let lastRecord = 0;
  let lastLength = 0;
  readLog(data, manifest, Number(manifest.slice('MANIFEST-'.length)), (payload, offset) => {
    lastRecord = offset;
    lastLength = payload.length;
  });
  // The premise of the tests that damage the last record: one fragment, ending the file.
  expect(lastRecord + LOG_HEADER_SIZE + lastLength).toBe(data.length);
  return { files, manifest, lastRecord };
}

/** Opens a copy of `img` with `file` replaced by `bytes` and returns its contents (or throws what Tree.open throws). */
export function reopenWith(img: StoreImage, file: string, bytes: Uint8Array): string[] {
  const fs = new MemFs();
  fs.createDirAll('/db');
  for (const [name, data] of img.files) writeFile(fs, `/db/${name}`, name === file ? bytes : data);
  const tree = Tree.open('/db', { fs });
  try {
    return contentsOf(tree);
  } finally {
    tree.close();
  }
}
