// Rendering keys, values and properties for humans: printable ASCII as is, other bytes
// as \xNN (or everything as hex with --hex), and parsing key arguments back ("0x..." is hex).

const HEX = '0123456789abcdef';

/** Bytes as text: printable ASCII kept, backslash and others escaped as \xNN. */
export function escapeBytes(b: Uint8Array, max = Infinity): string {
  let out = '';
  const n = Math.min(b.length, max);
  for (let i = 0; i < n; i++) {
    const c = b[i]!;
    if (c >= 0x20 && c < 0x7f && c !== 0x5c) out += String.fromCharCode(c);
    else out += `\\x${HEX[c >> 4]}${HEX[c & 15]}`;
  }
  if (n < b.length) out += `... (${b.length} bytes)`;
  return out;
}

export function hexBytes(b: Uint8Array, max = Infinity): string {
  const n = Math.min(b.length, max);
  let out = '';
  for (let i = 0; i < n; i++) out += HEX[b[i]! >> 4]! + HEX[b[i]! & 15]!;
  if (n < b.length) out += `... (${b.length} bytes)`;
  return out;
}

/** Parses a key argument: "0x" followed by hex digits is raw bytes, anything else is UTF-8. */
export function parseKey(arg: string): Uint8Array {
  if (/^0x([0-9a-fA-F]{2})*$/.test(arg)) {
    const hex = arg.slice(2);
    const out = new Uint8Array(hex.length / 2);
    for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.slice(i * 2, i * 2 + 2), 16);
    return out;
  }
  return new TextEncoder().encode(arg);
}
