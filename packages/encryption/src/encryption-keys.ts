// The keys a store encrypts with: one current key (every new file is written with it)
// plus older keys still accepted for reading (key rotation). Each key is known on disk
// only by its key id, a one-way 8-byte fingerprint (HKDF-SHA256 of the key), so a reader
// can pick the right key for a file and tell "wrong key" from damage without ever
// storing anything from which the key could be recovered.

import { hkdf } from '@noble/hashes/hkdf.js';
import { sha256 } from '@noble/hashes/sha2.js';
import { InvalidArgumentError, copyOf } from '@lsm/base';

/** AES-256 keys are 32 bytes. */
export const ENCRYPTION_KEY_LENGTH = 32;
/** Bytes of a key id. */
export const KEY_ID_LENGTH = 8;

/** What callers pass: the current key and, during a key rotation, the keys it replaces. */
export interface EncryptionOptions {
  /** The 32-byte AES-256 key every new file is written with. */
  readonly key: Uint8Array;
  /** Older keys accepted when reading files written before a rotation. */
  readonly previousKeys?: readonly Uint8Array[];
}

const KEY_ID_INFO = new TextEncoder().encode('lsm.key-id.v1');

/** The key id of `key`: the first 8 bytes of HKDF-SHA256(ikm = key, no salt, info "lsm.key-id.v1"). */
export function keyIdOf(key: Uint8Array): Uint8Array {
  return hkdf(sha256, key, undefined, KEY_ID_INFO, KEY_ID_LENGTH);
}

/** Key id as 16 lowercase hex digits (for messages and tools). */
export function keyIdHex(id: Uint8Array): string {
  let s = '';
  for (const b of id) s += b.toString(16).padStart(2, '0');
  return s;
}

function checkKey(key: unknown, what: string): Uint8Array {
  if (!(key instanceof Uint8Array) || key.length !== ENCRYPTION_KEY_LENGTH) {
    const got = key instanceof Uint8Array ? `${key.length} bytes` : typeof key;
    throw new InvalidArgumentError(`${what} must be a ${ENCRYPTION_KEY_LENGTH}-byte Uint8Array, got ${got}`);
  }
  return copyOf(key);
}

/**
 * A validated set of keys. `current` writes; every key (current first) reads.
 * Construct once per store: deriving key ids costs a few HKDF calls.
 */
export class KeyRing {
  /** The key new files are written with, and its id. */
  readonly current: { readonly key: Uint8Array; readonly id: Uint8Array };
  private readonly byId = new Map<string, Uint8Array>();

  /** Validates `options` (InvalidArgumentError naming `optionName`, e.g. "option encryption"). */
  constructor(options: EncryptionOptions, optionName = 'encryption') {
    if (typeof options !== 'object' || options === null) throw new InvalidArgumentError(`${optionName} must be an object { key, previousKeys? }`);
    const key = checkKey(options.key, `${optionName}.key`);
    this.current = { key, id: keyIdOf(key) };
    this.byId.set(keyIdHex(this.current.id), key);
    const prev = options.previousKeys;
    if (prev !== undefined) {
      if (!Array.isArray(prev)) throw new InvalidArgumentError(`${optionName}.previousKeys must be an array of keys`);
      prev.forEach((k, i) => {
        const pk = checkKey(k, `${optionName}.previousKeys[${i}]`);
        const id = keyIdHex(keyIdOf(pk));
        if (!this.byId.has(id)) this.byId.set(id, pk);
      });
    }
  }

  /** A KeyRing from options or an existing ring (returned as is). */
  static from(o: KeyRing | EncryptionOptions, optionName = 'encryption'): KeyRing {
    return o instanceof KeyRing ? o : new KeyRing(o, optionName);
  }

  /** The key with this id, or undefined when the ring does not hold it. */
  find(id: Uint8Array): Uint8Array | undefined {
    return this.byId.get(keyIdHex(id));
  }

  /** Ids of every key in the ring, as hex, current first. */
  get ids(): string[] {
    return [...this.byId.keys()];
  }
}
