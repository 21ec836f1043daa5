// The oracle's own model of the merge operators the configs give the store, written from
// their documented semantics (packages/engine/README.md, "Merge operators") rather than by
// calling the engine's code, so a wrong fold in the engine shows up as a wrong value. Each
// model also says how the stress tool's op specs become operands and values, since the
// counter needs 8-byte values wherever it merges.

/** Folds operands (oldest first) onto a base value (undefined: no value). */
export type MergeFold = (existing: Uint8Array | undefined, operands: readonly Uint8Array[]) => Uint8Array;

/** `appendWithSeparator(sep)`: the pieces (base first, if any) joined by `sep`. */
export function appendFold(sep: Uint8Array): MergeFold {
  return (existing, operands) => {
    const pieces = existing === undefined ? [...operands] : [existing, ...operands];
    const parts: Uint8Array[] = [];
    pieces.forEach((p, i) => {
      if (i > 0) parts.push(sep);
      parts.push(p);
    });
    return new Uint8Array(Buffer.concat(parts));
  };
}

/** `counterAdd`: 8-byte little-endian unsigned sums modulo 2^64; no value counts as 0. */
export const counterFold: MergeFold = (existing, operands) => {
  const u64 = (b: Uint8Array): bigint => Buffer.from(b.buffer, b.byteOffset, b.length).readBigUInt64LE(0);
  let sum = existing === undefined ? 0n : u64(existing);
  for (const op of operands) sum = BigInt.asUintN(64, sum + u64(op));
  const out = Buffer.alloc(8);
  out.writeBigUInt64LE(sum);
  return new Uint8Array(out);
};
