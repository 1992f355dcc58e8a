#!/usr/bin/env node
// `npm run soak -- --clients 16 --seconds 60`: many real Mesa clients (glxgears, es2gears_x11, es2tri,
// glxdemo and piglit tests, each in a loop) against one `serve` process under Xvfb. Fails on any
// context error or dropped client in the server log, a client exiting with an error, RSS past a
// bound, or a static program's last frame differing from the golden captured from
// virgl_test_server at the start of the run. See docs/security.md (Load).
import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { diffXwd, xwdCapture, newWindow, windowIds } from './xwd.js';

const ROOT = resolve(import.meta.dirname, '../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const PIGLIT_DIR = '/usr/lib/x86_64-linux-gnu/piglit';
/** Piglit tests that pass on our server (docs/conformance.md), run with -auto -fbo. */
const PIGLIT_TESTS = ['fragment-center', 'glsl-fs-fragcoord', 'fbo-blit', 'fbo-alphatest-nocolor', 'glsl-fs-color-matrix', 'fbo-copypix', 'fbo-clear-formats'];

interface Options { clients: number; seconds: number; display: string; rssLimitMb: number; out: string }

function parseArgs(argv: string[]): Options {
  const o: Options = { clients: 16, seconds: 60, display: ':69', rssLimitMb: 2048, out: join(ROOT, 'out/soak') };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    const v = argv[i + 1];
    if (a === '--clients') { o.clients = Number(v); i++; } else if (a === '--seconds') { o.seconds = Number(v); i++; }
    else if (a === '--display') { o.display = String(v); i++; } else if (a === '--rss-limit-mb') { o.rssLimitMb = Number(v); i++; }
    else if (a === '--out') { o.out = resolve(String(v)); i++; }
    else throw new Error(`unknown argument ${a} (usage: --clients N --seconds S [--display :69] [--rss-limit-mb M] [--out DIR])`);
  }
  if (!(o.clients > 0) || !(o.seconds > 0)) throw new Error('--clients and --seconds must be positive');
  return o;
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const log = (line: string): void => { console.log(`[soak] ${line}`); };

interface Proc { child: ChildProcess; out: () => string; exited: Promise<number | null>; killedByUs: boolean }

function run(cmd: string, args: string[], env: NodeJS.ProcessEnv): Proc {
  const child = spawn(cmd, args, { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  const keep = (d: Buffer): void => { out += d.toString(); if (out.length > 1 << 20) out = out.slice(-(1 << 19)); };
  child.stdout!.on('data', keep);
  child.stderr!.on('data', keep);
  const p: Proc = { child, out: () => out, killedByUs: false, exited: new Promise((r) => child.on('exit', (code, sig) => r(code ?? (sig ? -1 : null)))) };
  return p;
}

async function stop(p: Proc, signal: NodeJS.Signals = 'SIGTERM'): Promise<number | null> {
  p.killedByUs = true;
  if (p.child.exitCode === null && p.child.signalCode === null) p.child.kill(signal);
  const t = setTimeout(() => p.child.kill('SIGKILL'), 5000);
  const code = await p.exited;
  clearTimeout(t);
  return code;
}

function rssOf(pid: number): number {
  try {
    const m = /VmRSS:\s+(\d+)\s+kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
    return m ? Number(m[1]) * 1024 : 0;
  } catch { return 0; }
}

async function waitFor(cond: () => boolean, what: string, ms = 30_000): Promise<void> {
  const t0 = Date.now();
  while (!cond()) {
    if (Date.now() - t0 > ms) throw new Error(`timed out waiting for ${what}`);
    await sleep(50);
  }
}

type Kind = 'glxgears' | 'es2gears_x11' | 'es2tri' | 'glxdemo' | 'piglit';
const STATIC: Kind[] = ['es2tri', 'glxdemo'];
/** Window names (xwininfo) of the static programs; glxdemo's window has none. */
const WINDOW_NAME: Partial<Record<Kind, string | null>> = { es2tri: 'OpenGL ES 2.x tri', glxdemo: null };
const ROTATION: Kind[] = ['glxgears', 'es2gears_x11', 'es2tri', 'glxdemo', 'piglit'];

interface Slot {
  index: number;
  kind: Kind;
  frames: number;
  runs: number;
  errors: string[];
  current: Proc | null;
  lastCompare: string;
  lastMatch: boolean | null;
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run npm run build first`);
  mkdirSync(o.out, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'vwg-soak-'));
  const xdg = join(tmp, 'xdg');
  mkdirSync(xdg, { mode: 0o700 });
  const procs: Proc[] = [];
  const cleanup = async (): Promise<void> => {
    for (const p of procs.reverse()) await stop(p).catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  };
  process.on('SIGINT', () => { void cleanup().then(() => process.exit(130)); });

  try {
    const display = o.display;
    const n = display.replace(':', '');
    // Every client's window opens at +0+0, so windows overlap and xwd would read whichever is on
    // top. The static programs that are compared therefore get a display per program (the next
    // display numbers), where every window shows the same picture, and a lock (below) keeps
    // instances from starting or stopping while one is being captured.
    const displays = [display, ...STATIC.map((_k, i) => `:${Number(n) + 1 + i}`)];
    for (const d of displays) {
      const dn = d.slice(1);
      if (existsSync(`/tmp/.X11-unix/X${dn}`) || existsSync(`/tmp/.X${dn}-lock`)) throw new Error(`display ${d} is in use (pick another with --display)`);
      const xvfb = run('Xvfb', [d, '-screen', '0', '1024x768x24', '+extension', 'GLX', '-noreset', '-nolisten', 'tcp'], {});
      procs.push(xvfb);
      await waitFor(() => existsSync(`/tmp/.X11-unix/X${dn}`) || xvfb.child.exitCode !== null, `Xvfb ${d}`);
    }
    const displayOf = (k: Kind): string => { const i = STATIC.indexOf(k); return i < 0 ? display : displays[1 + i]!; };
    const clientEnv = (sock: string, k?: Kind): NodeJS.ProcessEnv => ({
      DISPLAY: k ? displayOf(k) : display, GALLIUM_DRIVER: 'virpipe', LIBGL_ALWAYS_SOFTWARE: '1', VTEST_SOCKET_NAME: sock,
      XDG_RUNTIME_DIR: xdg, PIGLIT_SOURCE_DIR: PIGLIT_DIR, vblank_mode: '0',
    });

    // Goldens: each static program's window under virgl_test_server.
    const refSock = join(tmp, 'ref.sock');
    const ref = run('virgl_test_server', ['--use-egl-surfaceless', `--socket-path=${refSock}`], { XDG_RUNTIME_DIR: xdg });
    procs.push(ref);
    await waitFor(() => existsSync(refSock) || ref.child.exitCode !== null, 'virgl_test_server');
    const goldens = new Map<Kind, Buffer>();
    for (const k of STATIC) {
      const shot = await captureStatic(k, clientEnv(refSock, k), displayOf(k));
      goldens.set(k, shot);
      writeFileSync(join(o.out, `${k}-golden.xwd`), shot);
      log(`golden ${k} from virgl_test_server: ${shot.length} bytes`);
    }
    await stop(ref);

    const sock = join(tmp, 'ours.sock');
    const server = run(process.execPath, [CLI, 'serve', '--socket-path', sock], { XDG_RUNTIME_DIR: xdg });
    procs.push(server);
    await waitFor(() => server.out().includes('listening on') || server.child.exitCode !== null, 'our server');
    if (server.child.exitCode !== null) throw new Error(`server failed: ${server.out()}`);
    let peakRss = rssOf(server.child.pid!);
    const rssTimer = setInterval(() => { peakRss = Math.max(peakRss, rssOf(server.child.pid!)); }, 500);

    const slots: Slot[] = Array.from({ length: o.clients }, (_, i) => ({
      index: i, kind: ROTATION[i % ROTATION.length]!, frames: 0, runs: 0, errors: [], current: null, lastCompare: '', lastMatch: null,
    }));
    const t0 = Date.now();
    const deadline = t0 + o.seconds * 1000;
    log(`${o.clients} clients for ${o.seconds} s on ${display}: ${slots.map((s) => s.kind).join(' ')}`);
    await Promise.all(slots.map((s) => runSlot(s, clientEnv(sock, s.kind), displayOf(s.kind), deadline, goldens, o.out)));
    clearInterval(rssTimer);
    peakRss = Math.max(peakRss, rssOf(server.child.pid!));

    const serverLog = server.out();
    const code = await stop(server);
    const contextErrors = serverLog.split('\n').filter((l) => /context error|internal error|gpu error/.test(l));
    const drops = serverLog.split('\n').filter((l) => /disconnecting:/.test(l));
    writeFileSync(join(o.out, 'server.log'), serverLog);
    const frames = slots.reduce((a, s) => a + s.frames, 0);
    const clientErrors = slots.flatMap((s) => s.errors.map((e) => `client ${s.index} (${s.kind}): ${e}`));
    const mismatches = slots.filter((s) => s.lastMatch === false);
    const rssBad = peakRss > o.rssLimitMb * 2 ** 20;
    for (const s of slots) {
      log(`client ${String(s.index).padStart(2)} ${s.kind.padEnd(12)} runs ${String(s.runs).padStart(3)} frames ${String(s.frames).padStart(6)} errors ${s.errors.length}${s.lastCompare ? `  last frame: ${s.lastCompare}` : ''}`);
    }
    for (const l of [...contextErrors, ...drops].slice(0, 20)) log(`server: ${l}`);
    for (const e of clientErrors.slice(0, 20)) log(e);
    const errors = contextErrors.length + drops.length + clientErrors.length + mismatches.length + (rssBad ? 1 : 0) + (code === 0 ? 0 : 1);
    log(`clients: ${o.clients}, seconds: ${((Date.now() - t0) / 1000).toFixed(0)}, runs: ${slots.reduce((a, s) => a + s.runs, 0)}, frames: ${frames}`);
    log(`context errors: ${contextErrors.length}, disconnects: ${drops.length}, client errors: ${clientErrors.length}, last-frame mismatches: ${mismatches.length}, server exit: ${code}`);
    log(`peak server RSS: ${(peakRss / 2 ** 20).toFixed(0)} MiB (bound ${o.rssLimitMb} MiB)`);
    console.log(`${errors === 0 ? 'PASS' : 'FAIL'}: ${o.clients} clients, ${frames} frames, ${errors} errors, peak RSS ${(peakRss / 2 ** 20).toFixed(0)} MiB`);
    process.exitCode = errors === 0 ? 0 : 1;
  } finally {
    await cleanup();
  }
}

/** Starts a static program, waits for its window to settle, dumps it, stops it. */
async function captureStatic(kind: Kind, env: NodeJS.ProcessEnv, display: string): Promise<Buffer> {
  const before = await windowIds(display);
  const p = run(kind, [], env);
  try {
    const win = await newWindow(display, before, WINDOW_NAME[kind]!, 20_000);
    await sleep(1500);
    return await xwdCapture(display, win);
  } finally {
    await stop(p);
  }
}

/** One lock per display of static programs: start + capture, and stop, never overlap another's capture. */
const locks = new Map<string, Promise<void>>();
async function withLock<T>(key: string, fn: () => Promise<T>): Promise<T> {
  const prev = locks.get(key) ?? Promise.resolve();
  let release!: () => void;
  const mine = new Promise<void>((r) => { release = r; });
  locks.set(key, prev.then(() => mine));
  await prev;
  try { return await fn(); } finally { release(); }
}

async function runSlot(s: Slot, env: NodeJS.ProcessEnv, display: string, deadline: number, goldens: Map<Kind, Buffer>, out: string): Promise<void> {
  // Stagger start-up so 16 clients do not all connect in the same instant.
  await sleep(s.index * 150);
  let piglitIndex = s.index;
  while (Date.now() < deadline) {
    s.runs++;
    if (s.kind === 'glxgears' || s.kind === 'es2gears_x11') {
      // Runs until the deadline; frame counts come from its "N frames in T seconds" lines.
      // stdbuf: es2gears prints its frame counts with plain printf, lost in a pipe's buffer at SIGTERM.
      const p = run('stdbuf', ['-oL', s.kind], env);
      s.current = p;
      const left = deadline - Date.now();
      const res = await Promise.race([p.exited.then((c) => ({ exited: c })), sleep(left).then(() => null)]);
      const output = p.out();
      if (res) s.errors.push(`exited early with ${res.exited}: ${output.slice(-300)}`);
      else await stop(p);
      for (const m of output.matchAll(/(\d+) frames in/g)) s.frames += Number(m[1]);
      if (/error|fail/i.test(output.replace(/\d+ frames in [\d.]+ seconds = [\d.]+ FPS/g, ''))) s.errors.push(`output: ${output.slice(0, 300)}`);
    } else if (s.kind === 'piglit') {
      const test = PIGLIT_TESTS[piglitIndex++ % PIGLIT_TESTS.length]!;
      const p = run(join(PIGLIT_DIR, 'bin', test), ['-auto', '-fbo'], env);
      s.current = p;
      const t = setTimeout(() => { void stop(p); }, 60_000);
      const code = await p.exited;
      clearTimeout(t);
      const result = /PIGLIT: \{"result": "(\w+)"/.exec(p.out())?.[1];
      if (result === 'pass' || result === 'skip') s.frames++;
      else s.errors.push(`${test}: ${result ?? `exit ${code}, no PIGLIT result line; output ends: ${JSON.stringify(p.out().slice(-400))}`}`);
    } else {
      // Static program: its last frame must equal the golden.
      let p: Proc | null = null;
      try {
        const shot = await withLock(display, async () => {
          const before = await windowIds(display);
          p = run(s.kind, [], env);
          s.current = p;
          const win = await newWindow(display, before, WINDOW_NAME[s.kind]!, 30_000);
          await sleep(1500);
          return xwdCapture(display, win);
        });
        s.frames++;
        const d = diffXwd(shot, goldens.get(s.kind)!);
        s.lastMatch = d.ok;
        s.lastCompare = d.summary;
        if (!d.ok) writeFileSync(join(out, `${s.kind}-client${s.index}-run${s.runs}.xwd`), shot);
        const q = p as Proc | null;
        if (q && q.child.exitCode !== null && !q.killedByUs) s.errors.push(`exited with ${q.child.exitCode}: ${q.out().slice(-300)}`);
        // Keep the window up a while (a live client), then stop it under the lock.
        await sleep(Math.min(2000, Math.max(0, deadline - Date.now())));
      } catch (e) {
        s.errors.push(e instanceof Error ? e.message : String(e));
      } finally {
        const q = p as Proc | null;
        if (q) await withLock(display, () => stop(q));
      }
    }
    s.current = null;
  }
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exitCode = 2;
});
