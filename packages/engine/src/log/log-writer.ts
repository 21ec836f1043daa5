// Appends records to a write-ahead log. Each record is written with one write call
// (all of its fragments and any block padding assembled in one buffer), so a crash
// leaves at most one record torn, and only at the end. In an encrypted log each record is
// sealed (AES-256-GCM, nonce = the file offset of its first fragment) before framing.

import { writeAll, type FsFile } from '@lsm/fs';
import { BlockType, type FileCipher } from '@lsm/encryption';
import { xxh32 } from '@lsm/base';
import { FragmentType, LOG_BLOCK_SIZE, LOG_HEADER_SIZE, logChecksumSeed } from './log-format.js';

/** Writes records to one log file; the file must be new or positioned at its end. */
export class LogWriter {
  private blockOffset: number;
  private readonly seed: number;
  /** Bytes written to the file so far (including the starting size). */
  size: number;
  private scratch = new Uint8Array(64 * 1024);

  constructor(
    private readonly file: FsFile,
    /** The log's file number (its fragments' checksums are bound to it). */
    readonly logNumber: number,
    startSize = 0,
    /** Set for an encrypted log (whose 64-byte header the caller already wrote). */
    private readonly cipher?: FileCipher,
  ) {
    this.seed = logChecksumSeed(logNumber);
    this.size = startSize;
    this.blockOffset = startSize % LOG_BLOCK_SIZE;
  }

  /** The largest number of bytes `payloadLength` bytes can take on disk. */
  private static maxFramed(payloadLength: number): number {
    const fragments = Math.ceil((payloadLength + 1) / (LOG_BLOCK_SIZE - LOG_HEADER_SIZE)) + 1;
    return payloadLength + fragments * LOG_HEADER_SIZE + LOG_BLOCK_SIZE;
  }

  /** Appends one record. Returns the record's framed size in bytes. */
  addRecord(record: Uint8Array): number {
    let payload = record;
    if (this.cipher !== undefined) {
      // The record starts where its first fragment will: after any block padding.
      const leftover = LOG_BLOCK_SIZE - this.blockOffset;
      const start = leftover < LOG_HEADER_SIZE ? this.size + leftover : this.size;
      payload = this.cipher.seal(record, start, BlockType.LogRecord);
    }
    const need = LogWriter.maxFramed(payload.length);
    if (this.scratch.length < need) this.scratch = new Uint8Array(Math.max(need, this.scratch.length * 2));
    const out = this.scratch;
    let o = 0;
    let p = 0;
    let begin = true;
    do {
      const leftover = LOG_BLOCK_SIZE - this.blockOffset;
      if (leftover < LOG_HEADER_SIZE) {
        // Too small for a header: pad the block with zeros (type 0 never parses).
        out.fill(0, o, o + leftover);
        o += leftover;
        this.blockOffset = 0;
      }
      const avail = LOG_BLOCK_SIZE - this.blockOffset - LOG_HEADER_SIZE;
      const len = Math.min(avail, payload.length - p);
      const end = p + len === payload.length;
      const type = begin && end ? FragmentType.Full : begin ? FragmentType.First : end ? FragmentType.Last : FragmentType.Middle;
      // Checksum covers the type byte and the fragment's payload, laid out contiguously.
      out[o + 6] = type;
      out.set(payload.subarray(p, p + len), o + 7);
      const crc = xxh32(out.subarray(o + 6, o + 7 + len), this.seed);
      out[o] = crc & 0xff;
      out[o + 1] = (crc >>> 8) & 0xff;
      out[o + 2] = (crc >>> 16) & 0xff;
      out[o + 3] = crc >>> 24;
      out[o + 4] = len & 0xff;
      out[o + 5] = len >>> 8;
      o += LOG_HEADER_SIZE + len;
      this.blockOffset += LOG_HEADER_SIZE + len;
      p += len;
      begin = false;
    } while (p < payload.length);
    writeAll(this.file, out.subarray(0, o));
    this.size += o;
    return o;
  }

  /** Makes every record appended so far durable (fdatasync). */
  sync(): void {
    this.file.syncData();
  }

  /** Closes the file (does not sync). */
  close(): void {
    this.file.close();
  }
}
