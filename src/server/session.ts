// One vtest client: protocol state and the per-command handlers. Transport-agnostic: the socket
// server, the trace replayer and tests feed it whole commands and collect its replies.
import {
  BUSY_WAIT_FLAGS, BUSY_WAIT_FLAG_WAIT, CAPS2_REPLY_ID, CAPS_REPLY_ID, CAPS_REPLY_LEN_BIAS,
  RES_CREATE_ARRAY_SIZE, RES_CREATE_BIND, RES_CREATE_DEPTH, RES_CREATE_FORMAT, RES_CREATE_HANDLE,
  RES_CREATE_HEIGHT, RES_CREATE_LAST_LEVEL, RES_CREATE_NR_SAMPLES, RES_CREATE_TARGET, RES_CREATE_WIDTH,
  TRANSFER_DATA_SIZE, TRANSFER_DEPTH, TRANSFER_HANDLE, TRANSFER_HEIGHT, TRANSFER_LAYER_STRIDE,
  TRANSFER_LEVEL, TRANSFER_STRIDE, TRANSFER_WIDTH, TRANSFER_X, TRANSFER_Y, TRANSFER_Z,
  VCMD_LAYOUT, VCmd, VTEST_PROTOCOL_VERSION_DEPRECATED,
  VTEST_PROTOCOL_VERSION_IMPLEMENTED, vcmdName,
} from '../protocol/vtest.js';
import type { VtestCommand } from './framer.js';
import {
  ContextError, type Logger, type Renderer, type RendererContext, type ResourceCreateArgs, type TransferArgs,
} from './renderer.js';
import type { ClientLimits } from './limits.js';

/** A client broke the vtest protocol; the connection is closed. */
export class ProtocolError extends Error {
  constructor(message: string, readonly streamOffset: number) {
    super(`${message} (stream offset ${streamOffset})`);
    this.name = 'ProtocolError';
  }
}

export interface ReplySink {
  write(bytes: Uint8Array): void;
  /**
   * TRANSFER_GET's raw data. A sink may reorder it after the reply of an already received
   * RESOURCE_BUSY_WAIT (see ClientConnection); the default is write().
   */
  writeTransferData?(bytes: Uint8Array, handle: number, protocolVersion: number): void | Promise<void>;
  /** The client's context was lost (GPU device loss); the transport disconnects the client. */
  contextLost?(reason: string): void;
}

type Handler = (s: VtestSession, c: VtestCommand, p: Uint32Array) => void | Promise<void>;

const unsupported = (why: string): Handler => (_s, c) => {
  throw new ProtocolError(`${vcmdName(c.id)}: ${why}`, c.streamOffset);
};
const needsFds = unsupported('needs protocol version 2+ (file-descriptor passing), which this server does not negotiate');
const needsV3 = unsupported('needs protocol version 3+, which this server does not negotiate');

