// `npm run bench`: decode throughput and allocation, shader translation, trace replay and live
// clients, ours against virglrenderer where both exist. Prints a Markdown table and writes
// bench/results/<date>.json. Nothing here asserts a timing; docs/performance.md explains the figures.
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Command, InvalidArgumentError } from 'commander';
import { decodeRound, decodeScopes, stopObservingGc, type DecodeRound } from './decode.js';
import { fpsRun, memoryRun, startLiveEnv, stopLiveEnv, type ServerKind } from './live.js';
import { machineInfo, versions } from './machine.js';
import { timed } from './procs.js';
import { cell, figure, interleaved, ratio, type Figure } from './stats.js';
import { cachedUs, firstTranslationUs, tgsiSetup, uncachedUs } from './tgsi.js';
import { listTraces, loadTrace } from './traces.js';
import { exportRaw } from '../cli/export-raw.js';

const ROOT = resolve(fileURLToPath(import.meta.url), '../../..');
const CLI = join(ROOT, 'dist/cli/main.js');
const REPLAY_CHILD = join(ROOT, 'dist/bench/replay-child.js');
const SECTIONS = ['tgsi', 'decode', 'replay', 'live'] as const;
type Section = typeof SECTIONS[number];

interface Options {
  sections: Section[]; rounds: number; decodeMb: number; liveSeconds: number; memorySeconds: number;
  traces: string; out: string; display: string; replayTraces: string[]; pngReplay: boolean;
}

/** One row of the table: a figure for ours, optionally theirs and the ratio ours/theirs. */
interface Row { section: string; what: string; ours: Figure; theirs?: Figure; ratio?: Figure; note?: string }

const positiveInt = (v: string): number => {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
};

function log(line: string): void { process.stderr.write(`[bench] ${line}\n`); }

async function benchTgsi(o: Options, rows: Row[], raw: Record<string, unknown>, shaders: { text: string }[]): Promise<void> {
  const setup = tgsiSetup(shaders);
  log(`tgsi: ${setup.texts.length} distinct shaders (${setup.totalInTraces} in the traces), ${setup.failures.length} not translatable`);
  const first = firstTranslationUs(setup.texts);
  const [uncached, cached] = await interleaved(o.rounds, [() => uncachedUs(setup.texts, 200), () => cachedUs(setup.texts, 20000)]);
  rows.push({ section: 'tgsi', what: `first translation in a fresh process, µs/shader (${setup.texts.length} shaders)`, ours: figure('first', 'µs', first) });
  rows.push({ section: 'tgsi', what: 'uncached translation (parse, validate, analyse, emit WGSL), µs/shader', ours: figure('uncached', 'µs', uncached) });
  rows.push({ section: 'tgsi', what: 'cached (per-device cache lookup by text), µs/shader', ours: figure('cached', 'µs', cached) });
  raw.tgsi = { shaders: setup.texts.length, inTraces: setup.totalInTraces, failures: setup.failures, firstUs: first, uncachedUs: uncached, cachedUs: cached };
}

async function benchDecode(o: Options, rows: Row[], raw: Record<string, unknown>, traces: ReturnType<typeof loadTrace>[]): Promise<void> {
  const scopes = decodeScopes(traces);
  const out: Record<string, DecodeRound[]> = {};
  for (const scope of scopes) {
    const target = o.decodeMb * 1e6;
    const results: DecodeRound[] = [];
    for (let r = 0; r < o.rounds; r++) {
      results.push(await decodeRound(scope, target, Math.min(target / 4, 100e6)));
      log(`decode ${scope.name}: round ${r + 1}/${o.rounds}: ${results[r].mbPerSecond.toFixed(0)} MB/s, ${results[r].bytesPerCommand.toFixed(2)} B/command, ${results[r].gcs} GCs`);
    }
    out[scope.name] = results;
    const col = (k: keyof DecodeRound) => results.map((x) => x[k]);
    rows.push({ section: 'decode', what: `${scope.name}: MB/s of command stream`, ours: figure('MB/s', 'MB/s', col('mbPerSecond')) });
    rows.push({ section: 'decode', what: `${scope.name}: million commands/s`, ours: figure('Mcmd/s', 'Mcmd/s', col('commandsPerSecond').map((v) => v / 1e6)) });
    rows.push({ section: 'decode', what: `${scope.name}: bytes allocated per command`, ours: figure('B/cmd', 'B', col('bytesPerCommand')) });
    rows.push({
      section: 'decode', what: `${scope.name}: GCs while decoding ${(results[0].bytes / 1e9).toFixed(2)} GB`, ours: figure('GCs', '', col('gcs')),
      note: scope.description,
    });
  }
  stopObservingGc();
  raw.decode = out;
}

