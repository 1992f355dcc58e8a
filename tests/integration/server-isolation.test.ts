// Two real connections to one in-process server: neither can name, read, write or wait on the
// other's resources and objects; errors stay with the client that caused them.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { VirglCmd, VirglObjectType } from '../../src/protocol/virgl-commands.js';
import { VCmd } from '../../src/protocol/vtest.js';
import { clientIdOf, rawClient, startInProcessServer, u32, vt, type InProcessServer } from '../helpers/vtest-client.js';

let srv: InProcessServer;
beforeAll(async () => { srv = await startInProcessServer(); });
afterAll(async () => { await srv?.close(); });

const W = 8, H = 4;
const pattern = (seed: number): Uint8Array => Uint8Array.from({ length: W * H * 4 }, (_, i) => (i * 7 + seed) & 0xff);

describe('isolation between clients', () => {
  it("ids of one client used by another are rejected and reported; the first is unaffected", async () => {
    const a = await rawClient(srv.socketPath);
    vt.createRenderer(a, 'iso-a');
    const idA = await clientIdOf(srv, 'iso-a');
    vt.texture(a, 5, W, H);
    vt.put(a, 5, W, H, pattern(1));
    // A also has a sub-context with a blend object (handle 7) and a surface on its texture.
    vt.submit(a, [VirglCmd.CREATE_SUB_CTX | (1 << 16), 1, VirglCmd.SET_SUB_CTX | (1 << 16), 1]);
    expect(u32(await vt.get(a, 5, W, H)).length).toBe(W * H);

    const b = await rawClient(srv.socketPath);
    vt.createRenderer(b, 'iso-b');
    const idB = await clientIdOf(srv, 'iso-b');
    // B reads A's handle: an error for B, and zeros (the client always gets data_size bytes).
    const stolen = await vt.get(b, 5, W, H);
    expect(stolen.every((x) => x === 0)).toBe(true);
    await srv.waitForLog(new RegExp(`^\\[client ${idB}\\] .*unknown resource 5`));
    // B writes to and unrefs A's handle, waits on it, and names it in a surface.
    vt.put(b, 5, W, H, pattern(99));
    b.send([1, VCmd.RESOURCE_UNREF, 5]);
    b.send([2, VCmd.RESOURCE_BUSY_WAIT, 5, 1]);
    expect(u32(await b.read(12))).toEqual([1, VCmd.RESOURCE_BUSY_WAIT, 0]);
    vt.submit(b, [VirglCmd.CREATE_SUB_CTX | (1 << 16), 1, VirglCmd.SET_SUB_CTX | (1 << 16), 1,
      VirglCmd.CREATE_OBJECT | (VirglObjectType.SURFACE << 8) | (5 << 16), 9, 5, 1, 0, 0,
      VirglCmd.BIND_OBJECT | (VirglObjectType.BLEND << 8) | (1 << 16), 7]);
    expect(await vt.ping(b)).toBe(true);
    const bLog = srv.clientLog(idB).join('\n');
    expect(bLog).toMatch(/context error: unknown resource 5/);

    // A's texture is intact, A's context healthy, nothing logged against A.
    expect([...await vt.get(a, 5, W, H)]).toEqual([...pattern(1)]);
    expect(srv.clientLog(idA).join('\n')).not.toMatch(/error/);
    // B creating the same handle number gets its own resource.
    const b2 = await rawClient(srv.socketPath);
    vt.createRenderer(b2, 'iso-b2');
    vt.texture(b2, 5, W, H);
    vt.put(b2, 5, W, H, pattern(50));
    expect([...await vt.get(b2, 5, W, H)]).toEqual([...pattern(50)]);
    expect([...await vt.get(a, 5, W, H)]).toEqual([...pattern(1)]);
    for (const c of [a, b, b2]) c.s.destroy();
  });

  it('a client in its error state keeps its connection; later submits are refused and logged once', async () => {
    const c = await rawClient(srv.socketPath);
    vt.createRenderer(c, 'err-state');
    const id = await clientIdOf(srv, 'err-state');
    vt.submit(c, [0xff]); // unknown command 255
    vt.submit(c, [VirglCmd.CREATE_SUB_CTX | (1 << 16), 1]);
    vt.submit(c, [VirglCmd.CREATE_SUB_CTX | (1 << 16), 2]);
    expect(await vt.ping(c)).toBe(true);
    const log = srv.clientLog(id).join('\n');
    expect(log).toMatch(/context error: unknown command 255/);
    expect(log.match(/refusing submits/g)?.length).toBe(1);
    c.s.destroy();
  });
});
