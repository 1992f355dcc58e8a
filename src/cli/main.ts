#!/usr/bin/env node
// virgl-webgpu: the command-line entry point. Each subcommand lives in its own module.
import { Command, InvalidArgumentError, Option } from 'commander';
import { VTEST_DEFAULT_SOCKET } from '../protocol/vtest.js';
import { DEFAULT_LIMITS, LIMIT_FLAGS, limitToFlagValue } from '../server/limits.js';
import { TOOL_VERSION } from './version.js';

const backendOption = () => new Option('--backend <name>', 'WebGPU backend (Dawn)')
  .choices(['default', 'vulkan', 'd3d12', 'metal', 'opengles', 'null']).default('default');

function parseMode(v: string): number {
  if (!/^[0-7]{3,4}$/.test(v)) throw new InvalidArgumentError('expected an octal file mode such as 0660');
  return parseInt(v, 8);
}

function parsePositive(v: string): number {
  const n = Number(v);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError('expected a positive number');
  return n;
}

function parseFrames(v: string): [number, number] {
  const m = /^(\d+)?(?:\.\.(\d+)?)?$/.exec(v);
  if (!m || (m[1] === undefined && m[2] === undefined)) throw new InvalidArgumentError('expected A..B, A.., ..B or N');
  const a = m[1] === undefined ? 0 : Number(m[1]);
  const b = m[2] === undefined ? (v.includes('..') ? Infinity : a) : Number(m[2]);
  if (b < a) throw new InvalidArgumentError('the range ends before it starts');
  return [a, b];
}

function parseVersion(v: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 3) throw new InvalidArgumentError('expected 0, 2 or 3');
  return n;
}

const program = new Command('virgl-webgpu')
  .description('A host renderer for virtual GPUs: Mesa virgl over vtest, rendered with WebGPU')
  .version(TOOL_VERSION);

const serveCmd = program.command('serve')
  .description('serve vtest clients (a drop-in for virgl_test_server)')
  .option('--socket-path <path>', 'UNIX socket path', VTEST_DEFAULT_SOCKET)
  .option('--socket-mode <octal>', 'socket file mode (default 0600: owner only; 0660 with --socket-group)', parseMode, 0o600)
  .option('--socket-group <group>', 'group name or id to give the socket file (share it with that group)')
  .option('--multi-clients', 'accepted for compatibility: several clients are always served, each isolated')
  .option('--no-fork', 'accepted for compatibility: clients are served in this process')
  .option('--use-egl-surfaceless', 'accepted for compatibility (virgl_test_server flag)')
  .option('--use-glx', 'accepted for compatibility (virgl_test_server flag)')
  .option('--use-gles', 'accepted for compatibility (virgl_test_server flag)')
  .option('--max-protocol <n>', 'highest vtest protocol version to negotiate (0, 2 or 3; 2+ needs the native addon)', parseVersion)
  .option('--record <dir>', 'write each client session to DIR/client-N.vtrace (any protocol version)')
  .addOption(backendOption())
  .action(async (o) => (await import('./serve.js')).serve(o));
for (const l of LIMIT_FLAGS) {
  const unit = l.unit === 'count' ? '' : ` (${l.unit})`;
  serveCmd.option(`--${l.flag} <n>`, `per-client limit: ${l.what}${unit}; default ${limitToFlagValue(l.key, DEFAULT_LIMITS[l.key])}`, parsePositive);
}

program.command('record')
  .description('record a vtest session through a proxy in front of another vtest server')
  .requiredOption('--upstream <socket>', 'socket of the server that renders (e.g. virgl_test_server)')
  .requiredOption('--socket-path <path>', 'socket that clients connect to')
  .requiredOption('--out <file>', 'trace file to write (further clients: FILE.2, FILE.3, ...)')
  .addOption(new Option('--caps <source>', 'caps the client sees').choices(['upstream', 'ours']).default('upstream'))
  .option('--once', 'exit after the first client disconnects')
  .addOption(backendOption())
  .action(async (o) => (await import('./record.js')).record(o));

program.command('replay')
  .description('replay a trace on our renderer, writing each frame as PNG')
  .argument('<trace>', 'trace file')
  .requiredOption('--out <dir>', 'output directory')
  .option('--frames <A..B>', 'frames to write and compare', parseFrames)
  .option('--compare', 'compare with the golden frames recorded from the reference server')
  .option('--no-progress', 'no progress bar')
  .addOption(backendOption())
  .action(async (file, o) => (await import('./replay.js')).replay(file, o));

program.command('golden')
  .description('extract the golden frames (what the recorded server sent back) as PNG')
  .argument('<trace>', 'trace file')
  .requiredOption('--out <dir>', 'output directory')
  .option('--frames <A..B>', 'frames to extract', parseFrames)
  .action(async (file, o) => (await import('./golden.js')).golden(file, o));

program.command('export-raw')
  .description('write the client-to-server bytes of a trace (the raw vtest stream), e.g. for `virgl_test_server FILE`')
  .argument('<trace>', 'trace file')
  .argument('<out>', 'file to write')
  .action(async (file, out) => (await import('./export-raw.js')).exportRawCommand(file, out));

program.command('tgsi')
  .description('print the WGSL that a TGSI text file (as Mesa\'s virgl driver sends it) translates to')
  .argument('<file>', 'TGSI text file')
  .option('--stage <stage>', 'check that the shader is of this stage (vertex, fragment, compute)')
  .action(async (file, o) => (await import('./tgsi.js')).tgsi(file, o));

program.command('info')
  .description('print the trace header, its frames, or the WebGPU adapter')
  .argument('[trace]', 'trace file (without one: the adapter)')
  .addOption(backendOption())
  .action(async (file, o) => (await import('./info.js')).info(file, o));

program.parseAsync(process.argv).catch((e: unknown) => {
  console.error(`virgl-webgpu: ${e instanceof Error ? e.message : String(e)}`);
  process.exit(1);
});
