import { describe, expect, it } from 'vitest';
import { TraceFormatError } from '../../src/trace/errors.js';
import { kFooterSize, kHeaderFixedSize } from '../../src/trace/format.js';
import { bytesSource, MemorySink } from '../../src/trace/memory.js';
import { TraceReader } from '../../src/trace/reader.js';
import { Direction, type FrameInfo, type TraceInfo, type TraceRecord } from '../../src/trace/types.js';
import { TraceWriter } from '../../src/trace/writer.js';

const kInfo: TraceInfo = { toolVersion: 'test', captureHost: 'unit', createdAt: '2025-01-01T00:00:00.000Z', capsV2: 'AAAA' };
/** A small JSON region keeps the file small enough to try every truncation. */
const kJsonRegion = 512;
const kBlocksStart = kHeaderFixedSize + kJsonRegion;
const kFrame = { resourceId: 3, format: 2, width: 4, height: 2, stride: 16, x: 0, y: 0, level: 0, layerStride: 32 };

/** A small session: 60 messages, a frame every 10, one shm write; ~10 chunks. */
function smallTrace(closeIt: boolean): { file: Uint8Array; records: TraceRecord[]; frames: FrameInfo[] } {
  const sink = new MemorySink();
  const w = new TraceWriter(sink, kInfo, { chunkTargetBytes: 200, jsonRegionSize: kJsonRegion });
  const records: TraceRecord[] = [];
  const frames: FrameInfo[] = [];
  for (let i = 0; i < 60; i++) {
    const bytes = Uint8Array.from({ length: 8 + (i % 13) * 5 }, (_, j) => (i * 7 + j) & 0xff);
    const isFrame = i % 10 === 9;
    const rec: TraceRecord =
      i === 30
        ? { kind: 'shm', direction: Direction.ClientToServer, timestampUs: i, resourceId: 2, offset: 64, bytes }
        : { kind: 'message', direction: isFrame || i % 2 ? Direction.ServerToClient : Direction.ClientToServer, timestampUs: i, vcmd: isFrame ? 4 : 6, bytes };
    records.push(rec);
    const f = w.append(rec, isFrame ? kFrame : undefined);
    if (f) frames.push(f);
  }
  if (closeIt) w.close();
  else w.flush(); // recorder killed after its last flush: no index, no footer
  return { file: sink.bytes(), records, frames };
}

/** Open and read everything the way replay and golden would. */
function readAll(file: Uint8Array): { reader: TraceReader; records: TraceRecord[] } {
  const reader = new TraceReader(bytesSource(file)); // bytesSource throws RangeError on any out-of-range read
  const records = [...reader.messages()];
  for (let n = 0; n < reader.frames.length; n++) reader.readFrameReply(n);
  return { reader, records };
}

/** Outcome of reading damaged bytes: a TraceFormatError with a sane offset, or a clean prefix/result. */
function readDamaged(file: Uint8Array): { error: TraceFormatError } | { records: TraceRecord[]; reader: TraceReader } {
  try {
    return readAll(file);
  } catch (e) {
    if (!(e instanceof TraceFormatError)) throw e;
    expect(Number.isInteger(e.offset)).toBe(true);
    expect(e.offset).toBeGreaterThanOrEqual(0);
    expect(e.offset).toBeLessThanOrEqual(file.length);
    expect(e.message).toContain(`byte ${e.offset}`);
    return { error: e };
  }
}

/** A cheap comparable signature (deep-equal on typed arrays is slow in a 3000-iteration loop). */
function sig(r: TraceRecord): string {
  const id = r.kind === 'shm' ? `${r.resourceId}@${r.offset}` : `${r.vcmd}`;
  return `${r.kind}|${r.direction}|${r.timestampUs}|${id}|${Buffer.from(r.bytes).toString('hex')}`;
}

function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s / 4294967296;
  };
}

