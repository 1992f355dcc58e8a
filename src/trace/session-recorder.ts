// Records one session of our own server into a trace, at any protocol version: the client's
// messages and our replies as they cross the socket, plus the bytes that travel through shared
// memory (vtest v2+), which no byte stream carries. Browser-safe; the server gives it a writer.
//
// Frames: a v0 TRANSFER_GET of a displayed resource ends one with its reply, as in the recording
// proxy; at v2+ a TRANSFER_GET2 of a displayed resource ends one with a server-to-client
// shared-memory record of the box we wrote (rows at the level's own stride).
import { formatBlock } from '../protocol/format-blocks.js';
import { VirglBind } from '../protocol/virgl-formats.js';
import {
  RES_CREATE_BIND, RES_CREATE_FORMAT, RES_CREATE_HANDLE, RES_CREATE_HEIGHT, RES_CREATE_WIDTH, TRANSFER_HANDLE,
  TRANSFER_HEIGHT, TRANSFER_LAYER_STRIDE, TRANSFER_LEVEL, TRANSFER_STRIDE, TRANSFER_WIDTH, TRANSFER_X, TRANSFER_Y, VCmd,
} from '../protocol/vtest.js';
import type { VtestCommand } from '../server/framer.js';
import type { ResourceCreateArgs, TransferArgs } from '../server/renderer.js';
import type { SessionTap } from '../server/session.js';
import { Direction, type FrameDescriptor } from './types.js';
import type { TraceWriter } from './writer.js';

const DISPLAYED = VirglBind.DISPLAY_TARGET | VirglBind.SCANOUT;

interface Displayed { format: number; width: number; height: number }

export class SessionRecorder implements SessionTap {
  private readonly displayed = new Map<number, Displayed>();
  /** v0 TRANSFER_GETs of displayed resources whose data has not been sent yet, by handle. */
  private readonly pendingFrames = new Map<number, FrameDescriptor>();
  /** What the trace already holds of each coherent blob, to record only what changed. */
  private readonly snapshots = new Map<number, Uint8Array>();
  private version = 0;

  constructor(private readonly writer: TraceWriter, private readonly now: () => number) {}

  request(cmd: VtestCommand): void {
    const p = cmd.id === VCmd.CREATE_RENDERER ? null : new Uint32Array(cmd.payload.buffer, cmd.payload.byteOffset, cmd.payload.length >>> 2);
    switch (cmd.id) {
      case VCmd.CREATE_RENDERER:
        this.writer.setInfo({ clientName: new TextDecoder().decode(cmd.payload).replace(/\0.*$/s, '') });
        break;
      case VCmd.RESOURCE_CREATE:
        // Below v3 the handle is the client's; from v3 resourceCreated() names the id.
        if (this.version < 3 && p) this.noteDisplayed(p[RES_CREATE_HANDLE], p[RES_CREATE_BIND], p[RES_CREATE_FORMAT], p[RES_CREATE_WIDTH], p[RES_CREATE_HEIGHT]);
        break;
      case VCmd.RESOURCE_UNREF:
        if (p) { this.displayed.delete(p[0]); this.snapshots.delete(p[0]); }
        break;
      case VCmd.TRANSFER_GET: {
        if (!p) break;
        const res = this.displayed.get(p[TRANSFER_HANDLE]);
        if (res && p[TRANSFER_LEVEL] === 0) {
          this.pendingFrames.set(p[TRANSFER_HANDLE], {
            resourceId: p[TRANSFER_HANDLE], format: res.format, width: p[TRANSFER_WIDTH], height: p[TRANSFER_HEIGHT],
            stride: p[TRANSFER_STRIDE], x: p[TRANSFER_X], y: p[TRANSFER_Y], level: 0, layerStride: p[TRANSFER_LAYER_STRIDE],
          });
        }
        break;
      }
    }
    this.writer.append({ direction: Direction.ClientToServer, timestampUs: this.now(), vcmd: cmd.id, bytes: cmd.raw });
  }

  reply(bytes: Uint8Array): void {
    const vcmd = bytes.length >= 8 ? new DataView(bytes.buffer, bytes.byteOffset, 8).getUint32(4, true) : 0;
    this.writer.append({ direction: Direction.ServerToClient, timestampUs: this.now(), vcmd, bytes });
  }

  transferData(bytes: Uint8Array, handle: number): void {
    const frame = this.pendingFrames.get(handle);
    this.pendingFrames.delete(handle);
    this.writer.append({ direction: Direction.ServerToClient, timestampUs: this.now(), vcmd: VCmd.TRANSFER_GET, bytes }, frame);
  }

  negotiated(version: number): void {
    this.version = version;
    this.writer.setInfo({ protocolVersion: version });
  }

  resourceCreated(id: number, args: Readonly<ResourceCreateArgs>): void {
    this.noteDisplayed(id, args.bind, args.format, args.width, args.height);
    this.snapshots.delete(id);
  }

  shmRead(resourceId: number, offset: number, bytes: Uint8Array): void {
    // Coherent blobs come whole at every submit: keep only the span that changed since last time.
    if (offset === 0 && bytes.length > 4096) {
      const old = this.snapshots.get(resourceId);
      let first = 0;
      let last = bytes.length;
      if (old && old.length === bytes.length) {
        while (first < last && old[first] === bytes[first]) first++;
        while (last > first && old[last - 1] === bytes[last - 1]) last--;
        if (first === last) return;
        old.set(bytes.subarray(first, last), first);
      } else {
        this.snapshots.set(resourceId, bytes.slice());
      }
      this.writer.append({ kind: 'shm', direction: Direction.ClientToServer, timestampUs: this.now(), resourceId, offset: first, bytes: bytes.subarray(first, last) });
      return;
    }
    this.writer.append({ kind: 'shm', direction: Direction.ClientToServer, timestampUs: this.now(), resourceId, offset, bytes });
  }

  shmWritten(resourceId: number, offset: number, args: Readonly<TransferArgs>, bytes: Uint8Array): void {
    const res = this.displayed.get(resourceId);
    const block = res ? formatBlock(res.format) : undefined;
    if (!res || !block || args.level !== 0) return;
    // The box lies at the level's own stride from the window's start (Mesa copies it out from there).
    const stride = Math.ceil(res.width / block.width) * block.bytes;
    const rows = Math.ceil(args.height / block.height);
    const size = Math.min(bytes.length, (rows - 1) * stride + Math.ceil(args.width / block.width) * block.bytes);
    const frame: FrameDescriptor = {
      resourceId, format: res.format, width: args.width, height: args.height, stride, x: args.x, y: args.y, level: 0, layerStride: 0,
    };
    this.writer.append({ kind: 'shm', direction: Direction.ServerToClient, timestampUs: this.now(), resourceId, offset, bytes: bytes.slice(0, size) }, frame);
  }

  private noteDisplayed(id: number, bind: number, format: number, width: number, height: number): void {
    if ((bind & DISPLAYED) !== 0) this.displayed.set(id, { format, width, height });
    else this.displayed.delete(id);
  }
}
