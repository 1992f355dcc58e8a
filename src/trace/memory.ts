// In-memory ByteSource and ByteSink: for tests, the browser viewer, and
// traces fetched whole.

import type { ByteSink, ByteSource } from './types.js';

/** A ByteSource over bytes already in memory; reads are zero-copy views. */
export function bytesSource(bytes: Uint8Array): ByteSource {
  return {
    size: bytes.length,
    read(offset: number, length: number): Uint8Array {
      if (offset < 0 || length < 0 || offset + length > bytes.length) {
        throw new RangeError(`read [${offset}, ${offset + length}) outside 0..${bytes.length}`);
      }
      return bytes.subarray(offset, offset + length);
    },
  };
}

/** A growing in-memory ByteSink; `bytes()` is the file written so far. */
export class MemorySink implements ByteSink {
  private buf = new Uint8Array(1 << 16);
  private length = 0;
  closed = false;

  write(bytes: Uint8Array): void {
    this.writeAt(this.length, bytes);
  }

  writeAt(offset: number, bytes: Uint8Array): void {
    const end = offset + bytes.length;
    if (end > this.buf.length) {
      const next = new Uint8Array(Math.max(end, this.buf.length * 2));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(bytes, offset);
    if (end > this.length) this.length = end;
  }

  close(): void {
    this.closed = true;
  }

  /** A copy of the written bytes. */
  bytes(): Uint8Array {
    return this.buf.slice(0, this.length);
  }
}
