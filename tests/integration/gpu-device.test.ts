// Real-device tests: Dawn (dawn.node) on Mesa lavapipe / llvmpipe, no mocks.
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.js';
import { closeDevice, openNodeDevice, pinnedGpuCount } from '../../src/gpu/node/dawn.js';
import { decodePng, writeTexturePng } from '../../src/gpu/node/png.js';
import { readbackPoolStats, readTextureRGBA, ReadbackError } from '../../src/gpu/readback.js';

const TRIANGLE_WGSL = /* wgsl */ `
@vertex fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
  var p = array<vec2f, 3>(vec2f(0.0, 0.8), vec2f(-0.8, -0.8), vec2f(0.8, -0.8));
  return vec4f(p[i], 0.0, 1.0);
}
@fragment fn fs() -> @location(0) vec4f { return vec4f(1.0, 0.0, 0.0, 1.0); }`;

// GPUTextureUsage etc. exist only once openNodeDevice has installed dawn.node's globals.
function makeTarget(ctx: GpuContext, format: GPUTextureFormat, width = 64, height = 64): GPUTexture {
  const usage = GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST;
  return ctx.device.createTexture({ size: [width, height], format, usage });
}

/** Clears `texture` to blue and, when `triangle`, draws a red triangle over it. */
function renderTriangle(ctx: GpuContext, texture: GPUTexture, triangle = true): void {
  const module = ctx.device.createShaderModule({ code: TRIANGLE_WGSL });
  const pipeline = ctx.device.createRenderPipeline({
    layout: 'auto',
    vertex: { module },
    fragment: { module, targets: [{ format: texture.format }] },
  });
  const encoder = ctx.device.createCommandEncoder();
  const pass = encoder.beginRenderPass({
    colorAttachments: [{ view: texture.createView(), loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 1, 1] }],
  });
  if (triangle) {
    pass.setPipeline(pipeline);
    pass.draw(3);
  }
  pass.end();
  ctx.queue.submit([encoder.finish()]);
}

function pixel(rgba: Uint8Array, width: number, x: number, y: number): number[] {
  const i = (y * width + x) * 4;
  return [...rgba.subarray(i, i + 4)];
}

const RED = [255, 0, 0, 255];
const BLUE = [0, 0, 255, 255];

