// sst-dump: inspect and verify table files written by @lsm/sstable.
//   sst-dump verify <file>...        walk every block; exit 1 and say where on damage
//   sst-dump properties <file>       the properties block
//   sst-dump dump <file> [--from K] [--to K] [--max N] [--keys-only] [--hex]
//   sst-dump filter-stats <file>     bits per key and item counts of the filters
//   --key-hex HEX | --key-file PATH  the AES-256 key of encrypted tables (any command)
// Exit codes: 0 ok, 1 damage found (verify) or a read failed, 2 usage error.

import { NodeFs, readFile, type Fs } from '@lsm/fs';
import { isLsmError, VALUE_TYPE_NAMES } from '@lsm/base';
import { KeyRing } from '@lsm/encryption';
import { Table, tableVerify, type TableProperties } from '@lsm/sstable';
import { escapeBytes, hexBytes, parseKey } from './format.js';

/** Where output goes (injectable for tests). */
export interface Io {
  out(s: string): void;
  err(s: string): void;
}

const USAGE = `usage:
  sst-dump verify <file>...
  sst-dump properties <file>
  sst-dump dump <file> [--from KEY] [--to KEY] [--max N] [--keys-only] [--hex]
  sst-dump filter-stats <file>
KEY is UTF-8 text, or 0x-prefixed hex for raw bytes. --from is inclusive, --to exclusive.
Encrypted tables need their key: --key-hex <64 hex digits> or --key-file <file holding the
32 raw bytes or 64 hex digits>.
`;

interface Parsed {
  command: string;
  files: string[];
  flags: Map<string, string | true>;
}

const VALUE_FLAGS = new Set(['--from', '--to', '--max', '--key-hex', '--key-file']);
const BOOL_FLAGS = new Set(['--keys-only', '--hex', '--help']);

function parseArgs(argv: readonly string[]): Parsed | string {
  const [command, ...rest] = argv;
  if (command === undefined) return 'missing command';
  const files: string[] = [];
  const flags = new Map<string, string | true>();
  for (let i = 0; i < rest.length; i++) {
    const a = rest[i]!;
    if (VALUE_FLAGS.has(a)) {
      const v = rest[++i];
      if (v === undefined) return `${a} needs a value`;
      flags.set(a, v);
    } else if (BOOL_FLAGS.has(a)) {
      flags.set(a, true);
    } else if (a.startsWith('--')) {
      return `unknown option ${a}`;
    } else {
      files.push(a);
    }
  }
  return { command, files, flags };
}

