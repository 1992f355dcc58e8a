// BLIT and CLEAR_SURFACE: render passes of their own (not the draw pass, and never counted by
// occlusion queries) that draw one scissored triangle sampling the source or writing a constant.
import { PipeClear, PipeMask, PipeTexFilter } from '../../protocol/gallium.js';
import { VIRGL_CMD_BLIT_S0_BITS as S0 } from '../../protocol/virgl-bitfields.js';
import { PipeTextureTarget as T, VirglFormat } from '../../protocol/virgl-formats.js';
import { ContextError, type Logger } from '../../server/renderer.js';
import { asFloat, bits } from '../state/objects.js';
import type { SubContext } from '../state/sub-context.js';
import type { GpuBatch } from './batch.js';
import { colorBlitPipeline, depthBlitPipeline, fillPipeline, Srgb, stencilBlitLayout, stencilBlitPipeline } from './blit-shaders.js';
import type { GlDevice } from './device-cache.js';
import { gpuFormatOf, type GpuFormat, type Swizzle } from './format-map.js';
import { PARAM_BYTES, type ParamRing } from './params.js';
import type { GpuResource, GpuResources } from './resources.js';
import { finiteColor, unitDepth } from './finite.js';

/** One side of a blit; w, h and d are signed (a negative extent flips that axis). */
export interface BlitSide { res: GpuResource | null; level: number; format: number; x: number; y: number; z: number; w: number; h: number; d: number }
export interface BlitArgs { dst: BlitSide; src: BlitSide; mask: number; linear: boolean; blend: boolean; scissor: Uint32Array | null }

const side = (): BlitSide => ({ res: null, level: 0, format: 0, x: 0, y: 0, z: 0, w: 0, h: 0, d: 0 });
const isSrgbFormat = (f: number): boolean => VirglFormat[f]?.endsWith('_SRGB') ?? false;
const isSrgbGpu = (f: GpuFormat): boolean => f.gpu.endsWith('-srgb');
const baseGpu = (f: GpuFormat): string => f.gpu.replace('-srgb', '');

/** The swizzle of the view format when it reinterprets the same GPU format, else the resource's. */
function viewSwizzle(res: GpuFormat, view: number): Swizzle {
  const v = gpuFormatOf(view);
  return v && baseGpu(v) === baseGpu(res) ? v.swizzle : res.swizzle;
}
/** GPU channel c takes the first logical channel that samples from c (identity when none). */
function targetChannels(sw: Swizzle): number[] {
  return [0, 1, 2, 3].map((c) => { const i = sw.indexOf(c); return i < 0 ? c : i; });
}
const srgbEncode = (c: number): number => (c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055);
const srgbDecode = (c: number): number => (c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4);

export class GpuBlit {
  private readonly args: BlitArgs = { dst: side(), src: side(), mask: 0, linear: false, blend: false, scissor: null };
  private readonly scissor = new Uint32Array(4);
  private readonly temps = new Map<string, GPUTexture>();
  private readonly color = new Float64Array(4);
  private readonly warned = new Set<string>();

  constructor(private readonly dev: GlDevice, private readonly resources: GpuResources, private readonly batch: GpuBatch,
    private readonly params: ParamRing, private readonly log: Logger) {}

  /** BLIT: decodes into the reused args and runs them. */
  blitCommand(b: Uint32Array, at: number): void {
    const a = this.args;
    const s0 = b[at + 1];
    a.mask = bits(s0, S0.mask);
    a.linear = bits(s0, S0.filter) === PipeTexFilter.LINEAR;
    a.blend = bits(s0, S0.alphaBlend) !== 0;
    const sc = this.scissor;
    sc[0] = b[at + 2] & 0xffff; sc[1] = b[at + 2] >>> 16; sc[2] = b[at + 3] & 0xffff; sc[3] = b[at + 3] >>> 16;
    a.scissor = bits(s0, S0.scissorEnable) ? sc : null;
    this.readSide(a.dst, b, at + 4);
    this.readSide(a.src, b, at + 13);
    this.blit(a, at);
  }

  private readSide(s: BlitSide, b: Uint32Array, at: number): void {
    s.res = this.resources.get(b[at]);
    s.level = b[at + 1]; s.format = b[at + 2];
    s.x = b[at + 3] | 0; s.y = b[at + 4] | 0; s.z = b[at + 5] | 0; s.w = b[at + 6] | 0; s.h = b[at + 7] | 0; s.d = b[at + 8] | 0;
  }

