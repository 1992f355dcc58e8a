// The conformance report: a text table for the terminal, results.json and results.md.

import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { emptyTotals, OUTCOMES, summaryLine, type PiglitTest, type Totals } from './piglit.js';
import type { RunResult } from './runner.js';

export interface TestRow extends PiglitTest {
  ours?: RunResult;
  virglrenderer?: RunResult;
}

export interface ServerDeaths {
  restarts: number;
  deaths: { at: string; exit: string }[];
}

export interface Report {
  list: string;
  against: 'virglrenderer' | null;
  jobs: number;
  timeoutS: number;
  filter: string | null;
  startedAt: string;
  durationS: number;
  servers: { ours: ServerDeaths; virglrenderer?: ServerDeaths };
  totals: { ours: Totals; virglrenderer?: Totals };
  tests: TestRow[];
}

export function totals(rows: TestRow[], column: 'ours' | 'virglrenderer'): Totals {
  const t = emptyTotals();
  for (const r of rows) {
    const res = r[column];
    if (res) t[res.result]++;
  }
  return t;
}

const cell = (r: RunResult | undefined): string => r ? r.result : '-';

/** Fixed-width table, then virglrenderer's totals (when run), then ours as the closing line. */
export function textReport(rep: Report): string {
  const both = rep.against !== null;
  const w = Math.min(90, Math.max(4, ...rep.tests.map((t) => t.name.length)));
  const head = ['test'.padEnd(w), 'ours'.padEnd(8), both ? 'virglrenderer' : ''].join('  ').trimEnd();
  const lines = [head, '-'.repeat(head.length)];
  for (const t of rep.tests) {
    const name = t.name.length > w ? `${t.name.slice(0, w - 1)}…` : t.name.padEnd(w);
    lines.push([name, cell(t.ours).padEnd(8), both ? cell(t.virglrenderer) : ''].join('  ').trimEnd());
  }
  lines.push('', totalsTable(rep), '');
  lines.push(...deathLines(rep));
  lines.push(`${rep.tests.length} tests in ${rep.durationS.toFixed(1)} s, ${rep.jobs} jobs, timeout ${rep.timeoutS} s`);
  if (rep.totals.virglrenderer) lines.push(`virglrenderer: ${summaryLine(rep.totals.virglrenderer)}`);
  lines.push(summaryLine(rep.totals.ours));
  return `${lines.join('\n')}\n`;
}

function totalsTable(rep: Report): string {
  const cols: [string, Totals][] = [['ours', rep.totals.ours]];
  if (rep.totals.virglrenderer) cols.push(['virglrenderer', rep.totals.virglrenderer]);
  const rows = [['', ...cols.map((c) => c[0])], ...OUTCOMES.map((o) => [o, ...cols.map((c) => String(c[1][o]))])];
  return rows.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(8) : c.padStart(13))).join('  ').trimEnd()).join('\n');
}

function deathLines(rep: Report): string[] {
  const out: string[] = [];
  for (const [label, d] of Object.entries(rep.servers)) {
    if (!d || d.restarts === 0) continue;
    const crashed = rep.tests.filter((t) => t[label as 'ours' | 'virglrenderer']?.note?.includes('server died')).map((t) => t.name);
    out.push(`${label} server died ${d.restarts} time(s) and was restarted (${d.deaths.map((x) => x.exit).join(', ')}); counted as crashes: ${crashed.join(', ') || 'none'}`);
  }
  return out;
}

const md = (s: string): string => s.replace(/\|/g, '\\|');

export function markdownReport(rep: Report): string {
  const both = rep.against !== null;
  const out = [
    '# Conformance: piglit through virpipe', '',
    `List \`${rep.list}\`${rep.filter ? `, filter \`${md(rep.filter)}\`` : ''}; ${rep.tests.length} tests, ${rep.jobs} jobs, timeout ${rep.timeoutS} s; started ${rep.startedAt}, took ${rep.durationS.toFixed(1)} s.`, '',
    `- ours: ${summaryLine(rep.totals.ours)}`,
  ];
  if (rep.totals.virglrenderer) out.push(`- virglrenderer: ${summaryLine(rep.totals.virglrenderer)}`);
  for (const l of deathLines(rep)) out.push(`- **${l}**`);
  out.push('', '```', totalsTable(rep), '```', '');
  if (both) {
    const diff = rep.tests.filter((t) => t.ours?.result !== t.virglrenderer?.result);
    out.push(`## Different from virglrenderer (${diff.length})`, '', '| test | ours | virglrenderer | note |', '|---|---|---|---|');
    for (const t of diff) out.push(`| ${md(t.name)} | ${cell(t.ours)} | ${cell(t.virglrenderer)} | ${md(t.ours?.note ?? t.virglrenderer?.note ?? '')} |`);
    out.push('');
  }
  out.push('## All tests', '', `| # | test | ours |${both ? ' virglrenderer |' : ''}`, `|---|---|---|${both ? '---|' : ''}`);
  rep.tests.forEach((t, i) => out.push(`| ${i + 1} | ${md(t.name)} | ${cell(t.ours)} |${both ? ` ${cell(t.virglrenderer)} |` : ''}`));
  out.push('', 'Per-test output: `logs/<server>/<#>.log`.', '');
  return out.join('\n');
}

export function writeReports(dir: string, rep: Report): void {
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, 'results.json'), `${JSON.stringify(rep, null, 2)}\n`);
  writeFileSync(join(dir, 'results.md'), markdownReport(rep));
}