describe('gpu device (vulkan, default)', () => {
  let ctx: GpuContext;
  const logs: string[] = [];

  afterAll(async () => {
    if (ctx) await closeDevice(ctx);
  });

  it('opens llvmpipe/lavapipe with core features and logs one adapter line', async () => {
    ctx = await openNodeDevice({ log: (line) => logs.push(line) });
    expect(ctx.adapterDescription).toMatch(/llvmpipe|lavapipe/i);
    expect(ctx.adapterDescription).not.toContain('\n');
    expect(ctx.featureLevel).toBe('core');
    expect(ctx.backend).toBe('vulkan');
    expect(ctx.device.features.has('core-features-and-limits')).toBe(true);
    expect(logs).toEqual([`gpu: ${ctx.adapterDescription}`]);
    expect(process.env.XDG_RUNTIME_DIR).toBeTruthy();
    console.log(`adapter: ${ctx.adapterDescription}`);
  });

  it('renders a clear + triangle into 64x64 and reads it back', async () => {
    const tex = makeTarget(ctx, 'rgba8unorm');
    renderTriangle(ctx, tex);
    const px = await readTextureRGBA(ctx, tex);
    expect(px.length).toBe(64 * 64 * 4);
    expect(pixel(px, 64, 32, 32)).toEqual(RED);
    expect(pixel(px, 64, 1, 1)).toEqual(BLUE);
    expect(pixel(px, 64, 62, 62)).toEqual(BLUE);
    // Row 0 is the top: the apex is at the top, so the top-centre row above y≈6 is background.
    expect(pixel(px, 64, 32, 2)).toEqual(BLUE);
    expect(pixel(px, 64, 32, 50)).toEqual(RED);
    expect(ctx.errors).toEqual([]);
  });

  it('swizzles bgra8unorm and returns -srgb bytes raw', async () => {
    const bgra = makeTarget(ctx, 'bgra8unorm');
    renderTriangle(ctx, bgra);
    const px = await readTextureRGBA(ctx, bgra);
    expect(pixel(px, 64, 32, 32)).toEqual(RED);
    expect(pixel(px, 64, 0, 0)).toEqual(BLUE);

    for (const format of ['rgba8unorm-srgb', 'bgra8unorm-srgb'] as const) {
      const tex = makeTarget(ctx, format, 4, 1);
      const bytes = new Uint8Array([10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 1, 2, 3, 4]);
      ctx.queue.writeTexture({ texture: tex }, bytes, { bytesPerRow: 16 }, [4, 1]);
      const back = await readTextureRGBA(ctx, tex);
      const expected = format.startsWith('bgra') ? [30, 20, 10, 40, 70, 60, 50, 80, 110, 100, 90, 120, 3, 2, 1, 4] : [...bytes];
      expect([...back]).toEqual(expected);
    }
  });

  it('reads unaligned sub-regions, mip levels and array layers exactly', async () => {
    const width = 70; // 280 bytes per row: padded to 512 in the staging buffer
    const height = 20;
    const tex = ctx.device.createTexture({
      size: [width, height, 2], format: 'rgba8uint', mipLevelCount: 2,
      usage: GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST,
    });
    const fill = (w: number, h: number, seed: number): Uint8Array<ArrayBuffer> =>
      Uint8Array.from({ length: w * h * 4 }, (_, i) => (i * 7 + seed) & 255);
    const l1 = fill(width, height, 3);
    ctx.queue.writeTexture({ texture: tex, origin: [0, 0, 1] }, l1, { bytesPerRow: width * 4 }, [width, height]);
    const mip1 = fill(35, 10, 11);
    ctx.queue.writeTexture({ texture: tex, mipLevel: 1 }, mip1, { bytesPerRow: 35 * 4 }, [35, 10]);

    const region = { x: 3, y: 5, width: 13, height: 7, layer: 1 };
    const got = await readTextureRGBA(ctx, tex, region);
    const want = new Uint8Array(13 * 7 * 4);
    for (let r = 0; r < 7; r++) {
      const start = ((r + 5) * width + 3) * 4;
      want.set(l1.subarray(start, start + 13 * 4), r * 13 * 4);
    }
    expect(got).toEqual(want);
    expect(await readTextureRGBA(ctx, tex, { layer: 1 })).toEqual(l1);
    expect(await readTextureRGBA(ctx, tex, { mipLevel: 1 })).toEqual(mip1);
    await expect(readTextureRGBA(ctx, tex, { x: 60, width: 11 })).rejects.toThrow(ReadbackError);
    await expect(readTextureRGBA(ctx, tex, { mipLevel: 2 })).rejects.toThrow(/mipLevel/);
  });

  it('reuses staging buffers once warm', async () => {
    const tex = makeTarget(ctx, 'rgba8unorm');
    renderTriangle(ctx, tex, false);
    await readTextureRGBA(ctx, tex);
    const warm = readbackPoolStats(ctx.device).created;
    for (let i = 0; i < 50; i++) expect(pixel(await readTextureRGBA(ctx, tex), 64, 5, 5)).toEqual(BLUE);
    expect(readbackPoolStats(ctx.device)).toEqual({ created: warm, free: expect.any(Number), inUse: 0 });

    // Reads in flight each take a buffer; the pool keeps only a few of them afterwards.
    const many = await Promise.all(Array.from({ length: 8 }, () => readTextureRGBA(ctx, tex, { width: 8, height: 8 })));
    for (const px of many) expect(pixel(px, 8, 7, 7)).toEqual(BLUE);
    const after = readbackPoolStats(ctx.device);
    expect(after.inUse).toBe(0);
    expect(after.free).toBeLessThanOrEqual(4);
  });

  it('routes uncaptured errors to the callback instead of throwing', async () => {
    const before = ctx.errorCount;
    ctx.device.createBuffer({ size: 7, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.MAP_WRITE });
    await ctx.queue.onSubmittedWorkDone();
    await new Promise((resolve) => setTimeout(resolve, 20));
    expect(ctx.errorCount).toBe(before + 1);
    expect(ctx.errors.at(-1)?.message).toMatch(/usage/i);
  });

  it('writes a texture as PNG', async () => {
    const tex = makeTarget(ctx, 'bgra8unorm');
    renderTriangle(ctx, tex);
    const dir = await mkdtemp(join(tmpdir(), 'gpu-png-'));
    try {
      const path = join(dir, 'sub', 'triangle.png');
      await writeTexturePng(ctx, tex, path);
      const png = decodePng(await readFile(path));
      expect([png.width, png.height]).toEqual([64, 64]);
      expect(pixel(png.rgba, 64, 32, 32)).toEqual(RED);
      expect(pixel(png.rgba, 64, 0, 63)).toEqual(BLUE);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  it('rejects a readback of a texture without COPY_SRC', async () => {
    const tex = ctx.device.createTexture({ size: [4, 4], format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING });
    await expect(readTextureRGBA(ctx, tex)).rejects.toThrow(/COPY_SRC/);
  });

  it('reports a failed copy (destroyed texture) instead of returning stale bytes', async () => {
    const tex = makeTarget(ctx, 'rgba8unorm', 8, 8);
    tex.destroy();
    await expect(readTextureRGBA(ctx, tex)).rejects.toThrow(/destroyed/i);
    expect(readbackPoolStats(ctx.device).inUse).toBe(0);
  });
});

describe('gpu device (other backends)', () => {
  it('opens opengles in compatibility mode and renders', async () => {
    const ctx = await openNodeDevice({ backend: 'opengles' });
    try {
      expect(ctx.featureLevel).toBe('compatibility');
      expect(ctx.backend).toBe('opengles');
      expect(ctx.adapterDescription).toMatch(/llvmpipe|OpenGL ES/i);
      const tex = makeTarget(ctx, 'rgba8unorm');
      renderTriangle(ctx, tex);
      const px = await readTextureRGBA(ctx, tex);
      expect(pixel(px, 64, 32, 32)).toEqual(RED);
      expect(pixel(px, 64, 1, 1)).toEqual(BLUE);
      expect(ctx.errors).toEqual([]);
      console.log(`opengles adapter: ${ctx.adapterDescription}`);
    } finally {
      await closeDevice(ctx);
    }
  });

  it('falls back to opengles/compatibility when Vulkan has no adapter', async () => {
    // Point the Vulkan loader at no driver; it rereads these on each new Dawn instance.
    const saved = { files: process.env.VK_DRIVER_FILES, icd: process.env.VK_ICD_FILENAMES };
    process.env.VK_DRIVER_FILES = '/nonexistent/icd.json';
    process.env.VK_ICD_FILENAMES = '/nonexistent/icd.json';
    const logs: string[] = [];
    try {
      const ctx = await openNodeDevice({ log: (line) => logs.push(line) });
      try {
        expect(ctx.backend).toBe('opengles');
        expect(ctx.featureLevel).toBe('compatibility');
        expect(logs[0]).toMatch(/falling back to opengles/);
        expect(logs[1]).toBe(`gpu: ${ctx.adapterDescription}`);
      } finally {
        await closeDevice(ctx);
      }
      await expect(openNodeDevice({ backend: 'vulkan' })).rejects.toThrow(/no core WebGPU adapter/);
    } finally {
      restoreEnv('VK_DRIVER_FILES', saved.files);
      restoreEnv('VK_ICD_FILENAMES', saved.icd);
    }
  });

  it('opens the null backend', async () => {
    const ctx = await openNodeDevice({ backend: 'null' });
    expect(ctx.adapterDescription).toContain('null');
    expect(ctx.featureLevel).toBe('core');
    await closeDevice(ctx);
  });

  it('compat request on a core adapter gives a compat-validated device', async () => {
    const ctx = await openNodeDevice({ backend: 'vulkan', featureLevel: 'compatibility' });
    expect(ctx.featureLevel).toBe('compatibility');
    expect(ctx.device.features.has('core-features-and-limits')).toBe(false);
    await closeDevice(ctx);
  });

  it('checks requiredLimits against the adapter', async () => {
    await expect(openNodeDevice({ backend: 'null', requiredLimits: { maxTextureDimension2D: 1e9 } }))
      .rejects.toThrow(/maxTextureDimension2D=1000000000 not supported/);
    await expect(openNodeDevice({ backend: 'null', requiredLimits: { maxNothing: 1 } })).rejects.toThrow(/unknown limit/);
    // A limit the adapter lacks is not "no adapter": the default backend must not fall back to GL for it.
    const logs: string[] = [];
    await expect(openNodeDevice({ requiredLimits: { maxBindGroups: 1000 }, log: (l) => logs.push(l) }))
      .rejects.toMatchObject({ name: 'GpuOpenError', reason: 'limit' });
    expect(logs).toEqual([]);
    const ctx = await openNodeDevice({ backend: 'null', requiredLimits: { maxTextureDimension2D: 8192, minUniformBufferOffsetAlignment: 256 } });
    expect(ctx.device.limits.maxTextureDimension2D).toBeGreaterThanOrEqual(8192);
    await closeDevice(ctx);
  });

  it('unpins every GPU object after closeDevice', async () => {
    const before = pinnedGpuCount();
    const ctx = await openNodeDevice({ backend: 'null' });
    expect(pinnedGpuCount()).toBe(before + 1);
    await closeDevice(ctx);
    expect(pinnedGpuCount()).toBe(before);
    expect((await ctx.lost).reason).toBe('destroyed');
  });
});

function restoreEnv(name: string, value: string | undefined): void {
  if (value === undefined) delete process.env[name];
  else process.env[name] = value;
}
