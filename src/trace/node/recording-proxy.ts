// A recording proxy: clients connect to us, we forward to a real vtest server and record both
// directions. It caps the protocol at version 0 (everything inline), since it passes no fds.
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { hostname } from 'node:os';
import { performance } from 'node:perf_hooks';
import { lstatSync, unlinkSync } from 'node:fs';
import { VtestFramer } from '../../server/framer.js';
import { expectedReply, ReplyFramer, ReplyShape } from '../../server/reply-framer.js';
import {
  CAPS_REPLY_LEN_BIAS, RES_CREATE_BIND, RES_CREATE_FORMAT, RES_CREATE_HANDLE, RES_CREATE_HEIGHT,
  RES_CREATE_WIDTH, TRANSFER_HANDLE, TRANSFER_HEIGHT, TRANSFER_LAYER_STRIDE, TRANSFER_LEVEL, TRANSFER_STRIDE,
  TRANSFER_WIDTH, TRANSFER_X, TRANSFER_Y, VCmd, VTEST_HDR_BYTES,
} from '../../protocol/vtest.js';
import { VirglBind } from '../../protocol/virgl-formats.js';
import { TraceWriter } from '../writer.js';
import { FileSink } from './file-sink.js';
import { Direction, type FrameDescriptor } from '../types.js';

/** The highest protocol version the proxy forwards: no fd passing, so 0. */
const MAX_FORWARDED_VERSION = 0;
const MAX_MESSAGE_BYTES = 512 * 1024 * 1024;
const DISPLAYED = VirglBind.DISPLAY_TARGET | VirglBind.SCANOUT;

export interface RecordingOptions {
  upstream: string;
  socketPath: string;
  outPath: string;
  toolVersion: string;
  /** Replace upstream's caps with these in the replies (the client then uses only what we claim). */
  capsOverride?: { v1: Uint8Array; v2: Uint8Array };
  log: (line: string) => void;
}

const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.length).toString('base64');

export class RecordingProxy {
  private server: Server | null = null;
  private sessions = 0;
  private readonly open = new Set<Promise<void>>();
  /** Called with each finished trace's path and frame count. */
  onTraceClosed: (path: string, frames: number) => void = () => {};

  constructor(private readonly opts: RecordingOptions) {}

