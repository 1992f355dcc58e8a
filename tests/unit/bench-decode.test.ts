// The benchmark's pieces that must be right for its figures to mean anything: export-raw writes
// exactly the client's stream, and the null sink decodes every trace's commands without an error
// and (in the gears' steady state) without allocating. No timing is asserted.
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { describe, expect, it } from 'vitest';
import { exportRaw } from '../../src/cli/export-raw.js';
import { decodeScopes } from '../../src/bench/decode.js';
import { NullSinkContext } from '../../src/bench/null-sink.js';
import { listTraces, loadTrace } from '../../src/bench/traces.js';
import { VirglCmd } from '../../src/protocol/virgl-commands.js';
import { VCmd } from '../../src/protocol/vtest.js';
import { VtestFramer } from '../../src/server/framer.js';
import { DEFAULT_LIMITS } from '../../src/server/limits.js';

const TRACES = join(__dirname, '../../traces');

describe('export-raw', () => {
  it('writes the client-to-server messages back to back, as a framer reads them', () => {
    const dir = mkdtempSync(join(tmpdir(), 'export-raw-'));
    try {
      const out = join(dir, 'glxdemo.raw');
      const r = exportRaw(join(TRACES, 'glxdemo.vtrace'), out);
      const bytes = new Uint8Array(readFileSync(out));
      expect(bytes.length).toBe(r.bytes);
      expect(bytes.length).toBe(loadTrace(join(TRACES, 'glxdemo.vtrace')).clientBytes);
      const framer = new VtestFramer(DEFAULT_LIMITS.maxMessageBytes);
      framer.feed(bytes);
      const ids: number[] = [];
      for (let c = framer.next(); c; c = framer.next()) ids.push(c.id);
      expect(ids.length).toBe(r.messages);
      expect(ids[0]).toBe(VCmd.CREATE_RENDERER);
      expect(ids).toContain(VCmd.SUBMIT_CMD);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

describe('null GPU sink', () => {
  const traces = listTraces(TRACES).map(loadTrace);

  it('decodes every trace without a context error, counting each draw', () => {
    for (const t of traces) {
      const ctx = new NullSinkContext();
      for (const r of t.resources) ctx.resources.create(r);
      let draws = 0;
      for (const s of t.submits) {
        for (let at = 0; at < s.length; at += 1 + (s[at] >>> 16)) if ((s[at] & 0xff) === VirglCmd.DRAW_VBO) draws++;
        ctx.submit(s);
      }
      expect(ctx.counters.draws, t.name).toBe(draws);
    }
  });

  it('allocates nothing per command in the gears\' steady state', () => {
    const steady = decodeScopes(traces).find((s) => s.name.startsWith('steady'));
    expect(steady).toBeDefined();
    const run = (): number => {
      let commands = 0;
      for (let i = 0; i < 20; i++) for (const st of steady!.streams) { for (const b of st.submits) st.ctx.submit(b); commands += st.commands; }
      return commands;
    };
    run(); // warm-up: the JIT, and the constant slots grown once
    const profiler = new GCProfiler();
    const before = getHeapStatistics().used_heap_size;
    profiler.start();
    const commands = run();
    const stats = profiler.stop();
    const after = getHeapStatistics().used_heap_size;
    let freed = 0;
    for (const g of stats.statistics) freed += g.beforeGC.heapStatistics.usedHeapSize - g.afterGC.heapStatistics.usedHeapSize;
    // The measurement itself allocates a few hundred bytes; per command that is far below 1 byte.
    expect((after - before + freed) / commands).toBeLessThan(1);
  });
});
