// Faults and limits on an in-process server over real sockets: clients that vanish mid-command,
// stop reading, or allocate without end; GPU device loss; shutdown with replies in flight.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { statSync } from 'node:fs';
import { VirglCmd, VirglObjectType } from '../../src/protocol/virgl-commands.js';
import { VCmd } from '../../src/protocol/vtest.js';
import { waitFor } from '../helpers/processes.js';
import { clientIdOf, rawClient, startInProcessServer, vt, type InProcessServer } from '../helpers/vtest-client.js';

const MiB = 2 ** 20;
let srv: InProcessServer;
beforeAll(async () => {
  srv = await startInProcessServer({
    maxResourceBytes: 16 * MiB, maxObjects: 100, maxShaderTextBytes: 4096, maxCommandBytes: 64 * 1024,
    maxPendingReplyBytes: 2 * MiB,
  });
});
afterAll(async () => { await srv?.close(); });

const rss = (): number => process.memoryUsage().rss;

async function healthyClient(name: string): Promise<void> {
  const c = await rawClient(srv.socketPath);
  vt.createRenderer(c, name);
  vt.texture(c, 1, 4, 4);
  const px = Uint8Array.from({ length: 64 }, (_, i) => i);
  vt.put(c, 1, 4, 4, px);
  expect([...await vt.get(c, 1, 4, 4)]).toEqual([...px]);
  c.s.destroy();
}

