// Live clients: glxgears and es2gears_x11 under Xvfb through Mesa's virpipe, against our server and
// against virglrenderer's virgl_test_server; frame rates from the clients' own periodic FPS lines,
// and server memory with 1 and 8 clients.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { start, stop, treeMemory, waitForPath, type Memory, type Started } from './procs.js';

export type ServerKind = 'ours' | 'virglrenderer';

export interface LiveEnv {
  display: string;
  runtimeDir: string;
  workDir: string;
  xvfb: Started;
  /** Node and the CLI for our server. */
  node: string;
  cli: string;
  counter: number;
}

export async function startLiveEnv(display: string, node: string, cli: string): Promise<LiveEnv> {
  const workDir = mkdtempSync(join(tmpdir(), 'virgl-bench-'));
  const runtimeDir = mkdtempSync(join(workDir, 'xdg-')); // mkdtemp makes it 0700, as XDG_RUNTIME_DIR must be
  const xvfb = start('Xvfb', [display, '-screen', '0', '1024x768x24', '+extension', 'GLX', '-noreset'], process.env);
  await waitForPath(`/tmp/.X11-unix/X${display.slice(1)}`, 10_000, xvfb);
  return { display, runtimeDir, workDir, xvfb, node, cli, counter: 0 };
}

export async function stopLiveEnv(env: LiveEnv): Promise<void> {
  await stop(env.xvfb);
  rmSync(env.workDir, { recursive: true, force: true });
}

function baseEnv(env: LiveEnv): NodeJS.ProcessEnv {
  return { ...process.env, XDG_RUNTIME_DIR: env.runtimeDir };
}

export async function startServer(env: LiveEnv, kind: ServerKind): Promise<{ server: Started; socket: string }> {
  const socket = join(env.workDir, `sock-${env.counter++}`);
  const server = kind === 'ours'
    ? start(env.node, [env.cli, 'serve', '--socket-path', socket], baseEnv(env))
    : start('virgl_test_server', ['--use-egl-surfaceless', `--socket-path=${socket}`], baseEnv(env));
  await waitForPath(socket, 30_000, server);
  return { server, socket };
}

function clientEnv(env: LiveEnv, socket: string): NodeJS.ProcessEnv {
  return {
    ...baseEnv(env), DISPLAY: env.display, GALLIUM_DRIVER: 'virpipe', LIBGL_ALWAYS_SOFTWARE: '1', VTEST_SOCKET_NAME: socket,
  };
}

/** Starts a client with line-buffered stdout (es2gears_x11 otherwise loses its FPS lines when killed). */
export function startClient(env: LiveEnv, socket: string, client: string): Started {
  return start('stdbuf', ['-oL', client], clientEnv(env, socket));
}

const FPS_LINE = /(\d+) frames in ([\d.]+) seconds/g;

/** Frames per second over the periodic lines after the first (the first interval is warm-up). */
export function parseFps(output: string): { fps: number; intervals: number } {
  const lines = [...output.matchAll(FPS_LINE)].map((m) => ({ frames: Number(m[1]), seconds: Number(m[2]) }));
  const use = lines.length > 1 ? lines.slice(1) : lines;
  const frames = use.reduce((n, l) => n + l.frames, 0);
  const seconds = use.reduce((n, l) => n + l.seconds, 0);
  return { fps: seconds > 0 ? frames / seconds : NaN, intervals: use.length };
}

export interface FpsRun { fps: number; intervals: number; serverMemory: Memory }

/** One client for `seconds` against a fresh server; the server's memory is sampled near the end. */
export async function fpsRun(env: LiveEnv, kind: ServerKind, client: string, seconds: number): Promise<FpsRun> {
  const { server, socket } = await startServer(env, kind);
  try {
    const c = startClient(env, socket, client);
    await sleep(seconds * 1000 - 500);
    const serverMemory = treeMemory(server.proc.pid!);
    await sleep(500);
    await stop(c);
    await c.closed;
    const r = parseFps(c.out.join(''));
    if (r.intervals === 0) throw new Error(`${client} against ${kind}: no FPS line in ${seconds} s: ${c.out.join('').slice(-1500)}`);
    return { ...r, serverMemory };
  } finally {
    await stop(server);
  }
}

/** `n` glxgears clients at once for `seconds`; the server tree's memory at the end, and the mean FPS per client. */
export async function memoryRun(env: LiveEnv, kind: ServerKind, n: number, seconds: number): Promise<{ memory: Memory; idle: Memory; fpsPerClient: number }> {
  const { server, socket } = await startServer(env, kind);
  try {
    await sleep(300);
    const idle = treeMemory(server.proc.pid!);
    const clients = Array.from({ length: n }, () => startClient(env, socket, 'glxgears'));
    await sleep(seconds * 1000);
    const memory = treeMemory(server.proc.pid!);
    for (const c of clients) await stop(c);
    const fps = await Promise.all(clients.map(async (c) => { await c.closed; return parseFps(c.out.join('')).fps; }));
    const ok = fps.filter((f) => Number.isFinite(f));
    return { memory, idle, fpsPerClient: ok.length ? ok.reduce((a, b) => a + b, 0) / ok.length : NaN };
  } finally {
    await stop(server);
  }
}
