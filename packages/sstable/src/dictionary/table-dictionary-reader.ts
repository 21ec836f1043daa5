// Loading a table's zstd dictionary (meta block "lsm.zstd_dictionary") for reading: read
// and checksum the block, check it against the properties (size and id must agree, and a
// table whose properties announce a dictionary must have the block), and prepare it for
// zstd once. Used by Table (kept for the table's lifetime) and by tableVerify.

import type { FsFile } from '@lsm/fs';
import type { BlockHandle } from '../block-handle.js';
import { type BlockCrypt, readBlock } from '../block-io.js';
import { CorruptionError } from '@lsm/base';
import { dictionaryIdOf, DictionaryDecompressor } from '@lsm/zstd-dictionary';
import { MetaBlockName } from '../metaindex-block.js';
import type { TableProperties } from '../properties.js';

/**
 * Returns the table's prepared dictionary, or undefined when the table has none. `crypt`
 * (block type ZstdDictionary) when the table is encrypted.
 * Damage (checksum, size or id disagreeing with the properties, bytes zstd refuses) is a
 * CorruptionError naming the file and the block's offset.
 */
export function loadTableDictionary(
  file: FsFile,
  path: string,
  meta: ReadonlyMap<string, BlockHandle>,
  props: TableProperties,
  limit: number,
  crypt?: BlockCrypt,
): DictionaryDecompressor | undefined {
  const h = meta.get(MetaBlockName.ZstdDictionary);
  if (h === undefined) {
    if (props.dictionarySize !== 0) throw new CorruptionError(path, limit, `properties announce a ${props.dictionarySize}-byte dictionary but there is no dictionary block`);
    return undefined;
  }
  const bytes = readBlock(file, path, h, limit, crypt);
  if (bytes.length === 0 || bytes.length !== props.dictionarySize) {
    throw new CorruptionError(path, h.offset, `dictionary block holds ${bytes.length} bytes, properties say ${props.dictionarySize}`);
  }
  const id = dictionaryIdOf(bytes);
  if (id !== props.dictionaryId) throw new CorruptionError(path, h.offset, `dictionary id is ${id}, properties say ${props.dictionaryId}`);
  return new DictionaryDecompressor(bytes, path, h.offset);
}
