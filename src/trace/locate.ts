// Finding the chunks and frames of a trace: from the footer's index block
// when the file was closed cleanly, otherwise by scanning the chunk blocks
// in order (a killed recorder leaves no footer and maybe a torn last chunk).

import { getU64, parseBlockHeader, parseChunkPayload, readFrameRecord, verifyBlockCrc, view } from './codec.js';
import { crc32 } from './crc32.js';
import { TraceFormatError } from './errors.js';
import {
  BlockType,
  kBlockHeaderSize,
  kChunkEntry,
  kChunkEntrySize,
  kChunkHeaderSize,
  kFooter,
  kFooterMagic,
  kFooterSize,
  kFrameRecordSize,
  kIndex,
  kIndexHeaderSize,
} from './format.js';
import type { ByteSource, FrameInfo } from './types.js';

export interface ChunkLocation {
  /** File offset of the chunk block. */
  offset: number;
  /** Block size, header included. */
  blockSize: number;
  recordCount: number;
  /** Global ordinal of the chunk's first record. */
  firstRecord: number;
}

/** Why the index was rebuilt by scanning, and where the scan stopped. */
export interface RecoveryNote {
  /** Why the footer index was not used. */
  reason: string;
  /** File offset where the scan stopped. */
  stoppedAt: number;
  /** Why the scan stopped there ('end of file' when it reached the end cleanly). */
  stopReason: string;
}

export interface TraceLayout {
  chunks: ChunkLocation[];
  frames: FrameInfo[];
  recordCount: number;
  recovery: RecoveryNote | null;
}

/** Bounds-checked read: never asks the source for bytes past its end. */
export function readExact(src: ByteSource, offset: number, length: number): Uint8Array {
  if (offset < 0 || length < 0 || offset + length > src.size) {
    throw new TraceFormatError(Math.min(Math.max(offset, 0), src.size), `need ${length} bytes at ${offset}, file has ${src.size}`);
  }
  const out = src.read(offset, length);
  if (out.length !== length) throw new TraceFormatError(offset, `source returned ${out.length} of ${length} bytes`);
  return out;
}

export function locate(src: ByteSource, headerSize: number): TraceLayout {
  try {
    return { ...readIndex(src, headerSize), recovery: null };
  } catch (e) {
    if (!(e instanceof TraceFormatError)) throw e;
    return scanChunks(src, headerSize, e.message);
  }
}

