// The processes a conformance run needs: Xvfb, our server, virgl_test_server. Servers are
// restarted when they die, and whoever runs tests against them hears about each death.

import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, lstatSync, unlinkSync, type WriteStream } from 'node:fs';
import { join } from 'node:path';

export interface Child {
  proc: ChildProcess;
  exited: Promise<void>;
  /** Sends `signal` to the whole process group, then SIGKILL after `graceMs`. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
}

/** Spawns in its own process group (so stopping it also stops what it forked); output goes to `log`. */
export function spawnChild(cmd: string, args: string[], env: NodeJS.ProcessEnv, log: WriteStream | null, onOutput?: (s: string) => void): Child {
  const proc = spawn(cmd, args, { env, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  const sink = (d: Buffer): void => {
    log?.write(d);
    onOutput?.(d.toString());
  };
  proc.stdout!.on('data', sink);
  proc.stderr!.on('data', sink);
  const exited = new Promise<void>((r) => {
    proc.on('exit', () => r());
    proc.on('error', () => r());
  });
  const killGroup = (s: NodeJS.Signals): void => {
    try {
      if (proc.pid !== undefined) process.kill(-proc.pid, s);
    } catch { /* already gone */ }
  };
  return {
    proc,
    exited,
    stop: async (signal = 'SIGTERM', graceMs = 3000) => {
      killGroup(signal);
      const t = setTimeout(() => killGroup('SIGKILL'), graceMs);
      await exited;
      clearTimeout(t);
      killGroup('SIGKILL'); // stragglers in the group
    },
  };
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

async function waitUntil(cond: () => boolean, what: string, timeoutMs: number, dead: () => boolean): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (dead()) throw new Error(`${what} exited while starting`);
    if (Date.now() - t0 > timeoutMs) throw new Error(`timed out after ${timeoutMs / 1000} s waiting for ${what}`);
    await sleep(50);
  }
}

const hasExited = (c: Child): boolean => c.proc.exitCode !== null || c.proc.signalCode !== null;

/** Xvfb on a free display; -noreset or about one rapid connection in fifteen fails. */
export async function startXvfb(env: NodeJS.ProcessEnv, log: WriteStream): Promise<{ display: string; child: Child }> {
  let n = 100 + Math.floor(Math.random() * 400);
  while (existsSync(`/tmp/.X11-unix/X${n}`) || existsSync(`/tmp/.X${n}-lock`)) n++;
  const child = spawnChild('Xvfb', [`:${n}`, '-screen', '0', '1024x768x24', '+extension', 'GLX', '-noreset', '-nolisten', 'tcp'], env, log);
  await waitUntil(() => existsSync(`/tmp/.X11-unix/X${n}`), 'Xvfb', 20_000, () => hasExited(child));
  return { display: `:${n}`, child };
}

export interface ServerSpec {
  /** Column name: `ours` or `virglrenderer`. */
  label: string;
  cmd: string;
  args: string[];
  socketPath: string;
  /** Up when this returns true for the output so far; by default when the socket exists. */
  ready?: (output: string) => boolean;
}

/** A vtest server kept alive: a death is reported to `onDeath`, then it is started again. */
export class ManagedServer {
  private child: Child | null = null;
  private up: Promise<void> | null = null;
  private stopping = false;
  /** Bumped on every death, so a test can tell whether the server died while it ran. */
  generation = 0;
  restarts = 0;
  readonly deaths: { at: string; exit: string }[] = [];
  onDeath: (s: ManagedServer) => void = () => {};

  constructor(readonly spec: ServerSpec, private readonly env: NodeJS.ProcessEnv, private readonly log: WriteStream) {}

  /** Resolves once the server accepts clients; rejects if it cannot be (re)started. */
  ready(): Promise<void> {
    if (!this.up) this.up = this.launch();
    return this.up;
  }

  private async launch(): Promise<void> {
    const { spec } = this;
    try {
      if (lstatSync(spec.socketPath).isSocket()) unlinkSync(spec.socketPath);
    } catch { /* no stale socket */ }
    let early = '';
    this.log.write(`\n==== ${new Date().toISOString()} starting ${spec.cmd} ${spec.args.join(' ')}\n`);
    const child = spawnChild(spec.cmd, spec.args, this.env, this.log, (s) => { if (early.length < 65536) early += s; });
    this.child = child;
    const isUp = spec.ready ?? (() => existsSync(spec.socketPath));
    await waitUntil(() => isUp(early), `${spec.label} server`, 60_000, () => hasExited(child)).catch(async (e: unknown) => {
      await child.stop('SIGKILL');
      throw new Error(`${e instanceof Error ? e.message : String(e)}; its output:\n${early.slice(-4000)}`);
    });
    void child.exited.then(() => this.died(child));
  }

  private died(child: Child): void {
    if (this.stopping || child !== this.child) return;
    const exit = child.proc.signalCode ?? `exit ${child.proc.exitCode}`;
    this.deaths.push({ at: new Date().toISOString(), exit });
    this.log.write(`\n==== ${new Date().toISOString()} ${this.spec.label} server died (${exit}); restarting\n`);
    this.generation++;
    this.restarts++;
    this.child = null;
    this.up = null;
    this.onDeath(this);
  }

  async stop(): Promise<void> {
    this.stopping = true;
    await this.child?.stop('SIGTERM');
  }
}

export function ourServerSpec(cli: string, tmp: string): ServerSpec {
  const socketPath = join(tmp, 'ours.sock');
  return {
    label: 'ours', cmd: process.execPath, args: [cli, 'serve', '--socket-path', socketPath], socketPath,
    ready: (out) => out.includes(`listening on ${socketPath}`),
  };
}

/** `--socket-path=` with `=`: with a space virgl_test_server takes the path as a file to replay. */
export function virglrendererSpec(tmp: string): ServerSpec {
  const socketPath = join(tmp, 'virglrenderer.sock');
  return {
    label: 'virglrenderer', cmd: 'virgl_test_server',
    args: ['--use-egl-surfaceless', '--multi-clients', `--socket-path=${socketPath}`], socketPath,
  };
}
