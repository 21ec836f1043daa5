// The demo: storage code writes a few files on a real directory through CrashFs, the
// power fails (crash()), and we look at what is on the disk afterwards, file by file,
// with the reason each survived or did not. Run it with `pnpm demo` from the root.

import { tmpdir } from 'node:os';
import { CrashFs } from '@lsm/crashfs';
import { NodeFs, readFile, writeAll } from '@lsm/fs';

const enc = (s) => new TextEncoder().encode(s);
const dec = (b) => new TextDecoder().decode(b);
const show = (s) => JSON.stringify(s.length > 60 ? `${s.slice(0, 57)}...` : s);

const dir = `${tmpdir()}/lsm-demo-${process.pid}-${Date.now()}`;
const disk = new NodeFs({ root: dir }); // the demo reaches nothing outside its own directory
disk.createDirAll(dir);
const p = (name) => `${dir}/${name}`;

// An old table that is already durable before the demo starts.
const old = disk.open(p('000001.sst'), { write: true, createNew: true });
writeAll(old, enc('old table contents'));
old.syncAll();
old.close();
const cur = disk.open(p('CURRENT'), { write: true, createNew: true });
writeAll(cur, enc('MANIFEST-000002\n'));
cur.syncAll();
cur.close();
disk.syncDirectory(dir);

const seed = Number(process.env.SEED ?? 42);
const fs = new CrashFs(disk, { seed }); // directory durability and torn writes are on by default
const story = [];
const step = (what) => story.push(what);

// 1. A write-ahead log: two records synced, then one more appended but never synced.
const wal = fs.open(p('000004.log'), { append: true, createNew: true });
writeAll(wal, enc('put k1=v1\nput k2=v2\n'));
wal.syncData();
fs.syncDirectory(dir);
writeAll(wal, enc('put k3=v3 (never synced)\n'));
step('000004.log: 2 records + fsync + directory fsync, then a 3rd record with no fsync');

// 2. A new table, written, fsynced and published with a directory fsync.
const sst = fs.open(p('000005.sst'), { write: true, createNew: true });
writeAll(sst, enc('table 5: k1..k2'));
sst.syncAll();
sst.close();
fs.syncDirectory(dir);
step('000005.sst: written, fsync, directory fsync');

// 3. The classic bug: CURRENT is replaced by writing CURRENT.tmp, fsyncing it and
//    renaming it over CURRENT, but the directory is never fsynced afterwards.
const man = fs.open(p('CURRENT.tmp'), { write: true, createNew: true });
writeAll(man, enc('MANIFEST-000006\n'));
man.syncAll();
man.close();
fs.rename(p('CURRENT.tmp'), p('CURRENT'));
step('CURRENT: new content written to CURRENT.tmp, fsync, renamed over CURRENT, no directory fsync');

// 4. A file written and never synced at all.
const notes = fs.open(p('notes.txt'), { write: true, createNew: true });
writeAll(notes, enc('scratch notes'));
notes.close();
step('notes.txt: written, never synced');

// 5. The old table is deleted, but the deletion is never made durable.
fs.removeFile(p('000001.sst'));
step('000001.sst: removed, no directory fsync');

const listing = (view) => view.readDir(dir).map((n) => `${n} ${show(dec(readFile(view, p(n))))}`);
console.log(`Working directory: ${dir}\n`);
console.log('What the program did:');
for (const s of story) console.log(`  - ${s}`);
console.log('\nWhat the program sees just before the power fails:');
for (const line of listing(fs)) console.log(`  ${line}`);

fs.crash();

console.log(`\nPower loss (crash seed ${seed}). What is on the real disk afterwards:`);
for (const line of listing(fs.inner)) console.log(`  ${line}`);

const after = new Set(fs.inner.readDir(dir));
const readCurrent = () => dec(readFile(fs.inner, p('CURRENT')));
const walNow = after.has('000004.log') ? dec(readFile(fs.inner, p('000004.log'))) : '';
const verdicts = [
  ['000004.log', after.has('000004.log') && walNow.startsWith('put k1=v1\nput k2=v2\n'),
    `kept its 2 synced records; of the unsynced 3rd record ${walNow.length - 20} of 25 bytes survived (torn write)`],
  ['000005.sst', after.has('000005.sst'), 'survived: data and directory entry were both synced'],
  ['CURRENT', after.has('CURRENT') && !after.has('CURRENT.tmp') && readCurrent() === 'MANIFEST-000002\n',
    'the rename was undone: CURRENT still names the old MANIFEST-000002'],
  ['notes.txt', !after.has('notes.txt'), 'vanished: never synced'],
  ['000001.sst', after.has('000001.sst'), 'came back: its removal was never made durable'],
];
console.log('\nWhy:');
let ok = true;
for (const [name, expected, why] of verdicts) {
  console.log(`  ${expected ? 'as expected' : 'UNEXPECTED '}  ${name.padEnd(12)} ${why}`);
  ok &&= expected;
}
disk.removeDirAll(dir);
console.log(ok ? '\nEvery file ended as the power-loss model says it must.' : '\nSomething did not match the model.');
process.exit(ok ? 0 : 1);
