// ByteSource over a file (Node only): positioned reads, nothing mapped.

import { closeSync, fstatSync, openSync, readSync } from 'node:fs';
import type { ByteSource } from '../types.js';

export class FileSource implements ByteSource {
  readonly size: number;
  private fd: number | null;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'r');
    this.size = fstatSync(this.fd).size;
  }

  read(offset: number, length: number): Uint8Array {
    if (this.fd === null) throw new Error(`FileSource ${this.path} is closed`);
    const out = new Uint8Array(length);
    for (let done = 0; done < length; ) {
      const n = readSync(this.fd, out, done, length - done, offset + done);
      if (n === 0) return out.subarray(0, done); // file shrank; the reader reports it
      done += n;
    }
    return out;
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }
}
