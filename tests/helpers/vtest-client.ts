// A raw vtest client over a UNIX socket, and an in-process server on the real device, for tests
// that Mesa cannot express (hostile bytes, two clients naming each other's ids, faults).
import { connect, type Socket } from 'node:net';
import { VCmd } from '../../src/protocol/vtest.js';
import { closeDevice, openNodeDevice } from '../../src/gpu/node/dawn.js';
import { GL_DEVICE_OPTIONS, GlRenderer } from '../../src/gl-backend/renderer.js';
import { VtestServer } from '../../src/server/vtest-server.js';
import type { ClientLimits } from '../../src/server/limits.js';
import { tempSocket, waitFor } from './processes.js';

export interface RawClient {
  s: Socket;
  send(words: ArrayLike<number>, extra?: Uint8Array): void;
  read(n: number): Promise<Buffer>;
  /** Settles when the server closed the connection. */
  closed: Promise<void>;
  isClosed(): boolean;
}

export async function rawClient(path: string): Promise<RawClient> {
  const s = connect(path);
  await new Promise<void>((r, j) => { s.once('connect', r); s.once('error', j); });
  let buf = Buffer.alloc(0);
  let closed = false;
  const waiters: (() => void)[] = [];
  s.on('data', (d) => { buf = Buffer.concat([buf, d]); waiters.splice(0).forEach((w) => w()); });
  const closedP = new Promise<void>((r) => s.on('close', () => { closed = true; r(); waiters.splice(0).forEach((w) => w()); }));
  s.on('error', () => {});
  return {
    s,
    closed: closedP,
    isClosed: () => closed,
    send: (words, extra) => {
      s.write(Buffer.from(new Uint32Array(Array.from(words)).buffer));
      if (extra) s.write(extra);
    },
    read: async (n) => {
      while (buf.length < n) {
        if (closed) throw new Error(`connection closed with ${buf.length}/${n} bytes read`);
        await new Promise<void>((r) => waiters.push(r));
      }
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    },
  };
}

export const u32 = (b: Buffer): number[] => [...new Uint32Array(Uint8Array.from(b).buffer)];

export const vt = {
  createRenderer(c: RawClient, name: string): void {
    const bytes = new TextEncoder().encode(`${name}\0`);
    c.send([bytes.length, VCmd.CREATE_RENDERER], bytes);
  },
  async ping(c: RawClient): Promise<boolean> {
    c.send([0, VCmd.PING_PROTOCOL_VERSION]);
    return u32(await c.read(8)).join(',') === `0,${VCmd.PING_PROTOCOL_VERSION}`;
  },
  /** A 2D RGBA8 (B8G8R8A8_UNORM = 1) texture, or a buffer (target 0, format R8_UNORM 64). */
  texture(c: RawClient, handle: number, w: number, h: number): void {
    c.send([10, VCmd.RESOURCE_CREATE, handle, 2, 1, 0x2 | 0x8, w, h, 1, 1, 0, 0]);
  },
  buffer(c: RawClient, handle: number, bytes: number): void {
    c.send([10, VCmd.RESOURCE_CREATE, handle, 0, 64, 0x10, bytes, 1, 1, 1, 0, 0]);
  },
  put(c: RawClient, handle: number, w: number, h: number, data: Uint8Array): void {
    c.send([11, VCmd.TRANSFER_PUT, handle, 0, w * 4, 0, 0, 0, 0, w, h, 1, data.length], data);
  },
  async get(c: RawClient, handle: number, w: number, h: number): Promise<Buffer> {
    c.send([11, VCmd.TRANSFER_GET, handle, 0, w * 4, 0, 0, 0, 0, w, h, 1, w * h * 4]);
    return Buffer.from(await c.read(w * h * 4));
  },
  submit(c: RawClient, words: number[]): void {
    c.send([words.length, VCmd.SUBMIT_CMD, ...words]);
  },
};

export interface InProcessServer {
  server: VtestServer;
  renderer: GlRenderer;
  socketPath: string;
  lines: string[];
  /** Log lines of one client ("[client N] ..."). */
  clientLog(id: number): string[];
  waitForLog(re: RegExp, what?: string, ms?: number): Promise<void>;
  close(): Promise<void>;
}

/** Our server in this process on a real Dawn device, recreated after a loss like `serve` does. */
export async function startInProcessServer(limits: Partial<ClientLimits> = {}, extra: { socketGroup?: string; socketMode?: number } = {}): Promise<InProcessServer> {
  const lines: string[] = [];
  const log = (l: string): void => { lines.push(l); };
  const open = (): ReturnType<typeof openNodeDevice> => openNodeDevice({ ...GL_DEVICE_OPTIONS, log });
  const gpu = await open();
  const renderer: GlRenderer = new GlRenderer(gpu, log, {
    limits: { ...(await import('../../src/server/limits.js')).DEFAULT_LIMITS, ...limits },
    reopen: async () => { const old = renderer.gpu; if (old) await closeDevice(old).catch(() => undefined); return open(); },
  });
  const socketPath = tempSocket('inproc.sock');
  const server = new VtestServer(renderer, { socketPath, log, limits, ...extra });
  await server.listen();
  return {
    server, renderer, socketPath, lines,
    clientLog: (id) => lines.filter((l) => l.startsWith(`[client ${id}]`)),
    waitForLog: (re, what, ms = 5000) => waitFor(() => lines.some((l) => re.test(l)), what ?? String(re), ms),
    close: async () => {
      await server.close();
      const g = renderer.close();
      if (g) await closeDevice(g);
    },
  };
}

/** The server's id for the client that named itself `name` in CREATE_RENDERER. */
export async function clientIdOf(srv: InProcessServer, name: string): Promise<number> {
  const re = new RegExp(`^\\[client (\\d+)\\] client "${name}" created its context`);
  await srv.waitForLog(re, `client ${name}`);
  return Number(re.exec(srv.lines.find((l) => re.test(l))!)![1]);
}
