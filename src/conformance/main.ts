#!/usr/bin/env node
// `npm run conformance -- --list FILE [--against virglrenderer] [--jobs N] [--filter REGEX] [--timeout S]`:
// piglit through Mesa's virpipe against our server and, side by side, virglrenderer. It is a report:
// failing tests exit 0; only a harness failure (missing list, a server that will not start) does not.

import { Command, InvalidArgumentError, Option } from 'commander';
import { SingleBar } from 'cli-progress';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, rmSync, type WriteStream } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readTestList, type PiglitTest } from './piglit.js';
import { textReport, totals, writeReports, type Report, type TestRow } from './report.js';
import { abortRunning, runAll, type RunResult, type Task } from './runner.js';
import { ManagedServer, ourServerSpec, startXvfb, virglrendererSpec, type Child } from './servers.js';

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

interface Options {
  list: string;
  against?: 'virglrenderer';
  jobs: number;
  filter?: string;
  timeout: number;
  out: string;
  oursCli: string;
  progress: boolean;
}

function positiveInt(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError('expected a positive integer');
  return n;
}

function regex(v: string): string {
  try {
    new RegExp(v);
  } catch (e) {
    throw new InvalidArgumentError(String(e));
  }
  return v;
}

const program = new Command('conformance')
  .description('piglit through virpipe against our vtest server (and virglrenderer), as a report')
  .requiredOption('--list <file>', 'test list: one piglit command line per line')
  .addOption(new Option('--against <server>', 'also run every test against this reference').choices(['virglrenderer']))
  .option('--jobs <n>', 'tests at a time, over both servers', positiveInt, 2)
  .option('--filter <regex>', 'only tests whose name (as in the table) matches', regex)
  .option('--timeout <s>', 'seconds before a test counts as timed out', positiveInt, 60)
  .option('--out <dir>', 'report directory', join(ROOT, 'out/conformance'))
  .option('--ours-cli <file>', 'our server\'s entry point (e.g. another build to compare)', join(ROOT, 'dist/cli/main.js'))
  .option('--no-progress', 'no progress bar');

async function main(o: Options): Promise<number> {
  let tests: PiglitTest[];
  try {
    tests = readTestList(resolve(o.list));
  } catch (e) {
    console.error(`conformance: ${e instanceof Error ? e.message : String(e)}`);
    return 2;
  }
  if (o.filter) {
    const re = new RegExp(o.filter);
    tests = tests.filter((t) => re.test(t.name)); // not the line: every line has -fbo, -auto and the same path
  }
  const cli = resolve(o.oursCli);
  if (!existsSync(cli)) {
    console.error(`conformance: ${cli} is missing; run npm run build`);
    return 2;
  }
  const out = resolve(o.out);
  // A failed run must not leave the previous run's report looking current.
  for (const f of ['logs', 'results.json', 'results.md']) rmSync(join(out, f), { recursive: true, force: true });
  mkdirSync(out, { recursive: true });
  const tmp = mkdtempSync(join(tmpdir(), 'vwg-conformance-'));
  // Mesa and Xvfb complain without a private runtime directory.
  const env: NodeJS.ProcessEnv = { ...process.env, XDG_RUNTIME_DIR: join(tmp, 'xdg') };
  mkdirSync(env.XDG_RUNTIME_DIR!, { mode: 0o700 });
  const logs: WriteStream[] = [];
  const logFile = (name: string): WriteStream => { const s = createWriteStream(join(out, name)); logs.push(s); return s; };

  const servers: ManagedServer[] = [];
  let xvfb: Child | null = null;
  let bar: SingleBar | null = null;
  let cleaned: Promise<void> | null = null;
  const cleanup = (): Promise<void> => cleaned ??= (async () => {
    bar?.stop();
    servers.forEach((s) => abortRunning(s, 'the harness stopped'));
    await Promise.all(servers.map((s) => s.stop()));
    await xvfb?.stop();
    logs.forEach((l) => l.end());
    rmSync(tmp, { recursive: true, force: true });
  })();
  const onSignal = (): void => { void cleanup().then(() => process.exit(130)); };
  process.once('SIGINT', onSignal);
  process.once('SIGTERM', onSignal);

  const startedAt = new Date();
  try {
    const x = await startXvfb(env, logFile('xvfb.log'));
    xvfb = x.child;
    const ours = new ManagedServer(ourServerSpec(cli, tmp), env, logFile('ours-server.log'));
    servers.push(ours);
    const ref = o.against ? new ManagedServer(virglrendererSpec(tmp), env, logFile('virglrenderer-server.log')) : null;
    if (ref) servers.push(ref);
    for (const s of servers) {
      s.onDeath = () => {
        const msg = `${s.spec.label} server died (${s.deaths.at(-1)?.exit}); restarting it`;
        if (bar) bar.update({ note: msg }); else console.error(`conformance: ${msg}`);
        abortRunning(s, 'the server died during the test');
      };
    }
    await Promise.all(servers.map((s) => s.ready()));

    const rows: TestRow[] = tests.map((t) => ({ ...t }));
    const tasks: Task[] = [];
    tests.forEach((test, index) => servers.forEach((server) => tasks.push({ test, index, server })));
    const counts = { ours: 0, virglrenderer: 0 };
    if (o.progress && process.stderr.isTTY) {
      bar = new SingleBar({
        format: `conformance [{bar}] {value}/{total} | passed: ours {ours}${ref ? ', virglrenderer {virglrenderer}' : ''} | {eta_formatted} {note}`,
        stream: process.stderr, hideCursor: true,
      });
      bar.start(tasks.length, 0, { ...counts, note: '' });
    }
    let finished = 0;
    const done = (t: Task, r: RunResult): void => {
      const label = t.server.spec.label as 'ours' | 'virglrenderer';
      rows[t.index][label] = r;
      if (r.result === 'pass') counts[label]++;
      finished++;
      if (bar) bar.increment(1, counts);
      else if (finished % 25 === 0 || finished === tasks.length) console.error(`conformance: ${finished}/${tasks.length} done`);
    };
    await runAll(tasks, o.jobs, { display: x.display, timeoutS: o.timeout, logDir: join(out, 'logs'), env }, done);
    bar?.stop();
    bar = null;

    const deaths = (s: ManagedServer): Report['servers']['ours'] => ({ restarts: s.restarts, deaths: s.deaths });
    const report: Report = {
      list: o.list, against: o.against ?? null, jobs: o.jobs, timeoutS: o.timeout, filter: o.filter ?? null,
      startedAt: startedAt.toISOString(), durationS: (Date.now() - startedAt.getTime()) / 1000,
      servers: { ours: deaths(ours), ...(ref ? { virglrenderer: deaths(ref) } : {}) },
      totals: { ours: totals(rows, 'ours'), ...(ref ? { virglrenderer: totals(rows, 'virglrenderer') } : {}) },
      tests: rows,
    };
    writeReports(out, report);
    process.stdout.write(textReport(report));
    console.error(`conformance: reports in ${join(out, 'results.md')} and results.json; per-test logs in ${join(out, 'logs')}`);
    return 0;
  } catch (e) {
    console.error(`conformance: harness failure: ${e instanceof Error ? e.message : String(e)}`);
    return 1;
  } finally {
    await cleanup();
  }
}

program.action(async (o: Options) => { process.exitCode = await main(o); });
await program.parseAsync();

