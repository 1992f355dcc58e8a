import { describe, expect, it } from 'vitest';
import { FramingError, VtestFramer } from '../../src/server/framer.js';
import { expectedReply, ReplyFramer } from '../../src/server/reply-framer.js';
import { VCmd } from '../../src/protocol/vtest.js';

const u32 = (...w: number[]): Uint8Array => new Uint8Array(new Uint32Array(w).buffer);
const cat = (...parts: Uint8Array[]): Uint8Array => {
  const out = new Uint8Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) { out.set(p, at); at += p.length; }
  return out;
};

/** CREATE_RENDERER (length in bytes, odd), TRANSFER_PUT (hdr[0] lies, 5 data bytes), SUBMIT_CMD, PING. */
function stream(): Uint8Array {
  const name = new TextEncoder().encode('glxgears\0');
  const put = cat(u32(999, VCmd.TRANSFER_PUT, 1, 0, 8, 0, 0, 0, 0, 5, 1, 1, 5), new Uint8Array([1, 2, 3, 4, 5]));
  return cat(u32(name.length, VCmd.CREATE_RENDERER), name, put, u32(2, VCmd.SUBMIT_CMD, 0, 0), u32(0, VCmd.PING_PROTOCOL_VERSION));
}

function drain(f: VtestFramer): { id: number; payload: number[]; data: number[]; aligned: boolean }[] {
  const out = [];
  for (let c = f.next(); c; c = f.next()) {
    out.push({ id: c.id, payload: [...c.payload], data: [...c.data], aligned: c.payload.byteOffset % 4 === 0 });
  }
  return out;
}

describe('VtestFramer', () => {
  it('honours the byte-length and DATA_SIZE quirks and keeps payloads aligned', () => {
    const f = new VtestFramer(1 << 20);
    f.feed(stream());
    const cmds = drain(f);
    expect(cmds.map((c) => c.id)).toEqual([VCmd.CREATE_RENDERER, VCmd.TRANSFER_PUT, VCmd.SUBMIT_CMD, VCmd.PING_PROTOCOL_VERSION]);
    expect(cmds[1].data).toEqual([1, 2, 3, 4, 5]);
    expect(cmds.every((c) => c.aligned)).toBe(true);
  });

  it('gives the same commands however the stream is split', () => {
    const s = stream();
    const whole = (() => { const f = new VtestFramer(1 << 20); f.feed(s); return drain(f); })();
    for (let cut = 1; cut < s.length; cut++) {
      const f = new VtestFramer(1 << 20, 16);
      const got = [];
      for (let at = 0; at < s.length; at += cut) {
        f.feed(s.subarray(at, at + cut));
        got.push(...drain(f));
      }
      expect(got).toEqual(whole);
    }
  });

  it('rejects unknown ids and messages past the limit before buffering them', () => {
    const f = new VtestFramer(1024);
    f.feed(u32(0, 99));
    expect(() => f.next()).toThrow(FramingError);
    const g = new VtestFramer(1024);
    g.feed(u32(0x10000000, VCmd.SUBMIT_CMD));
    expect(() => g.next()).toThrow(/exceeds the 1024-byte limit/);
  });
});

describe('ReplyFramer', () => {
  it('frames caps (byte length), dword replies and raw TRANSFER_GET data', () => {
    const r = new ReplyFramer(1 << 20);
    r.expect(expectedReply(VCmd.GET_CAPS2, new Uint32Array(0), 0, null)!);
    r.expect(expectedReply(VCmd.RESOURCE_BUSY_WAIT, new Uint32Array(2), 0, null)!);
    r.expect(expectedReply(VCmd.TRANSFER_GET, new Uint32Array([1, 0, 4, 0, 0, 0, 0, 1, 1, 1, 6]), 0, 'frame')!);
    expect(expectedReply(VCmd.RESOURCE_CREATE, new Uint32Array(10), 0, null)).toBeNull();
    r.feed(cat(u32(5, 2), new Uint8Array([9, 9, 9, 9]), u32(1, 7, 0), new Uint8Array([1, 2, 3, 4, 5, 6])));
    const sizes = [];
    for (let x = r.next(); x; x = r.next()) sizes.push([x.expected.request, x.bytes.length, x.expected.tag]);
    expect(sizes).toEqual([[VCmd.GET_CAPS2, 12, null], [VCmd.RESOURCE_BUSY_WAIT, 12, null], [VCmd.TRANSFER_GET, 6, 'frame']]);
  });

  it('takes a busy-wait reply that a server sent ahead of the transfer data (Mesa v0 front-buffer order)', () => {
    const r = new ReplyFramer(1 << 20);
    r.expect(expectedReply(VCmd.TRANSFER_GET, new Uint32Array([1, 0, 4, 0, 0, 0, 0, 1, 1, 1, 6]), 0, 'frame')!);
    r.expect(expectedReply(VCmd.RESOURCE_BUSY_WAIT, new Uint32Array(2), 0, null)!);
    r.feed(cat(u32(1, 7, 0), new Uint8Array([1, 2, 3, 4, 5, 6])));
    const got = [];
    for (let x = r.next(); x; x = r.next()) got.push([x.expected.request, x.bytes.length]);
    expect(got).toEqual([[VCmd.RESOURCE_BUSY_WAIT, 12], [VCmd.TRANSFER_GET, 6]]);
  });

  it('rejects bytes nobody asked for', () => {
    const r = new ReplyFramer(1 << 20);
    r.feed(u32(0, 10));
    expect(() => r.next()).toThrow(FramingError);
  });
});