/** Runs the CLI; returns the exit code. */
export async function main(argv: readonly string[], io: Io, fs: Fs = new NodeFs()): Promise<number> {
  const parsed = parseArgs(argv);
  if (typeof parsed === 'string' || parsed.flags.has('--help') || parsed.command === 'help') {
    if (typeof parsed === 'string') io.err(`sst-dump: ${parsed}\n`);
    io.err(USAGE);
    return typeof parsed === 'string' ? 2 : 0;
  }
  const { command, files, flags } = parsed;
  const keys = readKey(fs, flags);
  if (typeof keys === 'string') {
    io.err(`sst-dump: ${keys}\n`);
    return 2;
  }
  const opts = keys === undefined ? {} : { encryption: keys };
  const one = (): string | undefined => {
    if (files.length !== 1) {
      io.err(`sst-dump ${command}: expected exactly one file\n${USAGE}`);
      return undefined;
    }
    return files[0];
  };
  try {
    switch (command) {
      case 'verify': {
        if (files.length === 0) {
          io.err(`sst-dump verify: expected at least one file\n${USAGE}`);
          return 2;
        }
        let bad = 0;
        for (const f of files) if (!verify(fs, f, io, opts)) bad++;
        return bad > 0 ? 1 : 0;
      }
      case 'properties': {
        const f = one();
        if (f === undefined) return 2;
        printProperties(Table.readProperties(fs, f, opts), io);
        return 0;
      }
      case 'dump': {
        const f = one();
        if (f === undefined) return 2;
        const max = flags.has('--max') ? Number(flags.get('--max')) : Infinity;
        if (!(max >= 0) || (max !== Infinity && !Number.isInteger(max))) {
          io.err('sst-dump dump: --max must be a non-negative integer\n');
          return 2;
        }
        const from = flags.get('--from');
        const to = flags.get('--to');
        dump(fs, f, io, opts, {
          from: typeof from === 'string' ? parseKey(from) : undefined,
          to: typeof to === 'string' ? parseKey(to) : undefined,
          max,
          keysOnly: flags.has('--keys-only'),
          hex: flags.has('--hex'),
        });
        return 0;
      }
      case 'filter-stats': {
        const f = one();
        if (f === undefined) return 2;
        filterStats(fs, f, io, opts);
        return 0;
      }
      default:
        io.err(`sst-dump: unknown command '${command}'\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (isLsmError(err)) {
      const hint = err.code === 'LSM_INVALID_ARGUMENT' && err.message.includes('is encrypted') ? ' (pass --key-hex or --key-file)' : '';
      io.err(`sst-dump: ${err.code}: ${err.message}${hint}\n`);
      return 1;
    }
    throw err;
  }
}

type KeyOptions = { encryption?: KeyRing };

/** The key from --key-hex / --key-file: a KeyRing, undefined when none was given, or a usage error. */
function readKey(fs: Fs, flags: Map<string, string | true>): KeyRing | undefined | string {
  const hexArg = flags.get('--key-hex');
  const fileArg = flags.get('--key-file');
  if (hexArg !== undefined && fileArg !== undefined) return 'give --key-hex or --key-file, not both';
  let key: Uint8Array | undefined;
  if (typeof hexArg === 'string') key = parseHexKey(hexArg);
  else if (typeof fileArg === 'string') {
    let bytes: Uint8Array;
    try {
      bytes = readFile(fs, fileArg);
    } catch (err) {
      return `cannot read key file ${fileArg}: ${(err as Error).message}`;
    }
    key = bytes.length === 32 ? bytes : parseHexKey(new TextDecoder().decode(bytes).trim());
  } else return undefined;
  if (key === undefined) return 'the key must be 32 bytes: 64 hex digits (or a key file of 32 raw bytes)';
  return new KeyRing({ key });
}

function parseHexKey(s: string): Uint8Array | undefined {
  const h = s.startsWith('0x') ? s.slice(2) : s;
  if (!/^[0-9a-fA-F]{64}$/.test(h)) return undefined;
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

function verify(fs: Fs, path: string, io: Io, opts: KeyOptions): boolean {
  const r = tableVerify(fs, path, opts);
  if (r.ok) {
    io.out(`${path}: OK (${r.fileSize} bytes, ${r.dataBlocks} data blocks, ${r.blocksChecked} blocks checked, ${r.entries} entries, file checksum ok${r.orderChecked ? '' : ', key order not checked: custom comparator'})\n`);
    return true;
  }
  io.out(`${path}: DAMAGED (${r.problems.length} problem${r.problems.length === 1 ? '' : 's'})\n`);
  for (const p of r.problems) io.out(`  at offset ${p.offset}: ${p.code}: ${p.message}\n`);
  return false;
}

function printProperties(p: TableProperties, io: Io): void {
  const key = (k: Uint8Array | undefined): string => (k === undefined ? '(none)' : `'${escapeBytes(k, 200)}'`);
  const rows: Array<[string, string | number]> = [
    ['format version', p.formatVersion],
    ['comparator', p.comparator],
    ['compression', p.compression === 'zstd' ? `zstd (level ${p.compressionLevel})` : p.compression],
    ...(p.dictionarySize > 0 ? [['zstd dictionary', `${p.dictionarySize} bytes, id ${p.dictionaryId} (meta block lsm.zstd_dictionary; data blocks use compression id 2)`] as [string, string]] : []),
    ['entries', p.entryCount],
    ['  values', p.valueCount],
    ['  tombstones', p.tombstoneCount],
    ['  weak tombstones', p.weakTombstoneCount],
    ['  merge operands', p.mergeCount],
    ['  indirections', p.indirectionCount],
    ['range tombstones', p.rangeTombstoneCount],
    ['smallest key', key(p.smallestKey)],
    ['largest key', key(p.largestKey)],
    ['range tombstone start (smallest)', key(p.smallestRangeTombstoneStart)],
    ['range tombstone end (largest)', key(p.largestRangeTombstoneEnd)],
    ['seqno range', `${p.smallestSeqno} .. ${p.largestSeqno}`],
    ['raw key bytes', p.rawKeyBytes],
    ['raw value bytes', p.rawValueBytes],
    ['data blocks', `${p.dataBlockCount} (${p.compressedDataBlockCount} compressed)`],
    ['data size', `${p.dataSize} on disk, ${p.uncompressedDataSize} uncompressed`],
    ['index size', `${p.indexSize} (type ${p.indexType})`],
    ['filter size', `${p.filterSize} (${p.filterKeyCount} keys)`],
    ['prefix filter size', `${p.prefixFilterSize} (${p.prefixFilterKeyCount} prefixes${p.prefixExtractor ? `, extractor ${p.prefixExtractor}` : ''})`],
    ['range tombstone block size', p.rangeTombstoneSize],
    ['block size / restart interval', `${p.blockSize} / ${p.restartInterval}`],
    ['creation time', `${new Date(p.creationTime).toISOString()} (${p.creationTime})`],
    ['file checksum (xxh64)', `${p.fileChecksum} over bytes [0, ${p.fileChecksumLength})`],
  ];
  const w = Math.max(...rows.map((r) => r[0].length));
  for (const [k, v] of rows) io.out(`${k.padEnd(w)}  ${v}\n`);
}

interface DumpOptions {
  from: Uint8Array | undefined;
  to: Uint8Array | undefined;
  max: number;
  keysOnly: boolean;
  hex: boolean;
}

function dump(fs: Fs, path: string, io: Io, opts: KeyOptions, o: DumpOptions): void {
  const t = Table.open(fs, path, opts);
  try {
    const it = t.iterator({ lowerBound: o.from, upperBound: o.to, fillCache: false });
    const show = (b: Uint8Array, max?: number): string => (o.hex ? hexBytes(b, max) : `'${escapeBytes(b, max)}'`);
    let n = 0;
    for (it.seekToFirst(); it.valid() && n < o.max; it.next(), n++) {
      const head = `${show(it.userKey())} @ ${it.seqno()} : ${VALUE_TYPE_NAMES[it.type()] ?? it.type()}`;
      io.out(o.keysOnly ? `${head}\n` : `${head} => ${show(it.value(), 1024)}\n`);
    }
    it.close();
    const rts = t.rangeTombstones().filter((r) => (o.to === undefined || Buffer.compare(r.start, o.to) < 0) && (o.from === undefined || Buffer.compare(r.end, o.from) > 0));
    for (const r of rts) io.out(`range tombstone [${show(r.start)}, ${show(r.end)}) @ ${r.seqno}\n`);
    io.err(`${n} entr${n === 1 ? 'y' : 'ies'}${rts.length > 0 ? `, ${rts.length} range tombstone(s)` : ''}\n`);
  } finally {
    t.close();
  }
}

function filterStats(fs: Fs, path: string, io: Io, opts: KeyOptions): void {
  const props = Table.readProperties(fs, path, opts);
  const t = Table.open(fs, path, opts);
  try {
    for (const which of ['whole-key', 'prefix'] as const) {
      const f = t.filterInfo(which);
      if (f === undefined) {
        io.out(`${which} filter: none\n`);
        continue;
      }
      io.out(
        `${which} filter: BuRR, ${f.keyCount} items, ${f.byteLength} bytes, ${f.bitsPerKey.toFixed(3)} bits/key, ` +
          `${f.fingerprintBits} fingerprint bits (expected false-positive rate ~${(100 * 2 ** -f.fingerprintBits).toFixed(2)}%)` +
          (which === 'prefix' ? `, extractor ${props.prefixExtractor}` : '') +
          '\n',
      );
    }
  } finally {
    t.close();
  }
}
