// TraceReader: random access to a trace through a ByteSource. Browser-safe.
// Chunks are decompressed one at a time, on demand; every read is
// bounds-checked and bad input surfaces as TraceFormatError with an offset.

import { inflateSync } from 'fflate';
import { parseBlockHeader, parseChunkPayload, verifyBlockCrc } from './codec.js';
import { TraceFormatError } from './errors.js';
import { BlockType, Compression, kBlockHeaderSize, kHeaderFlagFinalized } from './format.js';
import { parseHeader } from './header.js';
import { locate, readExact, type ChunkLocation, type RecoveryNote } from './locate.js';
import { decodeRecords } from './records.js';
import { Direction, type ByteSource, type FrameInfo, type TraceInfo, type SharedMemoryWrite, type TraceMessage, type TraceRecord } from './types.js';

export { bytesSource } from './memory.js';
export type { ByteSource } from './types.js';
export type { ChunkLocation, RecoveryNote } from './locate.js';

export interface FrameReply {
  frame: FrameInfo;
  /**
   * The TRANSFER_GET reply, or (protocol v2+, format minor 1) the shared-memory record of the
   * TRANSFER_GET2's box; its bytes are the frame's pixels.
   */
  message: TraceMessage | SharedMemoryWrite;
}

export class TraceReader {
  /** Header metadata. */
  readonly info: TraceInfo;
  readonly formatVersion: { readonly major: number; readonly minor: number };
  /** The writer closed the file cleanly (header flag). */
  readonly finalized: boolean;
  /** Non-null when the index was rebuilt by scanning (no or bad footer). */
  readonly recovery: RecoveryNote | null;
  /** Frame index, in frame order. */
  readonly frames: readonly FrameInfo[];
  /** Total records (messages and shared-memory writes). */
  readonly recordCount: number;
  private readonly chunks: readonly ChunkLocation[];
  /** One-entry cache: replay and frame lookups tend to revisit a chunk. */
  private cached: { index: number; records: (TraceRecord | null)[] } | null = null;

  constructor(private readonly source: ByteSource) {
    const header = parseHeader(source);
    this.info = header.info;
    this.formatVersion = { major: header.major, minor: header.minor };
    this.finalized = (header.flags & kHeaderFlagFinalized) !== 0;
    const layout = locate(source, header.headerSize);
    this.recovery = layout.recovery;
    this.frames = layout.frames;
    this.recordCount = layout.recordCount;
    this.chunks = layout.chunks;
  }

  get chunkCount(): number {
    return this.chunks.length;
  }

  chunkLocation(i: number): ChunkLocation {
    const c = this.chunks[i];
    if (c === undefined) throw new RangeError(`chunk ${i} out of range (0..${this.chunks.length - 1})`);
    return c;
  }

  /** All records in order, from chunk `fromChunk` on, one chunk in memory at a time. */
  *messages(fromChunk = 0): Generator<TraceRecord, void, undefined> {
    for (let i = fromChunk; i < this.chunks.length; i++) {
      for (const r of this.decodeChunk(i)) if (r !== null) yield r;
    }
  }

  /** The records of chunk `i` (bytes are views into the decompressed chunk). */
  messagesOfChunk(i: number): TraceRecord[] {
    return this.decodeChunk(i).filter((r): r is TraceRecord => r !== null);
  }

  /** Where frame `n` is, without decoding anything. */
  frameLocation(n: number): FrameInfo {
    const f = this.frames[n];
    if (f === undefined) throw new RangeError(`frame ${n} out of range (${this.frames.length} frames)`);
    return f;
  }

  /** Frame `n`'s golden reply; decodes only the chunk that holds it. */
  readFrameReply(n: number): FrameReply {
    const frame = this.frameLocation(n);
    const rec = this.decodeChunk(frame.chunk)[frame.messageInChunk];
    if (rec === undefined || rec === null || rec.direction !== Direction.ServerToClient) {
      throw new TraceFormatError(this.chunks[frame.chunk].offset, `frame ${n} does not point at a server-to-client record`);
    }
    return { frame, message: rec };
  }

  private decodeChunk(i: number): (TraceRecord | null)[] {
    if (this.cached?.index === i) return this.cached.records;
    const loc = this.chunkLocation(i);
    const block = readExact(this.source, loc.offset, loc.blockSize);
    const bh = parseBlockHeader(block, loc.offset);
    if (bh.type !== BlockType.Chunk || bh.payloadSize + kBlockHeaderSize !== loc.blockSize) {
      throw new TraceFormatError(loc.offset, `chunk ${i}: block type or size disagrees with the index`);
    }
    verifyBlockCrc(block, loc.offset);
    const ch = parseChunkPayload(block.subarray(kBlockHeaderSize), loc.offset);
    if (ch.chunkIndex !== i || ch.recordCount !== loc.recordCount || ch.firstRecord !== loc.firstRecord) {
      throw new TraceFormatError(loc.offset, `chunk ${i}: header disagrees with the index`);
    }
    const raw = ch.compression === Compression.None ? ch.data : inflate(ch.data, ch.uncompressedSize, loc.offset);
    const records = decodeRecords(raw, ch.recordCount, loc.offset);
    this.cached = { index: i, records };
    return records;
  }
}

/** Inflate into a buffer one byte too big, so overlong output is detected. */
function inflate(data: Uint8Array, size: number, where: number): Uint8Array {
  let out: Uint8Array;
  try {
    out = inflateSync(data, { out: new Uint8Array(size + 1) });
  } catch (e) {
    throw new TraceFormatError(where, `chunk does not inflate: ${(e as Error).message}`);
  }
  if (out.length !== size) throw new TraceFormatError(where, `chunk inflates to ${out.length > size ? 'more than ' + size : out.length} bytes, expected ${size}`);
  return out;
}
