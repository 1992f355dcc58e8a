import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { bytesSource, MemorySink } from '../../src/trace/memory.js';
import { FileSink } from '../../src/trace/node/file-sink.js';
import { FileSource } from '../../src/trace/node/file-source.js';
import { TraceReader } from '../../src/trace/reader.js';
import { Direction, type FrameDescriptor, type FrameInfo, type TraceInfo, type TraceRecord } from '../../src/trace/types.js';
import { TraceWriter, type TraceWriterOptions } from '../../src/trace/writer.js';

const kInfo: TraceInfo = { toolVersion: 'test', captureHost: 'unit', createdAt: '2025-01-01T00:00:00.000Z' };

/** Deterministic PRNG (mulberry32) so failures reproduce. */
function rng(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = Math.imul(s ^ (s >>> 15), 1 | s);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

interface Entry {
  record: TraceRecord;
  frame?: FrameDescriptor;
}

/** A vtest-like session: requests, replies, shm writes, a frame every ~frameEvery records. */
function session(count: number, seed: number, maxBytes: number, frameEvery: number): Entry[] {
  const r = rng(seed);
  const out: Entry[] = [];
  for (let i = 0; i < count; i++) {
    const bytes = new Uint8Array(Math.floor(r() * maxBytes));
    for (let j = 0; j < bytes.length; j++) bytes[j] = r() < 0.7 ? 0 : (r() * 256) | 0;
    const ts = i * 10 + r();
    if (r() < 0.05) {
      out.push({ record: { kind: 'shm', direction: Direction.ClientToServer, timestampUs: ts, resourceId: 1 + (i % 7), offset: i * 4096 + 2 ** 33, bytes } });
    } else if (i % frameEvery === frameEvery - 1) {
      const frame = { resourceId: 5, format: 1, width: 16, height: 8, stride: 64, x: 0, y: 0, level: 0, layerStride: 512 };
      out.push({ record: { direction: Direction.ServerToClient, timestampUs: ts, vcmd: 4, bytes }, frame });
    } else {
      const dir = r() < 0.5 ? Direction.ClientToServer : Direction.ServerToClient;
      out.push({ record: { direction: dir, timestampUs: ts, vcmd: 1 + (i % 24), bytes } });
    }
  }
  return out;
}

function write(entries: Entry[], options?: TraceWriterOptions): { file: Uint8Array; frames: FrameInfo[] } {
  const sink = new MemorySink();
  const w = new TraceWriter(sink, kInfo, options);
  const frames: FrameInfo[] = [];
  for (const e of entries) {
    const f = w.append(e.record, e.frame);
    if (f) frames.push(f);
  }
  w.close();
  expect(sink.closed).toBe(true);
  return { file: sink.bytes(), frames };
}

/** What the reader yields: messages gain kind 'message'. */
function normalized(r: TraceRecord): TraceRecord {
  return r.kind === 'shm' ? r : { ...r, kind: 'message' };
}

/** Field-wise check with a fast byte compare (deep-equal on big typed arrays is slow). */
function expectSame(got: TraceRecord | undefined, want: TraceRecord): void {
  expect(got).toBeDefined();
  const { bytes: gotBytes, ...gotFields } = got as TraceRecord;
  const { bytes: wantBytes, ...wantFields } = normalized(want);
  expect(gotFields).toEqual(wantFields);
  expect(Buffer.from(gotBytes).equals(Buffer.from(wantBytes))).toBe(true);
}

function expectSameList(got: TraceRecord[], want: TraceRecord[]): void {
  expect(got.length).toBe(want.length);
  got.forEach((g, i) => expectSame(g, want[i]));
}

describe('trace round trip', () => {
  const entries = session(4000, 1, 3000, 97);
  const { file, frames } = write(entries, { chunkTargetBytes: 256 * 1024 });
  const reader = new TraceReader(bytesSource(file));

  it('reads back every record in order', () => {
    expect(reader.recovery).toBeNull();
    expect(reader.finalized).toBe(true);
    expect(reader.info).toEqual(kInfo);
    expect(reader.recordCount).toBe(entries.length);
    expect(reader.chunkCount).toBeGreaterThan(frames.length); // frames and size both end chunks
    expectSameList([...reader.messages()], entries.map((e) => e.record));
  });

  it('keeps the frame index the writer assigned', () => {
    expect(frames.length).toBeGreaterThan(30);
    expect(reader.frames).toEqual(frames);
    frames.forEach((f, i) => expect(f.index).toBe(i));
  });

  it('seeks to frame N with the same result as sequential iteration', () => {
    const sequential: TraceRecord[][] = [];
    for (let c = 0; c < reader.chunkCount; c++) sequential.push(reader.messagesOfChunk(c));
    const fresh = new TraceReader(bytesSource(file)); // empty cache: true random access
    for (const n of [37, 0, frames.length - 1, 5, 5, 20]) {
      const { frame, message } = fresh.readFrameReply(n);
      expect(frame).toEqual(fresh.frameLocation(n));
      expectSame(message, sequential[frame.chunk][frame.messageInChunk]);
      const original = entries.filter((e) => e.frame)[n];
      expectSame(message, original.record);
      expect(frame).toMatchObject(original.frame ?? {});
    }
  });

  it('iterates from a chunk onwards', () => {
    const from = Math.floor(reader.chunkCount / 2);
    const skipped = Array.from({ length: from }, (_, c) => reader.chunkLocation(c).recordCount).reduce((a, b) => a + b, 0);
    const tail = [...reader.messages(from)];
    expect(tail.length).toBe(entries.length - skipped);
    expectSameList(tail, entries.slice(skipped).map((e) => e.record));
  });

  it('rejects frames that do not end at a reply', () => {
    const w = new TraceWriter(new MemorySink(), kInfo);
    const frame = { resourceId: 1, format: 1, width: 1, height: 1, stride: 4, x: 0, y: 0, level: 0, layerStride: 0 };
    expect(() => w.append({ direction: Direction.ClientToServer, timestampUs: 0, vcmd: 4, bytes: new Uint8Array(4) }, frame)).toThrow(TypeError);
    expect(() => w.append({ kind: 'shm', direction: Direction.ClientToServer, timestampUs: 0, resourceId: 1, offset: 0, bytes: new Uint8Array(4) }, frame)).toThrow(TypeError);
  });

  it('minor 1: a frame may end at a server-to-client shared-memory record (TRANSFER_GET2)', () => {
    const sink = new MemorySink();
    const w = new TraceWriter(sink, { ...kInfo, protocolVersion: 3 });
    const frame = { resourceId: 7, format: 1, width: 2, height: 1, stride: 8, x: 0, y: 0, level: 0, layerStride: 0 };
    const upload: TraceRecord = { kind: 'shm', direction: Direction.ClientToServer, timestampUs: 1, resourceId: 7, offset: 16, bytes: new Uint8Array([1, 2, 3]) };
    const pixels: TraceRecord = { kind: 'shm', direction: Direction.ServerToClient, timestampUs: 2, resourceId: 7, offset: 0, bytes: new Uint8Array(8).fill(9) };
    w.append(upload);
    w.append({ direction: Direction.ClientToServer, timestampUs: 1, vcmd: 13, bytes: new Uint8Array(48) });
    expect(w.append(pixels, frame)?.index).toBe(0);
    w.close();
    const reader = new TraceReader(bytesSource(sink.bytes()));
    expect(reader.formatVersion.minor).toBe(1);
    expectSame(reader.readFrameReply(0).message, pixels);
    expectSameList([...reader.messages()].filter((r) => r.kind === 'shm'), [upload, pixels]);
  });
});

describe('trace writer options', () => {
  it('flushes by size at the default 4 MiB target', () => {
    const big = new Uint8Array(1 << 20).map((_, i) => (i * 31) & 0xff);
    const entries: Entry[] = Array.from({ length: 10 }, (_, i) => ({ record: { direction: Direction.ClientToServer, timestampUs: i, vcmd: 6, bytes: big } }));
    const { file } = write(entries);
    const reader = new TraceReader(bytesSource(file));
    expect(reader.chunkCount).toBe(3); // 4 + 4 + 2 MiB
    expect([...reader.messages()].map((m) => m.bytes.length)).toEqual(entries.map(() => big.length));
  });

  it('round-trips uncompressed (level 0) chunks', () => {
    const entries = session(300, 2, 500, 50);
    const { file } = write(entries, { level: 0, chunkTargetBytes: 8192 });
    expectSameList([...new TraceReader(bytesSource(file)).messages()], entries.map((e) => e.record));
  });

  it('stores incompressible chunks raw and skips deflate for a while', () => {
    const r = rng(9);
    const noise = Array.from({ length: 12 }, () => Uint8Array.from({ length: 20000 }, () => (r() * 256) | 0));
    const entries: Entry[] = noise.map((bytes, i) => ({ record: { direction: Direction.ServerToClient, timestampUs: i, vcmd: 4, bytes } }));
    const { file } = write(entries, { chunkTargetBytes: 16 * 1024 });
    const reader = new TraceReader(bytesSource(file));
    expect(reader.chunkCount).toBe(12);
    for (let c = 0; c < 12; c++) expect(reader.chunkLocation(c).blockSize).toBeLessThan(20000 + 100); // raw + headers
    expectSameList([...reader.messages()], entries.map((e) => e.record));
  });

  it('patches metadata in place, also before close', () => {
    const sink = new MemorySink();
    const w = new TraceWriter(sink, kInfo);
    w.setInfo({ protocolVersion: 0, capsV2: 'AAEC', capsSource: 'upstream', notes: { app: 'glxgears' } });
    w.append({ direction: Direction.ClientToServer, timestampUs: 1, vcmd: 8, bytes: new Uint8Array(12) });
    w.flush();
    const killed = new TraceReader(bytesSource(sink.bytes()));
    expect(killed.info.capsV2).toBe('AAEC');
    expect(killed.finalized).toBe(false);
    w.setInfo({ clientName: 'glxgears' });
    w.close();
    const done = new TraceReader(bytesSource(sink.bytes()));
    expect(done.info).toEqual({ ...kInfo, protocolVersion: 0, capsV2: 'AAEC', capsSource: 'upstream', notes: { app: 'glxgears' }, clientName: 'glxgears' });
    expect(done.finalized).toBe(true);
    expect(() => w.append({ direction: Direction.ClientToServer, timestampUs: 2, vcmd: 1, bytes: new Uint8Array(0) })).toThrow(/closed/);
  });

  it('refuses metadata larger than the header region, leaving the header intact', () => {
    const sink = new MemorySink();
    const w = new TraceWriter(sink, kInfo, { jsonRegionSize: 256 });
    expect(() => w.setInfo({ notes: { big: 'x'.repeat(300) } })).toThrow(RangeError);
    w.close();
    expect(new TraceReader(bytesSource(sink.bytes())).info).toEqual(kInfo);
  });

  it('writes and reads real files', () => {
    const dir = mkdtempSync(join(tmpdir(), 'trace-'));
    try {
      const path = join(dir, 't.vtrace');
      const entries = session(500, 3, 2000, 40);
      const w = new TraceWriter(new FileSink(path), kInfo, { chunkTargetBytes: 32 * 1024 });
      for (const e of entries) w.append(e.record, e.frame);
      w.close();
      const src = new FileSource(path);
      const reader = new TraceReader(src);
      expectSameList([...reader.messages()], entries.map((e) => e.record));
      expectSame(reader.readFrameReply(3).message, entries.filter((e) => e.frame)[3].record);
      src.close();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