  /** Scales, flips and converts src's box into dst's; also the depth path of RESOURCE_COPY_REGION. */
  blit(a: BlitArgs, at: number): void {
    const { dst, src } = a;
    const dr = dst.res!; const sr = src.res!;
    const df = dr.format; const sf = sr.format;
    if (!dr.texture || !sr.texture || !df || !sf) throw new ContextError('BLIT between resources without GPU textures', at);
    const dl = dr.guest.levels[dst.level]; const sl = sr.guest.levels[src.level];
    if (!dl || !sl) throw new ContextError(`BLIT level ${dst.level} <- ${src.level} past the last level`, at);
    const color = (a.mask & PipeMask.RGBA) !== 0 && !df.depth && !sf.depth;
    const depth = (a.mask & PipeMask.Z) !== 0 && df.depth && sf.depth;
    const stencil = (a.mask & PipeMask.S) !== 0 && df.stencil && sf.stencil;
    if ((!color && !depth && !stencil) || dst.w === 0 || dst.h === 0 || dst.d === 0) return;
    // The destination rectangle, clipped to the level and the scissor.
    let x0 = Math.max(0, Math.min(dst.x, dst.x + dst.w)); let x1 = Math.min(dl.width, Math.max(dst.x, dst.x + dst.w));
    let y0 = Math.max(0, Math.min(dst.y, dst.y + dst.h)); let y1 = Math.min(dl.height, Math.max(dst.y, dst.y + dst.h));
    if (a.scissor) {
      x0 = Math.max(x0, a.scissor[0]); y0 = Math.max(y0, a.scissor[1]); x1 = Math.min(x1, a.scissor[2]); y1 = Math.min(y1, a.scissor[3]);
    }
    if (x1 <= x0 || y1 <= y0) return;
    const nd = Math.abs(dst.d); const ns = Math.abs(src.d);
    const d3 = dr.guest.args.target === T.TEXTURE_3D; const s3 = sr.guest.args.target === T.TEXTURE_3D;
    if (dst.z < 0 || dst.z + nd > dl.depthOrLayers) throw new ContextError(`BLIT layers ${dst.z}+${nd} outside level ${dst.level} of resource ${dr.guest.handle}`, at);
    const sz0 = Math.min(src.z, src.z + src.d);
    if (sz0 < 0 || sz0 + Math.max(1, ns) > sl.depthOrLayers) throw new ContextError(`BLIT source layers ${src.z}+${src.d} outside resource ${sr.guest.handle}`, at);
    if (s3 && sr === dr && src.level === dst.level) { this.warn('3D blits within one level are not supported'); return; }
    const linear = a.linear && color && (sf.gpu !== 'rgba32float' || this.dev.device.features.has('float32-filterable'));

    const pipeline = depth ? depthBlitPipeline(this.dev, df.gpu) : !color ? null : colorBlitPipeline(this.dev, {
      // rgba32float blends only with float32-blendable.
      dst: df.gpu, linear, src3d: s3, blend: a.blend && (df.gpu !== 'rgba32float' || this.dev.device.features.has('float32-blendable')),
      srcSwizzle: viewSwizzle(sf, src.format), dstChannels: targetChannels(viewSwizzle(df, dst.format)),
      srcSrgb: isSrgbFormat(src.format) === isSrgbGpu(sf) ? Srgb.None : isSrgbFormat(src.format) ? Srgb.Decode : Srgb.Encode,
      dstSrgb: isSrgbFormat(dst.format) === isSrgbGpu(df) ? Srgb.None : isSrgbFormat(dst.format) ? Srgb.Encode : Srgb.Decode,
      writeMask: a.mask & PipeMask.RGBA,
    });
    const p = this.params.f32;
    p[0] = dst.x; p[1] = dst.y; p[2] = src.w / dst.w; p[3] = src.h / dst.h; p[4] = src.x; p[5] = src.y;
    for (let i = 0; i < nd; i++) {
      // Source slice under the centre of destination slice i (depth scales like x and y).
      const zc = src.z + ((i + 0.5) * src.d) / nd;
      const layer = Math.min(sl.depthOrLayers - 1, Math.max(0, Math.floor(zc)));
      p[6] = s3 && linear ? zc / sl.depthOrLayers : layer;
      const params: GPUBindGroupEntry = { binding: 0, resource: { buffer: this.params.buffer, offset: this.params.push(), size: PARAM_BYTES } };
      const overlaps = sr === dr && src.level === dst.level && layer === dst.z + i;
      const srcLayer = s3 ? 0 : layer;
      if (pipeline) {
        const entries = [params, { binding: 1, resource: this.sourceView(sr, src.level, srcLayer, s3, overlaps, depth ? 'depth-only' : 'all') }];
        if (linear) entries.push({ binding: 2, resource: this.linearSampler() });
        this.drawRect(dr, dst.level, dst.z + i, d3, pipeline, this.dev.device.createBindGroup({ layout: pipeline.getBindGroupLayout(0), entries }), x0, y0, x1, y1, 0);
      }
      if (stencil) {
        const group = this.dev.device.createBindGroup({ layout: stencilBlitLayout(this.dev), entries: [
          params, { binding: 1, resource: this.sourceView(sr, src.level, srcLayer, false, overlaps, 'stencil-only') }] });
        this.drawRect(dr, dst.level, dst.z + i, d3, stencilBlitPipeline(this.dev, df.gpu, -1), group, x0, y0, x1, y1, 8);
      }
    }
    sr.usedInBatch = this.batch.serial;
  }

