// Splits a vtest server's reply stream into whole replies. Replies carry no self-describing
// framing in every case (TRANSFER_GET's is raw bytes), so the caller says what each request expects.
import { CAPS_REPLY_LEN_BIAS, TRANSFER_DATA_SIZE, VCMD_LAYOUT, VCmd, VTEST_HDR_BYTES, vcmdName } from '../protocol/vtest.js';
import { FramingError } from './framer.js';

export const enum ReplyShape {
  /** [len, id] then len dwords. */
  Dwords,
  /** [len, id] then len-1 bytes (caps replies). */
  CapsBytes,
  /** Exactly `rawBytes` bytes, no header (v0 TRANSFER_GET). */
  Raw,
}

export interface ExpectedReply {
  request: VCmd;
  shape: ReplyShape;
  rawBytes: number;
  /** Caller's tag (the recorder keeps frame info here). */
  tag: unknown;
}

/** What reply, if any, a request expects at a given protocol version. */
export function expectedReply(id: VCmd, payload: Uint32Array, protocolVersion: number, tag: unknown): ExpectedReply | null {
  if (!VCMD_LAYOUT[id].replies) return null;
  switch (id) {
    case VCmd.GET_CAPS:
    case VCmd.GET_CAPS2:
      return { request: id, shape: ReplyShape.CapsBytes, rawBytes: 0, tag };
    case VCmd.TRANSFER_GET:
      return { request: id, shape: ReplyShape.Raw, rawBytes: payload[TRANSFER_DATA_SIZE] ?? 0, tag };
    case VCmd.RESOURCE_CREATE:
      return protocolVersion >= 3 ? { request: id, shape: ReplyShape.Dwords, rawBytes: 0, tag } : null;
    default:
      return { request: id, shape: ReplyShape.Dwords, rawBytes: 0, tag };
  }
}

export interface Reply {
  expected: ExpectedReply;
  bytes: Uint8Array;
}

export class ReplyFramer {
  private buf = new Uint8Array(0);
  private readonly queue: ExpectedReply[] = [];
  private offset = 0;

  constructor(private readonly maxReplyBytes: number) {}

  expect(e: ExpectedReply): void { this.queue.push(e); }
  get outstanding(): number { return this.queue.length; }

  /**
   * Servers that know Mesa's v0 front-buffer flush (ours) answer a RESOURCE_BUSY_WAIT that follows a
   * TRANSFER_GET before sending the transfer data, because that is the order Mesa reads them in;
   * virglrenderer sends them in request order. When the bytes start with a busy-wait reply while a
   * transfer is expected first, take the busy-wait reply first.
   */
  private answerBusyWaitFirst(): void {
    const [first, second] = this.queue;
    if (!first || !second || first.shape !== ReplyShape.Raw || second.request !== VCmd.RESOURCE_BUSY_WAIT) return;
    if (this.buf.length < VTEST_HDR_BYTES) return;
    const dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
    if (dv.getUint32(0, true) === 1 && dv.getUint32(4, true) === VCmd.RESOURCE_BUSY_WAIT) {
      this.queue[0] = second;
      this.queue[1] = first;
    }
  }

  feed(chunk: Uint8Array): void {
    const grown = new Uint8Array(this.buf.length + chunk.length);
    grown.set(this.buf);
    grown.set(chunk, this.buf.length);
    this.buf = grown;
  }

  /** The next whole reply (its bytes are a private copy), or null when more bytes are needed. */
  next(): Reply | null {
    this.answerBusyWaitFirst();
    const e = this.queue[0];
    if (!e) {
      if (this.buf.length === 0) return null;
      throw new FramingError('server sent bytes nobody asked for', this.offset);
    }
    let total: number;
    if (e.shape === ReplyShape.Raw) {
      total = e.rawBytes;
    } else {
      if (this.buf.length < VTEST_HDR_BYTES) return null;
      const dv = new DataView(this.buf.buffer, this.buf.byteOffset, this.buf.length);
      const len = dv.getUint32(0, true);
      const id = dv.getUint32(4, true);
      const body = e.shape === ReplyShape.CapsBytes ? len - CAPS_REPLY_LEN_BIAS : len * 4;
      if (e.shape === ReplyShape.Dwords && id !== e.request) {
        throw new FramingError(`reply id ${id} does not answer ${vcmdName(e.request)}`, this.offset);
      }
      total = VTEST_HDR_BYTES + Math.max(0, body);
    }
    if (total > this.maxReplyBytes) throw new FramingError(`reply of ${total} bytes is too large`, this.offset);
    if (this.buf.length < total) return null;
    const bytes = this.buf.slice(0, total);
    this.buf = this.buf.subarray(total);
    this.offset += total;
    this.queue.shift();
    return { expected: e, bytes };
  }
}
