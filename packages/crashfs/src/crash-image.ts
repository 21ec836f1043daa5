// Puts the durable image on the inner Fs: the heart of crash(). It plans first (walking the
// durable side of the namespace model, reading whatever content it will need while the
// inner Fs still holds it) and only then changes the inner Fs: removes live-only entries,
// recreates durable-only ones, and rolls each file back to its durable content (plus, in
// torn mode, a seeded prefix of its unsynced changes). Files that are untouched and still
// where they durably belong are left alone, so a crash costs what was changed, not the
// size of the store. Every name the plan would change is checked against the names the
// user handed the CrashFs (Scope) before the first change: a wrong model is refused, not
// carried out.

import { writeAll, writeAllAt, type Fs } from '@lsm/fs';
import { Inode } from './inode.js';
import { DirState, type Namespace, type Node, type Slot } from './namespace.js';
import { childPath } from './paths.js';
import { tornBudget, type Prng } from './prng.js';
import type { Scope } from './scope.js';

type Action = { kind: 'removeFile' | 'removeDir' | 'createDir'; path: string };

/** A durable name of a file, and whether the inner Fs already has the file there. */
interface Placement {
  path: string;
  survives: boolean;
}

/**
 * Rewrites `ns.inner` to the durable image of `ns`. `rng` set: torn mode. Returns the
 * hard-link groups of the image (paths naming one file), which the inner Fs cannot tell.
 * Throws FsError EACCES, having changed nothing, if the image would change a name that
 * `scope` does not cover.
 */
export function restoreDurableImage(ns: Namespace, rng: Prng | undefined, scope: Scope): string[][] {
  const plan = planImage(ns);
  const inodes = [...plan.placements.keys()].sort((a, b) => a.id - b.id);

  // Read everything we will need before the first change to the inner Fs.
  for (const inode of inodes) {
    if (anchorOf(plan.placements.get(inode)!) === undefined) ns.loadFromLive(inode);
  }
  const contents = new Map<Inode, Uint8Array>();
  for (const inode of inodes) {
    if (!inode.dirty && anchorOf(plan.placements.get(inode)!) !== undefined) continue;
    const units = inode.pendingUnits();
    const keep = rng !== undefined && units > 0 ? tornBudget(rng, units) : 0;
    contents.set(inode, inode.contentAfterCrash(keep));
  }

  // Every name the changes below touch, checked before the first of them.
  for (const a of plan.actions) scope.check(a.path);
  for (const inode of inodes) {
    const places = plan.placements.get(inode)!;
    const anchor = anchorOf(places);
    const at = anchor ?? places[0]!.path;
    if (anchor === undefined) scope.check(at); // a name to create
    else if (contents.has(inode)) scope.checkContent(inode, at); // content to roll back
    for (const p of places) if (!p.survives && p.path !== at) scope.check(p.path);
  }

  const inner = ns.inner;
  for (const a of plan.actions) {
    if (a.kind === 'removeFile') inner.removeFile(a.path);
    else if (a.kind === 'removeDir') inner.removeDirAll(a.path);
    else inner.createDirAll(a.path);
  }
  for (const inode of inodes) {
    const places = plan.placements.get(inode)!;
    const anchor = anchorOf(places);
    const content = contents.get(inode);
    let at: string;
    if (anchor !== undefined) {
      at = anchor;
      if (content !== undefined) patchInPlace(inner, at, content, inode.lowestPendingOffset());
    } else {
      at = places[0]!.path;
      const f = inner.open(at, { write: true, createNew: true });
      try {
        writeAll(f, content!);
      } finally {
        f.close();
      }
    }
    for (const p of places) if (!p.survives && p.path !== at) inner.hardLink(at, p.path);
  }
  return inodes.map((inode) => plan.placements.get(inode)!).filter((places) => places.length > 1).map((places) => places.map((p) => p.path));
}

/** Where the inner Fs already holds the file under a durable name (never for a tainted file). */
function anchorOf(places: Placement[]): string | undefined {
  return places.find((p) => p.survives)?.path;
}

/**
 * Rolls the file at `path` from its live content back to `content`. Bytes below `lo` were
 * not touched by any pending op, so they already match; everything from `lo` is rewritten.
 */
function patchInPlace(inner: Fs, path: string, content: Uint8Array, lo: number): void {
  const f = inner.open(path, { write: true });
  try {
    f.setLen(content.length);
    if (lo < content.length) writeAllAt(f, content.subarray(lo), lo);
  } finally {
    f.close();
  }
}

interface Plan {
  /** Directory removals and creations, parents before children. */
  actions: Action[];
  /** Every file of the durable image and its durable names. */
  placements: Map<Inode, Placement[]>;
  /** Directories this walk completed (adopted all names of). */
  completed: number;
}

/**
 * Plans the image. A directory that must be recreated is first completed (every name on
 * the inner Fs adopted); if that directory is also visited in place elsewhere (a directory
 * durable under two names), an earlier visit may have missed the names it gained, so the
 * walk is repeated until it completes nothing new. Each repeat completes at least one more
 * directory, so this ends; usually the first walk is the last.
 */
function planImage(ns: Namespace): Plan {
  for (;;) {
    const plan: Plan = { actions: [], placements: new Map(), completed: 0 };
    for (const [key, root] of ns.rootList()) planDir(ns, plan, root, key, true, new Set([root]));
    if (plan.completed === 0) return plan;
  }
}

/**
 * Plans directory `dir` at durable path `path`. `inPlace`: the inner Fs has this very
 * directory at `path` now (so its untouched names are right as they are); otherwise the
 * directory is created empty there and everything in it is recreated.
 */
function planDir(ns: Namespace, plan: Plan, dir: DirState, path: string, inPlace: boolean, ancestors: Set<DirState>): void {
  if (!inPlace && !dir.complete) {
    ns.ensureComplete(dir);
    plan.completed++;
  }
  const slots = [...dir.entries.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const slot of slots) {
    const p = childPath(path, slot.name);
    const live = inPlace ? slot.live : null;
    let want = durableTarget(ns, slot);
    // A directory cannot contain itself; a cycle made of independently synced renames is cut here.
    if (want instanceof DirState && ancestors.has(want)) want = null;
    const stays = live !== null && live === want && !(live instanceof Inode && live.tainted);
    if (live !== null && !stays) plan.actions.push({ kind: live instanceof Inode ? 'removeFile' : 'removeDir', path: p });
    if (want instanceof DirState) {
      if (!stays) plan.actions.push({ kind: 'createDir', path: p });
      ancestors.add(want);
      planDir(ns, plan, want, p, stays, ancestors);
      ancestors.delete(want);
    } else if (want !== null) {
      let places = plan.placements.get(want);
      if (places === undefined) plan.placements.set(want, (places = []));
      places.push({ path: p, survives: stays });
    }
  }
}

/** The durable side of `slot`; without directory-sync modelling a never-synced file does not survive. */
function durableTarget(ns: Namespace, slot: Slot): Node | null {
  const d = slot.durable;
  if (!ns.directorySync && d instanceof Inode && !d.everSynced) return null;
  return d;
}
