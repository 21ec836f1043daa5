// The metaindex block: names -> block handles of the optional meta blocks (filters,
// range tombstones, later a compression dictionary). Sorted bytewise by name. Readers
// ignore names they do not know, so new meta blocks never need a format version bump.

import { BlockBuilder } from './block-builder.js';
import { decodeBlockHandle, encodeBlockHandle, type BlockHandle } from './block-handle.js';
import { decodeBlockEntries, type Block } from './block-reader.js';
import { compareBytes } from '@lsm/base';

/** Well-known meta block names. */
export const MetaBlockName = {
  Filter: 'lsm.filter.burr',
  PrefixFilter: 'lsm.filter.burr.prefix',
  RangeTombstones: 'lsm.range_tombstones',
  /** The zstd dictionary of data blocks with compression id 2. */
  ZstdDictionary: 'lsm.zstd_dictionary',
} as const;

const utf8 = new TextEncoder();
const utf8d = new TextDecoder('utf-8', { fatal: false });

/** Encodes name -> handle pairs as a metaindex block. */
export function buildMetaindexBlock(entries: ReadonlyMap<string, BlockHandle>): Uint8Array {
  const list = [...entries].map(([name, h]) => ({ key: utf8.encode(name), value: encodeBlockHandle(h) }));
  list.sort((a, b) => compareBytes(a.key, b.key));
  const b = new BlockBuilder(1);
  for (const e of list) b.add(e.key, e.key.length, e.value);
  return b.finish().slice();
}

/** Decodes a metaindex block; a malformed handle is corruption. */
export function decodeMetaindexBlock(block: Block): Map<string, BlockHandle> {
  const out = new Map<string, BlockHandle>();
  for (const e of decodeBlockEntries(block)) {
    const h = decodeBlockHandle(e.value, 0, e.value.length);
    if (h === undefined) throw block.corrupt('malformed handle in metaindex');
    out.set(utf8d.decode(e.key), h);
  }
  return out;
}
