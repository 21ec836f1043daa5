// createReadStream and createWriteStream of the node:fs facade, built on the sync facade:
// node's Readable and Writable streams with node's options (flags, encoding, fd, start, end,
// highWaterMark, autoClose), 'open'/'ready'/'close' events and WriteStream.close(cb). Open
// errors arrive as 'error' events, as in node. Every byte goes through the facade's Fs.

import { Readable, Writable } from 'node:stream';
import { encodingOf, toPath, type Encoding } from './facade-support.js';
import type { NodeFsFacade } from './node-fs-facade.js';

/** Options of createReadStream (node's; `mode` is ignored). */
export interface FacadeReadStreamOptions {
  flags?: string;
  encoding?: Encoding | null;
  fd?: number | null;
  start?: number;
  /** Inclusive, as node's. */
  end?: number;
  highWaterMark?: number;
  autoClose?: boolean;
  mode?: number;
}

/** Options of createWriteStream (node's; `mode` is ignored). */
export interface FacadeWriteStreamOptions {
  flags?: string;
  encoding?: Encoding | null;
  fd?: number | null;
  start?: number;
  autoClose?: boolean;
  mode?: number;
}

/** A Readable over a file of the facade. */
export type FacadeReadStream = Readable & { readonly path: string; bytesRead: number; close(cb?: (err?: Error | null) => void): void };
/** A Writable over a file of the facade, with node's WriteStream.close(cb). */
export type FacadeWriteStream = Writable & { readonly path: string; bytesWritten: number; close(cb?: (err?: Error | null) => void): void };

/** A stream's descriptor: given (`fd`) or opened in construct(), closed in destroy() unless autoClose is false. */
class StreamDescriptor {
  fd: number;
  stream: Readable | Writable | undefined;
  constructor(
    private readonly sync: NodeFsFacade,
    private readonly path: string,
    private readonly o: { fd?: number | null; flags?: string; autoClose?: boolean },
    private readonly defaultFlags: string,
  ) {
    this.fd = o.fd ?? -1;
  }
  construct(cb: (err?: Error | null) => void): void {
    try {
      if (this.fd < 0) this.fd = this.sync.openSync(toPath(this.path), this.o.flags ?? this.defaultFlags);
    } catch (err) {
      cb(err as Error);
      return;
    }
    cb();
    this.stream?.emit('open', this.fd);
    this.stream?.emit('ready');
  }
  destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    if (this.fd >= 0 && this.o.autoClose !== false) {
      try {
        this.sync.closeSync(this.fd);
      } catch (closeErr) {
        cb(err ?? (closeErr as Error));
        return;
      }
    }
    cb(err);
  }
}

/** Builds createReadStream and createWriteStream over a sync facade. */
export function createStreamForms(sync: NodeFsFacade): {
  createReadStream(path: string, options?: Encoding | FacadeReadStreamOptions): FacadeReadStream;
  createWriteStream(path: string, options?: Encoding | FacadeWriteStreamOptions): FacadeWriteStream;
} {
  const optionsOf = <T extends object>(options: Encoding | T | undefined): T & { encoding?: Encoding | null } =>
    (typeof options === 'string' ? { encoding: options } : (options ?? {})) as T & { encoding?: Encoding | null };

  const createReadStream = (path: string, options?: Encoding | FacadeReadStreamOptions): FacadeReadStream => {
    const o = optionsOf<FacadeReadStreamOptions>(options);
    const d = new StreamDescriptor(sync, path, o, 'r');
    let pos = o.start;
    const end = o.end ?? Infinity;
    const stream = new Readable({
      highWaterMark: o.highWaterMark ?? 64 * 1024,
      construct: (cb) => d.construct(cb),
      destroy: (err, cb) => d.destroy(err, cb),
      read(size) {
        try {
          // Without `start` the stream reads on from the descriptor's position, and `end`
          // still bounds it, counted in bytes read (as node's ReadStream does).
          const left = Math.min(size, end - (pos === undefined ? s.bytesRead : pos) + 1);
          const buf = Buffer.alloc(Math.max(0, left));
          const n = left <= 0 ? 0 : sync.readSync(d.fd, buf, 0, buf.length, pos ?? null);
          if (pos !== undefined) pos += n;
          s.bytesRead += n;
          this.push(n === 0 ? null : buf.subarray(0, n));
        } catch (err) {
          this.destroy(err as Error);
        }
      },
    });
    d.stream = stream;
    const enc = encodingOf(o);
    if (enc !== undefined) stream.setEncoding(enc);
    const s = Object.assign(stream, {
      path: toPath(path),
      bytesRead: 0,
      close(cb?: (err?: Error | null) => void) {
        if (cb) stream.once('close', () => cb());
        stream.destroy();
      },
    });
    return s;
  };

  const createWriteStream = (path: string, options?: Encoding | FacadeWriteStreamOptions): FacadeWriteStream => {
    const o = optionsOf<FacadeWriteStreamOptions>(options);
    const d = new StreamDescriptor(sync, path, o, 'w');
    let pos = o.start;
    const stream = new Writable({
      decodeStrings: true,
      defaultEncoding: encodingOf(o) ?? 'utf8',
      construct: (cb) => d.construct(cb),
      destroy: (err, cb) => d.destroy(err, cb),
      write(chunk: Buffer, _enc, cb) {
        try {
          for (let off = 0; off < chunk.length; ) {
            const n = sync.writeSync(d.fd, chunk, off, chunk.length - off, pos === undefined ? null : pos + off);
            off += n;
          }
          if (pos !== undefined) pos += chunk.length;
          s.bytesWritten += chunk.length;
          cb();
        } catch (err) {
          cb(err as Error);
        }
      },
    });
    d.stream = stream;
    const s = Object.assign(stream, {
      path: toPath(path),
      bytesWritten: 0,
      close(cb?: (err?: Error | null) => void) {
        if (cb) {
          if (stream.closed) {
            process.nextTick(cb);
            return;
          }
          stream.once('close', () => cb());
        }
        stream.end();
      },
    });
    return s;
  };

  return { createReadStream, createWriteStream };
}
