// The vtest v2/v3 handlers (src/server/protocol-v2.ts) driven through a real session and GL backend
// on the real device, with plain memory standing in for the memfds: shared-memory transfers, encoded
// TRANSFER3D, server-chosen ids, capsets, syncs, SUBMIT_CMD2 and blobs, and what bad input does
// (a context error or a disconnect for that client, never anything for the others).
import { describe, expect, it } from 'vitest';
import { useGlDevice } from '../helpers/gl-device.js';
import { GlRenderer } from '../../src/gl-backend/renderer.js';
import { VtestFramer } from '../../src/server/framer.js';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';
import { ProtocolError, VtestSession } from '../../src/server/session.js';
import { HeapProvider } from '../../src/server/shm-provider.js';
import { MAX_SHM_REGIONS_PER_CLIENT } from '../../src/server/protocol-v2.js';
import { VCmd } from '../../src/protocol/vtest.js';
import { VirglFormat, PipeTextureTarget } from '../../src/protocol/virgl-formats.js';
import { VirglCmd } from '../../src/protocol/virgl-commands.js';

const fx = useGlDevice();

interface Client { s: VtestSession; replies: number[][]; logs: string[]; send(id: VCmd, ...words: number[]): Promise<void> }

async function client(maxVersion = 3, negotiate = 3): Promise<Client> {
  const renderer = new GlRenderer(fx.gpu, () => {});
  const replies: number[][] = [];
  const logs: string[] = [];
  const log = { info: (m: string) => logs.push(m), warn: (m: string) => logs.push(`warning: ${m}`), error: (m: string) => logs.push(`error: ${m}`) };
  const s = new VtestSession(renderer, { write: (b) => { replies.push([...new Uint32Array(b.slice().buffer, 0, b.length >>> 2)]); } },
    log, DEFAULT_LIMITS, { shm: new HeapProvider(1 << 26), maxVersion });
  const framer = new VtestFramer(1 << 24);
  const feed = async (bytes: Uint8Array): Promise<void> => {
    framer.feed(bytes);
    for (let c = framer.next(); c; c = framer.next()) await s.handle(c);
  };
  const send = (id: VCmd, ...words: number[]): Promise<void> =>
    feed(new Uint8Array(new Uint32Array([words.length, id, ...words]).buffer));
  const name = new TextEncoder().encode('test\0');
  await feed(new Uint8Array([...new Uint8Array(new Uint32Array([name.length, VCmd.CREATE_RENDERER]).buffer), ...name]));
  await send(VCmd.PROTOCOL_VERSION, negotiate);
  replies.length = 0;
  return { s, replies, logs, send };
}

/** RESOURCE_CREATE2 of a 4x4 BGRA texture (64 bytes of layout) with `dataSize` bytes of shared memory. */
async function texture(c: Client, dataSize = 64, handle = 0): Promise<number> {
  await c.send(VCmd.RESOURCE_CREATE2, handle, PipeTextureTarget.TEXTURE_2D, VirglFormat.B8G8R8A8_UNORM, 0, 4, 4, 1, 1, 0, 0, dataSize);
  return c.s.protocolVersion >= 3 ? c.replies.pop()![2] : handle;
}

const mem = (c: Client, id: number): Uint8Array => c.s.shm.backings.get(id)!.bytes;
const pattern = (n: number, seed: number): Uint8Array => Uint8Array.from({ length: n }, (_, i) => (i * 7 + seed) & 0xff);
const contextErrors = (c: Client): string[] => c.logs.filter((l) => l.startsWith('error: context error'));

