#!/usr/bin/env node
// `lsm`: work with an @lsm/engine store from the shell, and run the demo.
//   lsm put DIR KEY VALUE [--sync]     lsm get DIR KEY          lsm delete DIR KEY
//   lsm scan DIR [--from K] [--to K] [--prefix P] [--reverse] [--limit N] [--keys-only]
//   lsm stats DIR                      lsm compact DIR          lsm demo [--keys N] [--dir D] [--keep]
//   lsm checkpoint SRC DST             (a copy of the store SRC that opens on its own, in DST)
//   lsm verify DIR                     (checks every file of the store; exit 1 when damaged)
//   lsm salvage DIR OUT                (copies every readable entry of a damaged store into a new store; exit 1 when something was lost)
// get, scan, stats and verify open the store read-only (they work beside an application that has it open).
// Keys and values are UTF-8 text, or hex with --hex. An encrypted store needs its key:
// --key-hex HEX or --key-file PATH (every command). Exit codes: 0 ok, 1 key not found
// (get), damage found (verify) or entries lost (salvage), 2 store error (the LSM_* code is printed), 64 bad command line.

import { readFileSync } from 'node:fs';
import { basename, dirname, resolve, sep } from 'node:path';
import { CorruptionError, type EncryptionOptions, LsmError, type SalvageProblem, type StoreProblem, Tree, salvageStore, zstdBackend, zstdNativeFailure } from '@lsm/engine';
import { NodeFs } from '@lsm/fs';
import { type Args, UsageError, intOption, parseArgs, stringOption } from './args.js';
import { runDemo } from './demo.js';
import { Progress } from './progress.js';

const USAGE = `usage:
  lsm put DIR KEY VALUE [--sync]
  lsm get DIR KEY
  lsm delete DIR KEY [--sync]
  lsm scan DIR [--from KEY] [--to KEY] [--prefix P] [--reverse] [--limit N] [--keys-only]
  lsm stats DIR
  lsm compact DIR
  lsm checkpoint SRC DST
  lsm verify DIR
  lsm salvage DIR OUT
  lsm demo [--keys N] [--dir DIR] [--keep] [--seed N]
options for keys and values: --hex (give and print them as hex)
encrypted stores: --key-hex HEX (64 hex digits) or --key-file PATH (32 raw bytes or 64 hex digits)`;

const VALUED = new Set(['from', 'to', 'prefix', 'limit', 'keys', 'dir', 'seed', 'key-hex', 'key-file']);
const FLAGS = new Set(['sync', 'reverse', 'keys-only', 'hex', 'keep', 'help']);

function bytesArg(args: Args, text: string, what: string): Uint8Array {
  if (!args.options.has('hex')) return new TextEncoder().encode(text);
  if (!/^([0-9a-fA-F]{2})*$/.test(text)) throw new UsageError(`${what} is not hex: ${text}`);
  return Uint8Array.from(Buffer.from(text, 'hex'));
}

function show(args: Args, b: Uint8Array): string {
  if (args.options.has('hex')) return Buffer.from(b).toString('hex');
  const text = new TextDecoder('utf-8', { fatal: false }).decode(b);
  return text.includes('\ufffd') ? `0x${Buffer.from(b).toString('hex')}` : text;
}

function need(args: Args, n: number, what: string): string[] {
  if (args.positional.length !== n) throw new UsageError(`${what} takes ${n - 1} argument(s), got ${args.positional.length - 1}`);
  return args.positional.slice(1);
}

/** The store key from --key-hex / --key-file, or undefined when neither is given. */
export function keyOption(args: Args): EncryptionOptions | undefined {
  const hexArg = stringOption(args, 'key-hex');
  const fileArg = stringOption(args, 'key-file');
  if (hexArg !== undefined && fileArg !== undefined) throw new UsageError('give --key-hex or --key-file, not both');
  let key: Uint8Array | undefined;
  if (hexArg !== undefined) key = parseHexKey(hexArg);
  else if (fileArg !== undefined) {
    let bytes: Uint8Array;
    try {
      bytes = readFileSync(fileArg);
    } catch (err) {
      throw new UsageError(`cannot read key file ${fileArg}: ${(err as Error).message}`);
    }
    key = bytes.length === 32 ? Uint8Array.from(bytes) : parseHexKey(new TextDecoder().decode(bytes).trim());
  } else return undefined;
  if (key === undefined) throw new UsageError('the key must be 32 bytes: 64 hex digits (or a key file of 32 raw bytes)');
  return { key };
}

