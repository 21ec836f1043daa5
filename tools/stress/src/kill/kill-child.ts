#!/usr/bin/env node
// The child of a SIGKILL run: opens the store on the real disk (NodeFs, flushes and
// compactions on worker threads), continues the write stream from the store's seqno, and
// after every write acknowledged as durable (a sync write) prints "ack <seqno>" with a
// synchronous write to stdout, so the parent knows it before anything else can happen.
// It writes until it is killed (or `limit` writes). Arguments: a JSON KillChildArgs.

import { writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { NodeFs } from '@lsm/fs';
import { Tree } from '@lsm/engine';
import { streamWrite } from './kill-stream.js';
import { killStoreOptions, type KillChildArgs } from './kill-options.js';

const args = JSON.parse(process.argv[2]!) as KillChildArgs;
// Confined to the store's parent (the run's own directory): nothing else is reachable.
const tree = Tree.open(args.dir, { ...killStoreOptions(args.config), fs: new NodeFs({ root: dirname(args.dir) }) });
writeSync(1, `open ${tree.seqno}\n`);
for (let n = 0; n < args.limit; n++) {
  const s = tree.seqno + 1;
  const w = streamWrite(args.seed, s);
  const got = w.value === undefined ? tree.delete(w.key, { sync: w.sync }) : tree.put(w.key, w.value, { sync: w.sync });
  if (got !== s) throw new Error(`write ${s} got seqno ${got}`);
  if (w.sync) writeSync(1, `ack ${s}\n`);
}
writeSync(1, `done ${tree.seqno}\n`);
tree.close();
