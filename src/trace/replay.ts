// Replays a trace's client stream through our vtest session and backend, yielding each frame's
// pixels from us next to the golden pixels the recorded server sent. Browser-safe.
import { VtestFramer } from '../server/framer.js';
import { VtestSession } from '../server/session.js';
import { DEFAULT_LIMITS } from '../server/limits.js';
import { HeapProvider } from '../server/shm-provider.js';
import { VCmd } from '../protocol/vtest.js';
import type { Logger, Renderer } from '../server/renderer.js';
import type { TraceReader } from './reader.js';
import { Direction, type FrameInfo } from './types.js';

export interface ReplayedFrame {
  info: FrameInfo;
  /** What the recorded server sent back (the golden pixels). */
  golden: Uint8Array;
  /** What our renderer answered to the same TRANSFER_GET; null if it did not answer. */
  ours: Uint8Array | null;
  /** Our context's error state at this frame, if any. */
  contextError: string | null;
}

export interface ReplayOptions {
  /** Inclusive frame range to yield; earlier commands still run, later ones do not. */
  frames?: [number, number];
  log: Logger;
}

const key = (chunk: number, ordinal: number): number => chunk * 0x1_0000_0000 + ordinal;

export async function* replayTrace(reader: TraceReader, renderer: Renderer, opts: ReplayOptions):
AsyncGenerator<ReplayedFrame, void, undefined> {
  const [first, last] = opts.frames ?? [0, Infinity];
  const frameAt = new Map<number, FrameInfo>();
  for (const f of reader.frames) frameAt.set(key(f.chunk, f.messageInChunk), f);
  // Only TRANSFER_GET's reply is kept. The session never reuses what it writes (the socket sink
  // relies on that too), so the bytes are kept as they are, not copied.
  const replies: Uint8Array[] = [];
  let collecting = false;
  let lastTransferGet: Uint8Array | null = null;
  // Shared memory (v2/v3 traces) is plain memory here: there is no client to send fds to.
  const session = new VtestSession(renderer, { write: (b) => { if (collecting) replies.push(b); } }, opts.log, DEFAULT_LIMITS,
    { shm: new HeapProvider(DEFAULT_LIMITS.maxResourceBytes), maxVersion: reader.info.protocolVersion ?? 0 });
  const framer = new VtestFramer(DEFAULT_LIMITS.maxMessageBytes);
  const context = (): { errorState: string | null } | null => (session.clientName === null ? null : session.ctx());
  try {
    for (let c = 0; c < reader.chunkCount; c++) {
      const records = reader.messagesOfChunk(c);
      for (let i = 0; i < records.length; i++) {
        const rec = records[i];
        if (rec.kind === 'shm') {
          const mem = session.shm.backings.get(rec.resourceId)?.bytes;
          if (rec.direction === Direction.ClientToServer) {
            // What the client had written there before its next command: put it back.
            if (mem && rec.offset + rec.bytes.length <= mem.length) mem.set(rec.bytes, rec.offset);
            else opts.log.warn(`shared-memory record for resource ${rec.resourceId} at ${rec.offset} does not fit`);
            continue;
          }
          // A TRANSFER_GET2 frame: the recorded server wrote these bytes; ours wrote the same window.
          const frame = frameAt.get(key(c, i));
          if (!frame) continue;
          if (frame.index > last) return;
          if (frame.index >= first) {
            const ours = mem && rec.offset + rec.bytes.length <= mem.length ? mem.slice(rec.offset, rec.offset + rec.bytes.length) : null;
            yield { info: frame, golden: rec.bytes, ours, contextError: context()?.errorState ?? null };
          }
          continue;
        }
        if (rec.direction === Direction.ClientToServer) {
          framer.feed(rec.bytes);
          for (let cmd = framer.next(); cmd; cmd = framer.next()) {
            collecting = cmd.id === VCmd.TRANSFER_GET;
            replies.length = 0;
            const pending = session.handle(cmd);
            if (pending) await pending;
            if (collecting) lastTransferGet = concat(replies);
          }
          continue;
        }
        const frame = frameAt.get(key(c, i));
        if (!frame) continue;
        if (frame.index > last) return;
        if (frame.index >= first) {
          yield { info: frame, golden: rec.bytes, ours: lastTransferGet, contextError: context()?.errorState ?? null };
        }
        lastTransferGet = null;
      }
    }
  } finally {
    session.close();
  }
}

function concat(parts: Uint8Array[]): Uint8Array {
  if (parts.length === 1) return parts[0];
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
}