describe('vtest v2/v3 handlers on the GL backend', () => {
  it('negotiates min(client, server), 1 counts as 0, and stays at 0 without shared memory', async () => {
    for (const [max, asked, want] of [[3, 3, 3], [2, 3, 2], [3, 2, 2], [3, 1, 0]]) {
      const c = await client(max, 0);
      await c.send(VCmd.PROTOCOL_VERSION, asked);
      expect(c.replies.at(-1)).toEqual([1, VCmd.PROTOCOL_VERSION, want]);
    }
    const renderer = new GlRenderer(fx.gpu, () => {});
    expect(new VtestSession(renderer, { write: () => {} }, console, DEFAULT_LIMITS).maxVersion).toBe(0);
  });

  it('v3: the server chooses resource ids, and refuses a client-chosen one', async () => {
    const c = await client();
    const a = await texture(c);
    const b = await texture(c);
    expect(a).toBeGreaterThan(0);
    expect(b).not.toBe(a);
    expect(mem(c, a).length).toBe(64);
    await c.send(VCmd.RESOURCE_CREATE, 0, PipeTextureTarget.BUFFER, VirglFormat.R8_UNORM, 0, 16, 1, 1, 0, 0, 0);
    expect(c.replies.pop()!.slice(0, 2)).toEqual([1, VCmd.RESOURCE_CREATE]);
    await expect(texture(c, 64, 5)).rejects.toThrow(ProtocolError);
  });

  it('TRANSFER_PUT2 / TRANSFER_GET2 move boxes through shared memory at the level\'s own stride', async () => {
    const c = await client(2, 2);
    // 48 bytes cannot hold the 64-byte layout, so the resource keeps its own storage and the two can
    // be told apart (a full-size backing *is* the storage: then a PUT2 of the box copies nothing).
    const id = await texture(c, 48, 7);
    const m = mem(c, id);
    const src = pattern(48, 3);
    m.set(src);
    await c.send(VCmd.TRANSFER_PUT2, id, 0, 0, 0, 0, 4, 3, 1, 48, 0);
    m.fill(0);
    // The 2x2 box at (1, 1): offset = 1 row of 16 bytes + 1 pixel; data_size may overstate (Mesa's is padded).
    await c.send(VCmd.TRANSFER_GET2, id, 0, 1, 1, 0, 2, 2, 1, 4096, 16 + 4);
    const want = new Uint8Array(48);
    for (const row of [1, 2]) want.set(src.subarray(row * 16 + 4, row * 16 + 12), row * 16 + 4);
    expect([...m]).toEqual([...want]);
    expect(contextErrors(c)).toEqual([]);
    const full = await texture(c, 64, 8);
    expect(mem(c, full).buffer).toBe((c.s.ctx() as unknown as { resources: { get(h: number): { guest: { storage: Uint8Array } } } })
      .resources.get(full).guest.storage.buffer);
  });

  it('encoded TRANSFER3D reads the source from the resource\'s shared memory at data_offset', async () => {
    const c = await client();
    const id = await texture(c, 128); // layout 64 bytes; the rest is a staging area
    const m = mem(c, id);
    m.set(pattern(64, 9), 64);
    const t3d = [VirglCmd.TRANSFER3D | (13 << 16), id, 0, 0, 16, 64, 0, 0, 0, 4, 4, 1, 64, 1];
    await c.send(VCmd.SUBMIT_CMD, 0x10000 | VirglCmd.CREATE_SUB_CTX, 1, 0x10000 | VirglCmd.SET_SUB_CTX, 1, ...t3d);
    expect([...m.subarray(0, 64)]).toEqual([...pattern(64, 9)]);
    expect(contextErrors(c)).toEqual([]);
  });

  it('TRANSFER3D with strides of 0 reads a sub-box at the level\'s own row stride (Mesa\'s "host inferred" layout)', async () => {
    const c = await client();
    const id = await texture(c, 128); // 4x4 BGRA: rows of 16 bytes; bytes 64.. are staging
    const m = mem(c, id);
    const src = pattern(32, 5);
    m.set(src, 64);
    // Box (1, 1) 2x2, strides 0, data at 64: its rows are 16 bytes apart in the source too.
    const t3d = [VirglCmd.TRANSFER3D | (13 << 16), id, 0, 0, 0, 0, 1, 1, 0, 2, 2, 1, 64, 1];
    await c.send(VCmd.SUBMIT_CMD, 0x10000 | VirglCmd.CREATE_SUB_CTX, 1, 0x10000 | VirglCmd.SET_SUB_CTX, 1, ...t3d);
    expect([...m.subarray(16 + 4, 16 + 12)]).toEqual([...src.subarray(0, 8)]);
    expect([...m.subarray(32 + 4, 32 + 12)]).toEqual([...src.subarray(16, 24)]);
    expect(contextErrors(c)).toEqual([]);
  });

  it('bad shared-memory requests are context errors for that client only', async () => {
    const bad = await client();
    const good = await client();
    const id = await texture(bad);
    await bad.send(VCmd.TRANSFER_PUT2, 999, 0, 0, 0, 0, 4, 4, 1, 64, 0); // unknown resource
    expect(contextErrors(bad).join('\n')).toMatch(/resource 999 has no shared memory/);
    const bad2 = await client();
    const id2 = await texture(bad2);
    await bad2.send(VCmd.TRANSFER_GET2, id2, 0, 0, 0, 0, 4, 4, 1, 64, 4096); // offset past the mapping
    expect(contextErrors(bad2).join('\n')).toMatch(/offset 4096 is past its 64-byte shared memory/);
    const bad3 = await client();
    const id3 = await texture(bad3);
    await bad3.send(VCmd.TRANSFER_PUT2, id3, 0, 0, 2, 0, 4, 2, 1, 32, 48); // box runs past the end of the mapping
    expect(contextErrors(bad3).join('\n')).toMatch(/transfer needs 32 bytes/);
    const bad4 = await client();
    await bad4.send(VCmd.RESOURCE_CREATE2, 0, PipeTextureTarget.TEXTURE_2D, VirglFormat.B8G8R8A8_UNORM, 0, 4, 4, 1, 1, 0, 4, 0);
    const msaa = bad4.replies.pop()![2]; // multisampled: no shared memory at all (data_size 0)
    await bad4.send(VCmd.TRANSFER_GET2, msaa, 0, 0, 0, 0, 4, 4, 1, 64, 0);
    expect(contextErrors(bad4).join('\n')).toMatch(/has no shared memory/);
    const t3d = [VirglCmd.TRANSFER3D | (13 << 16), 12345, 0, 0, 16, 64, 0, 0, 0, 4, 4, 1, 0, 1];
    await bad4.send(VCmd.SUBMIT_CMD, ...t3d);
    // The other client and its resource are untouched.
    expect(bad.s.ctx().errorState).not.toBeNull();
    expect(good.s.ctx().errorState).toBeNull();
    const gid = await texture(good);
    mem(good, gid).set(pattern(64, 1));
    await good.send(VCmd.TRANSFER_PUT2, gid, 0, 0, 0, 0, 4, 4, 1, 64, 0);
    expect(contextErrors(good)).toEqual([]);
    expect(mem(bad, id).length).toBe(64);
  });

  it('commands of a version not negotiated, and malformed v3 commands, disconnect the client', async () => {
    const v0 = await client(3, 0);
    await expect(v0.send(VCmd.TRANSFER_PUT2, 1, 0, 0, 0, 0, 1, 1, 1, 4, 0)).rejects.toThrow(/needs protocol version 2\+/);
    const v2 = await client(2, 2);
    await expect(v2.send(VCmd.SYNC_CREATE, 0, 0)).rejects.toThrow(/needs protocol version 3\+/);
    const c = await client();
    await expect(c.send(VCmd.SYNC_READ, 42)).rejects.toThrow(/unknown sync 42/);
    await expect(c.send(VCmd.SUBMIT_CMD2, 1, 0, 7, 100, 0, 0, 0)).rejects.toThrow(/run past the payload/);
    await expect(c.send(VCmd.RESOURCE_CREATE_BLOB, 2, 1, 4096, 0, 77, 0)).rejects.toThrow(/blob id 77 names no PIPE_RESOURCE_CREATE/);
    await expect(c.send(VCmd.RESOURCE_CREATE_BLOB, 9, 1, 4096, 0, 0, 0)).rejects.toThrow(/unknown type 9/);
    await expect(c.send(VCmd.CONTEXT_INIT, 4)).rejects.toThrow(/capset 4/);
  });

  it('one client cannot hold more than MAX_SHM_REGIONS_PER_CLIENT mappings', async () => {
    const c = await client();
    for (let i = 0; i < MAX_SHM_REGIONS_PER_CLIENT; i++) await c.send(VCmd.RESOURCE_CREATE_BLOB, 2, 1, 64, 0, 0, 0);
    await expect(c.send(VCmd.RESOURCE_CREATE_BLOB, 2, 1, 64, 0, 0, 0)).rejects.toThrow(/more than 8192 shared-memory regions/);
    const other = await client();
    await other.send(VCmd.RESOURCE_CREATE_BLOB, 2, 1, 64, 0, 0, 0);
    expect(other.replies.pop()!.slice(0, 2)).toEqual([1, VCmd.RESOURCE_CREATE_BLOB]);
  });

  it('GET_PARAM, GET_CAPSET and CONTEXT_INIT', async () => {
    const c = await client();
    await c.send(VCmd.GET_PARAM, 1);
    expect(c.replies.pop()).toEqual([2, VCmd.GET_PARAM, 1, 64]);
    await c.send(VCmd.GET_CAPSET, 2, 0);
    const caps = c.replies.pop()!;
    expect(caps.slice(0, 3)).toEqual([1 + 1408 / 4, VCmd.GET_CAPSET, 1]);
    expect(caps.length).toBe(3 + 1408 / 4);
    await c.send(VCmd.GET_CAPSET, 4, 0); // venus: not served yet
    expect(c.replies.pop()).toEqual([1, VCmd.GET_CAPSET, 0]);
    await c.send(VCmd.CONTEXT_INIT, 2);
    await expect(c.send(VCmd.CONTEXT_INIT, 2)).rejects.toThrow(/second CONTEXT_INIT/);
  });

  it('syncs: create, read, write, wait, and SUBMIT_CMD2 signalling them after its work', async () => {
    const c = await client();
    await c.send(VCmd.SYNC_CREATE, 5, 0);
    const id = c.replies.pop()![2];
    await c.send(VCmd.SYNC_READ, id);
    expect(c.replies.pop()).toEqual([2, VCmd.SYNC_READ, 5, 0]);
    await c.send(VCmd.SYNC_WRITE, id, 0, 1);
    await c.send(VCmd.SYNC_READ, id);
    expect(c.replies.pop()).toEqual([2, VCmd.SYNC_READ, 0, 1]);
    await c.send(VCmd.SYNC_WAIT, 0, 1000, id, 0, 1);
    expect(c.replies.pop()).toEqual([0, VCmd.SYNC_WAIT]);
    // One batch: header (flags, cmd_offset, cmd_size, sync_offset, sync_count, ring_idx), 3 command dwords, one sync.
    await c.send(VCmd.SUBMIT_CMD2, 1, 1, 7, 2, 9, 1, 0, 0x10000 | VirglCmd.CREATE_SUB_CTX, 1, id, 9, 1);
    await c.s.ctx().waitIdle();
    await new Promise((r) => setTimeout(r, 10));
    await c.send(VCmd.SYNC_READ, id);
    expect(c.replies.pop()).toEqual([2, VCmd.SYNC_READ, 9, 1]);
    await c.send(VCmd.SYNC_UNREF, id);
    await expect(c.send(VCmd.SYNC_UNREF, id)).rejects.toThrow(/unknown sync/);
    expect(contextErrors(c)).toEqual([]);
  });

  it('blobs: plain shared memory for blob_id 0; a PIPE_RESOURCE_CREATE\'d buffer is re-read at every submit', async () => {
    const c = await client();
    await c.send(VCmd.RESOURCE_CREATE_BLOB, 2, 1, 8192, 0, 0, 0);
    const plain = c.replies.pop()!;
    expect(plain.slice(0, 2)).toEqual([1, VCmd.RESOURCE_CREATE_BLOB]);
    expect(mem(c, plain[2]).length).toBe(8192);
    const prc = [VirglCmd.PIPE_RESOURCE_CREATE | (11 << 16), PipeTextureTarget.BUFFER, VirglFormat.R8_UNORM, 0, 4096, 1, 1, 0, 0, 0, 3, 1];
    await c.send(VCmd.SUBMIT_CMD, ...prc);
    await c.send(VCmd.RESOURCE_CREATE_BLOB, 2, 1, 4096, 0, 1, 0);
    const blob = c.replies.pop()![2];
    mem(c, blob).set(pattern(4096, 4));
    await c.send(VCmd.SUBMIT_CMD, 0x10000 | VirglCmd.CREATE_SUB_CTX, 1);
    await c.send(VCmd.TRANSFER_GET2, blob, 0, 0, 0, 0, 4096, 1, 1, 4096, 0);
    expect([...mem(c, blob).subarray(0, 16)]).toEqual([...pattern(16, 4)]);
    expect(contextErrors(c)).toEqual([]);
  });
});
