// Turns the engine's output (Uint8Array copies the caller owns) into the format the
// private abstract-level API asked for. The manifest declares 'buffer', 'view' and
// 'utf8' as native formats, so every encoding abstract-level offers (json, hex, base64,
// custom ones) is transcoded from one of these three by abstract-level itself.

/** The low-level formats abstract-level passes to private methods. */
export type Format = 'buffer' | 'view' | 'utf8';

/** A key or value as it arrives in a private method: already encoded to one of the formats. */
export type Encoded = string | Uint8Array;

// TextDecoder measured 56 ns for a 16- or 100-byte string here, against 140 ns for
// Buffer#toString. ignoreBOM keeps a leading U+FEFF that was stored (the default strips it).
const utf8Decoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * `bytes` in `format`: a Buffer sharing its memory ('buffer'), the array itself ('view'),
 * or the UTF-8 decoded string ('utf8'; invalid sequences become U+FFFD). The engine hands
 * out fresh copies, so sharing memory with them is safe.
 */
export function toFormat(bytes: Uint8Array, format: string | undefined): Encoded {
  if (format === 'view') return bytes;
  if (format === 'utf8') return utf8Decoder.decode(bytes);
  return Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Like toFormat, passing `undefined` (a missing value) through. */
export function toFormatOrUndefined(bytes: Uint8Array | undefined, format: string | undefined): Encoded | undefined {
  return bytes === undefined ? undefined : toFormat(bytes, format);
}

const utf8 = new TextEncoder();

/** An encoded key (string or bytes) as bytes, for comparisons in the adapter. */
export function toBytes(key: Encoded): Uint8Array {
  return typeof key === 'string' ? utf8.encode(key) : key;
}
