// BLIT, RESOURCE_COPY_REGION, CLEAR_TEXTURE and CLEAR_SURFACE on a real Dawn device: GlContext
// driven by hand-built virgl command buffers, results read back through transferGet (and the
// GPU copies of buffers and textures read directly, to see that both sides agree).
import { describe, expect, it } from 'vitest';
import { useGlDevice } from '../helpers/gl-device.js';
import { GlContext } from '../../src/gl-backend/context.js';
import { PipeMask, PipeTexFilter } from '../../src/protocol/gallium.js';
import { VirglCmd, VirglObjectType } from '../../src/protocol/virgl-commands.js';
import { PipeTextureTarget as T, VirglFormat as F } from '../../src/protocol/virgl-formats.js';
import type { Logger, ResourceCreateArgs, TransferArgs } from '../../src/server/renderer.js';

/** A virgl command buffer: header (cmd | obj << 8 | len << 16) and payload dwords. */
class Stream {
  readonly words: number[] = [];
  cmd(cmd: number, payload: number[], obj = 0): this {
    this.words.push(cmd | (obj << 8) | (payload.length << 16), ...payload.map((v) => v >>> 0));
    return this;
  }
  get buffer(): Uint32Array { return new Uint32Array(this.words); }
}

const logs: string[] = [];
const log: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) };
const fx = useGlDevice();

function context(): GlContext {
  const ctx = new GlContext('test', log, { maxResources: 64, maxResourceBytes: 1 << 24 }, fx.dev);
  ctx.submit(new Stream().cmd(VirglCmd.CREATE_SUB_CTX, [1]).cmd(VirglCmd.SET_SUB_CTX, [1]).buffer);
  return ctx;
}
const tex = (handle: number, w: number, h: number, format: number = F.R8G8B8A8_UNORM, extra: Partial<ResourceCreateArgs> = {}): ResourceCreateArgs =>
  ({ handle, target: T.TEXTURE_2D, format, bind: 2, width: w, height: h, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0, ...extra });
const buf = (handle: number, size: number): ResourceCreateArgs =>
  ({ handle, target: T.BUFFER, format: F.R8_UNORM, bind: 1, width: size, height: 1, depth: 1, arraySize: 0, lastLevel: 0, nrSamples: 0 });
const box = (handle: number, x: number, y: number, w: number, h: number): TransferArgs =>
  ({ handle, level: 0, stride: 0, layerStride: 0, x, y, z: 0, width: w, height: h, depth: 1 });

async function get(ctx: GlContext, t: TransferArgs, bpp = 4): Promise<Uint8Array> {
  const out = new Uint8Array(t.width * t.height * t.depth * bpp);
  await ctx.transferGet(t, out);
  return out;
}
/** Texel (x, y) of a tightly packed w-wide RGBA8 image as [r, g, b, a]. */
const px = (img: Uint8Array, w: number, x: number, y: number): number[] => [...img.subarray((y * w + x) * 4, (y * w + x) * 4 + 4)];