function parseHexKey(s: string): Uint8Array | undefined {
  const h = s.startsWith('0x') ? s.slice(2) : s;
  if (!/^[0-9a-fA-F]{64}$/.test(h)) return undefined;
  return Uint8Array.from(Buffer.from(h, 'hex'));
}

/**
 * Opens the store at `dir` through a NodeFs confined to its parent (the engine syncs a new
 * store's parent). 'read' opens it read-only: it writes nothing and works beside a live
 * writer (an application that has the store open), seeing the store as of the open.
 */
function withTree<T>(dir: string, fn: (t: Tree) => T, mode: 'read' | 'write' | 'create' = 'write', encryption?: EncryptionOptions): T {
  const fs = new NodeFs({ root: dirname(resolve(dir)) });
  const tree = Tree.open(dir, mode === 'read' ? { readOnly: true, fs, encryption } : { createIfMissing: mode === 'create', fs, encryption });
  try {
    return fn(tree);
  } finally {
    tree.close();
  }
}

/** The deepest directory holding both `a` and `b` (absolute paths). */
function commonDir(a: string, b: string): string {
  const x = a.split(sep);
  const y = b.split(sep);
  let n = 0;
  while (n < x.length && n < y.length && x[n] === y[n]) n++;
  return x.slice(0, n).join(sep) || sep;
}

/** Which zstd runs ('unused' in stats until a read needed it: ask, which loads it). */
function zstdLine(inUse: 'native' | 'wasm' | 'unused'): string {
  const backend = inUse === 'unused' ? zstdBackend() : inUse;
  if (backend === 'native') return 'native (zstd-napi)';
  const why = zstdNativeFailure();
  return `wasm (the WebAssembly fallback${why === undefined ? ', forced by LSM_ZSTD' : `; zstd-napi did not load: ${why.split('\n')[0]}`})`;
}

/** `file@offset: kind: message` (no `@offset` when none applies). */
export function problemLine(p: StoreProblem): string {
  return `${p.file}${p.offset === undefined ? '' : `@${p.offset}`}: ${p.kind}: ${p.message}`;
}

/**
 * lsm verify: opens the store read-only (damage in the middle of a log is skipped at the
 * open, and reported by verify) and checks every file. A store that does not open because
 * of damage is reported as a problem too (exit 1); other open errors are store errors (2).
 */
function verifyCommand(dir: string, encryption: EncryptionOptions | undefined): number {
  const fs = new NodeFs({ root: dirname(resolve(dir)) });
  let tree: Tree;
  try {
    tree = Tree.open(dir, { readOnly: true, fs, encryption, walRecovery: 'salvage' });
  } catch (err) {
    if (!(err instanceof CorruptionError)) throw err;
    console.log(problemLine({ file: basename(err.file), offset: err.offset, kind: /missing/.test(err.message) ? 'missing-file' : 'manifest-corrupt', message: err.message }));
    console.log(`${dir}: DAMAGED: the store does not open (lsm salvage can copy what is readable into a new store)`);
    return 1;
  }
  let bar: Progress | undefined;
  try {
    const t0 = performance.now();
    const r = tree.verify({
      onProgress: (done, total) => {
        bar ??= new Progress('verify', total);
        bar.update(done);
      },
    });
    bar?.done();
    for (const p of r.problems) console.log(problemLine(p));
    const c = r.checked;
    const what =
      `${c.tables} tables, ${c.blobFiles} blob files, ${c.logs} logs, ${c.manifestRecords} manifest records; ` +
      `${c.entries.toLocaleString('en-US')} entries, ${c.bytes.toLocaleString('en-US')} bytes in ${((performance.now() - t0) / 1000).toFixed(2)} s`;
    console.log(r.ok ? `${dir}: OK (${what})` : `${dir}: DAMAGED: ${r.problems.length} problem${r.problems.length === 1 ? '' : 's'} (${what})`);
    return r.ok ? 0 : 1;
  } finally {
    bar?.done();
    tree.close();
  }
}

