// Child processes for the benchmarks: spawn, wait for a socket, time, sample memory, stop by pid.
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';

export interface Started {
  proc: ChildProcess;
  out: string[];
  exited: Promise<number | null>;
  /** Resolves once its output pipes are closed too (after `exited`). */
  closed: Promise<void>;
}

export function start(cmd: string, args: string[], env: NodeJS.ProcessEnv): Started {
  const proc = spawn(cmd, args, { env, stdio: ['ignore', 'pipe', 'pipe'] });
  const out: string[] = [];
  const keep = (d: Buffer): void => { out.push(d.toString()); if (out.length > 2000) out.splice(0, 1000); };
  proc.stdout?.on('data', keep);
  proc.stderr?.on('data', keep);
  const exited = new Promise<number | null>((resolve) => {
    proc.on('exit', (code) => resolve(code));
    proc.on('error', () => resolve(-1));
  });
  const closed = new Promise<void>((resolve) => { proc.on('close', () => resolve()); proc.on('error', () => resolve()); });
  return { proc, out, exited, closed };
}

/** SIGTERM, then SIGKILL after `graceMs`; resolves when the process is gone. */
export async function stop(s: Started, graceMs = 3000): Promise<void> {
  if (s.proc.exitCode !== null || s.proc.signalCode !== null) return;
  s.proc.kill('SIGTERM');
  const t = setTimeout(() => s.proc.kill('SIGKILL'), graceMs);
  await s.exited;
  clearTimeout(t);
}

export async function waitForPath(path: string, timeoutMs: number, s?: Started): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!existsSync(path)) {
    if (s && (s.proc.exitCode !== null || s.proc.signalCode !== null)) throw new Error(`process exited before ${path} appeared: ${s.out.join('').slice(-2000)}`);
    if (Date.now() > until) throw new Error(`${path} did not appear within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** The process and all its descendants (from /proc). */
export function processTree(root: number): number[] {
  const children = new Map<number, number[]>();
  for (const e of readdirSync('/proc')) {
    if (!/^\d+$/.test(e)) continue;
    try {
      const stat = readFileSync(`/proc/${e}/stat`, 'utf8');
      const ppid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1]);
      const list = children.get(ppid) ?? [];
      list.push(Number(e));
      children.set(ppid, list);
    } catch { /* exited meanwhile */ }
  }
  const out: number[] = [];
  const walk = (p: number): void => { out.push(p); for (const c of children.get(p) ?? []) walk(c); };
  walk(root);
  return out;
}

export interface Memory { rssKiB: number; pssKiB: number; processes: number }

/** RSS and PSS summed over a process tree (PSS shares pages common to the processes fairly). */
export function treeMemory(root: number): Memory {
  let rssKiB = 0;
  let pssKiB = 0;
  let processes = 0;
  for (const pid of processTree(root)) {
    try {
      const roll = readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8');
      rssKiB += Number(/^Rss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
      pssKiB += Number(/^Pss:\s+(\d+)/m.exec(roll)?.[1] ?? 0);
      processes++;
    } catch { /* exited meanwhile */ }
  }
  return { rssKiB, pssKiB, processes };
}

/** Runs a command to completion; resolves with wall seconds, exit code and output. */
export async function timed(cmd: string, args: string[], env: NodeJS.ProcessEnv): Promise<{ seconds: number; code: number | null; out: string }> {
  const t0 = process.hrtime.bigint();
  const s = start(cmd, args, env);
  const code = await s.exited;
  const seconds = Number(process.hrtime.bigint() - t0) / 1e9;
  await s.closed;
  return { seconds, code, out: s.out.join('') };
}