async function gpuBytes(ctx: GlContext, handle: number, size: number): Promise<Uint8Array> {
  const src = ctx.resources.get(handle).buffer!;
  await ctx.waitIdle();
  const staging = fx.gpu.device.createBuffer({ size: (size + 3) & ~3, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  const enc = fx.gpu.device.createCommandEncoder();
  enc.copyBufferToBuffer(src, 0, staging, 0, staging.size);
  fx.gpu.queue.submit([enc.finish()]);
  await staging.mapAsync(GPUMapMode.READ);
  const out = new Uint8Array(staging.getMappedRange().slice(0, size));
  staging.destroy();
  return out;
}

/** A 4x4 RGBA8 image whose texel (x, y) is [x * 60, y * 60, 7, 255]. */
function gradient(): Uint8Array {
  const d = new Uint8Array(64);
  for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) d.set([x * 60, y * 60, 7, 255], (y * 4 + x) * 4);
  return d;
}

const blit = (s: Stream, mask: number, filter: number, dst: number[], src: number[]): Stream =>
  s.cmd(VirglCmd.BLIT, [mask | (filter << 8), 0, 0, ...dst, ...src]);

describe('RESOURCE_COPY_REGION', () => {
  it('copies buffers, aligned on the GPU and unaligned through the shadow, keeping both copies equal', async () => {
    const ctx = context();
    ctx.resourceCreate(buf(1, 64)); ctx.resourceCreate(buf(2, 64));
    ctx.transferPut(box(1, 0, 0, 64, 1), new Uint8Array(64).map((_, i) => i + 1));
    ctx.submit(new Stream()
      .cmd(VirglCmd.RESOURCE_COPY_REGION, [2, 0, 8, 0, 0, 1, 0, 16, 0, 0, 16, 1, 1])
      .cmd(VirglCmd.RESOURCE_COPY_REGION, [2, 0, 33, 0, 0, 1, 0, 2, 0, 0, 5, 1, 1])
      .cmd(VirglCmd.RESOURCE_COPY_REGION, [1, 0, 1, 0, 0, 1, 0, 0, 0, 0, 4, 1, 1]).buffer); // overlapping, same buffer
    expect(ctx.errorState).toBeNull();
    const want2 = new Uint8Array(64);
    want2.set(Array.from({ length: 16 }, (_, i) => 17 + i), 8);
    want2.set([3, 4, 5, 6, 7], 33);
    expect([...await get(ctx, box(2, 0, 0, 64, 1), 1)]).toEqual([...want2]);
    expect([...await gpuBytes(ctx, 2, 64)]).toEqual([...want2]);
    const want1 = [1, 1, 2, 3, 4, 6, 7, 8];
    expect([...(await get(ctx, box(1, 0, 0, 8, 1), 1))]).toEqual(want1);
    expect([...(await gpuBytes(ctx, 1, 8))]).toEqual(want1);
  });

  it('copies a texture box on the GPU and in the shadow, and follows a rendered source', async () => {
    const ctx = context();
    ctx.resourceCreate(tex(1, 4, 4)); ctx.resourceCreate(tex(2, 8, 8)); ctx.resourceCreate(tex(3, 8, 8));
    ctx.transferPut(box(1, 0, 0, 4, 4), gradient());
    ctx.submit(new Stream().cmd(VirglCmd.RESOURCE_COPY_REGION, [2, 0, 5, 6, 0, 1, 0, 1, 1, 0, 3, 2, 1]).buffer);
    expect(ctx.errorState).toBeNull();
    const shadow = await get(ctx, box(2, 0, 0, 8, 8));
    expect(ctx.resources.get(2).gpuNewer).toBe(false);
    expect(px(shadow, 8, 5, 6)).toEqual([60, 60, 7, 255]);
    expect(px(shadow, 8, 7, 7)).toEqual([180, 120, 7, 255]);
    expect(px(shadow, 8, 4, 6)).toEqual([0, 0, 0, 0]);
    // Render into 2 (a blit), then copy it: 3 must come from the GPU.
    ctx.submit(blit(new Stream(), PipeMask.RGBA, PipeTexFilter.NEAREST, [2, 0, F.R8G8B8A8_UNORM, 0, 0, 0, 1, 1, 1], [1, 0, F.R8G8B8A8_UNORM, 3, 3, 0, 1, 1, 1])
      .cmd(VirglCmd.RESOURCE_COPY_REGION, [3, 0, 0, 0, 0, 2, 0, 0, 0, 0, 8, 8, 1]).buffer);
    expect(ctx.resources.get(3).gpuNewer).toBe(true);
    const rendered = await get(ctx, box(3, 0, 0, 8, 8));
    expect(px(rendered, 8, 0, 0)).toEqual([180, 180, 7, 255]);
    expect(px(rendered, 8, 7, 7)).toEqual([180, 120, 7, 255]);
  });

  it('refuses boxes outside either resource, naming the dword', () => {
    const ctx = context();
    ctx.resourceCreate(tex(1, 4, 4)); ctx.resourceCreate(tex(2, 4, 4));
    ctx.submit(new Stream().cmd(VirglCmd.NOP, []).cmd(VirglCmd.RESOURCE_COPY_REGION, [2, 0, 2, 0, 0, 1, 0, 0, 0, 0, 3, 1, 1]).buffer);
    expect(ctx.errorState).toMatch(/destination: box 2,0,0 3x1x1 outside level 0.*at dword 1/);
    const ctx2 = context();
    ctx2.resourceCreate(buf(1, 16)); ctx2.resourceCreate(tex(2, 4, 4));
    ctx2.submit(new Stream().cmd(VirglCmd.RESOURCE_COPY_REGION, [2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 4, 1, 1]).buffer);
    expect(ctx2.errorState).toMatch(/between a buffer and a texture/);
  });
});

describe('BLIT', () => {
  it('scales 4x4 to 8x8 with nearest filtering', async () => {
    const ctx = context();
    ctx.resourceCreate(tex(1, 4, 4)); ctx.resourceCreate(tex(2, 8, 8));
    ctx.transferPut(box(1, 0, 0, 4, 4), gradient());
    ctx.submit(blit(new Stream(), PipeMask.RGBA, PipeTexFilter.NEAREST, [2, 0, F.R8G8B8A8_UNORM, 0, 0, 0, 8, 8, 1], [1, 0, F.R8G8B8A8_UNORM, 0, 0, 0, 4, 4, 1]).buffer);
    expect(ctx.errorState).toBeNull();
    const img = await get(ctx, box(2, 0, 0, 8, 8));
    for (let y = 0; y < 8; y++) for (let x = 0; x < 8; x++) expect(px(img, 8, x, y)).toEqual([(x >> 1) * 60, (y >> 1) * 60, 7, 255]);
  });

  it('flips with a negative source height and converts RGBA to BGRA', async () => {
    const ctx = context();
    ctx.resourceCreate(tex(1, 4, 4)); ctx.resourceCreate(tex(2, 4, 4, F.B8G8R8A8_UNORM));
    ctx.transferPut(box(1, 0, 0, 4, 4), gradient());
    ctx.submit(blit(new Stream(), PipeMask.RGBA, PipeTexFilter.NEAREST, [2, 0, F.B8G8R8A8_UNORM, 0, 0, 0, 4, 4, 1], [1, 0, F.R8G8B8A8_UNORM, 0, 4, 0, 4, -4, 1]).buffer);
    expect(ctx.errorState).toBeNull();
    const img = await get(ctx, box(2, 0, 0, 4, 4));
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(px(img, 4, x, y)).toEqual([7, (3 - y) * 60, x * 60, 255]);
  });

  it('filters linearly, honours the scissor and blits within one texture', async () => {
    const ctx = context();
    ctx.resourceCreate(tex(1, 2, 1)); ctx.resourceCreate(tex(2, 4, 1)); ctx.resourceCreate(tex(3, 4, 4));
    ctx.transferPut(box(1, 0, 0, 2, 1), new Uint8Array([0, 0, 0, 255, 255, 0, 0, 255]));
    ctx.transferPut(box(3, 0, 0, 4, 4), gradient());
    const s = blit(new Stream(), PipeMask.RGBA, PipeTexFilter.LINEAR, [2, 0, F.R8G8B8A8_UNORM, 0, 0, 0, 4, 1, 1], [1, 0, F.R8G8B8A8_UNORM, 0, 0, 0, 2, 1, 1]);
    // Same texture, mirrored in x, scissored to x < 2: columns 0, 1 take 3, 2.
    s.cmd(VirglCmd.BLIT, [PipeMask.RGBA | (1 << 10), 0, 2 | (4 << 16), 3, 0, F.R8G8B8A8_UNORM, 0, 0, 0, 4, 4, 1, 3, 0, F.R8G8B8A8_UNORM, 4, 0, 0, -4, 4, 1]);
    ctx.submit(s.buffer);
    expect(ctx.errorState).toBeNull();
    const lin = await get(ctx, box(2, 0, 0, 4, 1));
    const reds = [0, 1, 2, 3].map((x) => px(lin, 4, x, 0)[0]);
    [0, 64, 191, 255].forEach((want, i) => expect(Math.abs(reds[i] - want)).toBeLessThanOrEqual(1));
    const img = await get(ctx, box(3, 0, 0, 4, 4));
    for (let y = 0; y < 4; y++) for (let x = 0; x < 4; x++) expect(px(img, 4, x, y)).toEqual([(x < 2 ? 3 - x : x) * 60, y * 60, 7, 255]);
  });

  it('decodes through an sRGB view and maps array layers', async () => {
    const ctx = context();
    ctx.resourceCreate(tex(1, 1, 1, F.R8G8B8A8_UNORM, { target: T.TEXTURE_2D_ARRAY, arraySize: 3 }));
    ctx.resourceCreate(tex(2, 1, 1, F.R8G8B8A8_UNORM, { target: T.TEXTURE_2D_ARRAY, arraySize: 2 }));
    ctx.resourceCreate(tex(3, 1, 1, F.R8G8B8A8_SRGB));
    ctx.transferPut({ ...box(1, 0, 0, 1, 1), depth: 3 }, new Uint8Array([128, 64, 0, 255, 10, 20, 30, 40, 50, 60, 70, 80]));
    const s = blit(new Stream(), PipeMask.RGBA, PipeTexFilter.NEAREST, [2, 0, F.R8G8B8A8_UNORM, 0, 0, 0, 1, 1, 2], [1, 0, F.R8G8B8A8_UNORM, 0, 0, 1, 1, 1, 2]);
    // An sRGB view of a linear resource decodes; the sRGB destination encodes the same value back.
    blit(s, PipeMask.RGBA, PipeTexFilter.NEAREST, [3, 0, F.R8G8B8A8_SRGB, 0, 0, 0, 1, 1, 1], [1, 0, F.R8G8B8A8_SRGB, 0, 0, 0, 1, 1, 1]);
    ctx.submit(s.buffer);
    expect(ctx.errorState).toBeNull();
    expect([...await get(ctx, { ...box(2, 0, 0, 1, 1), depth: 2 })]).toEqual([10, 20, 30, 40, 50, 60, 70, 80]);
    expect([...await get(ctx, box(3, 0, 0, 1, 1))]).toEqual([128, 64, 0, 255]);
    ctx.submit(blit(new Stream(), PipeMask.RGBA, PipeTexFilter.NEAREST, [2, 0, F.R8G8B8A8_UNORM, 0, 0, 0, 1, 1, 1], [1, 0, F.R8G8B8A8_SRGB, 0, 0, 0, 1, 1, 1]).buffer);
    const decoded = await get(ctx, box(2, 0, 0, 1, 1));
    expect([...decoded]).toEqual([55, 13, 0, 255]);
  });

  it('blits depth through frag_depth after CLEAR_TEXTURE filled it', async () => {
    const ctx = context();
    ctx.resourceCreate(tex(1, 4, 4, F.Z32_FLOAT)); ctx.resourceCreate(tex(2, 4, 4, F.Z32_FLOAT));
    const quarter = new Uint32Array(new Float32Array([0.25]).buffer)[0];
    ctx.submit(new Stream().cmd(VirglCmd.CLEAR_TEXTURE, [1, 0, 0, 0, 0, 4, 4, 1, quarter, 0, 0, 0])
      .cmd(VirglCmd.CLEAR_TEXTURE, [1, 0, 1, 1, 0, 2, 2, 1, new Uint32Array(new Float32Array([0.75]).buffer)[0], 0, 0, 0]).buffer);
    ctx.submit(blit(new Stream(), PipeMask.Z, PipeTexFilter.NEAREST, [2, 0, F.Z32_FLOAT, 0, 0, 0, 4, 4, 1], [1, 0, F.Z32_FLOAT, 0, 0, 0, 4, 4, 1]).buffer);
    expect(ctx.errorState).toBeNull();
    const depth = new Float32Array((await get(ctx, box(2, 0, 0, 4, 4))).buffer);
    expect([...depth]).toEqual([0.25, 0.25, 0.25, 0.25, 0.25, 0.75, 0.75, 0.25, 0.25, 0.75, 0.75, 0.25, 0.25, 0.25, 0.25, 0.25]);
  });

  it('blits and copies depth with stencil (bit by bit), flipped', async () => {
    const ctx = context();
    for (const h of [1, 2, 3]) ctx.resourceCreate(tex(h, 2, 2, F.Z24_UNORM_S8_UINT));
    // Z24S8 texels: depth in the low 24 bits, stencil in the top byte.
    ctx.submit(new Stream().cmd(VirglCmd.CLEAR_TEXTURE, [1, 0, 0, 0, 0, 2, 2, 1, 0x5a400000, 0, 0, 0])
      .cmd(VirglCmd.CLEAR_TEXTURE, [1, 0, 0, 1, 0, 2, 1, 1, 0xa5c00000, 0, 0, 0]).buffer);
    ctx.submit(blit(new Stream(), PipeMask.ZS, PipeTexFilter.NEAREST, [2, 0, F.Z24_UNORM_S8_UINT, 0, 0, 0, 2, 2, 1], [1, 0, F.Z24_UNORM_S8_UINT, 0, 2, 0, 2, -2, 1])
      .cmd(VirglCmd.RESOURCE_COPY_REGION, [3, 0, 0, 0, 0, 1, 0, 0, 0, 0, 2, 2, 1]).buffer);
    expect(ctx.errorState).toBeNull();
    const words = async (h: number): Promise<number[]> => [...new Uint32Array((await get(ctx, box(h, 0, 0, 2, 2))).buffer)];
    expect(await words(1)).toEqual([0x5a400000, 0x5a400000, 0xa5c00000, 0xa5c00000]);
    expect(await words(2)).toEqual([0xa5c00000, 0xa5c00000, 0x5a400000, 0x5a400000]);
    expect(await words(3)).toEqual([0x5a400000, 0x5a400000, 0xa5c00000, 0xa5c00000]);
  });
});

describe('CLEAR_TEXTURE and CLEAR_SURFACE', () => {
  it('clears a box to raw texel bytes, in the shadow and on the GPU', async () => {
    const ctx = context();
    ctx.resourceCreate(tex(1, 4, 4)); ctx.resourceCreate(tex(2, 4, 4));
    ctx.transferPut(box(1, 0, 0, 4, 4), gradient());
    ctx.submit(new Stream().cmd(VirglCmd.CLEAR_TEXTURE, [1, 0, 1, 2, 0, 3, 2, 1, 0x04030201, 0, 0, 0])
      .cmd(VirglCmd.RESOURCE_COPY_REGION, [2, 0, 0, 0, 0, 1, 0, 0, 0, 0, 4, 4, 1]).buffer);
    expect(ctx.errorState).toBeNull();
    const shadow = await get(ctx, box(1, 0, 0, 4, 4));
    expect(px(shadow, 4, 1, 2)).toEqual([1, 2, 3, 4]);
    expect(px(shadow, 4, 3, 3)).toEqual([1, 2, 3, 4]);
    expect(px(shadow, 4, 0, 2)).toEqual([0, 120, 7, 255]);
    // Reading 2 as GPU-newer checks that its GPU copy matches the shadow.
    ctx.resources.get(2).gpuNewer = true;
    const fromGpu = await get(ctx, box(2, 0, 0, 4, 4));
    expect([...fromGpu]).toEqual([...shadow]);
  });

  it('clears a rectangle of a surface with a colour', async () => {
    const ctx = context();
    ctx.resourceCreate(tex(1, 4, 4, F.B8G8R8A8_UNORM));
    const one = 0x3f800000; const half = 0x3f000000;
    ctx.submit(new Stream().cmd(VirglCmd.CREATE_OBJECT, [5, 1, F.B8G8R8A8_UNORM, 0, 0], VirglObjectType.SURFACE)
      .cmd(VirglCmd.CLEAR_SURFACE, [4 << 1, 5, one, 0, half, one, 0, 0, 4, 4])
      .cmd(VirglCmd.CLEAR_SURFACE, [4 << 1, 5, 0, one, 0, one, 1, 1, 2, 5]).buffer);
    expect(ctx.errorState).toBeNull();
    const img = await get(ctx, box(1, 0, 0, 4, 4));
    expect(px(img, 4, 0, 0)).toEqual([128, 0, 255, 255]);
    expect(px(img, 4, 1, 1)).toEqual([0, 255, 0, 255]);
    expect(px(img, 4, 2, 3)).toEqual([0, 255, 0, 255]);
    expect(px(img, 4, 3, 1)).toEqual([128, 0, 255, 255]);
  });
});
