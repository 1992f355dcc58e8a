// One vtest client: protocol state and the per-command handlers. Transport-agnostic: the socket
// server, the trace replayer and tests feed it whole commands and collect its replies.
import {
  BUSY_WAIT_FLAGS, BUSY_WAIT_FLAG_WAIT, CAPS2_REPLY_ID, CAPS_REPLY_ID, CAPS_REPLY_LEN_BIAS,
  TRANSFER_DATA_SIZE, TRANSFER_DEPTH, TRANSFER_HANDLE, TRANSFER_HEIGHT, TRANSFER_LAYER_STRIDE,
  TRANSFER_LEVEL, TRANSFER_STRIDE, TRANSFER_WIDTH, TRANSFER_X, TRANSFER_Y, TRANSFER_Z,
  VCMD_LAYOUT, VCmd, VTEST_PROTOCOL_VERSION_DEPRECATED,
  VTEST_PROTOCOL_VERSION_IMPLEMENTED, vcmdName,
} from '../protocol/vtest.js';
import type { VtestCommand } from './framer.js';
import { ProtocolError } from './protocol-error.js';
import { SHM_HANDLERS, ShmState, shmInputs, type ShmSessionView } from './protocol-v2.js';
import { HeapProvider, type ShmProvider } from './shm-provider.js';
import {
  ContextError, type Logger, type Renderer, type RendererContext, type ResourceCreateArgs, type TransferArgs,
} from './renderer.js';
import type { ClientLimits } from './limits.js';

export { ProtocolError };

/** Shared memory and the protocol versions it allows (vtest v2/v3; src/server/protocol-v2.ts). */
export interface SessionOptions {
  /** Where shared memory comes from; without it the session keeps to protocol version 0. */
  shm?: ShmProvider;
  /** Highest version to negotiate (default: the highest implemented that `shm` allows). */
  maxVersion?: number;
  /** Sees the shared-memory bytes the host reads (the recorder keeps them in the trace). */
  tap?: SessionTap;
}

/**
 * Sees a session from inside, in wire order (the recorder: src/trace/session-recorder.ts). Shared-memory
 * bytes a command reads are reported before the command itself, so a replay can put them back first.
 */
export interface SessionTap {
  request(cmd: VtestCommand): void;
  reply(bytes: Uint8Array): void;
  /** v0 TRANSFER_GET data for `handle`, whenever it is sent (see ClientConnection's reordering). */
  transferData(bytes: Uint8Array, handle: number): void;
  negotiated(version: number): void;
  resourceCreated(id: number, args: Readonly<ResourceCreateArgs>): void;
  /** Client-written shared memory the host is about to read. */
  shmRead(resourceId: number, offset: number, bytes: Uint8Array): void;
  /** Shared memory the host has just written (TRANSFER_GET2's box at the level's own stride). */
  shmWritten(resourceId: number, offset: number, args: Readonly<TransferArgs>, bytes: Uint8Array): void;
}

export interface ReplySink {
  write(bytes: Uint8Array): void;
  /**
   * TRANSFER_GET's raw data. A sink may reorder it after the reply of an already received
   * RESOURCE_BUSY_WAIT (see ClientConnection); the default is write().
   */
  writeTransferData?(bytes: Uint8Array, handle: number, protocolVersion: number): void | Promise<void>;
  /** Sends an fd right after the bytes written so far (vtest v2+); settles once it is out. */
  sendFd?(fd: number): Promise<void>;
  /** The client's context was lost (GPU device loss); the transport disconnects the client. */
  contextLost?(reason: string): void;
}

type Handler = (s: VtestSession, c: VtestCommand, p: Uint32Array) => void | Promise<void>;

const unsupported = (why: string): Handler => (_s, c) => {
  throw new ProtocolError(`${vcmdName(c.id)}: ${why}`, c.streamOffset);
};
const needsFds = unsupported('needs protocol version 4 (file descriptors from the client), which this server does not negotiate');

