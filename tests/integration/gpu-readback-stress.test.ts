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
  const tex = ctx.device.createTexture({
    size: [SIZE, SIZE], format: 'rgba8unorm',
    usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC,
  });
  const view = tex.createView();
  const last = (SIZE * SIZE - 1) * 4;
  let bad = 0;
  let gcs = 0;
  const start = performance.now();

  for (let i = 0; i < ITERATIONS; i++) {
    const [r, g, b] = colourOf(i);
    const encoder = ctx.device.createCommandEncoder();
    encoder.beginRenderPass({
      colorAttachments: [{ view, loadOp: 'clear', storeOp: 'store', clearValue: [r / 255, g / 255, b / 255, 1] }],
    }).end();
    ctx.queue.submit([encoder.finish()]);
    const px = await readTextureRGBA(ctx, tex);
    if (px[0] !== r || px[1] !== g || px[2] !== b || px[3] !== 255 || px[last] !== r || px[last + 2] !== b) {
      if (bad++ < 5) console.error(`iteration ${i}: got ${[...px.subarray(0, 4)]} want ${r},${g},${b},255`);
    }
    if (gc && i % GC_EVERY === GC_EVERY - 1) {
      gc();
      gcs++;
    }
  }

  const seconds = (performance.now() - start) / 1000;
  console.log(`readback stress: ${ITERATIONS} readbacks in ${seconds.toFixed(1)} s = ` +
    `${Math.round(ITERATIONS / seconds)}/s, ${gcs} forced GCs, pool ${JSON.stringify(readbackPoolStats(ctx.device))}`);
  expect(bad).toBe(0);
  expect(ctx.errorCount).toBe(0);
  expect(ctx.isLost).toBe(false);
  // One staging buffer serves every serial read.
  expect(readbackPoolStats(ctx.device).created).toBe(1);
  expect(seconds).toBeLessThan(60);
}, 120_000);
