// Encoders and decoders for the fixed layouts in format.ts, shared by the
// writer and the reader so the schema is stated once.

import { crc32 } from './crc32.js';
import { TraceFormatError } from './errors.js';
import {
  BlockType,
  kBlock,
  kBlockHeaderSize,
  kBlockMagic,
  kChunk,
  kChunkHeaderSize,
  kFrame,
  kFrameRecordSize,
  kMaxChunkUncompressed,
  kMaxDeflateRatio,
  Compression,
} from './format.js';
import type { FrameInfo } from './types.js';

export function view(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** u64 as two u32 halves; callers keep values below 2^53. */
export function setU64(dv: DataView, at: number, value: number): void {
  dv.setUint32(at, value >>> 0, true);
  dv.setUint32(at + 4, Math.floor(value / 0x1_0000_0000), true);
}

export function getU64(dv: DataView, at: number): number {
  return dv.getUint32(at, true) + dv.getUint32(at + 4, true) * 0x1_0000_0000;
}

export function writeFrameRecord(dv: DataView, at: number, f: FrameInfo): void {
  dv.setUint32(at + kFrame.index, f.index, true);
  dv.setUint32(at + kFrame.chunk, f.chunk, true);
  dv.setUint32(at + kFrame.messageInChunk, f.messageInChunk, true);
  dv.setUint32(at + kFrame.resourceId, f.resourceId, true);
  dv.setUint32(at + kFrame.format, f.format, true);
  dv.setUint32(at + kFrame.width, f.width, true);
  dv.setUint32(at + kFrame.height, f.height, true);
  dv.setUint32(at + kFrame.stride, f.stride, true);
  dv.setUint32(at + kFrame.x, f.x, true);
  dv.setUint32(at + kFrame.y, f.y, true);
  dv.setUint32(at + kFrame.level, f.level, true);
  dv.setUint32(at + kFrame.layerStride, f.layerStride, true);
  dv.setFloat64(at + kFrame.timestampUs, f.timestampUs, true);
}

export function readFrameRecord(dv: DataView, at: number): FrameInfo {
  return {
    index: dv.getUint32(at + kFrame.index, true),
    chunk: dv.getUint32(at + kFrame.chunk, true),
    messageInChunk: dv.getUint32(at + kFrame.messageInChunk, true),
    resourceId: dv.getUint32(at + kFrame.resourceId, true),
    format: dv.getUint32(at + kFrame.format, true),
    width: dv.getUint32(at + kFrame.width, true),
    height: dv.getUint32(at + kFrame.height, true),
    stride: dv.getUint32(at + kFrame.stride, true),
    x: dv.getUint32(at + kFrame.x, true),
    y: dv.getUint32(at + kFrame.y, true),
    level: dv.getUint32(at + kFrame.level, true),
    layerStride: dv.getUint32(at + kFrame.layerStride, true),
    timestampUs: dv.getFloat64(at + kFrame.timestampUs, true),
  };
}

/** Fill in a block header (magic, type, size, CRC) in front of `payload`. */
export function sealBlock(block: Uint8Array, type: BlockType): void {
  const dv = view(block);
  dv.setUint32(kBlock.magic, kBlockMagic, true);
  dv.setUint16(kBlock.type, type, true);
  dv.setUint16(kBlock.flags, 0, true);
  dv.setUint32(kBlock.payloadSize, block.length - kBlockHeaderSize, true);
  const crc = crc32(block.subarray(kBlockHeaderSize), crc32(block.subarray(0, kBlock.crc)));
  dv.setUint32(kBlock.crc, crc, true);
}

export interface BlockHeader {
  type: number;
  payloadSize: number;
  crc: number;
}

/** Parse a block header; `at` is its file offset, for error reports. */
export function parseBlockHeader(bytes: Uint8Array, at: number): BlockHeader {
  if (bytes.length < kBlockHeaderSize) throw new TraceFormatError(at, 'truncated block header');
  const dv = view(bytes);
  if (dv.getUint32(kBlock.magic, true) !== kBlockMagic) throw new TraceFormatError(at, 'bad block magic');
  return {
    type: dv.getUint16(kBlock.type, true),
    payloadSize: dv.getUint32(kBlock.payloadSize, true),
    crc: dv.getUint32(kBlock.crc, true),
  };
}

/** Check a whole block's CRC; `block` includes its header. */
export function verifyBlockCrc(block: Uint8Array, at: number): void {
  const stored = view(block).getUint32(kBlock.crc, true);
  const actual = crc32(block.subarray(kBlockHeaderSize), crc32(block.subarray(0, kBlock.crc)));
  if (stored !== actual) throw new TraceFormatError(at, `block CRC mismatch (stored ${hex(stored)}, computed ${hex(actual)})`);
}

export interface ChunkHeader {
  chunkIndex: number;
  recordCount: number;
  uncompressedSize: number;
  firstRecord: number;
  firstTimestampUs: number;
  compression: Compression;
  frames: FrameInfo[];
  /** The stored (possibly compressed) record stream. */
  data: Uint8Array;
}

/** Parse a chunk block's payload; `at` is the block's file offset. */
export function parseChunkPayload(payload: Uint8Array, at: number): ChunkHeader {
  const where = at + kBlockHeaderSize;
  if (payload.length < kChunkHeaderSize) throw new TraceFormatError(where, 'chunk payload shorter than chunk header');
  const dv = view(payload);
  const frameCount = dv.getUint32(kChunk.frameCount, true);
  const dataStart = kChunkHeaderSize + frameCount * kFrameRecordSize;
  if (dataStart > payload.length) throw new TraceFormatError(where + kChunk.frameCount, `frame count ${frameCount} overruns the chunk`);
  const compression = dv.getUint8(kChunk.compression);
  const data = payload.subarray(dataStart);
  const uncompressedSize = dv.getUint32(kChunk.uncompressedSize, true);
  const chunkIndex = dv.getUint32(kChunk.chunkIndex, true);
  if (compression === Compression.None) {
    if (uncompressedSize !== data.length) throw new TraceFormatError(where + kChunk.uncompressedSize, 'stored size disagrees with data');
  } else if (compression === Compression.DeflateRaw) {
    if (uncompressedSize > kMaxChunkUncompressed || uncompressedSize > data.length * kMaxDeflateRatio + 1024) {
      throw new TraceFormatError(where + kChunk.uncompressedSize, `implausible uncompressed size ${uncompressedSize}`);
    }
  } else {
    throw new TraceFormatError(where + kChunk.compression, `unknown compression ${compression}`);
  }
  const recordCount = dv.getUint32(kChunk.recordCount, true);
  const frames: FrameInfo[] = [];
  for (let i = 0; i < frameCount; i++) {
    const f = readFrameRecord(dv, kChunkHeaderSize + i * kFrameRecordSize);
    if (f.chunk !== chunkIndex || f.messageInChunk >= recordCount) {
      throw new TraceFormatError(where + kChunkHeaderSize + i * kFrameRecordSize, 'frame record does not point into its chunk');
    }
    frames.push(f);
  }
  return {
    chunkIndex,
    recordCount,
    uncompressedSize,
    firstRecord: getU64(dv, kChunk.firstRecord),
    firstTimestampUs: dv.getFloat64(kChunk.firstTimestampUs, true),
    compression,
    frames,
    data,
  };
}

export function hex(n: number): string {
  return '0x' + n.toString(16).padStart(8, '0');
}