const HANDLERS = {
  [VCmd.CREATE_RENDERER]: (s, c) => s.createRenderer(c),
  [VCmd.GET_CAPS]: (s) => s.sendCaps(CAPS_REPLY_ID, s.renderer.capsV1()),
  [VCmd.GET_CAPS2]: (s) => s.sendCaps(CAPS2_REPLY_ID, s.capsV2()),
  [VCmd.PING_PROTOCOL_VERSION]: (s) => s.reply(VCmd.PING_PROTOCOL_VERSION),
  [VCmd.PROTOCOL_VERSION]: (s, _c, p) => s.negotiateVersion(p[0]),
  [VCmd.TRANSFER_PUT]: (s, c, p) => s.transferPut(c, p),
  [VCmd.TRANSFER_GET]: (s, c, p) => s.transferGet(c, p),
  [VCmd.SUBMIT_CMD]: (s, _c, p) => s.ctx().submit(p),
  [VCmd.RESOURCE_BUSY_WAIT]: (s, _c, p) => s.busyWait(p[BUSY_WAIT_FLAGS]),
  ...SHM_HANDLERS,
  [VCmd.DRM_SYNC_CREATE]: needsFds,
  [VCmd.DRM_SYNC_DESTROY]: needsFds,
  [VCmd.DRM_SYNC_HANDLE_TO_FD]: needsFds,
  [VCmd.DRM_SYNC_FD_TO_HANDLE]: needsFds,
  [VCmd.DRM_SYNC_IMPORT_SYNC_FILE]: needsFds,
  [VCmd.DRM_SYNC_EXPORT_SYNC_FILE]: needsFds,
  [VCmd.DRM_SYNC_WAIT]: needsFds,
  [VCmd.DRM_SYNC_RESET]: needsFds,
  [VCmd.DRM_SYNC_SIGNAL]: needsFds,
  [VCmd.DRM_SYNC_TIMELINE_SIGNAL]: needsFds,
  [VCmd.DRM_SYNC_TIMELINE_WAIT]: needsFds,
  [VCmd.DRM_SYNC_QUERY]: needsFds,
  [VCmd.DRM_SYNC_TRANSFER]: needsFds,
  [VCmd.RESOURCE_EXPORT_FD]: needsFds,
} satisfies Record<VCmd, Handler>;

export function transferArgs(p: Uint32Array): TransferArgs {
  return {
    handle: p[TRANSFER_HANDLE], level: p[TRANSFER_LEVEL], stride: p[TRANSFER_STRIDE],
    layerStride: p[TRANSFER_LAYER_STRIDE], x: p[TRANSFER_X], y: p[TRANSFER_Y], z: p[TRANSFER_Z],
    width: p[TRANSFER_WIDTH], height: p[TRANSFER_HEIGHT], depth: p[TRANSFER_DEPTH],
  };
}

export class VtestSession implements ShmSessionView {
  clientName: string | null = null;
  protocolVersion = 0;
  commandsHandled = 0;
  /** Resources' shared memory, syncs and server-chosen ids (vtest v2+). */
  readonly shm: ShmState;
  /** The highest version this session agrees to. */
  readonly maxVersion: number;
  private context: RendererContext | null = null;
  private readonly replyWords = new Uint32Array(4);

  constructor(
    readonly renderer: Renderer,
    private sink: ReplySink,
    readonly log: Logger,
    private readonly limits: ClientLimits,
    private readonly opts: SessionOptions = {},
  ) {
    this.shm = new ShmState(opts.shm ?? new HeapProvider(0), limits.maxResourceBytes);
    const tap = opts.tap;
    if (tap) {
      const inner = sink;
      this.sink = {
        write: (b) => { tap.reply(b); inner.write(b); },
        writeTransferData: (b, handle, version) => {
          tap.transferData(b, handle);
          return inner.writeTransferData ? inner.writeTransferData(b, handle, version) : inner.write(b);
        },
        ...(inner.sendFd ? { sendFd: (fd: number) => inner.sendFd!(fd) } : {}),
      };
    }
    this.maxVersion = opts.shm ? Math.min(opts.maxVersion ?? VTEST_PROTOCOL_VERSION_IMPLEMENTED, VTEST_PROTOCOL_VERSION_IMPLEMENTED) : 0;
  }

  /** Handles one command; a returned promise must settle before the next command is handled. */
  handle(cmd: VtestCommand): void | Promise<void> {
    this.commandsHandled++;
    if (this.clientName === null && cmd.id !== VCmd.CREATE_RENDERER) {
      throw new ProtocolError(`${vcmdName(cmd.id)} before CREATE_RENDERER`, cmd.streamOffset);
    }
    const layout = VCMD_LAYOUT[cmd.id];
    if (layout.payloadDwords >= 0 && cmd.payload.length !== layout.payloadDwords * 4) {
      throw new ProtocolError(
        `${vcmdName(cmd.id)} payload is ${cmd.payload.length} bytes, expected ${layout.payloadDwords * 4}`,
        cmd.streamOffset);
    }
    const p = cmd.id === VCmd.CREATE_RENDERER
      ? this.replyWords // unused: its payload is a byte string
      : new Uint32Array(cmd.payload.buffer, cmd.payload.byteOffset, cmd.payload.length >>> 2);
    const tap = this.opts.tap;
    if (tap) {
      if (this.protocolVersion >= 2) shmInputs(this, cmd, p);
      tap.request(cmd);
    }
    return HANDLERS[cmd.id](this, cmd, p);
  }

