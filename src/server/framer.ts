// Splits a vtest byte stream into whole commands, honouring the protocol's framing quirks
// (CREATE_RENDERER counts bytes; TRANSFER_PUT's hdr[0] is unreliable, DATA_SIZE is what counts).
import {
  LengthUnit, TRANSFER_DATA_SIZE, VCMD_LAYOUT, VCMD_MAX, VCmd, VTEST_HDR_BYTES, vcmdName,
} from '../protocol/vtest.js';

export class FramingError extends Error {
  constructor(message: string, readonly streamOffset: number) {
    super(`${message} (stream offset ${streamOffset})`);
    this.name = 'FramingError';
  }
}

/** A whole command; its views stay valid until the next `feed` or `next` call. */
export interface VtestCommand {
  id: VCmd;
  /** hdr[0] as sent. */
  headerLength: number;
  /** Fixed payload (dwords) or, for CREATE_RENDERER, the name bytes. Always 4-byte aligned. */
  payload: Uint8Array;
  /** Inline data following the fixed payload (v0 TRANSFER_PUT); empty otherwise. */
  data: Uint8Array;
  /** Header + payload + data, exactly as on the wire. */
  raw: Uint8Array;
  /** Offset of the header in the whole stream. */
  streamOffset: number;
}

export class VtestFramer {
  private buf: Uint8Array;
  private view: DataView;
  private start = 0;
  private end = 0;
  private consumedTotal = 0;
  private readonly cmd: VtestCommand = {
    id: VCmd.GET_CAPS, headerLength: 0, payload: new Uint8Array(0), data: new Uint8Array(0),
    raw: new Uint8Array(0), streamOffset: 0,
  };

  /** Largest SUBMIT_CMD (header included); set by the connection from its client limits. */
  maxSubmitBytes = Infinity;

  constructor(private readonly maxMessageBytes: number, initialCapacity = 64 * 1024) {
    this.buf = new Uint8Array(initialCapacity);
    this.view = new DataView(this.buf.buffer);
  }

  /** Bytes received but not yet returned as a command. */
  get pending(): number { return this.end - this.start; }

  feed(chunk: Uint8Array): void {
    if (this.end + chunk.length > this.buf.length) this.makeRoom(chunk.length);
    this.buf.set(chunk, this.end);
    this.end += chunk.length;
  }

  /**
   * Id and first two payload dwords of the next command if all of it has arrived, without consuming it.
   * Only for fixed-size commands (the only use is looking for a RESOURCE_BUSY_WAIT).
   */
  peekFixed(): { id: number; p0: number; p1: number } | null {
    const avail = this.end - this.start;
    if (avail < VTEST_HDR_BYTES + 8) return null;
    const len = this.view.getUint32(this.start, true);
    const id = this.view.getUint32(this.start + 4, true);
    if (id < 1 || id > VCMD_MAX || VCMD_LAYOUT[id as VCmd].unit !== LengthUnit.Dwords || avail < VTEST_HDR_BYTES + len * 4) return null;
    return { id, p0: this.view.getUint32(this.start + 8, true), p1: this.view.getUint32(this.start + 12, true) };
  }

  /** The next whole command, or null when more bytes are needed. Throws FramingError on bad framing. */
  next(): VtestCommand | null {
    const avail = this.end - this.start;
    if (avail < VTEST_HDR_BYTES) return null;
    // Odd-sized messages (CREATE_RENDERER's name, TRANSFER_PUT data) leave the next one unaligned;
    // shift it so that payloads can be viewed as Uint32Array in place.
    const misalign = this.start & 3;
    if (misalign !== 0) {
      this.buf.copyWithin(this.start - misalign, this.start, this.end);
      this.start -= misalign;
      this.end -= misalign;
    }
    const headerLength = this.view.getUint32(this.start, true);
    const id = this.view.getUint32(this.start + 4, true);
    const offset = this.consumedTotal;
    if (id < 1 || id > VCMD_MAX) throw new FramingError(`unknown vtest command id ${id}`, offset);
    const layout = VCMD_LAYOUT[id as VCmd];
    let payloadBytes: number;
    let dataBytes = 0;
    switch (layout.unit) {
      case LengthUnit.Bytes:
        payloadBytes = headerLength;
        break;
      case LengthUnit.Dwords:
        payloadBytes = headerLength * 4;
        break;
      case LengthUnit.FixedThenData:
        payloadBytes = layout.payloadDwords * 4;
        if (id === VCmd.TRANSFER_PUT) {
          if (avail < VTEST_HDR_BYTES + payloadBytes) return this.needMore(VTEST_HDR_BYTES + payloadBytes, id, offset);
          dataBytes = this.view.getUint32(this.start + VTEST_HDR_BYTES + TRANSFER_DATA_SIZE * 4, true);
        }
        break;
    }
    const total = VTEST_HDR_BYTES + payloadBytes + dataBytes;
    if (total > this.maxMessageBytes) {
      throw new FramingError(`${vcmdName(id)} of ${total} bytes exceeds the ${this.maxMessageBytes}-byte limit`, offset);
    }
    if (id === VCmd.SUBMIT_CMD && total > this.maxSubmitBytes) {
      throw new FramingError(`SUBMIT_CMD of ${total} bytes exceeds the ${this.maxSubmitBytes}-byte command buffer limit`, offset);
    }
    if (avail < total) return this.needMore(total, id, offset);
    const s = this.start;
    const c = this.cmd;
    c.id = id as VCmd;
    c.headerLength = headerLength;
    c.payload = this.buf.subarray(s + VTEST_HDR_BYTES, s + VTEST_HDR_BYTES + payloadBytes);
    c.data = this.buf.subarray(s + VTEST_HDR_BYTES + payloadBytes, s + total);
    c.raw = this.buf.subarray(s, s + total);
    c.streamOffset = offset;
    this.start += total;
    this.consumedTotal += total;
    return c;
  }

  private needMore(total: number, id: number, offset: number): null {
    if (total > this.maxMessageBytes) {
      throw new FramingError(`${vcmdName(id)} of ${total} bytes exceeds the ${this.maxMessageBytes}-byte limit`, offset);
    }
    return null;
  }

  /** Moves unread bytes to the front, growing the buffer only when they do not fit. */
  private makeRoom(extra: number): void {
    const live = this.end - this.start;
    const needed = live + extra;
    if (needed <= this.buf.length) {
      this.buf.copyWithin(0, this.start, this.end);
    } else {
      let cap = this.buf.length * 2;
      while (cap < needed) cap *= 2;
      const grown = new Uint8Array(cap);
      grown.set(this.buf.subarray(this.start, this.end));
      this.buf = grown;
      this.view = new DataView(grown.buffer);
    }
    this.start = 0;
    this.end = live;
  }
}
