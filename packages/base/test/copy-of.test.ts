// copyOf: a copy the callee owns, also of a Node Buffer (whose own slice() is a view).

import { describe, expect, it } from 'vitest';
import { copyOf } from '../src/index.js';

describe('copyOf', () => {
  it('copies a Buffer, a Buffer view and a Uint8Array view: later writes to the source do not show', () => {
    const pool = Buffer.from('0123456789');
    for (const src of [Buffer.from('abc'), pool.subarray(2, 6), new Uint8Array([1, 2, 3]).subarray(1)]) {
      const before = [...src];
      const c = copyOf(src);
      src.fill(0x21);
      expect([...c]).toEqual(before);
      expect(c.buffer).not.toBe(src.buffer);
      expect(c.byteOffset).toBe(0);
      expect(c.constructor).toBe(Uint8Array);
    }
    expect(copyOf(new Uint8Array(0)).length).toBe(0);
  });
});