async function benchReplay(o: Options, rows: Row[], raw: Record<string, unknown>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'virgl-bench-replay-'));
  const env = { ...process.env, XDG_RUNTIME_DIR: dir };
  const out: Record<string, unknown> = {};
  try {
    for (const name of o.replayTraces) {
      const trace = join(o.traces, `${name}.vtrace`);
      const rawFile = join(dir, `${name}.raw`);
      exportRaw(trace, rawFile);
      const ours = async (): Promise<{ seconds: number; replayMs: number }> => {
        const r = await timed(process.execPath, [REPLAY_CHILD, trace], env);
        if (r.code !== 0) throw new Error(`replay of ${name} failed: ${r.out.slice(-2000)}`);
        const line = JSON.parse(r.out.split('\n').find((l) => l.startsWith('{')) ?? '{}') as { replayMs: number };
        return { seconds: r.seconds, replayMs: line.replayMs };
      };
      const theirs = async (): Promise<{ seconds: number; replayMs: number }> => {
        const r = await timed('virgl_test_server', ['--use-egl-surfaceless', rawFile], env);
        // It reads until EOF, then reports the end of input as a client error and exits 0.
        if (r.code !== 0 || !r.out.includes('VTEST_CLIENT_ERROR_INPUT_READ')) throw new Error(`virgl_test_server on ${name}: ${r.out.slice(-2000)}`);
        return { seconds: r.seconds, replayMs: NaN };
      };
      const oursCli = async (): Promise<{ seconds: number; replayMs: number }> => {
        const pngDir = join(dir, `png-${name}`);
        const r = await timed(process.execPath, [CLI, 'replay', trace, '--out', pngDir, '--no-progress'], env);
        rmSync(pngDir, { recursive: true, force: true });
        if (r.code !== 0) throw new Error(`virgl-webgpu replay ${name}: ${r.out.slice(-2000)}`);
        return { seconds: r.seconds, replayMs: NaN };
      };
      const sides = o.pngReplay && name === o.replayTraces[0] ? [ours, theirs, oursCli] : [ours, theirs];
      const res = await interleaved(o.rounds, sides, (r) => log(`replay ${name}: round ${r + 1}/${o.rounds}`));
      const oursS = res[0].map((x) => x.seconds);
      const theirsS = res[1].map((x) => x.seconds);
      rows.push({
        section: 'replay', what: `${name}: process wall time, s (ours: frames read back, no PNG)`, ours: figure('ours', 's', oursS),
        theirs: figure('virglrenderer', 's', theirsS), ratio: ratio('ours/theirs', oursS, theirsS),
      });
      rows.push({ section: 'replay', what: `${name}: ours, replay only (device already open), s`, ours: figure('ours', 's', res[0].map((x) => x.replayMs / 1000)) });
      if (res[2]) {
        const cliS = res[2].map((x) => x.seconds);
        rows.push({
          section: 'replay', what: `${name}: \`virgl-webgpu replay --out DIR\` (writes a PNG per frame), s`, ours: figure('ours-cli', 's', cliS),
          theirs: figure('virglrenderer', 's', theirsS), ratio: ratio('ours/theirs', cliS, theirsS),
        });
      }
      out[name] = { ours: res[0], virglrenderer: res[1], oursCli: res[2] ?? null };
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  raw.replay = out;
}

async function benchLive(o: Options, rows: Row[], raw: Record<string, unknown>): Promise<void> {
  const env = await startLiveEnv(o.display, process.execPath, CLI);
  const out: Record<string, unknown> = {};
  try {
    for (const client of ['glxgears', 'es2gears_x11']) {
      const res = await interleaved(o.rounds, (['ours', 'virglrenderer'] as ServerKind[]).map((k) => () => fpsRun(env, k, client, o.liveSeconds)),
        (r) => log(`live ${client}: round ${r + 1}/${o.rounds}`));
      const a = res[0].map((x) => x.fps);
      const b = res[1].map((x) => x.fps);
      rows.push({
        section: 'live', what: `${client} (300×300), FPS after the first 5 s interval`, ours: figure('ours', 'FPS', a),
        theirs: figure('virglrenderer', 'FPS', b), ratio: ratio('ours/theirs', a, b),
      });
      out[client] = { ours: res[0], virglrenderer: res[1] };
    }
    for (const n of [1, 8]) {
      const res = await interleaved(o.rounds, (['ours', 'virglrenderer'] as ServerKind[]).map((k) => () => memoryRun(env, k, n, o.memorySeconds)),
        (r) => log(`memory with ${n} glxgears: round ${r + 1}/${o.rounds}`));
      const mib = (k: 'rssKiB' | 'pssKiB', i: number) => res[i].map((x) => x.memory[k] / 1024);
      rows.push({
        section: 'live', what: `server RSS with ${n} glxgears client${n > 1 ? 's' : ''}, MiB (virglrenderer: its process tree, one process per client)`,
        ours: figure('ours', 'MiB', mib('rssKiB', 0)), theirs: figure('virglrenderer', 'MiB', mib('rssKiB', 1)), ratio: ratio('ours/theirs', mib('rssKiB', 0), mib('rssKiB', 1)),
      });
      rows.push({
        section: 'live', what: `server PSS with ${n} glxgears client${n > 1 ? 's' : ''}, MiB (shared pages counted once)`,
        ours: figure('ours', 'MiB', mib('pssKiB', 0)), theirs: figure('virglrenderer', 'MiB', mib('pssKiB', 1)), ratio: ratio('ours/theirs', mib('pssKiB', 0), mib('pssKiB', 1)),
      });
      if (n === 1) {
        const idle = (i: number) => res[i].map((x) => x.idle.rssKiB / 1024);
        rows.push({ section: 'live', what: 'server RSS before any client, MiB', ours: figure('ours', 'MiB', idle(0)), theirs: figure('virglrenderer', 'MiB', idle(1)), ratio: ratio('ours/theirs', idle(0), idle(1)) });
      }
      out[`memory-${n}`] = { ours: res[0], virglrenderer: res[1] };
    }
  } finally {
    await stopLiveEnv(env);
  }
  raw.live = out;
}

function table(rows: Row[]): string {
  const lines = ['| section | figure | ours | virglrenderer | ours/theirs |', '|---|---|---|---|---|'];
  for (const r of rows) {
    lines.push(`| ${r.section} | ${r.what} | ${cell(r.ours)} | ${r.theirs ? cell(r.theirs) : ''} | ${r.ratio ? cell(r.ratio) : ''} |`);
  }
  return lines.join('\n');
}

async function main(): Promise<void> {
  const program = new Command('bench')
    .description('virgl-webgpu benchmarks (figures are median and min–max over interleaved rounds)')
    .option('--sections <list>', `comma-separated: ${SECTIONS.join(',')}`, (v) => {
      const list = v.split(',').map((s) => s.trim()).filter(Boolean);
      for (const s of list) if (!SECTIONS.includes(s as Section)) throw new InvalidArgumentError(`unknown section ${s}`);
      return list as Section[];
    }, [...SECTIONS])
    .option('--rounds <n>', 'rounds per comparison (at least 5 for quoted figures)', positiveInt, 5)
    .option('--decode-mb <n>', 'MB of command stream decoded per round and scope', positiveInt, 1000)
    .option('--live-seconds <n>', 'seconds per live client run (FPS lines come every 5 s; the first is warm-up)', positiveInt, 11)
    .option('--memory-seconds <n>', 'seconds the clients run before the server memory is read', positiveInt, 7)
    .option('--traces <dir>', 'trace directory', join(ROOT, 'traces'))
    .option('--replay-traces <names>', 'traces replayed on both servers', (v) => v.split(','), ['glxgears', 'es2gears_x11'])
    .option('--no-png-replay', 'skip timing `virgl-webgpu replay` with its PNG output')
    .option('--display <:N>', 'X display for Xvfb', ':61')
    .option('--out <dir>', 'results directory', join(ROOT, 'bench/results'));
  program.parse(process.argv);
  const o = program.opts<Options>();
  const started = new Date();
  const rows: Row[] = [];
  const raw: Record<string, unknown> = {};
  const machine = machineInfo();
  const vers = versions();
  log(`${machine.cpuModel}, ${machine.cores} cores, ${machine.memoryGiB} GiB; node ${vers.node}, Mesa ${vers.mesa}, virglrenderer ${vers.virglrenderer}, webgpu ${vers.webgpu}`);
  const traces = listTraces(o.traces).map(loadTrace);
  log(`${traces.length} traces loaded`);
  // First: the translator's first-call figure needs a process that has not translated anything yet.
  if (o.sections.includes('tgsi')) await benchTgsi(o, rows, raw, traces.flatMap((t) => t.shaders));
  if (o.sections.includes('decode')) await benchDecode(o, rows, raw, traces);
  if (o.sections.includes('replay')) await benchReplay(o, rows, raw);
  if (o.sections.includes('live')) await benchLive(o, rows, raw);
  const md = table(rows);
  const result = {
    date: started.toISOString(), seconds: (Date.now() - started.getTime()) / 1000, machine: { ...machine, loadAverageAtEnd: (await import('node:os')).loadavg() },
    versions: vers, options: o, traces: traces.map((t) => ({ name: t.name, frames: t.frames, submits: t.submits.length, clientBytes: t.clientBytes })),
    figures: rows.map((r) => ({ section: r.section, what: r.what, ours: r.ours, theirs: r.theirs ?? null, ratio: r.ratio ?? null, note: r.note ?? null })),
    raw, table: md,
  };
  mkdirSync(o.out, { recursive: true });
  const file = join(o.out, `${started.toISOString().replace(/[:]/g, '-').replace(/\..*$/, '')}Z.json`);
  writeFileSync(file, `${JSON.stringify(result, null, 2)}\n`);
  process.stdout.write(`${md}\n\nResults: ${file}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`bench: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
