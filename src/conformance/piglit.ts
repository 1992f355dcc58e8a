// Piglit test lists and results: one shell command per line, a `PIGLIT: {"result": ...}` line at the end.

import { existsSync, readFileSync } from 'node:fs';
import { basename } from 'node:path';

export const PIGLIT_DIR = '/usr/lib/x86_64-linux-gnu/piglit';

/** piglit's own results plus ours: no result line is a crash, the harness's limit is a timeout. */
export type Outcome = 'pass' | 'fail' | 'skip' | 'warn' | 'crash' | 'timeout';
export const OUTCOMES: readonly Outcome[] = ['pass', 'fail', 'skip', 'warn', 'crash', 'timeout'];

export interface PiglitTest {
  /** Short unique name for tables, e.g. `fbo-clear-formats GL_ARB_texture_rg`. */
  name: string;
  /** The shell command, run with `bash -c`. */
  line: string;
}

/** Reads a list: blank lines and `#` comments are ignored. Throws when the file is missing. */
export function readTestList(path: string): PiglitTest[] {
  if (!existsSync(path)) throw new Error(`test list ${path} does not exist`);
  const lines = readFileSync(path, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  const seen = new Map<string, number>();
  return lines.map((line) => {
    const base = testName(line);
    const n = (seen.get(base) ?? 0) + 1;
    seen.set(base, n);
    return { name: n === 1 ? base : `${base} #${n}`, line };
  });
}

const TESTS_PREFIX = new RegExp(`^${PIGLIT_DIR.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}/(generated_)?tests/`);

/** The binary's basename and its arguments without the flags every test carries; shader tests by their file. */
export function testName(line: string): string {
  const words = splitWords(line).filter((w) => w !== '-auto' && w !== '-fbo');
  if (words.length === 0) return line;
  const bin = basename(words[0]);
  const args = words.slice(1).map((w) => w.replace(TESTS_PREFIX, ''));
  if (bin === 'shader_runner' && args.length > 0) return args.join(' ').replace(/\.shader_test\b/, '');
  return [bin, ...args].join(' ');
}

/** Whitespace split that keeps single- or double-quoted words whole (quotes removed). */
function splitWords(line: string): string[] {
  const out: string[] = [];
  const re = /"([^"]*)"|'([^']*)'|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line)) out.push(m[1] ?? m[2] ?? m[3]);
  return out;
}

const RESULT_LINE = /^PIGLIT:\s*(\{.*"result".*\})\s*$/;

/** The last `PIGLIT: {"result": ...}` line's result, or null when there is none (the test crashed). */
export function parseResult(output: string): Exclude<Outcome, 'crash' | 'timeout'> | null {
  const lines = output.split('\n');
  for (let i = lines.length - 1; i >= 0; i--) {
    const m = RESULT_LINE.exec(lines[i].trim());
    if (!m) continue;
    try {
      const r: unknown = (JSON.parse(m[1]) as { result?: unknown }).result;
      if (r === 'pass' || r === 'fail' || r === 'skip' || r === 'warn') return r;
      // piglit also knows "crash"/"timeout"/"incomplete" from its framework; all are failures here.
      return 'fail';
    } catch {
      continue;
    }
  }
  return null;
}

export type Totals = Record<Outcome, number>;

export function emptyTotals(): Totals {
  return { pass: 0, fail: 0, skip: 0, warn: 0, crash: 0, timeout: 0 };
}

/** `N passed, N failed, N skipped`, where failed counts everything neither passed nor skipped. */
export function summaryLine(t: Totals): string {
  const failed = t.fail + t.warn + t.crash + t.timeout;
  const extra = [t.warn && `${t.warn} warned`, t.crash && `${t.crash} crashed`, t.timeout && `${t.timeout} timed out`].filter(Boolean);
  return `${t.pass} passed, ${failed} failed, ${t.skip} skipped${extra.length ? ` (of the failed: ${extra.join(', ')})` : ''}`;
}
