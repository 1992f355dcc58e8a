// 100,000 awaited clear + copy + mapAsync readbacks in one process, with forced GCs.
// Guards the dawn.node use-after-free (shared/reference/dawn-node-stability.md): without the
// GPU pin in src/gpu/node/dawn.ts this crashes at the first GC, within a few hundred iterations.
import { afterAll, beforeAll, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.js';
import { closeDevice, openNodeDevice } from '../../src/gpu/node/dawn.js';
import { readbackPoolStats, readTextureRGBA } from '../../src/gpu/readback.js';

const ITERATIONS = 100_000;
const GC_EVERY = 10_000;
const SIZE = 16;
/** Readbacks awaited one frame late; 1 makes the loop strictly serial. */
const IN_FLIGHT = 2;

let ctx: GpuContext;

beforeAll(async () => {
  ctx = await openNodeDevice({ log: (line) => console.log(line) });
});

afterAll(async () => {
  if (ctx) await closeDevice(ctx);
});

/** A colour that differs between neighbouring iterations and is exact in unorm8. */
function colourOf(i: number): [number, number, number] {
  return [i & 255, (i >> 8) & 255, (i * 37 + 11) & 255];
}

it(`survives ${ITERATIONS} awaited readbacks with forced GCs`, async () => {
  const gc = (globalThis as { gc?: () => void }).gc;
  if (!gc) console.warn('global.gc unavailable (run with --expose-gc): no forced GCs');
  // Two targets so one read can be in flight while the next frame renders: each readback is
  // still awaited, but a busy 2-core machine finishes in half the time of a strictly serial loop.
  const targets = Array.from({ length: IN_FLIGHT }, () => {
    const texture = ctx.device.createTexture({
      size: [SIZE, SIZE], format: 'rgba8unorm',
      usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
    });
    return { texture, view: texture.createView() };
  });
  const last = (SIZE * SIZE - 1) * 4;
  let bad = 0;
  let gcs = 0;
  const check = (px: Uint8Array, i: number): void => {
    const [r, g, b] = colourOf(i);
    if (px[0] !== r || px[1] !== g || px[2] !== b || px[3] !== 255 || px[last] !== r || px[last + 2] !== b) {
      if (bad++ < 5) console.error(`iteration ${i}: got ${[...px.subarray(0, 4)]} want ${r},${g},${b},255`);
    }
  };
  const inFlight: Promise<void>[] = [];
  const start = performance.now();

  for (let i = 0; i < ITERATIONS; i++) {
    // Reusing target i % IN_FLIGHT is safe: the read that used it last was awaited below.
    const { texture, view } = targets[i % IN_FLIGHT]!;
    const [r, g, b] = colourOf(i);
    const encoder = ctx.device.createCommandEncoder();
    encoder.beginRenderPass({
      colorAttachments: [{ view, loadOp: 'clear', storeOp: 'store', clearValue: [r / 255, g / 255, b / 255, 1] }],
    }).end();
    ctx.queue.submit([encoder.finish()]);
    inFlight.push(readTextureRGBA(ctx, texture).then((px) => check(px, i)));
    if (inFlight.length === IN_FLIGHT) await inFlight.shift();
    if (gc && i % GC_EVERY === GC_EVERY - 1) {
      gc();
      gcs++;
    }
  }
  await Promise.all(inFlight);

  const seconds = (performance.now() - start) / 1000;
  console.log(`readback stress: ${ITERATIONS} readbacks (${IN_FLIGHT} in flight) in ${seconds.toFixed(1)} s = ` +
    `${Math.round(ITERATIONS / seconds)}/s, ${gcs} forced GCs, pool ${JSON.stringify(readbackPoolStats(ctx.device))}`);
  expect(bad).toBe(0);
  expect(ctx.errorCount).toBe(0);
  expect(ctx.isLost).toBe(false);
  // One staging buffer per read in flight, none more once warm.
  expect(readbackPoolStats(ctx.device)).toEqual({ created: IN_FLIGHT, free: IN_FLIGHT, inUse: 0 });
  expect(seconds).toBeLessThan(60);
}, 120_000);
