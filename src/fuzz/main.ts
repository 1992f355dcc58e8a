#!/usr/bin/env node
// `npm run fuzz -- --iterations N --seed S [--time-limit-ms T] [--check-every K] [--rss-limit-mb M]
//  [--no-save] [--minimize-attempts A] [--concurrency C]`: fuzzes a real `serve` process. See docs/fuzzing.md.
import { formatSummary, fuzz } from './runner.js';

function parse(argv: string[]): Record<string, string> {
  const out: Record<string, string> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (!a.startsWith('--')) throw new Error(`unexpected argument ${a}`);
    const [k, v] = a.slice(2).split('=', 2) as [string, string | undefined];
    if (v !== undefined) out[k] = v;
    else if (k === 'no-save' || k === 'help') out[k] = '1';
    else out[k] = argv[++i] ?? '';
  }
  return out;
}

const num = (v: string | undefined, d: number): number => {
  if (v === undefined) return d;
  const n = Number(v);
  if (!Number.isFinite(n)) throw new Error(`not a number: ${v}`);
  return n;
};

async function main(): Promise<void> {
  const a = parse(process.argv.slice(2));
  if (a.help) {
    console.log('usage: npm run fuzz -- --iterations N --seed S [--time-limit-ms T] [--check-every K] [--rss-limit-mb M] [--no-save] [--minimize-attempts A] [--concurrency C]');
    return;
  }
  const summary = await fuzz({
    iterations: num(a.iterations, 1000),
    seed: num(a.seed, 1),
    timeLimitMs: num(a['time-limit-ms'], 2000),
    checkEvery: num(a['check-every'], 50),
    rssLimitBytes: num(a['rss-limit-mb'], 1536) * 2 ** 20,
    minimizeAttempts: num(a['minimize-attempts'], 20),
    concurrency: num(a.concurrency, 4),
    saveDir: a['no-save'] ? null : undefined,
  });
  console.log(formatSummary(summary));
  process.exitCode = summary.failed === 0 ? 0 : 1;
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? e.stack ?? e.message : String(e));
  process.exitCode = 2;
});
