// TraceWriter: buffers records into chunks, compresses each chunk once, and
// finishes the file with an index block and a footer. The hot path (append)
// only copies bytes into a preallocated buffer.

import { deflateSync, type DeflateOptions } from 'fflate';
import { sealBlock, setU64, view, writeFrameRecord } from './codec.js';
import {
  BlockType,
  Compression,
  kBlockHeaderSize,
  kChunk,
  kChunkEntry,
  kChunkEntrySize,
  kChunkHeaderSize,
  kDefaultJsonRegionSize,
  kFooter,
  kFooterMagic,
  kFooterSize,
  kFrameRecordSize,
  kHeaderFlagFinalized,
  kIndex,
  kIndexHeaderSize,
  kMaxChunkUncompressed,
  kMaxJsonRegionSize,
  kShmHeaderSize,
} from './format.js';
import { crc32 } from './crc32.js';
import { encodeHeader } from './header.js';
import { RecordBuffer } from './records.js';
import { Direction, type ByteSink, type FrameDescriptor, type FrameInfo, type TraceInfo, type TraceRecord } from './types.js';

/** Level 1 was measured best for vtest traffic: see docs/trace-format.md. */
export const kDefaultCompressionLevel = 1;
export const kDefaultChunkTargetBytes = 4 * 1024 * 1024;
/** A chunk that deflates to more than this fraction is stored raw instead. */
const kStoreRawAbove = 0.9;
/** After a poorly compressing chunk, this many chunks are stored raw before trying again. */
const kRawChunksAfterMiss = 8;

export interface TraceWriterOptions {
  /** DEFLATE level 0-9 (0 stores uncompressed). */
  level?: number;
  /** A chunk is flushed once this many uncompressed bytes are buffered. */
  chunkTargetBytes?: number;
  /** Size of the header's JSON metadata region. */
  jsonRegionSize?: number;
  /**
   * Store chunks raw when deflate does not pay (noisy pixels compress ~10% at
   * ~35 MB/s), and skip the attempt for the next few chunks. Default true.
   */
  adaptive?: boolean;
}

export interface TraceWriterStats {
  chunks: number;
  records: number;
  frames: number;
  /** Record-stream bytes before compression. */
  uncompressedBytes: number;
  /** File bytes written so far (header included). */
  fileBytes: number;
}

interface ChunkEntry {
  offset: number;
  blockSize: number;
  recordCount: number;
  firstRecord: number;
}

export class TraceWriter {
  private infoValue: TraceInfo;
  private readonly level: number;
  private readonly chunkTarget: number;
  private readonly jsonRegionSize: number;
  private readonly adaptive: boolean;
  /** Chunks left to store raw after a poorly compressing one. */
  private rawChunksLeft = 0;
  private readonly records: RecordBuffer;
  private readonly chunks: ChunkEntry[] = [];
  private readonly frames: FrameInfo[] = [];
  /** Frames whose golden reply sits in the unflushed chunk. */
  private pendingFrames: FrameInfo[] = [];
  private offset: number;
  private recordTotal = 0;
  private uncompressedTotal = 0;
  private closed = false;

  constructor(
    private readonly sink: ByteSink,
    info: TraceInfo,
    options: TraceWriterOptions = {},
  ) {
    this.level = options.level ?? kDefaultCompressionLevel;
    if (!Number.isInteger(this.level) || this.level < 0 || this.level > 9) throw new RangeError(`compression level ${this.level} is not 0-9`);
    this.chunkTarget = options.chunkTargetBytes ?? kDefaultChunkTargetBytes;
    if (!(this.chunkTarget > 0 && this.chunkTarget <= kMaxChunkUncompressed)) throw new RangeError(`chunk target ${this.chunkTarget} is out of range`);
    this.jsonRegionSize = options.jsonRegionSize ?? kDefaultJsonRegionSize;
    if (!(Number.isInteger(this.jsonRegionSize) && this.jsonRegionSize > 0 && this.jsonRegionSize <= kMaxJsonRegionSize)) {
      throw new RangeError(`JSON region size ${this.jsonRegionSize} is out of range`); // readers would refuse the file
    }
    this.adaptive = options.adaptive ?? true;
    this.records = new RecordBuffer(Math.min(this.chunkTarget + (this.chunkTarget >> 2), kMaxChunkUncompressed));
    this.infoValue = { ...info };
    const header = encodeHeader(this.infoValue, this.jsonRegionSize, 0);
    sink.write(header);
    this.offset = header.length;
  }

  get info(): Readonly<TraceInfo> {
    return this.infoValue;
  }

  get stats(): TraceWriterStats {
    return {
      chunks: this.chunks.length,
      records: this.recordTotal + this.records.count,
      frames: this.frames.length,
      uncompressedBytes: this.uncompressedTotal + this.records.length,
      fileBytes: this.offset,
    };
  }

  /** Merge metadata and patch the header now, so a killed capture keeps it. */
  setInfo(partial: Partial<TraceInfo>): void {
    this.assertOpen();
    const next = { ...this.infoValue, ...partial };
    const header = encodeHeader(next, this.jsonRegionSize, 0); // throws before any state changes
    this.infoValue = next;
    this.sink.writeAt(0, header);
  }

