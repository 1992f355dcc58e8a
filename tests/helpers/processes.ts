// Real processes for integration tests: Xvfb, our server, virgl_test_server, Mesa clients.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');

export interface Proc {
  child: ChildProcess;
  output(): string;
  stop(signal?: NodeJS.Signals): Promise<number | null>;
  exited: Promise<number | null>;
}

export function start(cmd: string, args: string[], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr!.on('data', (d: Buffer) => { out += d.toString(); });
  const exited = new Promise<number | null>((r) => child.on('exit', (code, sig) => r(code ?? (sig ? -1 : null))));
  return {
    child,
    output: () => out,
    exited,
    stop: async (signal = 'SIGTERM') => {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      const t = setTimeout(() => child.kill('SIGKILL'), 10_000);
      const code = await exited;
      clearTimeout(t);
      return code;
    },
  };
}

export async function waitFor(cond: () => boolean, what: string, timeoutMs = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

export function tempSocket(name: string): string {
  return join(mkdtempSync(join(tmpdir(), 'vwg-')), name);
}

export async function startXvfb(): Promise<{ display: string; proc: Proc }> {
  let n = 90 + Math.floor(Math.random() * 400);
  while (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) n++;
  const proc = start('Xvfb', [`:${n}`, '-screen', '0', '1024x768x24', '+extension', 'GLX', '-noreset', '-nolisten', 'tcp']);
  await waitFor(() => existsSync(`/tmp/.X11-unix/X${n}`) || proc.child.exitCode !== null, 'Xvfb');
  if (proc.child.exitCode !== null) throw new Error(`Xvfb failed: ${proc.output()}`);
  return { display: `:${n}`, proc };
}

export async function startOurServer(socketPath: string, extra: string[] = []): Promise<Proc> {
  const proc = start(process.execPath, [CLI, 'serve', '--socket-path', socketPath, ...extra]);
  await waitFor(() => proc.output().includes('listening on') || proc.child.exitCode !== null, 'our server');
  if (proc.child.exitCode !== null) throw new Error(`server failed: ${proc.output()}`);
  return proc;
}

/** virgl_test_server forking per client (no --multi-clients: that mode refuses protocol < 3). */
export async function startReferenceServer(socketPath: string): Promise<Proc> {
  const proc = start('virgl_test_server', ['--use-egl-surfaceless', `--socket-path=${socketPath}`]);
  await waitFor(() => existsSync(socketPath) || proc.child.exitCode !== null, 'virgl_test_server');
  if (proc.child.exitCode !== null) throw new Error(`virgl_test_server failed: ${proc.output()}`);
  return proc;
}

export function mesaClientEnv(display: string, socketPath: string): NodeJS.ProcessEnv {
  return {
    DISPLAY: display, GALLIUM_DRIVER: 'virpipe', LIBGL_ALWAYS_SOFTWARE: '1', VTEST_SOCKET_NAME: socketPath,
  };
}

/** Runs a client to completion (or for `seconds`, then SIGTERM) and returns its exit code and output. */
export async function runClient(cmd: string, args: string[], env: NodeJS.ProcessEnv, seconds?: number):
Promise<{ code: number | null; output: string }> {
  const proc = start(cmd, args, env);
  let timer: NodeJS.Timeout | undefined;
  if (seconds !== undefined) timer = setTimeout(() => proc.child.kill('SIGTERM'), seconds * 1000);
  const code = await proc.exited;
  if (timer) clearTimeout(timer);
  return { code, output: proc.output() };
}
