// Our server against real Mesa clients (virpipe under Xvfb), and against hostile raw clients.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connect, type Socket } from 'node:net';
import { existsSync, lstatSync, statSync, writeFileSync, symlinkSync, rmSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  mesaClientEnv, runClient, start, startOurServer, startXvfb, tempSocket, waitFor, CLI, type Proc,
} from '../helpers/processes.js';

let xvfb: { display: string; proc: Proc };
let server: Proc;
let sock: string;

beforeAll(async () => {
  xvfb = await startXvfb();
  sock = tempSocket('ours.sock');
  server = await startOurServer(sock);
});

afterAll(async () => {
  await server?.stop();
  await xvfb?.proc.stop();
});

/** A raw vtest client speaking bytes, for tests Mesa cannot express. */
async function rawClient(path: string): Promise<{ s: Socket; send: (words: number[], extra?: Uint8Array) => void; read: (n: number) => Promise<Buffer>; closed: Promise<void> }> {
  const s = connect(path);
  await new Promise<void>((r, j) => { s.once('connect', r); s.once('error', j); });
  let buf = Buffer.alloc(0);
  const waiters: (() => void)[] = [];
  s.on('data', (d) => { buf = Buffer.concat([buf, d]); waiters.splice(0).forEach((w) => w()); });
  const closed = new Promise<void>((r) => s.on('close', () => { r(); waiters.splice(0).forEach((w) => w()); }));
  s.on('error', () => {});
  return {
    s,
    closed,
    send: (words, extra) => {
      s.write(Buffer.from(new Uint32Array(words).buffer));
      if (extra) s.write(extra);
    },
    read: async (n) => {
      while (buf.length < n) {
        if (s.destroyed) throw new Error('closed before reply');
        await new Promise<void>((r) => waiters.push(r));
      }
      const out = buf.subarray(0, n);
      buf = buf.subarray(n);
      return out;
    },
  };
}

const words = (b: Buffer): number[] => [...new Uint32Array(Uint8Array.from(b).buffer)];

const createRenderer = (name: string): [number[], Uint8Array] => {
  const bytes = new TextEncoder().encode(`${name}\0`);
  return [[bytes.length, 8], bytes];
};

describe('serve: real Mesa clients', () => {
  it('es2_info reports our renderer string and an OpenGL ES version', async () => {
    const r = await runClient('es2_info', [], mesaClientEnv(xvfb.display, sock), 30);
    expect(r.output).toMatch(/GL_RENDERER: virgl \(virgl-webgpu /);
    expect(r.output).toMatch(/GL_VERSION: OpenGL ES [23]\.\d/);
    expect(r.code).toBe(0);
  });

  it('glxinfo sees a virgl context with an OpenGL 2.1 or later version (at protocol 0)', async () => {
    // At protocol 2+ Mesa's xlib winsys reads glxinfo's never-mapped window with XGetImage (BadMatch),
    // under virgl_test_server too: docs/protocol.md, tests/integration/protocol-versions.test.ts.
    const v0Sock = tempSocket('v0.sock');
    const v0 = await startOurServer(v0Sock, ['--max-protocol', '0']);
    try {
      const r = await runClient('glxinfo', ['-B'], mesaClientEnv(xvfb.display, v0Sock), 30);
      expect(r.output).toMatch(/OpenGL renderer string: virgl \(virgl-webgpu/);
      expect(r.output).toMatch(/OpenGL version string: (2\.1|[34]\.\d)/);
    } finally {
      await v0.stop();
    }
  });
});

describe('serve: the socket and the process', () => {
  it('creates the socket with mode 0600', () => {
    expect(lstatSync(sock).isSocket()).toBe(true);
    expect(statSync(sock).mode & 0o777).toBe(0o600);
  });

  it('refuses a socket path that is a regular file or a symlink', async () => {
    const dir = dirname(tempSocket('x'));
    const file = join(dir, 'file');
    writeFileSync(file, 'not a socket');
    const link = join(dir, 'link');
    symlinkSync('/tmp/elsewhere', link);
    for (const p of [file, link]) {
      const proc = start(process.execPath, [CLI, 'serve', '--socket-path', p, '--backend', 'null']);
      expect(await proc.exited).not.toBe(0);
      expect(proc.output()).toMatch(/refusing to replace it/);
    }
    expect(lstatSync(link).isSymbolicLink()).toBe(true);
    rmSync(dir, { recursive: true });
  });

  it('SIGTERM closes cleanly and removes the socket file', async () => {
    const path = tempSocket('term.sock');
    const proc = await startOurServer(path, ['--backend', 'null']);
    const c = await rawClient(path);
    const [w, b] = createRenderer('sigterm-test');
    c.send(w, b);
    c.send([0, 10]);
    expect(words(await c.read(8))).toEqual([0, 10]);
    expect(await proc.stop('SIGTERM')).toBe(0);
    expect(existsSync(path)).toBe(false);
    await c.closed;
  });
});

describe('serve: hostile clients are dropped, others unaffected', () => {
  it('a client sending garbage is disconnected with a logged reason while another keeps working', async () => {
    const good = await rawClient(sock);
    const [w, b] = createRenderer('good');
    good.send(w, b);
    const bad = await rawClient(sock);
    bad.s.write(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'));
    await bad.closed;
    await waitFor(() => /disconnecting: unknown vtest command id/.test(server.output()), 'logged reason', 5000);
    good.send([0, 10]);
    expect(words(await good.read(8))).toEqual([0, 10]);
    good.s.destroy();
  });

  it('a command before CREATE_RENDERER, a giant length and a short TRANSFER_PUT are each refused', async () => {
    const cases: [number[], RegExp][] = [
      [[0, 10], /PING_PROTOCOL_VERSION before CREATE_RENDERER/],
      [[0xffffffff, 6], /exceeds the \d+-byte limit/],
    ];
    for (const [words, reason] of cases) {
      const c = await rawClient(sock);
      if (words[1] !== 10) { const [w, b] = createRenderer('x'); c.send(w, b); }
      c.send(words);
      await c.closed;
      await waitFor(() => reason.test(server.output()), String(reason), 5000);
    }
  });

  it('another Mesa client still works afterwards', async () => {
    const r = await runClient('es2_info', [], mesaClientEnv(xvfb.display, sock), 30);
    expect(r.output).toMatch(/GL_RENDERER: virgl \(virgl-webgpu /);
  });
});