/** A key range of a salvage problem, for its line. */
function keyRange(p: SalvageProblem): string {
  if (p.keys === undefined) return '';
  const k = (b: Uint8Array | undefined): string => {
    if (b === undefined) return '...';
    const text = new TextDecoder('utf-8', { fatal: false }).decode(b);
    return text.includes('\ufffd') || /[\x00-\x1f]/.test(text) ? `0x${Buffer.from(b).toString('hex')}` : JSON.stringify(text);
  };
  return ` (keys ${k(p.keys.from)} to ${k(p.keys.to)})`;
}

/**
 * lsm salvage: copies every readable entry of the store in SRC into a new store in DST
 * (salvageStore: works from the files, so also when the store does not open). Exit 0 when
 * nothing was lost, 1 when something was (or may have been).
 */
function salvageCommand(src: string, dst: string, encryption: EncryptionOptions | undefined): number {
  const from = resolve(src);
  const to = resolve(dst);
  const fs = new NodeFs({ root: commonDir(dirname(from), dirname(to)) });
  let bar: Progress | undefined;
  const t0 = performance.now();
  let r;
  try {
    r = salvageStore(from, to, {
      fs,
      encryption,
      onProgress: (done, total) => {
        bar ??= new Progress('salvage', total);
        bar.update(done);
      },
    });
  } finally {
    bar?.done();
  }
  for (const p of r.problems) console.log(`${problemLine(p)}${p.length === undefined ? '' : ` [${p.length} bytes skipped]`}${keyRange(p)}`);
  const lost = r.lostEntries;
  const s = r.sources;
  console.log(
    `salvaged ${r.copied.toLocaleString('en-US')} keys from ${src} into ${dst} in ${((performance.now() - t0) / 1000).toFixed(2)} s: ` +
      `${lost === 'unknown' ? 'an unknown number of' : lost.toLocaleString('en-US')} entries lost, ${r.uncertainKeys.toLocaleString('en-US')} keys uncertain ` +
      `(read ${s.tables} tables, ${s.logs} logs, ${s.blobFiles} blob files; manifest ${s.manifest})`,
  );
  if (r.uncertainKeys > 0) console.log('uncertain keys were copied from an older version than one that was lost: their value may be stale, or they may have been deleted');
  return lost === 0 ? 0 : 1;
}

