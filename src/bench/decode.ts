// Decode throughput and allocation: the virgl decoder and command handlers over the command streams
// of traces/, looped, into a context whose GPU side does nothing (null-sink.ts).
import { GCProfiler, getHeapStatistics } from 'node:v8';
import { PerformanceObserver, performance } from 'node:perf_hooks';
import { VirglCmd } from '../protocol/virgl-commands.js';
import { NullSinkContext } from './null-sink.js';
import type { LoadedTrace } from './traces.js';

/** One stream to loop: submits on their own context; `reset` means each pass starts from fresh state. */
interface Stream {
  ctx: NullSinkContext;
  submits: Uint32Array[];
  reset: boolean;
  bytes: number;
  commands: number;
}

export interface DecodeScope {
  name: string;
  description: string;
  streams: Stream[];
}

export interface DecodeRound {
  seconds: number;
  bytes: number;
  commands: number;
  passes: number;
  mbPerSecond: number;
  commandsPerSecond: number;
  bytesAllocated: number;
  bytesPerCommand: number;
  gcs: number;
  gcsFromProfiler: number;
}

function countCommands(submits: Uint32Array[]): number {
  let n = 0;
  for (const b of submits) for (let at = 0; at < b.length; at += 1 + (b[at] >>> 16)) n++;
  return n;
}

function stream(t: LoadedTrace, submits: Uint32Array[], reset: boolean): Stream {
  const ctx = new NullSinkContext();
  for (const r of t.resources) ctx.resources.create(r);
  let bytes = 0;
  for (const s of submits) bytes += s.byteLength;
  return { ctx, submits, reset, bytes, commands: countCommands(submits) };
}

/** Commands that create state: a steady-state segment must have none. */
function createsState(submits: Uint32Array[]): boolean {
  for (const b of submits) {
    for (let at = 0; at < b.length; at += 1 + (b[at] >>> 16)) {
      const c = b[at] & 0xff;
      if (c === VirglCmd.CREATE_OBJECT || c === VirglCmd.CREATE_SUB_CTX || c === VirglCmd.DESTROY_OBJECT || c === VirglCmd.DESTROY_SUB_CTX) return true;
    }
  }
  return false;
}

/**
 * Two scopes: every trace's whole stream from a fresh state each pass (object creation included),
 * and the steady state of the animated clients (their frames after `warmFrames`, looped without a
 * reset: what a long-running client sends every frame).
 */
export function decodeScopes(traces: LoadedTrace[], warmFrames = 10): DecodeScope[] {
  const full: DecodeScope = {
    name: 'all traces, whole streams', description: 'every SUBMIT_CMD of every trace; state reset before each pass',
    streams: traces.map((t) => stream(t, t.submits, true)),
  };
  const steady: DecodeScope = { name: 'steady state (gears)', description: `frames after ${warmFrames} of the animated traces, looped`, streams: [] };
  for (const t of traces) {
    if (t.frames <= warmFrames * 2) continue;
    const from = t.submitsBeforeFrame[warmFrames] + 1;
    const segment = t.submits.slice(from);
    if (segment.length === 0 || createsState(segment)) continue;
    const s = stream(t, t.submits, true);
    // Bring the context to the state it has at the segment's start, once.
    for (let i = 0; i < from; i++) s.ctx.submit(t.submits[i]);
    steady.streams.push({ ...s, submits: segment, reset: false, bytes: segment.reduce((n, b) => n + b.byteLength, 0), commands: countCommands(segment) });
  }
  return steady.streams.length ? [full, steady] : [full];
}

function pass(scope: DecodeScope): void {
  const streams = scope.streams;
  for (let s = 0; s < streams.length; s++) {
    const st = streams[s];
    if (st.reset) {
      st.ctx.resetState();
    }
    const submits = st.submits;
    const ctx = st.ctx;
    for (let i = 0; i < submits.length; i++) ctx.submit(submits[i]);
  }
}

const gcEntries: number[] = [];
let observer: PerformanceObserver | null = null;
function observeGc(): void {
  if (observer) return;
  observer = new PerformanceObserver((list) => { for (const e of list.getEntries()) gcEntries.push(e.startTime); });
  observer.observe({ entryTypes: ['gc'] });
}
export function stopObservingGc(): void { observer?.disconnect(); observer = null; }

const tick = (): Promise<void> => new Promise((r) => setImmediate(r));

/** One round: a warm-up pass set, then passes until `targetBytes` of stream were decoded. */
export async function decodeRound(scope: DecodeScope, targetBytes: number, warmupBytes: number): Promise<DecodeRound> {
  observeGc();
  let passBytes = 0;
  let passCommands = 0;
  for (const s of scope.streams) { passBytes += s.bytes; passCommands += s.commands; }
  const warm = Math.max(1, Math.ceil(warmupBytes / passBytes));
  for (let i = 0; i < warm; i++) pass(scope);
  const passes = Math.max(1, Math.ceil(targetBytes / passBytes));
  (globalThis as { gc?: () => void }).gc?.();
  await tick();
  const profiler = new GCProfiler();
  const gcBefore = gcEntries.length;
  const heapBefore = getHeapStatistics().used_heap_size;
  profiler.start();
  const t0 = performance.now();
  for (let i = 0; i < passes; i++) pass(scope);
  const t1 = performance.now();
  const prof = profiler.stop();
  const heapAfter = getHeapStatistics().used_heap_size;
  await tick();
  await tick();
  let gcs = 0;
  for (let i = gcBefore; i < gcEntries.length; i++) if (gcEntries[i] >= t0 && gcEntries[i] <= t1) gcs++;
  let freed = 0;
  for (const g of prof.statistics) freed += g.beforeGC.heapStatistics.usedHeapSize - g.afterGC.heapStatistics.usedHeapSize;
  const bytesAllocated = Math.max(0, heapAfter - heapBefore + freed);
  const seconds = (t1 - t0) / 1000;
  const bytes = passes * passBytes;
  const commands = passes * passCommands;
  return {
    seconds, bytes, commands, passes, mbPerSecond: bytes / 1e6 / seconds, commandsPerSecond: commands / seconds,
    bytesAllocated, bytesPerCommand: bytesAllocated / commands, gcs, gcsFromProfiler: prof.statistics.length,
  };
}