  ctx(): RendererContext {
    // CREATE_RENDERER is checked first in handle(), so a context always exists here.
    return this.context!;
  }

  createRenderer(cmd: VtestCommand): void {
    if (this.clientName !== null) throw new ProtocolError('second CREATE_RENDERER', cmd.streamOffset);
    const nul = cmd.payload.indexOf(0);
    const raw = cmd.payload.subarray(0, nul < 0 ? cmd.payload.length : nul);
    this.clientName = new TextDecoder().decode(raw).replace(/[^\x20-\x7e]/g, '?').slice(0, 128) || '(unnamed)';
    this.context = this.renderer.createContext(this.clientName, this.log, (reason) => this.sink.contextLost?.(reason));
    this.log.info(`client "${this.clientName}" created its context`);
  }

  sendCaps(replyId: number, caps: Uint8Array): void {
    // One write: header and caps are one reply (the recorder sees whole replies).
    const out = new Uint8Array(8 + caps.length);
    const dv = new DataView(out.buffer);
    dv.setUint32(0, caps.length + CAPS_REPLY_LEN_BIAS, true);
    dv.setUint32(4, replyId, true);
    out.set(caps, 8);
    this.sink.write(out);
  }

  write(bytes: Uint8Array): void { this.sink.write(bytes); }

  sendFd(fd: number | null): void | Promise<void> {
    if (fd === null || !this.sink.sendFd) return;
    return this.sink.sendFd(fd);
  }

  capsV1(): Uint8Array { return this.renderer.capsV1(); }
  /** Caps v2 as this session may use them: some claims need the negotiated version (blobs: v3). */
  capsV2(): Uint8Array { return this.renderer.capsV2At?.(this.protocolVersion) ?? this.renderer.capsV2(); }

  get tap(): SessionTap | undefined { return this.opts.tap; }

  reply(id: VCmd, ...values: number[]): void {
    const out = new Uint32Array(2 + values.length);
    out[0] = values.length;
    out[1] = id;
    out.set(values, 2);
    this.sink.write(new Uint8Array(out.buffer));
  }

  negotiateVersion(clientMax: number): void {
    let v = Math.min(clientMax, this.maxVersion);
    if (v === VTEST_PROTOCOL_VERSION_DEPRECATED) v = 0;
    this.protocolVersion = v;
    this.log.info(`protocol version ${v} (client asked for ${clientMax}, server offers up to ${this.maxVersion})`);
    this.opts.tap?.negotiated(v);
    this.reply(VCmd.PROTOCOL_VERSION, v);
  }

  transferPut(cmd: VtestCommand, p: Uint32Array): void {
    const args = transferArgs(p);
    if (cmd.data.length !== p[TRANSFER_DATA_SIZE]) {
      throw new ProtocolError('TRANSFER_PUT data shorter than DATA_SIZE', cmd.streamOffset);
    }
    this.ctx().transferPut(args, cmd.data);
  }

  transferGet(cmd: VtestCommand, p: Uint32Array): void | Promise<void> {
    const size = p[TRANSFER_DATA_SIZE];
    if (size > this.limits.maxReadbackBytes) {
      throw new ProtocolError(`TRANSFER_GET of ${size} bytes exceeds the ${this.limits.maxReadbackBytes}-byte readback limit`,
        cmd.streamOffset);
    }
    // The client reads exactly data_size raw bytes whatever happens, so always send them.
    const out = new Uint8Array(size);
    const handle = p[TRANSFER_HANDLE];
    const send = (): void | Promise<void> => this.sink.writeTransferData
      ? this.sink.writeTransferData(out, handle, this.protocolVersion)
      : this.sink.write(out);
    const fail = (e: unknown): void | Promise<void> => {
      if (!(e instanceof ContextError)) throw e;
      this.log.warn(`TRANSFER_GET: ${e.message}`);
      return send();
    };
    try {
      const pending = this.ctx().transferGet(transferArgs(p), out);
      if (pending) return pending.then(send, fail);
    } catch (e) {
      return fail(e);
    }
    return send();
  }

  busyWait(flags: number): void | Promise<void> {
    const ctx = this.ctx();
    if ((flags & BUSY_WAIT_FLAG_WAIT) !== 0 && ctx.isBusy()) {
      return ctx.waitIdle().then(() => this.reply(VCmd.RESOURCE_BUSY_WAIT, 0));
    }
    this.reply(VCmd.RESOURCE_BUSY_WAIT, ctx.isBusy() ? 1 : 0);
  }

  close(): void {
    this.context?.destroy();
    this.context = null;
    this.shm.close();
  }
}
