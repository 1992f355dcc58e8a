// ByteSink over a file descriptor (Node only).

import { closeSync, fsyncSync, openSync, writeSync } from 'node:fs';
import type { ByteSink } from '../types.js';

export class FileSink implements ByteSink {
  private fd: number | null;
  private position = 0;

  /** Creates or truncates `path`. */
  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
  }

  write(bytes: Uint8Array): void {
    this.writeAll(bytes, this.position);
    this.position += bytes.length;
  }

  /** Positioned write (pwrite): does not move the append position. */
  writeAt(offset: number, bytes: Uint8Array): void {
    this.writeAll(bytes, offset);
  }

  close(): void {
    if (this.fd === null) return;
    fsyncSync(this.fd); // the footer is what marks a complete trace; make it durable
    closeSync(this.fd);
    this.fd = null;
  }

  private writeAll(bytes: Uint8Array, offset: number): void {
    if (this.fd === null) throw new Error(`FileSink ${this.path} is closed`);
    // writeSync may write less than asked; loop until done.
    for (let done = 0; done < bytes.length; ) {
      done += writeSync(this.fd, bytes, done, bytes.length - done, offset + done);
    }
  }
}
