// A short fixed-seed fuzz pass against a real `serve` process, and every saved reproducer replayed
// against a fresh server. Needs `npm run build` (the server under test is dist/cli/main.js).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REGRESSIONS_DIR, formatSummary, fuzz, reproduce } from '../../src/fuzz/runner.js';

describe('fuzz', () => {
  it('survives 300 fixed-seed inputs', async () => {
    const lines: string[] = [];
    const s = await fuzz({ iterations: 300, seed: 1, timeLimitMs: 2000, saveDir: null, minimizeAttempts: 0, log: (l) => lines.push(l) });
    const summary = formatSummary(s);
    expect(s.failed, `${lines.join('\n')}\n${summary}\n${s.failures.map((f) => f.serverLog).join('\n---\n')}`).toBe(0);
    expect(s.passed).toBe(300);
  }, 90_000);

  const files = (() => {
    try { return readdirSync(REGRESSIONS_DIR).filter((f) => f.endsWith('.bin')).sort(); } catch { return []; }
  })();
  it.each(files.length > 0 ? files : ['(none)'])('replays regression %s', async (f) => {
    if (f === '(none)') return;
    const bytes = new Uint8Array(readFileSync(join(REGRESSIONS_DIR, f)));
    const o = await reproduce(bytes, 2000);
    expect(o.kind, `${o.reason}\n${o.log}`).toBe('ok');
  }, 60_000);
});
