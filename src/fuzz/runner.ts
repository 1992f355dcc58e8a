// Runs fuzz inputs against one real `serve` process and classifies crashes, hangs and memory growth.
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { concat, loadCorpus, type Corpus } from './corpus.js';
import { handshake, makeInput, splitCommands, type FuzzInput } from './inputs.js';
import { Prng, inputSeed } from './prng.js';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = join(ROOT, 'dist/cli/main.js');
export const REGRESSIONS_DIR = join(ROOT, 'tests/fuzz-regressions');

export interface FuzzOptions {
  iterations: number;
  seed: number;
  /** Per-input time limit (ms): how long a connection may stay open before the server is probed. */
  timeLimitMs?: number;
  /** Check liveness and RSS every this many inputs. */
  checkEvery?: number;
  /** RSS bound in bytes. */
  rssLimitBytes?: number;
  /** Where reproducers go; null = do not save. */
  saveDir?: string | null;
  /** Minimization attempts per failure. */
  minimizeAttempts?: number;
  /** Inputs in flight at once, each on its own connection (default 4). */
  concurrency?: number;
  /** Extra `serve` arguments. */
  serverArgs?: string[];
  log?: (line: string) => void;
  corpus?: Corpus;
}

/** exception: an exception escaped a command handler (the server logs `internal error` and drops the client). */
export type FailureKind = 'crash' | 'hang' | 'rss' | 'exception';

export interface Failure {
  kind: FailureKind;
  iteration: number;
  reason: string;
  desc: string;
  file: string | null;
  originalBytes: number;
  minimizedBytes: number;
  /** The tail of the server's stderr/stdout when it failed. */
  serverLog: string;
}

export interface FuzzSummary {
  inputs: number;
  passed: number;
  failed: number;
  crashes: number;
  hangs: number;
  rssFailures: number;
  exceptions: number;
  /** Times the server answered a probe only after the time limit (slow, not hung). */
  stalls: number;
  peakRssBytes: number;
  elapsedMs: number;
  inputsPerSecond: number;
  failures: Failure[];
}

// ---------------------------------------------------------------------------------------------
// The server under test

export class ServerUnderTest {
  child!: ChildProcess;
  socketPath!: string;
  private dir!: string;
  private out = '';
  exited = false;
  exitInfo = '';
  /** `internal error` lines logged so far, and the last one. */
  internalErrors = 0;
  lastInternalError = '';
  /** Probes that needed longer than the time limit (but were answered). */
  stalls = 0;

  static async start(args: string[] = []): Promise<ServerUnderTest> {
    const s = new ServerUnderTest();
    await s.launch(args);
    return s;
  }

  private async launch(args: string[]): Promise<void> {
    this.dir = mkdtempSync(join(tmpdir(), 'vwg-fuzz-'));
    this.socketPath = join(this.dir, 'sock');
    this.out = '';
    this.exited = false;
    this.child = spawn(process.execPath, [CLI, 'serve', '--socket-path', this.socketPath, ...args],
      { stdio: ['ignore', 'pipe', 'pipe'] });
    this.internalErrors = 0;
    const keep = (d: Buffer): void => {
      const text = d.toString();
      for (const m of text.matchAll(/[^\n]*internal error[^\n]*/g)) { this.internalErrors++; this.lastInternalError = m[0].slice(0, 500); }
      this.out += text;
      if (this.out.length > 256 * 1024) this.out = this.out.slice(-128 * 1024);
    };
    this.child.stdout!.on('data', keep);
    this.child.stderr!.on('data', keep);
    this.child.on('exit', (code, sig) => { this.exited = true; this.exitInfo = `exit code ${code} signal ${sig}`; });
    const t0 = Date.now();
    while (!this.out.includes('listening on') && !this.exited) {
      if (Date.now() - t0 > 60_000) throw new Error(`server did not start: ${this.out}`);
      await sleep(20);
    }
    if (this.exited) throw new Error(`server failed to start (${this.exitInfo}): ${this.out}`);
  }

  get pid(): number { return this.child.pid!; }

  logTail(chars = 4000): string { return this.out.slice(-chars); }

