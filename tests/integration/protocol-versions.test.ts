// Real Mesa clients against our server at each vtest protocol version it negotiates: 0 (everything
// inline), 2 (memfd-backed resources, TRANSFER_GET2/PUT2 and encoded TRANSFER3D) and 3 (also
// server-chosen resource ids). The version is read from the server's log; the windows must match
// the same client at version 0 and under virgl_test_server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mesaClientEnv, runClient, startOurServer, startReferenceServer, startXvfb, tempSocket, type Proc,
} from '../helpers/processes.js';
import { captureClient, compareCaptures } from '../helpers/xwd.js';
import type { RgbaImage } from '../../src/trace/compare.js';
import { nativeAvailable, nativeUnavailableReason } from '../../src/server/native/addon.js';

const VERSIONS = [0, 2, 3] as const;
const STATIC_CLIENTS = ['es2tri', 'glxdemo'] as const;
const SETTLE_MS = 2000;

let xvfb: { display: string; proc: Proc };
const servers = new Map<number, { proc: Proc; sock: string }>();
let reference: { proc: Proc; sock: string };

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

describe.skipIf(!nativeAvailable())(`vtest protocol versions 0, 2 and 3 with real Mesa clients ${nativeAvailable() ? '' : `(skipped: ${nativeUnavailableReason()})`}`, () => {
  beforeAll(async () => {
    xvfb = await startXvfb();
    const refSock = tempSocket('ref.sock');
    const started = await Promise.all([
      ...VERSIONS.map(async (v) => {
        const sock = tempSocket(`v${v}.sock`);
        return { v, sock, proc: await startOurServer(sock, ['--max-protocol', String(v)]) };
      }),
      startReferenceServer(refSock).then((proc) => ({ v: -1, sock: refSock, proc })),
    ]);
    for (const s of started) {
      if (s.v < 0) reference = s;
      else servers.set(s.v, s);
    }
  });

  afterAll(async () => {
    await Promise.all([...servers.values(), reference].map((s) => s?.proc.stop()));
    await xvfb?.proc.stop();
  });

  /** What server `v` logged while `fn` ran. */
  async function logOf(v: number, fn: () => Promise<void>): Promise<string> {
    const p = servers.get(v)!.proc;
    const from = p.output().length;
    await fn();
    await sleep(200);
    return p.output().slice(from);
  }

  const errorLines = (log: string): string[] => log.split('\n').filter((l) => /context error:|disconnecting:|internal error/.test(l));
  /** The version the client ended with (Mesa renegotiates v3 down to v2 when the caps are too old). */
  const negotiated = (log: string): number => Number([...log.matchAll(/protocol version (\d+) \(client asked/g)].at(-1)?.[1] ?? NaN);

  const capture = (cmd: string, sock: string): Promise<RgbaImage> => captureClient(xvfb.display, cmd, sock, SETTLE_MS);


  for (const cmd of STATIC_CLIENTS) {
    it(`${cmd}: the window is the same at versions 0, 2 and 3, and matches virgl_test_server's`, async () => {
      const expected = await capture(cmd, reference.sock);
      const images = new Map<number, RgbaImage>();
      for (const v of VERSIONS) {
        const log = await logOf(v, async () => { images.set(v, await capture(cmd, servers.get(v)!.sock)); });
        expect(negotiated(log), log).toBe(v);
        expect(errorLines(log)).toEqual([]);
      }
      for (const v of VERSIONS) {
        const r = compareCaptures(`v${v}-${cmd}`, images.get(v)!, expected);
        expect(r.pass, `${r.summary} (PNGs in out/live/)`).toBe(true);
      }
      // Shared memory changes how bytes travel, not what is drawn: pixel-exact against version 0.
      const v0 = images.get(0)!;
      for (const v of [2, 3]) expect(Buffer.compare(Buffer.from(images.get(v)!.data), Buffer.from(v0.data)), `v${v} vs v0`).toBe(0);
    });
  }

  for (const cmd of ['glxgears', 'es2gears_x11']) {
    it(`${cmd} runs 3 s at version 3 with no context error, and the server serves the next client`, async () => {
      const log = await logOf(3, async () => {
        const r = await runClient(cmd, [], mesaClientEnv(xvfb.display, servers.get(3)!.sock), 3);
        expect(r.output).not.toMatch(/failed|abort/i);
      });
      expect(negotiated(log)).toBe(3);
      expect(log).toMatch(/created its context/);
      expect(errorLines(log)).toEqual([]);
      const next = await runClient('es2_info', [], mesaClientEnv(xvfb.display, servers.get(3)!.sock), 30);
      expect(next.output).toMatch(/GL_RENDERER: virgl \(virgl-webgpu /);
    });
  }

  it('glxinfo: works at version 0; at version 2+ it fails in Mesa\'s xlib winsys exactly as under virgl_test_server', async () => {
    const env = (sock: string): NodeJS.ProcessEnv => mesaClientEnv(xvfb.display, sock);
    const v0 = await runClient('glxinfo', ['-B'], env(servers.get(0)!.sock), 30);
    expect(v0.output).toMatch(/OpenGL renderer string: virgl \(virgl-webgpu /);
    // Mesa maps the window's front buffer into the new shared memory (map_front_private) with XGetImage
    // on a window glxinfo never maps: BadMatch, whoever the server is.
    const ref = await runClient('glxinfo', ['-B'], env(reference.sock), 30);
    const log = await logOf(3, async () => {
      const ours = await runClient('glxinfo', ['-B'], env(servers.get(3)!.sock), 30);
      expect(ours.code).toBe(ref.code);
      expect(ours.output.includes('X_GetImage')).toBe(ref.output.includes('X_GetImage'));
    });
    expect(errorLines(log)).toEqual([]);
  });
});
