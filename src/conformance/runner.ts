// Runs piglit command lines through Mesa's virpipe against a vtest server, a few at a time.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PIGLIT_DIR, parseResult, type Outcome, type PiglitTest } from './piglit.js';
import { spawnChild, type Child, type ManagedServer } from './servers.js';

export interface RunResult {
  result: Outcome;
  durationMs: number;
  /** Why, when the harness decided the result (timeout, server death, no result line). */
  note?: string;
}

export interface Task {
  test: PiglitTest;
  index: number;
  server: ManagedServer;
}

export interface RunnerOptions {
  display: string;
  timeoutS: number;
  /** Per-test logs go to `<logDir>/<server label>/<n>.log`. */
  logDir: string;
  env: NodeJS.ProcessEnv;
}

const MAX_OUTPUT = 256 * 1024;

/** Tests in flight per server, so a server's death can end them. */
const running = new Map<ManagedServer, Set<{ child: Child; killedBy: string | null }>>();

/** Ends every test running against `server`: their results would say nothing about it. */
export function abortRunning(server: ManagedServer, why: string): void {
  for (const r of running.get(server) ?? []) {
    r.killedBy ??= why;
    void r.child.stop('SIGKILL');
  }
}

export async function runTask(task: Task, o: RunnerOptions): Promise<RunResult> {
  const { server, test } = task;
  await server.ready();
  const generation = server.generation;
  const env: NodeJS.ProcessEnv = {
    ...o.env,
    GALLIUM_DRIVER: 'virpipe',
    LIBGL_ALWAYS_SOFTWARE: '1',
    VTEST_SOCKET_NAME: server.spec.socketPath,
    DISPLAY: o.display,
    PIGLIT_SOURCE_DIR: PIGLIT_DIR,
  };
  let output = '';
  const t0 = Date.now();
  const child = spawnChild('bash', ['-c', test.line], env, null, (s) => {
    output += s;
    if (output.length > 2 * MAX_OUTPUT) output = output.slice(-MAX_OUTPUT);
  });
  const entry = { child, killedBy: null as string | null };
  let set = running.get(server);
  if (!set) running.set(server, set = new Set());
  set.add(entry);
  const timer = setTimeout(() => {
    entry.killedBy ??= 'timeout';
    void child.stop('SIGTERM', 2000);
  }, o.timeoutS * 1000);
  await child.exited;
  clearTimeout(timer);
  set.delete(entry);
  void child.stop('SIGKILL', 0); // anything the test left behind in its process group
  const durationMs = Date.now() - t0;

  // A client often dies of the server's death (SIGPIPE) before we hear of that death: give it a moment.
  if (entry.killedBy === null && parseResult(output) === null && server.generation === generation) await serverSettles(server);
  const r = classify(output, entry.killedBy, server.generation !== generation, o.timeoutS, child);
  const dir = join(o.logDir, server.spec.label);
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${String(task.index + 1).padStart(3, '0')}.log`),
    `# ${test.line}\n# ${r.result}${r.note ? ` (${r.note})` : ''} in ${durationMs} ms\n${output.slice(-MAX_OUTPUT)}`);
  return { ...r, durationMs };
}

async function serverSettles(server: ManagedServer): Promise<void> {
  const g = server.generation;
  for (let i = 0; i < 10 && server.generation === g; i++) await new Promise((r) => setTimeout(r, 50));
}

function classify(output: string, killedBy: string | null, serverDied: boolean, timeoutS: number, child: Child): Omit<RunResult, 'durationMs'> {
  if (serverDied || (killedBy !== null && killedBy !== 'timeout')) {
    return { result: 'crash', note: killedBy && killedBy !== 'timeout' ? killedBy : 'the server died during the test' };
  }
  if (killedBy === 'timeout') return { result: 'timeout', note: `no result within ${timeoutS} s` };
  const result = parseResult(output);
  if (result) return { result };
  const how = child.proc.signalCode ? `killed by ${child.proc.signalCode}` : `exit ${child.proc.exitCode}`;
  return { result: 'crash', note: `no PIGLIT result line (${how})` };
}

/** Runs `tasks` on `jobs` workers, in order; `done` hears each result as it comes. */
export async function runAll(tasks: Task[], jobs: number, o: RunnerOptions, done: (t: Task, r: RunResult) => void): Promise<void> {
  let next = 0;
  const worker = async (): Promise<void> => {
    while (next < tasks.length) {
      const t = tasks[next++];
      done(t, await runTask(t, o));
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, jobs) }, worker));
}
