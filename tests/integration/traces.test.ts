// Every trace in traces/ replays on our renderer and matches virglrenderer's golden frames.
import { describe, expect, it } from 'vitest';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import { CLI, ROOT, start } from '../helpers/processes.js';

const traces = readdirSync(join(ROOT, 'traces')).filter((f) => f.endsWith('.vtrace')).sort();

describe('traces replay within thresholds', () => {
  it('has traces to replay', () => expect(traces.length).toBeGreaterThanOrEqual(4));
  for (const t of traces) {
    it(t, async () => {
      const out = join(ROOT, 'out', 'traces', t.replace(/\.vtrace$/, ''));
      const p = start(process.execPath, [CLI, 'replay', join(ROOT, 'traces', t), '--out', out, '--compare', '--no-progress']);
      const code = await p.exited;
      const summary = /(\d+) frames: (\d+) passed, (\d+) failed/.exec(p.output());
      expect(summary, p.output().slice(-2000)).not.toBeNull();
      const [, frames, passed, failed] = summary!.map(Number);
      expect(frames).toBeGreaterThan(0);
      expect({ passed, failed }, `see ${out}/report.md`).toEqual({ passed: frames, failed: 0 });
      expect(code).toBe(0);
    });
  }
});
