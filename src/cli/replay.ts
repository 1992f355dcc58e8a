// `virgl-webgpu replay`: our renderer on a recorded client stream, frames as PNG, compared with golden.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { SingleBar } from 'cli-progress';
import { closeDevice, openNodeDevice, type DawnBackend } from '../gpu/node/dawn.js';
import { GL_DEVICE_OPTIONS, GlRenderer } from '../gl-backend/renderer.js';
import { TraceReader } from '../trace/reader.js';
import { FileSource } from '../trace/node/file-source.js';
import { replayTrace } from '../trace/replay.js';
import { frameToRgba8 } from '../trace/pixels.js';
import { compareImages, formatMetrics, kDefaultThresholds, type ImageMetrics } from '../trace/compare.js';
import { writePng } from '../trace/node/png.js';
import type { Logger } from '../server/renderer.js';
import { gpuErrorLogger, logLine } from './log.js';

export interface ReplayCliOptions {
  out: string;
  frames?: [number, number];
  compare?: boolean;
  progress: boolean;
  backend: DawnBackend;
}

interface FrameRow {
  frame: number;
  pass: boolean | null;
  reasons: string[];
  metrics: ImageMetrics | null;
  files: string[];
}

export async function replay(file: string, o: ReplayCliOptions): Promise<void> {
  const source = new FileSource(file);
  const reader = new TraceReader(source);
  if (reader.recovery) logLine(`trace was not closed cleanly; index rebuilt by scanning (${reader.recovery.reason})`);
  mkdirSync(o.out, { recursive: true });
  const thresholds = kDefaultThresholds;
  if (o.compare) {
    logLine(`thresholds: channel tolerance ±${thresholds.channelTolerance}, at most ${(thresholds.maxDifferingFraction * 100).toFixed(2)}% differing pixels, PSNR >= ${thresholds.minPsnr} dB`);
  }
  const gpu = await openNodeDevice({ ...GL_DEVICE_OPTIONS, backend: o.backend, log: logLine, onError: gpuErrorLogger() });
  const quiet: Logger = { info: () => {}, warn: (m) => logLine(`warning: ${m}`), error: (m) => logLine(`error: ${m}`) };
  const renderer = new GlRenderer(gpu, () => {});
  const [a, b] = o.frames ?? [0, reader.frames.length - 1];
  const total = Math.max(0, Math.min(b, reader.frames.length - 1) - a + 1);
  const bar = o.progress && process.stderr.isTTY
    ? new SingleBar({ format: 'replay [{bar}] {value}/{total} frames | {failed} failed', stream: process.stderr })
    : null;
  bar?.start(total, 0, { failed: 0 });
  const rows: FrameRow[] = [];
  let failed = 0;
  try {
    for await (const f of replayTrace(reader, renderer, { frames: [a, b], log: quiet })) {
      const stem = join(o.out, `frame-${String(f.info.index).padStart(5, '0')}`);
      const row: FrameRow = { frame: f.info.index, pass: null, reasons: [], metrics: null, files: [] };
      const ours = f.ours ? frameToRgba8(f.ours, f.info) : { rgba: null, reason: 'our server sent no pixels' };
      if (f.contextError) row.reasons.push(`context error: ${f.contextError}`);
      if (ours.rgba) {
        writePng(`${stem}.png`, ours.rgba, f.info.width, f.info.height);
        row.files.push(`${stem}.png`);
      } else {
        row.reasons.push(ours.reason);
      }
      if (o.compare) {
        const golden = frameToRgba8(f.golden, f.info);
        if (!golden.rgba) {
          row.pass = false;
          row.reasons.push(`golden: ${golden.reason}`);
        } else if (ours.rgba) {
          const actual = { width: f.info.width, height: f.info.height, data: ours.rgba };
          const result = compareImages(actual, { width: f.info.width, height: f.info.height, data: golden.rgba }, thresholds, { diff: true });
          row.pass = result.pass;
          row.metrics = result.metrics;
          row.reasons.push(...result.reasons);
          if (!result.pass) {
            writePng(`${stem}-golden.png`, golden.rgba, f.info.width, f.info.height);
            row.files.push(`${stem}-golden.png`);
            if (result.diff) {
              writePng(`${stem}-difference.png`, result.diff, f.info.width, f.info.height);
              row.files.push(`${stem}-difference.png`);
            }
          }
        } else {
          row.pass = false;
        }
        if (row.pass === false) failed++;
      }
      rows.push(row);
      bar?.increment(1, { failed });
      if (!bar) {
        const verdict = row.pass === null ? 'written' : row.pass ? 'pass' : 'FAIL';
        logLine(`frame ${row.frame}: ${verdict}${row.metrics ? ` (${formatMetrics(row.metrics)})` : ''}${row.reasons.length && !row.pass ? `: ${row.reasons.join('; ')}` : ''}`);
      }
    }
  } finally {
    bar?.stop();
    await closeDevice(gpu);
    source.close();
  }
  writeReport(o.out, file, rows, thresholds, o.compare === true);
  const passed = rows.filter((r) => r.pass === true).length;
  const summary = o.compare
    ? `${rows.length} frames: ${passed} passed, ${failed} failed`
    : `${rows.length} frames written to ${o.out}`;
  console.log(summary);
  if (o.compare && (failed > 0 || rows.length === 0)) process.exitCode = 1;
}

function writeReport(dir: string, trace: string, rows: FrameRow[], thresholds: object, compared: boolean): void {
  writeFileSync(join(dir, 'report.json'), JSON.stringify({ trace, thresholds, compared, frames: rows }, null, 2));
  const lines = [
    `# Replay of ${trace}`, '',
    compared ? `Thresholds: ${JSON.stringify(thresholds)}` : 'Not compared (run with --compare).', '',
    '| frame | result | metrics | notes |', '|---|---|---|---|',
    ...rows.map((r) => `| ${r.frame} | ${r.pass === null ? '-' : r.pass ? 'pass' : 'FAIL'} | ${r.metrics ? formatMetrics(r.metrics) : ''} | ${r.reasons.join('; ').replace(/\|/g, '/')} |`),
  ];
  writeFileSync(join(dir, 'report.md'), `${lines.join('\n')}\n`);
}