const HANDLERS = {
  [VCmd.CREATE_RENDERER]: (s, c) => s.createRenderer(c),
  [VCmd.GET_CAPS]: (s) => s.sendCaps(CAPS_REPLY_ID, s.renderer.capsV1()),
  [VCmd.GET_CAPS2]: (s) => s.sendCaps(CAPS2_REPLY_ID, s.renderer.capsV2()),
  [VCmd.PING_PROTOCOL_VERSION]: (s) => s.reply(VCmd.PING_PROTOCOL_VERSION),
  [VCmd.PROTOCOL_VERSION]: (s, _c, p) => s.negotiateVersion(p[0]),
  [VCmd.RESOURCE_CREATE]: (s, _c, p) => { s.ctx().resourceCreate(resourceArgs(p)); },
  [VCmd.RESOURCE_UNREF]: (s, _c, p) => s.ctx().resourceUnref(p[0]),
  [VCmd.TRANSFER_PUT]: (s, c, p) => s.transferPut(c, p),
  [VCmd.TRANSFER_GET]: (s, c, p) => s.transferGet(c, p),
  [VCmd.SUBMIT_CMD]: (s, _c, p) => s.ctx().submit(p),
  [VCmd.RESOURCE_BUSY_WAIT]: (s, _c, p) => s.busyWait(p[BUSY_WAIT_FLAGS]),
  [VCmd.GET_PARAM]: (s, _c, p) => s.getParam(p[0]),
  [VCmd.RESOURCE_CREATE2]: needsFds,
  [VCmd.TRANSFER_GET2]: needsFds,
  [VCmd.TRANSFER_PUT2]: needsFds,
  [VCmd.GET_CAPSET]: needsV3,
  [VCmd.CONTEXT_INIT]: needsV3,
  [VCmd.RESOURCE_CREATE_BLOB]: needsFds,
  [VCmd.SYNC_CREATE]: needsV3,
  [VCmd.SYNC_UNREF]: needsV3,
  [VCmd.SYNC_READ]: needsV3,
  [VCmd.SYNC_WRITE]: needsV3,
  [VCmd.SYNC_WAIT]: needsFds,
  [VCmd.SUBMIT_CMD2]: needsV3,
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

function resourceArgs(p: Uint32Array): ResourceCreateArgs {
  return {
    handle: p[RES_CREATE_HANDLE], target: p[RES_CREATE_TARGET], format: p[RES_CREATE_FORMAT],
    bind: p[RES_CREATE_BIND], width: p[RES_CREATE_WIDTH], height: p[RES_CREATE_HEIGHT],
    depth: p[RES_CREATE_DEPTH], arraySize: p[RES_CREATE_ARRAY_SIZE], lastLevel: p[RES_CREATE_LAST_LEVEL],
    nrSamples: p[RES_CREATE_NR_SAMPLES],
  };
}

export function transferArgs(p: Uint32Array): TransferArgs {
  return {
    handle: p[TRANSFER_HANDLE], level: p[TRANSFER_LEVEL], stride: p[TRANSFER_STRIDE],
    layerStride: p[TRANSFER_LAYER_STRIDE], x: p[TRANSFER_X], y: p[TRANSFER_Y], z: p[TRANSFER_Z],
    width: p[TRANSFER_WIDTH], height: p[TRANSFER_HEIGHT], depth: p[TRANSFER_DEPTH],
  };
}

export class VtestSession {
  clientName: string | null = null;
  protocolVersion = 0;
  commandsHandled = 0;
  private context: RendererContext | null = null;
  private readonly replyWords = new Uint32Array(4);
  private readonly replyBytes = new Uint8Array(this.replyWords.buffer);

  constructor(
    readonly renderer: Renderer,
    private readonly sink: ReplySink,
    readonly log: Logger,
    private readonly limits: ClientLimits,
  ) {}

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
    this.replyWords[0] = caps.length + CAPS_REPLY_LEN_BIAS;
    this.replyWords[1] = replyId;
    this.sink.write(this.replyBytes.slice(0, 8));
    this.sink.write(caps);
  }

  reply(id: VCmd, ...values: number[]): void {
    const out = new Uint32Array(2 + values.length);
    out[0] = values.length;
    out[1] = id;
    out.set(values, 2);
    this.sink.write(new Uint8Array(out.buffer));
  }

  negotiateVersion(clientMax: number): void {
    let v = Math.min(clientMax, VTEST_PROTOCOL_VERSION_IMPLEMENTED);
    if (v === VTEST_PROTOCOL_VERSION_DEPRECATED) v = 0;
    this.protocolVersion = v;
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

  getParam(param: number): void {
    // Timelines (MAX_TIMELINE_COUNT) are a v3 feature: every parameter is reported invalid.
    this.log.info(`GET_PARAM ${param}: not supported at protocol version ${this.protocolVersion}`);
    this.reply(VCmd.GET_PARAM, 0, 0);
  }

  close(): void {
    this.context?.destroy();
    this.context = null;
  }
}