function readIndex(src: ByteSource, headerSize: number): Omit<TraceLayout, 'recovery'> {
  const footerAt = src.size - kFooterSize;
  if (footerAt < headerSize) throw new TraceFormatError(src.size, 'no footer');
  const footer = readExact(src, footerAt, kFooterSize);
  const fv = view(footer);
  if (kFooterMagic.some((b, i) => footer[kFooter.magic + i] !== b)) throw new TraceFormatError(footerAt, 'no footer');
  if (fv.getUint32(kFooter.crc, true) !== crc32(footer.subarray(0, kFooter.crc))) throw new TraceFormatError(footerAt, 'footer CRC mismatch');
  const indexAt = getU64(fv, kFooter.indexOffset);
  const indexSize = fv.getUint32(kFooter.indexSize, true);
  if (indexAt < headerSize || indexAt + indexSize !== footerAt) throw new TraceFormatError(footerAt, 'footer points outside the file');
  const block = readExact(src, indexAt, indexSize);
  const bh = parseBlockHeader(block, indexAt);
  if (bh.type !== BlockType.Index || bh.payloadSize + kBlockHeaderSize !== indexSize) throw new TraceFormatError(indexAt, 'footer does not point at an index block');
  verifyBlockCrc(block, indexAt);
  const dv = view(block.subarray(kBlockHeaderSize));
  const chunkCount = dv.getUint32(kIndex.chunkCount, true);
  const frameCount = dv.getUint32(kIndex.frameCount, true);
  const recordCount = getU64(dv, kIndex.recordCount);
  const framesAt = kIndexHeaderSize + chunkCount * kChunkEntrySize;
  if (framesAt + frameCount * kFrameRecordSize !== bh.payloadSize || chunkCount !== fv.getUint32(kFooter.chunkCount, true)) {
    throw new TraceFormatError(indexAt, 'index block sizes are inconsistent');
  }
  const chunks: ChunkLocation[] = [];
  let end = headerSize;
  let records = 0;
  for (let i = 0; i < chunkCount; i++) {
    const at = kIndexHeaderSize + i * kChunkEntrySize;
    const c: ChunkLocation = {
      offset: getU64(dv, at + kChunkEntry.offset),
      blockSize: dv.getUint32(at + kChunkEntry.blockSize, true),
      recordCount: dv.getUint32(at + kChunkEntry.recordCount, true),
      firstRecord: getU64(dv, at + kChunkEntry.firstRecord),
    };
    if (c.offset < end || c.blockSize < kBlockHeaderSize + kChunkHeaderSize || c.offset + c.blockSize > indexAt || c.firstRecord !== records) {
      throw new TraceFormatError(indexAt + kBlockHeaderSize + at, `index entry for chunk ${i} is inconsistent`);
    }
    end = c.offset + c.blockSize;
    records += c.recordCount;
    chunks.push(c);
  }
  if (records !== recordCount) throw new TraceFormatError(indexAt, 'index record count disagrees with its chunks');
  const frames: FrameInfo[] = [];
  for (let i = 0; i < frameCount; i++) {
    const f = readFrameRecord(dv, framesAt + i * kFrameRecordSize);
    const prev = frames[i - 1];
    const c = chunks[f.chunk];
    if (f.index !== i || c === undefined || f.messageInChunk >= c.recordCount || (prev && prev.chunk > f.chunk)) {
      throw new TraceFormatError(indexAt + kBlockHeaderSize + framesAt + i * kFrameRecordSize, `index entry for frame ${i} is inconsistent`);
    }
    frames.push(f);
  }
  return { chunks, frames, recordCount };
}

/** Walk blocks from the header on; stop at the first torn or corrupt one. */
function scanChunks(src: ByteSource, headerSize: number, reason: string): TraceLayout {
  const chunks: ChunkLocation[] = [];
  const frames: FrameInfo[] = [];
  let records = 0;
  let at = headerSize;
  let stopReason = 'end of file';
  while (at < src.size) {
    try {
      const bh = parseBlockHeader(readExact(src, at, Math.min(kBlockHeaderSize, src.size - at)), at);
      const blockSize = kBlockHeaderSize + bh.payloadSize;
      if (at + blockSize > src.size) throw new TraceFormatError(at, `block of ${blockSize} bytes runs past the end of the file`);
      if (bh.type === BlockType.Index) {
        stopReason = 'index block';
        break; // only the index and footer follow the chunks
      }
      if (bh.type === BlockType.Chunk) {
        const block = readExact(src, at, blockSize);
        verifyBlockCrc(block, at);
        const ch = parseChunkPayload(block.subarray(kBlockHeaderSize), at);
        if (ch.chunkIndex !== chunks.length || ch.firstRecord !== records) throw new TraceFormatError(at, `chunk ${ch.chunkIndex} out of sequence`);
        const firstFrame = frames.length;
        if (ch.frames.some((f, i) => f.index !== firstFrame + i)) throw new TraceFormatError(at, 'frame records out of sequence');
        chunks.push({ offset: at, blockSize, recordCount: ch.recordCount, firstRecord: records });
        frames.push(...ch.frames);
        records += ch.recordCount;
      } // other block types (later minors) are skipped
      at += blockSize;
    } catch (e) {
      if (!(e instanceof TraceFormatError)) throw e;
      stopReason = e.message;
      break;
    }
  }
  return { chunks, frames, recordCount: records, recovery: { reason, stoppedAt: at, stopReason } };
}