  async listen(): Promise<void> {
    try {
      if (lstatSync(this.opts.socketPath).isSocket()) unlinkSync(this.opts.socketPath);
    } catch { /* absent */ }
    const server = createServer((client) => this.record(client));
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(this.opts.socketPath, () => resolve());
      });
    } finally {
      process.umask(oldMask);
    }
    this.server = server;
    this.opts.log(`recording proxy on ${this.opts.socketPath} -> ${this.opts.upstream}`);
  }

  async close(): Promise<void> {
    this.server?.close();
    this.server = null;
    await Promise.all(this.open);
    try { unlinkSync(this.opts.socketPath); } catch { /* gone */ }
  }

  private record(client: Socket): void {
    const n = ++this.sessions;
    const path = n === 1 ? this.opts.outPath : `${this.opts.outPath}.${n}`;
    const log = (m: string): void => this.opts.log(`[session ${n}] ${m}`);
    const upstream = createConnection(this.opts.upstream);
    const writer = new TraceWriter(new FileSink(path), {
      toolVersion: this.opts.toolVersion,
      captureHost: hostname(),
      createdAt: new Date().toISOString(),
      capsSource: this.opts.capsOverride ? 'ours' : 'upstream',
    });
    const t0 = performance.now();
    const now = (): number => Math.round((performance.now() - t0) * 1000);
    const requests = new VtestFramer(MAX_MESSAGE_BYTES);
    const replies = new ReplyFramer(MAX_MESSAGE_BYTES);
    const displayed = new Map<number, { format: number; width: number; height: number }>();
    let version = 0;
    let ended = false;
    let resolveDone!: () => void;
    const done = new Promise<void>((r) => { resolveDone = r; });
    this.open.add(done);

    const end = (why: string): void => {
      if (ended) return;
      ended = true;
      client.destroy();
      upstream.destroy();
      writer.close();
      log(`${why}; ${writer.stats.records} messages, ${writer.stats.frames} frames -> ${path}`);
      this.onTraceClosed(path, writer.stats.frames);
      this.open.delete(done);
      resolveDone();
    };

    client.on('data', (chunk) => {
      try {
        requests.feed(chunk);
        for (let cmd = requests.next(); cmd; cmd = requests.next()) {
          const p = new Uint32Array(cmd.payload.buffer, cmd.payload.byteOffset, cmd.payload.length >>> 2);
          let frame: FrameDescriptor | null = null;
          switch (cmd.id) {
            case VCmd.CREATE_RENDERER:
              writer.setInfo({ clientName: new TextDecoder().decode(cmd.payload).replace(/\0.*$/s, '') });
              break;
            case VCmd.PROTOCOL_VERSION:
              if (p[0] > MAX_FORWARDED_VERSION) p[0] = MAX_FORWARDED_VERSION; // rewrites `raw` too
              break;
            case VCmd.RESOURCE_CREATE:
              if ((p[RES_CREATE_BIND] & DISPLAYED) !== 0) {
                displayed.set(p[RES_CREATE_HANDLE], {
                  format: p[RES_CREATE_FORMAT], width: p[RES_CREATE_WIDTH], height: p[RES_CREATE_HEIGHT],
                });
              } else {
                displayed.delete(p[RES_CREATE_HANDLE]);
              }
              break;
            case VCmd.RESOURCE_UNREF:
              displayed.delete(p[0]);
              break;
            case VCmd.TRANSFER_GET: {
              const res = displayed.get(p[TRANSFER_HANDLE]);
              if (res && p[TRANSFER_LEVEL] === 0) {
                frame = {
                  resourceId: p[TRANSFER_HANDLE], format: res.format, width: p[TRANSFER_WIDTH],
                  height: p[TRANSFER_HEIGHT], stride: p[TRANSFER_STRIDE], x: p[TRANSFER_X], y: p[TRANSFER_Y],
                  level: 0, layerStride: p[TRANSFER_LAYER_STRIDE],
                };
              }
              break;
            }
          }
          const exp = expectedReply(cmd.id, p, version, frame);
          if (exp) replies.expect(exp);
          writer.append({ direction: Direction.ClientToServer, timestampUs: now(), vcmd: cmd.id, bytes: cmd.raw });
          upstream.write(Buffer.from(cmd.raw));
        }
      } catch (e) {
        end(`client stream error: ${e instanceof Error ? e.message : String(e)}`);
      }
    });

    upstream.on('data', (chunk) => {
      try {
        replies.feed(chunk);
        for (let r = replies.next(); r; r = replies.next()) {
          let bytes = r.bytes;
          const req = r.expected.request;
          if (req === VCmd.PROTOCOL_VERSION) {
            version = new DataView(bytes.buffer, bytes.byteOffset).getUint32(VTEST_HDR_BYTES, true);
            writer.setInfo({ protocolVersion: version });
          }
          if (r.expected.shape === ReplyShape.CapsBytes) bytes = this.capsSeen(req, bytes, writer);
          const frame = r.expected.tag as FrameDescriptor | null;
          writer.append({ direction: Direction.ServerToClient, timestampUs: now(), vcmd: req, bytes }, frame ?? undefined);
          client.write(bytes);
        }
      } catch (e) {
        end(`upstream stream error: ${e instanceof Error ? e.message : String(e)}`);
      }
    });

    client.on('close', () => {
      // Let the upstream answer what is already asked, then stop.
      if (replies.outstanding === 0) end('client disconnected');
      else setTimeout(() => end('client disconnected'), 2000);
    });
    upstream.on('close', () => end('upstream closed'));
    client.on('error', (e) => log(`client socket: ${e.message}`));
    upstream.on('error', (e) => end(`upstream: ${e.message}`));
    log(`client connected, recording to ${path}`);
  }

  /** Returns the caps reply the client gets, noting both versions in the trace header. */
  private capsSeen(req: VCmd, upstreamReply: Uint8Array, writer: TraceWriter): Uint8Array {
    const upstreamCaps = upstreamReply.subarray(VTEST_HDR_BYTES);
    const ours = this.opts.capsOverride;
    let seen = upstreamCaps;
    let reply = upstreamReply;
    if (ours) {
      seen = req === VCmd.GET_CAPS ? ours.v1 : ours.v2;
      reply = new Uint8Array(VTEST_HDR_BYTES + seen.length);
      const dv = new DataView(reply.buffer);
      dv.setUint32(0, seen.length + CAPS_REPLY_LEN_BIAS, true);
      dv.setUint32(4, new DataView(upstreamReply.buffer, upstreamReply.byteOffset).getUint32(4, true), true);
      reply.set(seen, VTEST_HDR_BYTES);
      if (req === VCmd.GET_CAPS2) writer.setInfo({ upstreamCapsV2: b64(upstreamCaps) });
    }
    writer.setInfo(req === VCmd.GET_CAPS ? { capsV1: b64(seen) } : { capsV2: b64(seen) });
    return reply;
  }
}