  /** VmRSS in bytes, or 0 when unavailable. */
  rssBytes(): number {
    try {
      const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${this.pid}/status`, 'utf8'));
      return m ? Number(m[1]) * 1024 : 0;
    } catch { return 0; }
  }

  async stop(): Promise<void> {
    if (!this.exited) {
      this.child.kill('SIGTERM');
      const t0 = Date.now();
      while (!this.exited && Date.now() - t0 < 5000) await sleep(20);
      if (!this.exited) this.child.kill('SIGKILL');
      while (!this.exited && Date.now() - t0 < 10_000) await sleep(20);
    }
    rmSync(this.dir, { recursive: true, force: true });
  }
}

/** A probe that fails within the time limit is retried with this many times the limit. */
const STALL_FACTOR = 10;

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends `bytes`, half-closes, and reads until the server closes or `timeoutMs` passes. */
export function sendInput(socketPath: string, bytes: Uint8Array, timeoutMs: number):
Promise<{ closed: boolean; received: number; error?: string }> {
  return new Promise((res) => {
    let received = 0;
    let done = false;
    const sock = createConnection(socketPath);
    const finish = (closed: boolean, error?: string): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      res(error === undefined ? { closed, received } : { closed, received, error });
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => { sock.end(bytes); });
    sock.on('data', (d) => { received += d.length; });
    sock.on('error', (e) => finish(true, e.message));
    sock.on('close', () => finish(true));
  });
}

/** A fresh connection: CREATE_RENDERER + PING_PROTOCOL_VERSION; true when the ping is answered. */
export function probe(socketPath: string, timeoutMs: number): Promise<boolean> {
  return new Promise((res) => {
    let got = Buffer.alloc(0);
    let done = false;
    const sock = createConnection(socketPath);
    const finish = (ok: boolean): void => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      sock.destroy();
      res(ok);
    };
    const timer = setTimeout(() => finish(false), timeoutMs);
    sock.on('connect', () => sock.write(concat(handshake(null, 'fuzz-probe'))));
    sock.on('data', (d) => {
      got = Buffer.concat([got, d]);
      if (got.length >= 8) finish(got.readUInt32LE(0) === 0 && got.readUInt32LE(4) === 10);
    });
    sock.on('error', () => finish(false));
    sock.on('close', () => finish(false));
  });
}

export interface Outcome { kind: 'ok' | FailureKind; reason: string }

/** Runs one input; classifies it as ok, crash (the process exited) or hang. */
export async function runOne(server: ServerUnderTest, bytes: Uint8Array, timeLimitMs: number): Promise<Outcome> {
  if (server.exited) return { kind: 'crash', reason: `server already dead (${server.exitInfo})` };
  const errorsBefore = server.internalErrors;
  const o = await runOneRaw(server, bytes, timeLimitMs);
  if (o.kind === 'ok' && server.internalErrors > errorsBefore) return { kind: 'exception', reason: server.lastInternalError };
  return o;
}

async function runOneRaw(server: ServerUnderTest, bytes: Uint8Array, timeLimitMs: number): Promise<Outcome> {
  const r = await sendInput(server.socketPath, bytes, timeLimitMs);
  if (r.closed) {
    if (server.exited) return { kind: 'crash', reason: `server exited (${server.exitInfo})` };
    if (r.error !== undefined || r.received === 0) {
      // A crash closes every connection at once; give its exit a moment to show.
      await sleep(r.error !== undefined ? 100 : 2);
      if (server.exited) return { kind: 'crash', reason: `server exited (${server.exitInfo})` };
    }
    if (r.error !== undefined && /ECONNREFUSED|ENOENT/.test(r.error)) {
      return { kind: 'hang', reason: `cannot connect: ${r.error}` };
    }
    return { kind: 'ok', reason: '' };
  }
  if (server.exited) return { kind: 'crash', reason: `server exited (${server.exitInfo})` };
  // Still open after the limit: fine if the server is merely waiting for bytes and still serves others.
  let alive = await probe(server.socketPath, timeLimitMs);
  if (!alive && !server.exited) {
    // A busy or overloaded box (a synchronous pipeline compile on llvmpipe, other jobs) can stall
    // the server for seconds; a hang is what stays unanswered for much longer.
    server.stalls++;
    alive = await probe(server.socketPath, timeLimitMs * STALL_FACTOR);
  }
  if (server.exited) return { kind: 'crash', reason: `server exited (${server.exitInfo})` };
  if (!alive) return { kind: 'hang', reason: `connection open after ${timeLimitMs} ms and probes unanswered within ${timeLimitMs} and ${timeLimitMs * STALL_FACTOR} ms` };
  return { kind: 'ok', reason: '' };
}

/** Replays `bytes` against a fresh server; returns the outcome (the server is stopped afterwards). */
export async function reproduce(bytes: Uint8Array, timeLimitMs: number, serverArgs: string[] = []):
Promise<Outcome & { log: string }> {
  const s = await ServerUnderTest.start(serverArgs);
  try {
    const o = await runOne(s, bytes, timeLimitMs);
    if (o.kind === 'ok') {
      // A late crash (e.g. in a GPU callback) still counts.
      await sleep(50);
      if (s.exited) return { kind: 'crash', reason: `server exited (${s.exitInfo})`, log: s.logTail() };
      if (s.internalErrors > 0) return { kind: 'exception', reason: s.lastInternalError, log: s.logTail() };
      // Work the input left behind (a huge draw still running) may stall the next client.
      if (!(await probe(s.socketPath, timeLimitMs * STALL_FACTOR))) {
        return { kind: s.exited ? 'crash' : 'hang', reason: 'a client after this input got no answer', log: s.logTail() };
      }
    }
    return { ...o, log: s.logTail() };
  } finally {
    await s.stop();
  }
}

/** Greedy command-level reduction: drop halves, then quarters..., then single commands; bounded. */
export async function minimize(bytes: Uint8Array, kind: FailureKind, timeLimitMs: number, attempts: number,
  serverArgs: string[] = []): Promise<Uint8Array> {
  let cmds = splitCommands(bytes);
  let tries = 0;
  const still = async (candidate: Uint8Array[]): Promise<boolean> => {
    tries++;
    const o = await reproduce(concat(candidate), timeLimitMs, serverArgs);
    return o.kind === kind;
  };
  let chunk = Math.max(1, cmds.length >> 1);
  while (tries < attempts && cmds.length > 1) {
    let progressed = false;
    for (let start = 0; start < cmds.length && tries < attempts; ) {
      const candidate = [...cmds.slice(0, start), ...cmds.slice(start + chunk)];
      if (candidate.length > 0 && await still(candidate)) { cmds = candidate; progressed = true; } else start += chunk;
    }
    if (!progressed) {
      if (chunk === 1) break;
      chunk = Math.max(1, chunk >> 1);
    }
  }
  return concat(cmds);
}

// ---------------------------------------------------------------------------------------------
// The loop

export async function fuzz(opts: FuzzOptions): Promise<FuzzSummary> {
  const log = opts.log ?? ((l: string) => console.log(l));
  const timeLimitMs = opts.timeLimitMs ?? 2000;
  const checkEvery = opts.checkEvery ?? 50;
  const rssLimit = opts.rssLimitBytes ?? 1.5 * 1024 ** 3;
  const saveDir = opts.saveDir === undefined ? REGRESSIONS_DIR : opts.saveDir;
  const attempts = opts.minimizeAttempts ?? 20;
  const serverArgs = opts.serverArgs ?? [];
  const corpus = opts.corpus ?? loadCorpus(ROOT);
  const t0 = Date.now();
  const failures: Failure[] = [];
  let peakRss = 0;
  let passed = 0;
  let server = await ServerUnderTest.start(serverArgs);
  let stallsTotal = 0;
  const step = Math.max(1, Math.floor(opts.iterations / 10));

  const concurrency = Math.max(1, opts.concurrency ?? 4);
  // Inputs in flight, by iteration: with several at once, a crash may belong to any of them.
  const inFlight = new Map<number, FuzzInput>();
  // And the last few finished ones: an input may leave GPU work behind that stalls a later one.
  const recent: [number, FuzzInput][] = [];
  let handling: Promise<void> | null = null;

  const fail = async (kind: FailureKind, i: number, input: FuzzInput, reason: string): Promise<void> => {
    const serverLog = server.logTail();
    log(`[fuzz] ${kind} at input ${i} (${input.kind}: ${input.desc}): ${reason}`);
    await server.stop();
    let min = input.bytes;
    if (kind !== 'rss' && attempts > 0) {
      // Only minimize what reproduces on a fresh server (otherwise it depended on earlier inputs).
      // Every input that was in flight is a suspect; the reported one is tried first.
      const suspects = [[i, input] as const, ...[...inFlight, ...[...recent].reverse()].filter(([j]) => j !== i)];
      let found = false;
      for (const [j, cand] of suspects) {
        const again = await reproduce(cand.bytes, timeLimitMs, serverArgs);
        if (again.kind !== kind) continue;
        if (j !== i) { reason += ` (reproduced by input ${j}, in flight at the same time)`; i = j; input = cand; }
        min = await minimize(cand.bytes, kind, timeLimitMs, attempts, serverArgs);
        found = true;
        break;
      }
      if (!found) reason += ' (did not reproduce on a fresh server)';
      else min = min.length > 0 ? min : input.bytes;
    }
    let file: string | null = null;
    if (saveDir !== null) {
      mkdirSync(saveDir, { recursive: true });
      file = join(saveDir, `${kind}-${opts.seed}-${i}.bin`);
      writeFileSync(file, min);
      writeFileSync(file.replace(/\.bin$/, '.json'), JSON.stringify({
        kind, seed: opts.seed, iteration: i, reason, input: `${input.kind}: ${input.desc}`,
        originalBytes: input.bytes.length, minimizedBytes: min.length, serverLogTail: serverLog.slice(-3000),
      }, null, 2) + '\n');
      log(`[fuzz]   saved ${file} (${input.bytes.length} -> ${min.length} bytes)`);
    }
    failures.push({ kind, iteration: i, reason, desc: input.desc, file, originalBytes: input.bytes.length,
      minimizedBytes: min.length, serverLog });
    stallsTotal += server.stalls;
    server = await ServerUnderTest.start(serverArgs);
  };

  /** One failure is handled at a time; other workers' outcomes during it are discarded as collateral. */
  const handleFailure = async (kind: FailureKind, i: number, input: FuzzInput, reason: string, epoch: number): Promise<boolean> => {
    while (handling) await handling;
    if (epoch !== serverEpoch) return false; // the server was restarted meanwhile: not this input's fault
    handling = fail(kind, i, input, reason).finally(() => { serverEpoch++; handling = null; });
    await handling;
    return true;
  };

  let serverEpoch = 0;
  let next = 0;
  let done = 0;
  const progress = (): void => {
    done++;
    if (done % step === 0 || done === opts.iterations) {
      peakRss = Math.max(peakRss, server.rssBytes());
      const s = (Date.now() - t0) / 1000;
      log(`[fuzz] ${done}/${opts.iterations} (${Math.round((done * 100) / opts.iterations)}%) ` +
        `${failures.length} failed, ${(done / s).toFixed(1)} inputs/s, RSS ${(server.rssBytes() / 2 ** 20).toFixed(0)} MiB`);
    }
  };

  const worker = async (): Promise<void> => {
    while (next < opts.iterations) {
      while (handling) await handling;
      const i = next++;
      const input = makeInput(corpus, new Prng(inputSeed(opts.seed, i)));
      const epoch = serverEpoch;
      inFlight.set(i, input);
      let o: Outcome;
      try { o = await runOne(server, input.bytes, timeLimitMs); } finally {
        inFlight.delete(i);
        recent.push([i, input]);
        if (recent.length > 2 * concurrency) recent.shift();
      }
      if (o.kind !== 'ok') {
        // A failure that belongs to a server already replaced is re-run rather than counted.
        if (!(await handleFailure(o.kind, i, input, o.reason, epoch))) {
          const again = await runOne(server, input.bytes, timeLimitMs);
          if (again.kind === 'ok') passed++;
          else await handleFailure(again.kind, i, input, again.reason, serverEpoch);
        }
      } else {
        let bad = false;
        if ((i + 1) % checkEvery === 0 && !handling) {
          const rss = server.rssBytes();
          peakRss = Math.max(peakRss, rss);
          if (rss > rssLimit) {
            bad = await handleFailure('rss', i, input, `VmRSS ${(rss / 2 ** 20).toFixed(0)} MiB > ${(rssLimit / 2 ** 20).toFixed(0)} MiB`, epoch);
          } else if (!(await probe(server.socketPath, timeLimitMs)) && !(await probe(server.socketPath, timeLimitMs * STALL_FACTOR)) && epoch === serverEpoch) {
            bad = await handleFailure(server.exited ? 'crash' : 'hang', i, input, server.exited ? `server exited (${server.exitInfo})` : 'liveness probe unanswered', epoch);
          }
        }
        if (!bad) passed++;
      }
      progress();
    }
  };

  try {
    await Promise.all(Array.from({ length: concurrency }, () => worker()));
  } finally {
    await server.stop();
  }
  const elapsedMs = Date.now() - t0;
  return {
    inputs: opts.iterations, passed, failed: opts.iterations - passed,
    crashes: failures.filter((f) => f.kind === 'crash').length,
    hangs: failures.filter((f) => f.kind === 'hang').length,
    rssFailures: failures.filter((f) => f.kind === 'rss').length,
    exceptions: failures.filter((f) => f.kind === 'exception').length,
    stalls: stallsTotal + server.stalls,
    peakRssBytes: peakRss, elapsedMs, inputsPerSecond: opts.iterations / (elapsedMs / 1000), failures,
  };
}

export function formatSummary(s: FuzzSummary): string {
  const lines = [
    `[fuzz] inputs tried: ${s.inputs}`,
    `[fuzz] crashes: ${s.crashes}, hangs: ${s.hangs}, leaked exceptions: ${s.exceptions}, RSS failures: ${s.rssFailures}`,
    `[fuzz] peak RSS: ${(s.peakRssBytes / 2 ** 20).toFixed(0)} MiB; stalls (probe answered only after the time limit): ${s.stalls}`,
    `[fuzz] time: ${(s.elapsedMs / 1000).toFixed(1)} s (${s.inputsPerSecond.toFixed(1)} inputs/s)`,
  ];
  for (const f of s.failures) lines.push(`[fuzz]   ${f.kind} #${f.iteration}: ${f.reason}${f.file ? ` -> ${f.file}` : ''}`);
  lines.push(`${s.passed} passed, ${s.failed} failed`);
  return lines.join('\n');
}