  /**
   * Append one record. With `frame`, the record is the golden reply that
   * ends that frame: the chunk is flushed right after it, and the assigned
   * FrameInfo is returned.
   */
  append(record: TraceRecord, frame?: FrameDescriptor): FrameInfo | undefined {
    this.assertOpen();
    const size = kShmHeaderSize + record.bytes.length; // upper bound of the encoded record
    if (size > kMaxChunkUncompressed) throw new RangeError(`record of ${record.bytes.length} bytes is too large`);
    if (record.direction !== Direction.ClientToServer && record.direction !== Direction.ServerToClient) {
      throw new TypeError(`bad direction ${String(record.direction)}`);
    }
    // Since minor 1 a frame may also end at a server-to-client shared-memory record: at vtest v2+
    // TRANSFER_GET2 has no reply, and the frame's pixels are what the server wrote into the memfd.
    if (frame && record.direction !== Direction.ServerToClient) {
      throw new TypeError('a frame must end at a server-to-client record');
    }
    // Readers refuse chunks above kMaxChunkUncompressed: end this one first.
    if (this.records.length + size > kMaxChunkUncompressed) this.flush();
    let info: FrameInfo | undefined;
    if (frame) {
      info = { ...frame, index: this.frames.length, timestampUs: record.timestampUs, chunk: this.chunks.length, messageInChunk: this.records.count };
      this.frames.push(info);
      this.pendingFrames.push(info);
    }
    if (record.kind === 'shm') this.records.appendShm(record);
    else this.records.appendMessage(record);
    if (frame || this.records.length >= this.chunkTarget) this.flush();
    return info;
  }

  /** End the current chunk now (e.g. periodically, to bound loss on a crash). */
  flush(): void {
    this.assertOpen();
    const buf = this.records;
    if (buf.count === 0) return;
    const raw = buf.bytes();
    const data = this.compress(raw);
    const compression = data === raw ? Compression.None : Compression.DeflateRaw;
    const frames = this.pendingFrames;
    const payloadSize = kChunkHeaderSize + frames.length * kFrameRecordSize + data.length;
    const block = new Uint8Array(kBlockHeaderSize + payloadSize);
    const dv = view(block);
    const p = kBlockHeaderSize;
    dv.setUint32(p + kChunk.chunkIndex, this.chunks.length, true);
    dv.setUint32(p + kChunk.recordCount, buf.count, true);
    dv.setUint32(p + kChunk.uncompressedSize, raw.length, true);
    dv.setUint32(p + kChunk.frameCount, frames.length, true);
    setU64(dv, p + kChunk.firstRecord, this.recordTotal);
    dv.setFloat64(p + kChunk.firstTimestampUs, buf.firstTimestampUs, true);
    dv.setUint8(p + kChunk.compression, compression);
    frames.forEach((f, i) => writeFrameRecord(dv, p + kChunkHeaderSize + i * kFrameRecordSize, f));
    block.set(data, p + kChunkHeaderSize + frames.length * kFrameRecordSize);
    sealBlock(block, BlockType.Chunk);
    this.sink.write(block);
    this.chunks.push({ offset: this.offset, blockSize: block.length, recordCount: buf.count, firstRecord: this.recordTotal });
    this.offset += block.length;
    this.recordTotal += buf.count;
    this.uncompressedTotal += raw.length;
    this.pendingFrames = [];
    buf.reset();
  }

  /** Flush, write index + footer, mark the header finalized, close the sink. */
  close(): void {
    if (this.closed) return;
    this.flush();
    this.closed = true;
    const index = this.encodeIndex();
    const indexOffset = this.offset;
    this.sink.write(index);
    this.offset += index.length;
    const footer = new Uint8Array(kFooterSize);
    const fv = view(footer);
    footer.set(kFooterMagic, kFooter.magic);
    setU64(fv, kFooter.indexOffset, indexOffset);
    fv.setUint32(kFooter.indexSize, index.length, true);
    fv.setUint32(kFooter.chunkCount, this.chunks.length, true);
    fv.setUint32(kFooter.crc, crc32(footer.subarray(0, kFooter.crc)), true);
    this.sink.write(footer);
    this.offset += footer.length;
    this.sink.writeAt(0, encodeHeader(this.infoValue, this.jsonRegionSize, kHeaderFlagFinalized));
    this.sink.close();
  }

  /** Deflated bytes, or `raw` itself when stored uncompressed. */
  private compress(raw: Uint8Array): Uint8Array {
    if (this.level === 0) return raw;
    if (this.rawChunksLeft > 0) {
      this.rawChunksLeft--;
      return raw;
    }
    const data = deflateSync(raw, { level: this.level as DeflateOptions['level'] });
    if (!this.adaptive || data.length <= raw.length * kStoreRawAbove) return data;
    this.rawChunksLeft = kRawChunksAfterMiss;
    return raw;
  }

  private encodeIndex(): Uint8Array {
    const chunksAt = kBlockHeaderSize + kIndexHeaderSize;
    const framesAt = chunksAt + this.chunks.length * kChunkEntrySize;
    const block = new Uint8Array(framesAt + this.frames.length * kFrameRecordSize);
    const dv = view(block);
    dv.setUint32(kBlockHeaderSize + kIndex.chunkCount, this.chunks.length, true);
    dv.setUint32(kBlockHeaderSize + kIndex.frameCount, this.frames.length, true);
    setU64(dv, kBlockHeaderSize + kIndex.recordCount, this.recordTotal);
    this.chunks.forEach((c, i) => {
      const at = chunksAt + i * kChunkEntrySize;
      setU64(dv, at + kChunkEntry.offset, c.offset);
      dv.setUint32(at + kChunkEntry.blockSize, c.blockSize, true);
      dv.setUint32(at + kChunkEntry.recordCount, c.recordCount, true);
      setU64(dv, at + kChunkEntry.firstRecord, c.firstRecord);
    });
    this.frames.forEach((f, i) => writeFrameRecord(dv, framesAt + i * kFrameRecordSize, f));
    sealBlock(block, BlockType.Index);
    return block;
  }

  private assertOpen(): void {
    if (this.closed) throw new Error('TraceWriter is closed');
  }
}