/** Runs one command line; returns the exit code. */
export function main(argv: readonly string[]): number {
  let args: Args;
  try {
    args = parseArgs(argv, VALUED, FLAGS);
    const cmd = args.positional[0];
    if (cmd === undefined || args.options.has('help')) {
      console.log(USAGE);
      return cmd === undefined && !args.options.has('help') ? 64 : 0;
    }
    const encryption = keyOption(args);
    switch (cmd) {
      case 'put': {
        const [dir, k, v] = need(args, 4, 'put') as [string, string, string];
        const seqno = withTree(dir, (t) => t.put(bytesArg(args, k, 'KEY'), bytesArg(args, v, 'VALUE'), { sync: args.options.has('sync') }), 'create', encryption);
        console.log(`ok (seqno ${seqno})`);
        return 0;
      }
      case 'get': {
        const [dir, k] = need(args, 3, 'get') as [string, string];
        const v = withTree(dir, (t) => t.get(bytesArg(args, k, 'KEY')), 'read', encryption);
        if (v === undefined) {
          console.error('not found');
          return 1;
        }
        console.log(show(args, v));
        return 0;
      }
      case 'delete': {
        const [dir, k] = need(args, 3, 'delete') as [string, string];
        const seqno = withTree(dir, (t) => t.delete(bytesArg(args, k, 'KEY'), { sync: args.options.has('sync') }), 'write', encryption);
        console.log(`ok (seqno ${seqno})`);
        return 0;
      }
      case 'scan': {
        const [dir] = need(args, 2, 'scan') as [string];
        const from = stringOption(args, 'from');
        const to = stringOption(args, 'to');
        const prefix = stringOption(args, 'prefix');
        const limit = args.options.has('limit') ? intOption(args, 'limit', 0) : undefined;
        const keysOnly = args.options.has('keys-only');
        let n = 0;
        withTree(dir, (t) => {
          const opts = {
            gte: from === undefined ? undefined : bytesArg(args, from, '--from'),
            lt: to === undefined ? undefined : bytesArg(args, to, '--to'),
            reverse: args.options.has('reverse'),
            limit,
          };
          const it = prefix === undefined ? t.range(opts) : t.prefix(bytesArg(args, prefix, '--prefix'), opts);
          for (const [k, v] of it) {
            console.log(keysOnly ? show(args, k) : `${show(args, k)}\t${show(args, v)}`);
            n++;
          }
        }, 'read', encryption);
        console.error(`${n} entries`);
        return 0;
      }
      case 'stats': {
        const [dir] = need(args, 2, 'stats') as [string];
        // Read-only: a store an application has open can be inspected, and the log's records stay in the log.
        const s = withTree(dir, (t) => t.stats(), 'read', encryption);
        console.log(`seqno ${s.seqno}, ${s.tables} tables`);
        for (const l of s.levels) if (l.tables > 0) console.log(`  L${l.level}: ${l.tables} tables, ${l.bytes.toLocaleString('en-US')} bytes, ${l.entries.toLocaleString('en-US')} entries`);
        console.log(`  logs: ${s.sealedMemtables > 0 ? 'records not yet in a table, replayed in memory' : 'every record is in a table'}`);
        console.log(`  zstd: ${zstdLine(s.zstd)}`);
        return 0;
      }
      case 'compact': {
        const [dir] = need(args, 2, 'compact') as [string];
        const t0 = performance.now();
        withTree(dir, (t) => t.compact(), 'write', encryption);
        console.log(`compacted in ${((performance.now() - t0) / 1000).toFixed(2)} s`);
        return 0;
      }
      case 'checkpoint': {
        const [src, dst] = need(args, 3, 'checkpoint') as [string, string];
        const from = resolve(src);
        const to = resolve(dst);
        // Confined to the directory holding both parents (the checkpoint creates DST and syncs its parent).
        const fs = new NodeFs({ root: commonDir(dirname(from), dirname(to)) });
        const tree = Tree.open(from, { createIfMissing: false, fs, encryption });
        try {
          const r = tree.checkpoint(to);
          console.log(
            `checkpoint of ${src} at seqno ${r.seqno} in ${dst}: ${r.tables} tables, ${r.blobFiles} blob files, ${r.logs} logs; ` +
              `${r.linked} files hard-linked, ${r.bytesCopied.toLocaleString('en-US')} bytes copied`,
          );
        } finally {
          tree.close();
        }
        return 0;
      }
      case 'salvage': {
        const [src, dst] = need(args, 3, 'salvage') as [string, string];
        return salvageCommand(src, dst, encryption);
      }
      case 'verify': {
        const [dir] = need(args, 2, 'verify') as [string];
        return verifyCommand(dir, encryption);
      }
      case 'demo': {
        need(args, 1, 'demo');
        return runDemo({
          keys: intOption(args, 'keys', 1_000_000, 1000),
          dir: stringOption(args, 'dir'),
          keep: args.options.has('keep'),
          seed: intOption(args, 'seed', 1),
        });
      }
      default:
        throw new UsageError(`unknown command '${cmd}'`);
    }
  } catch (err) {
    if (err instanceof UsageError) {
      console.error(`lsm: ${err.message}\n${USAGE}`);
      return 64;
    }
    if (err instanceof LsmError) {
      console.error(`lsm: ${err.code}: ${err.message}`);
      return 2;
    }
    throw err;
  }
}

if (import.meta.url === `file://${process.argv[1]}` || process.argv[1]?.endsWith('/lsm') || process.argv[1]?.endsWith('cli.js')) {
  process.exitCode = main(process.argv.slice(2));
}