  /** One scissored triangle in a pass of its own; `stencilBits` > 0 adds the per-bit stencil draws. */
  drawRect(r: GpuResource, level: number, layer: number, is3d: boolean, pipeline: GPURenderPipeline, group: GPUBindGroup,
    x0: number, y0: number, x1: number, y1: number, stencilBits: number): void {
    const pass = this.beginTarget(r, level, layer, is3d, 'load', 'load', null);
    pass.setPipeline(pipeline);
    pass.setBindGroup(0, group);
    pass.setScissorRect(x0, y0, x1 - x0, y1 - y0);
    pass.draw(3);
    if (stencilBits > 0) {
      pass.setStencilReference(0xff);
      for (let k = 0; k < stencilBits; k++) {
        pass.setPipeline(stencilBlitPipeline(this.dev, r.format!.gpu, k));
        pass.draw(3, 1, 0, k);
      }
    }
    pass.end();
  }

  /** CLEAR_SURFACE: a rectangle of every layer of a surface, colour or depth/stencil. */
  clearSurface(sub: SubContext, b: Uint32Array, at: number): void {
    const o = sub.objects.get(b[at + 2]);
    if (!o || o.kind !== 'surface') throw new ContextError(`CLEAR_SURFACE: ${b[at + 2]} is not a surface`, at);
    const res = this.resources.get(o.resHandle);
    const f = res.format;
    const lvl = res.guest.levels[o.level];
    if (!res.texture || !f || !lvl) throw new ContextError(`CLEAR_SURFACE of resource ${o.resHandle} level ${o.level} without a GPU texture`, at);
    const buffers = (b[at + 1] >>> 1) & 7;
    const x = b[at + 7]; const y = b[at + 8];
    const w = Math.min(b[at + 9], lvl.width - Math.min(x, lvl.width)); const h = Math.min(b[at + 10], lvl.height - Math.min(y, lvl.height));
    if (w <= 0 || h <= 0) return;
    const last = Math.min(o.lastLayer, lvl.depthOrLayers - 1);
    const c = this.color;
    if (!f.depth && (buffers & PipeClear.COLOR0)) {
      // Channel order and sRGB of the surface's view, applied here so the fill writes raw values.
      const srgb = isSrgbFormat(o.format) === isSrgbGpu(f) ? Srgb.None : isSrgbFormat(o.format) ? Srgb.Encode : Srgb.Decode;
      const ch = targetChannels(viewSwizzle(f, o.format));
      for (let i = 0; i < 4; i++) {
        const v = asFloat(b[at + 3 + ch[i]]);
        c[i] = ch[i] === 3 || srgb === Srgb.None ? v : srgb === Srgb.Encode ? srgbEncode(v) : srgbDecode(v);
      }
      for (let l = o.firstLayer; l <= last; l++) this.fill(res, o.level, l, x, y, w, h, true, false, false, 0);
    } else if (f.depth && (buffers & (PipeClear.DEPTH | PipeClear.STENCIL))) {
      const dv = new DataView(b.buffer, b.byteOffset + (at + 3) * 4, 8);
      c[0] = Math.min(1, Math.max(0, dv.getFloat64(0, true)));
      const stencil = (buffers & PipeClear.STENCIL) !== 0 && f.stencil;
      for (let l = o.firstLayer; l <= last; l++) this.fill(res, o.level, l, x, y, w, h, false, (buffers & PipeClear.DEPTH) !== 0, stencil, b[at + 6] & 0xff);
    }
  }

  /** Depth/stencil fill for CLEAR_TEXTURE (depth textures cannot be written by copies). */
  fillDepth(res: GpuResource, level: number, layer: number, x: number, y: number, w: number, h: number, depth: number, stencil: number | null): void {
    this.color[0] = depth;
    this.fill(res, level, layer, x, y, w, h, false, true, stencil !== null && !!res.format?.stencil, stencil ?? 0);
  }