describe('limits (per client)', () => {
  it('a client allocating without end is refused at its budget while RSS stays bounded; others are served', async () => {
    const c = await rawClient(srv.socketPath);
    vt.createRenderer(c, 'hog');
    const id = await clientIdOf(srv, 'hog');
    const before = rss();
    // 400 x 1 MiB buffers asked = 400 MiB; the budget is 16 MiB.
    for (let h = 1; h <= 400; h++) vt.buffer(c, h, MiB);
    expect(await vt.ping(c)).toBe(true);
    const log = srv.clientLog(id).join('\n');
    expect(log).toMatch(/would exceed the client's 16777216-byte budget/);
    expect(rss() - before).toBeLessThan(200 * MiB);
    await healthyClient('after-hog');
    c.s.destroy();
  });

  it('object count, shader text size and command buffer size are capped', async () => {
    const c = await rawClient(srv.socketPath);
    vt.createRenderer(c, 'objs');
    const id = await clientIdOf(srv, 'objs');
    const words = [VirglCmd.CREATE_SUB_CTX | (1 << 16), 1, VirglCmd.SET_SUB_CTX | (1 << 16), 1];
    // 150 sampler states (5 dwords each) against a limit of 100 objects.
    for (let h = 1; h <= 150; h++) words.push(VirglCmd.CREATE_OBJECT | (VirglObjectType.SAMPLER_STATE << 8) | (9 << 16), h, 0, 0, 0, 0, 0, 0, 0, 0);
    vt.submit(c, words);
    expect(await vt.ping(c)).toBe(true);
    expect(srv.clientLog(id).join('\n')).toMatch(/limit of 100 objects is reached/);

    const s = await rawClient(srv.socketPath);
    vt.createRenderer(s, 'bigshader');
    const sid = await clientIdOf(srv, 'bigshader');
    // A shader announcing 1 MiB of text against a 4 KiB limit.
    vt.submit(s, [VirglCmd.CREATE_SUB_CTX | (1 << 16), 1, VirglCmd.SET_SUB_CTX | (1 << 16), 1,
      VirglCmd.CREATE_OBJECT | (VirglObjectType.SHADER << 8) | (7 << 16), 1, 1, MiB, 300, 0, 0x47415246, 0]);
    expect(await vt.ping(s)).toBe(true);
    expect(srv.clientLog(sid).join('\n')).toMatch(/shader text of 1048576 bytes exceeds the 4096-byte limit/);

    const big = await rawClient(srv.socketPath);
    vt.createRenderer(big, 'bigcmd');
    const bid = await clientIdOf(srv, 'bigcmd');
    big.send([32 * 1024, VCmd.SUBMIT_CMD]); // 128 KiB announced, 64 KiB allowed: dropped before buffering
    await big.closed;
    expect(srv.clientLog(bid).join('\n')).toMatch(/disconnecting: SUBMIT_CMD of \d+ bytes exceeds the 65536-byte command buffer limit/);
    for (const x of [c, s]) x.s.destroy();
  });

  it('a client that stops reading replies is dropped; buffering stays bounded', async () => {
    const c = await rawClient(srv.socketPath);
    vt.createRenderer(c, 'deaf');
    const id = await clientIdOf(srv, 'deaf');
    c.s.pause(); // never read
    vt.texture(c, 1, 256, 256);
    const before = rss();
    // 64 readbacks of 256 KiB = 16 MiB of replies against a 2 MiB bound.
    for (let i = 0; i < 64; i++) c.send([11, VCmd.TRANSFER_GET, 1, 0, 1024, 0, 0, 0, 0, 256, 256, 1, 256 * 1024]);
    await srv.waitForLog(new RegExp(`^\\[client ${id}\\] error: disconnecting: it stopped reading replies`), 'deaf client dropped', 20_000);
    expect(rss() - before).toBeLessThan(100 * MiB);
    await healthyClient('after-deaf');
  });
});

describe('faults', () => {
  it('clients vanishing mid-command, mid-transfer and while the GPU is busy are cleaned up', async () => {
    await waitFor(() => srv.server.clientCount === 0, 'earlier clients gone', 10_000);
    // Mid-command: half a SUBMIT_CMD.
    const a = await rawClient(srv.socketPath);
    vt.createRenderer(a, 'mid-cmd');
    a.send([100, VCmd.SUBMIT_CMD, VirglCmd.CREATE_SUB_CTX | (1 << 16)]);
    // Mid-transfer: a TRANSFER_PUT announcing 1 MiB, 4 KiB sent.
    const b = await rawClient(srv.socketPath);
    vt.createRenderer(b, 'mid-transfer');
    vt.texture(b, 1, 512, 512);
    b.send([11, VCmd.TRANSFER_PUT, 1, 0, 2048, 0, 0, 0, 0, 512, 512, 1, MiB], new Uint8Array(4096));
    // GPU busy: a clear and a readback in flight.
    const g = await rawClient(srv.socketPath);
    vt.createRenderer(g, 'gpu-busy');
    vt.texture(g, 1, 512, 512);
    vt.submit(g, [VirglCmd.CREATE_SUB_CTX | (1 << 16), 1, VirglCmd.SET_SUB_CTX | (1 << 16), 1,
      VirglCmd.CLEAR_TEXTURE | (12 << 16), 1, 0, 0, 0, 0, 512, 512, 1, 0xff00ff00, 0, 0, 0]);
    g.send([11, VCmd.TRANSFER_GET, 1, 0, 2048, 0, 0, 0, 0, 512, 512, 1, MiB]);
    await clientIdOf(srv, 'gpu-busy');
    for (const c of [a, b, g]) c.s.destroy();
    await waitFor(() => srv.server.clientCount === 0, 'all three cleaned up', 10_000);
    await healthyClient('after-vanish');
  });

  it('GPU device loss: clients on the old device are disconnected, the device is recreated, new clients work', async () => {
    const old = await rawClient(srv.socketPath);
    vt.createRenderer(old, 'on-old-device');
    vt.texture(old, 1, 4, 4);
    expect(await vt.ping(old)).toBe(true);
    const lostBefore = srv.renderer.lostCount;
    srv.renderer.gpu!.device.destroy();
    await old.closed;
    expect(srv.renderer.lostCount).toBe(lostBefore + 1);
    await srv.waitForLog(/disconnecting: its context was lost: GPU device lost/);
    await srv.renderer.ready;
    await srv.waitForLog(/gpu: device recreated/);
    await healthyClient('on-new-device');
    // A client connected across the loss (no context yet) is served on the new device too.
    await healthyClient('after-loss-2');
  });

  it('shutdown finishes a reply in flight and removes the socket file', async () => {
    const other = await startInProcessServer();
    const c = await rawClient(other.socketPath);
    vt.createRenderer(c, 'shutdown');
    vt.texture(c, 1, 256, 256);
    const px = Uint8Array.from({ length: 256 * 256 * 4 }, (_, i) => i & 0xff);
    vt.put(c, 1, 256, 256, px);
    const reply = vt.get(c, 1, 256, 256);
    await clientIdOf(other, 'shutdown');
    await other.close();
    expect([...(await reply).subarray(0, 1024)]).toEqual([...px.subarray(0, 1024)]);
    expect((await reply).length).toBe(px.length);
    await c.closed;
    expect(() => statSync(other.socketPath)).toThrow();
  });
});

describe('the socket', () => {
  it('can be shared with a group: --socket-group and --socket-mode 0660', async () => {
    const gid = process.getgid!();
    const g = await startInProcessServer({}, { socketGroup: String(gid), socketMode: 0o660 });
    const st = statSync(g.socketPath);
    expect(st.mode & 0o777).toBe(0o660);
    expect(st.gid).toBe(gid);
    await g.close();
  });
});
