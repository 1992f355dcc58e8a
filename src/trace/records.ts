// The record stream inside a chunk: writer-side growing buffer and
// reader-side decoder. Layout constants are in format.ts (kRecord*).

import { getU64, setU64, view } from './codec.js';
import { TraceFormatError } from './errors.js';
import {
  kMaxChunkUncompressed,
  kMessageHeaderSize,
  kMessageRecord,
  kRecord,
  kRecordPrefixSize,
  kShmHeaderSize,
  kShmRecord,
  RecordKind,
} from './format.js';
import { Direction, type SharedMemoryWrite, type TraceMessage, type TraceRecord } from './types.js';

/** Preallocated, doubling buffer of encoded records; no per-record allocation. */
export class RecordBuffer {
  private buf: Uint8Array;
  private dv: DataView;
  /** Bytes used. */
  length = 0;
  /** Records in the buffer. */
  count = 0;
  /** Timestamp of the first record in the buffer. */
  firstTimestampUs = 0;

  constructor(initialCapacity: number) {
    this.buf = new Uint8Array(initialCapacity);
    this.dv = view(this.buf);
  }

  appendMessage(m: TraceMessage): void {
    const at = this.begin(RecordKind.Message, m.direction, kMessageHeaderSize, m.bytes, m.timestampUs);
    this.dv.setUint32(at + kMessageRecord.vcmd, m.vcmd, true);
  }

  appendShm(w: SharedMemoryWrite): void {
    const at = this.begin(RecordKind.SharedMemoryWrite, w.direction, kShmHeaderSize, w.bytes, w.timestampUs);
    this.dv.setUint32(at + kShmRecord.resourceId, w.resourceId, true);
    setU64(this.dv, at + kShmRecord.offset, w.offset);
  }

  bytes(): Uint8Array {
    return this.buf.subarray(0, this.length);
  }

  reset(): void {
    this.length = 0;
    this.count = 0;
  }

  /** Writes the common prefix and the data; returns the record's offset. */
  private begin(kind: RecordKind, dir: Direction, headerSize: number, data: Uint8Array, ts: number): number {
    const at = this.length;
    const end = at + headerSize + data.length;
    if (end > this.buf.length) this.grow(end);
    const dv = this.dv;
    dv.setUint8(at + kRecord.kind, kind);
    dv.setUint8(at + kRecord.direction, dir);
    dv.setUint16(at + kRecord.headerSize, headerSize, true);
    dv.setUint32(at + kRecord.dataLength, data.length, true);
    dv.setFloat64(at + kRecord.timestampUs, ts, true);
    this.buf.set(data, at + headerSize);
    if (this.count === 0) this.firstTimestampUs = ts;
    this.length = end;
    this.count++;
    return at;
  }

  private grow(needed: number): void {
    // Doubling, but never far past the largest chunk a reader accepts.
    const cap = Math.max(needed, Math.min(this.buf.length * 2, kMaxChunkUncompressed));
    const next = new Uint8Array(cap);
    next.set(this.buf.subarray(0, this.length));
    this.buf = next;
    this.dv = view(next);
  }
}

/**
 * Decode a chunk's record stream. Entries are indexed by record ordinal;
 * records of kinds this reader does not know are skipped as null. Record
 * bytes are views into `data`. `where` is the chunk block's file offset.
 */
export function decodeRecords(data: Uint8Array, recordCount: number, where: number): (TraceRecord | null)[] {
  const dv = view(data);
  const out: (TraceRecord | null)[] = [];
  let at = 0;
  for (let i = 0; i < recordCount; i++) {
    const fail = (why: string): never => {
      throw new TraceFormatError(where, `record ${i} at uncompressed byte ${at}: ${why}`);
    };
    if (data.length - at < kRecordPrefixSize) fail('truncated record header');
    const kind = dv.getUint8(at + kRecord.kind);
    const dir = dv.getUint8(at + kRecord.direction);
    const headerSize = dv.getUint16(at + kRecord.headerSize, true);
    const dataLength = dv.getUint32(at + kRecord.dataLength, true);
    const timestampUs = dv.getFloat64(at + kRecord.timestampUs, true);
    const minHeader = kind === RecordKind.Message ? kMessageHeaderSize : kind === RecordKind.SharedMemoryWrite ? kShmHeaderSize : kRecordPrefixSize;
    if (headerSize < minHeader) fail(`header size ${headerSize} below ${minHeader}`);
    if (headerSize + dataLength > data.length - at) fail(`record of ${headerSize + dataLength} bytes overruns the chunk`);
    const direction = dir === 0 ? Direction.ClientToServer : Direction.ServerToClient;
    if (dir > 1 && kind <= RecordKind.SharedMemoryWrite) fail(`bad direction ${dir}`);
    const bytes = data.subarray(at + headerSize, at + headerSize + dataLength);
    if (kind === RecordKind.Message) {
      out.push({ kind: 'message', direction, timestampUs, vcmd: dv.getUint32(at + kMessageRecord.vcmd, true), bytes });
    } else if (kind === RecordKind.SharedMemoryWrite) {
      const resourceId = dv.getUint32(at + kShmRecord.resourceId, true);
      out.push({ kind: 'shm', direction, timestampUs, resourceId, offset: getU64(dv, at + kShmRecord.offset), bytes });
    } else {
      out.push(null); // a later minor's record kind: skippable because self-sized
    }
    at += headerSize + dataLength;
  }
  if (at !== data.length) throw new TraceFormatError(where, `${data.length - at} stray bytes after ${recordCount} records`);
  return out;
}