  /** Writes `this.color` (colour) or color[0] (depth) and `stencilRef` over a rectangle of one layer. */
  private fill(res: GpuResource, level: number, layer: number, x: number, y: number, w: number, h: number,
    isColor: boolean, depth: boolean, stencil: boolean, stencilRef: number): void {
    if (!isColor && !depth && !stencil) return;
    const f = res.format!;
    const lvl = res.guest.levels[level];
    const full = x === 0 && y === 0 && w === lvl.width && h === lvl.height;
    const c = this.color;
    let offset = 0;
    if (!full) {
      const p = this.params.f32;
      for (let i = 0; i < 4; i++) p[8 + i] = c[i];
      p[12] = c[0];
      offset = this.params.push();
    }
    const is3d = res.guest.args.target === T.TEXTURE_3D;
    const pass = full
      ? this.beginTarget(res, level, layer, is3d, depth ? 'clear' : 'load', stencil ? 'clear' : 'load', isColor ? { r: c[0], g: c[1], b: c[2], a: c[3] } : null, c[0], stencilRef)
      : this.beginTarget(res, level, layer, is3d, 'load', 'load', null);
    if (!full) {
      const pipeline = fillPipeline(this.dev, f.gpu, !isColor, depth, stencil);
      pass.setPipeline(pipeline);
      pass.setBindGroup(0, this.dev.device.createBindGroup({
        layout: pipeline.getBindGroupLayout(0), entries: [{ binding: 0, resource: { buffer: this.params.buffer, offset, size: PARAM_BYTES } }],
      }));
      pass.setScissorRect(x, y, w, h);
      if (stencil) pass.setStencilReference(stencilRef);
      pass.draw(3);
    }
    pass.end();
  }

  /** A pass on one layer (or 3D slice) of a level, outside the batch's draw pass. */
  private beginTarget(res: GpuResource, level: number, layer: number, is3d: boolean, depthLoad: GPULoadOp, stencilLoad: GPULoadOp,
    clearColor: GPUColorDict | null, clearDepth = 0, clearStencil = 0): GPURenderPassEncoder {
    const f = res.format!;
    const view = this.resources.view(res, level, 1, is3d ? 0 : layer, 1, is3d ? '3d' : '2d');
    res.gpuNewer = true;
    res.usedInBatch = this.batch.serial;
    const enc = this.batch.copyEncoder();
    if (!f.depth) {
      return enc.beginRenderPass({ colorAttachments: [{
        view, storeOp: 'store', ...(is3d ? { depthSlice: layer } : {}),
        ...(clearColor ? { loadOp: 'clear', clearValue: finiteColor(clearColor.r, clearColor.g, clearColor.b, clearColor.a) } : { loadOp: 'load' }),
      }] });
    }
    return enc.beginRenderPass({ colorAttachments: [], depthStencilAttachment: {
      view, depthLoadOp: depthLoad, depthStoreOp: 'store', depthClearValue: unitDepth(clearDepth),
      ...(f.stencil ? { stencilLoadOp: stencilLoad, stencilStoreOp: 'store', stencilClearValue: clearStencil } : {}),
    } });
  }

  /** A view of one source level (and layer); a copy when the blit also renders to it. */
  private sourceView(r: GpuResource, level: number, layer: number, is3d: boolean, overlaps: boolean, aspect: GPUTextureAspect): GPUTextureView {
    if (overlaps) return this.tempCopy(r, level, layer, aspect);
    if (is3d) return this.resources.view(r, level, 1, 0, 1, '3d');
    // Depth-stencil textures are sampled through one aspect.
    return this.resources.view(r, level, 1, layer, 1, '2d', r.format!.stencil ? aspect : 'all');
  }

  /** Copies one whole level-layer (depth copies must be whole) into a reused scratch texture. */
  private tempCopy(r: GpuResource, level: number, layer: number, aspect: GPUTextureAspect): GPUTextureView {
    const lvl = r.guest.levels[level];
    const format = r.texture!.format;
    const key = `${format}:${lvl.width}x${lvl.height}`;
    let t = this.temps.get(key);
    if (!t) {
      if (this.temps.size >= 4) this.temps.delete(this.temps.keys().next().value as string);
      t = this.dev.device.createTexture({ size: [lvl.width, lvl.height], format, usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
      this.temps.set(key, t);
    }
    this.batch.copyEncoder().copyTextureToTexture({ texture: r.texture!, mipLevel: level, origin: { x: 0, y: 0, z: layer } },
      { texture: t }, { width: lvl.width, height: lvl.height, depthOrArrayLayers: 1 });
    return t.createView({ aspect: r.format!.stencil ? aspect : 'all' });
  }

  private linearSampler(): GPUSampler {
    return this.dev.samplers.get('blit-linear') ?? this.dev.samplers.set('blit-linear', this.dev.device.createSampler({ magFilter: 'linear', minFilter: 'linear' }));
  }

  private warn(what: string): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    this.log.warn(`BLIT: ${what}`);
  }
}