describe('trace recovery', () => {
  it('rebuilds chunks and frames by scanning when the footer is missing', () => {
    const killed = smallTrace(false);
    const { reader, records } = readAll(killed.file);
    expect(reader.recovery).not.toBeNull();
    expect(reader.recovery?.stopReason).toBe('end of file');
    expect(reader.finalized).toBe(false);
    expect(reader.info).toEqual(kInfo);
    expect(records).toEqual(killed.records);
    expect(reader.frames).toEqual(killed.frames);
    expect(reader.readFrameReply(4).message).toEqual(killed.records[49]);
  });

  it('recovers everything but a torn last chunk', () => {
    const closed = smallTrace(true);
    const killed = smallTrace(false);
    const torn = killed.file.subarray(0, killed.file.length - 3);
    const { reader, records } = readAll(torn);
    expect(reader.recovery?.stopReason).toMatch(/past the end/);
    expect(records.length).toBeLessThan(closed.records.length);
    expect(records).toEqual(closed.records.slice(0, records.length));
  });

  it('falls back to scanning when the footer is damaged', () => {
    const { file, records, frames } = smallTrace(true);
    const bad = file.slice();
    bad[bad.length - 1] ^= 0xff; // footer CRC
    const r = readAll(bad);
    expect(r.reader.recovery?.reason).toMatch(/footer CRC/);
    expect(r.reader.recovery?.stopReason).toBe('index block');
    expect(r.records).toEqual(records);
    expect(r.reader.frames).toEqual(frames);
  });

  it('gives TraceFormatError or a clean prefix for every truncation length', () => {
    const { file, records, frames } = smallTrace(true);
    const want = records.map(sig);
    let errors = 0;
    for (let len = 0; len < file.length; len++) {
      const out = readDamaged(file.subarray(0, len));
      if ('error' in out) {
        errors++;
        expect(len).toBeLessThan(kBlocksStart); // only a torn header is fatal
        continue;
      }
      expect(out.records.map(sig)).toEqual(want.slice(0, out.records.length));
      expect(out.reader.frames).toEqual(frames.slice(0, out.reader.frames.length));
      if (len < file.length - kFooterSize) expect(out.reader.recovery).not.toBeNull();
    }
    expect(errors).toBe(kBlocksStart);
  });

  it('gives TraceFormatError (never another exception) for random byte flips', () => {
    const { file, records } = smallTrace(true);
    const next = rng(12345);
    let detected = 0;
    for (let trial = 0; trial < 3000; trial++) {
      const bad = file.slice();
      const flips = 1 + Math.floor(next() * 3);
      for (let k = 0; k < flips; k++) {
        // A fifth of the flips land in the fixed header and JSON bytes, the rest in the blocks.
        const at = next() < 0.2 ? Math.floor(next() * (kHeaderFixedSize + 100)) : kBlocksStart + Math.floor(next() * (file.length - kBlocksStart));
        bad[at] ^= 1 + Math.floor(next() * 255);
      }
      const out = readDamaged(bad);
      if ('error' in out) detected++;
      else expect(out.records.length).toBeLessThanOrEqual(records.length);
    }
    expect(detected).toBeGreaterThan(1000);
  });

  it('reports header problems with their offsets', () => {
    const { file } = smallTrace(true);
    const magic = file.slice();
    magic[1] = 0;
    expect(() => new TraceReader(bytesSource(magic))).toThrow(expect.objectContaining({ name: 'TraceFormatError', offset: 1 }));
    const major = file.slice();
    major[8] = 9; // the header CRC catches it first; either way a TraceFormatError at the header
    expect(() => new TraceReader(bytesSource(major))).toThrow(TraceFormatError);
    expect(() => new TraceReader(bytesSource(new Uint8Array(10)))).toThrow(expect.objectContaining({ offset: 0 }));
  });

  it('reports a corrupt chunk when reading through an intact index', () => {
    const { file } = smallTrace(true);
    const reader = new TraceReader(bytesSource(file));
    const loc = reader.chunkLocation(3);
    const bad = file.slice();
    bad[loc.offset + loc.blockSize - 1] ^= 0x40;
    const damaged = new TraceReader(bytesSource(bad));
    expect(damaged.recovery).toBeNull();
    expect(damaged.messagesOfChunk(2).length).toBe(reader.chunkLocation(2).recordCount);
    expect(() => damaged.messagesOfChunk(3)).toThrow(expect.objectContaining({ name: 'TraceFormatError', offset: loc.offset }));
  });
});
