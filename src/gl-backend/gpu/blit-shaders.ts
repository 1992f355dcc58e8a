// WGSL and pipelines for blits and rectangle fills: one fullscreen triangle, clipped by the
// scissor to the destination rectangle. Pipelines are cached per device by their variant key.
import { PipeSwizzle as S } from '../../protocol/gallium.js';
import type { GlDevice } from './device-cache.js';
import type { Swizzle } from './format-map.js';

/** Colour fix-ups between what the texture does and what the blit's view formats ask. */
export const enum Srgb { None, Decode, Encode }

export interface ColorBlitVariant {
  dst: GPUTextureFormat;
  linear: boolean;
  src3d: boolean;
  /** Logical channel i = sampled channel swizzle[i] (PipeSwizzle). */
  srcSwizzle: Swizzle;
  srcSrgb: Srgb;
  dstSrgb: Srgb;
  /** GPU channel c of the target = logical channel dstChannels[c] (-1: zero). */
  dstChannels: readonly number[];
  writeMask: number;
  blend: boolean;
}

// Params layout (see ParamRing): dst0.xy, scale.xy, src0.xy, slice, pad | colour.rgba, depth.
const PARAMS = 'struct P { dst0: vec2f, scale: vec2f, src0: vec2f, slice: f32, pad: f32, color: vec4f, depth: f32 }';
const VS = `${PARAMS}
@group(0) @binding(0) var<uniform> p: P;
@vertex fn vs(@builtin(vertex_index) i: u32) -> @builtin(position) vec4f {
  let xy = vec2f(f32((i << 1u) & 2u), f32(i & 2u));
  return vec4f(xy * 2.0 - 1.0, 0.0, 1.0);
}
fn srcPos(pos: vec4f) -> vec2f { return (pos.xy - p.dst0) * p.scale + p.src0; }
`;
const SRGB = `
fn srgbDecode(c: vec3f) -> vec3f { return select(pow((c + 0.055) / 1.055, vec3f(2.4)), c / 12.92, c <= vec3f(0.04045)); }
fn srgbEncode(c: vec3f) -> vec3f { return select(1.055 * pow(c, vec3f(1.0 / 2.4)) - 0.055, c * 12.92, c <= vec3f(0.0031308)); }
`;

const srgbExpr = (s: Srgb, v: string): string =>
  s === Srgb.Decode ? `vec4f(srgbDecode(${v}.rgb), ${v}.a)` : s === Srgb.Encode ? `vec4f(srgbEncode(${v}.rgb), ${v}.a)` : v;
const channel = (sw: number, v: string): string =>
  sw === S.ZERO ? '0.0' : sw === S.ONE ? '1.0' : sw <= S.W ? `${v}[${sw}]` : '0.0';

export function colorBlitWgsl(v: ColorBlitVariant): string {
  const tex = v.src3d ? 'texture_3d<f32>' : 'texture_2d<f32>';
  const fetch = v.linear
    ? v.src3d
      ? 'textureSampleLevel(src, smp, vec3f(s / vec2f(textureDimensions(src, 0).xy), p.slice), 0.0)'
      : 'textureSampleLevel(src, smp, s / vec2f(textureDimensions(src, 0)), 0.0)'
    : v.src3d
      ? 'textureLoad(src, vec3i(clamp(vec2i(floor(s)), vec2i(0), vec2i(textureDimensions(src, 0).xy) - 1), i32(p.slice)), 0)'
      : 'textureLoad(src, clamp(vec2i(floor(s)), vec2i(0), vec2i(textureDimensions(src, 0)) - 1), 0)';
  const sw = v.srcSwizzle;
  const out = v.dstChannels.map((c) => (c < 0 ? '0.0' : `l[${c}]`)).join(', ');
  return `${VS}${SRGB}
@group(0) @binding(1) var src: ${tex};
${v.linear ? '@group(0) @binding(2) var smp: sampler;' : ''}
@fragment fn fs(@builtin(position) pos: vec4f) -> @location(0) vec4f {
  let s = srcPos(pos);
  let t = ${srgbExpr(v.srcSrgb, fetch)};
  let l0 = vec4f(${channel(sw[0], 't')}, ${channel(sw[1], 't')}, ${channel(sw[2], 't')}, ${channel(sw[3], 't')});
  let l = ${srgbExpr(v.dstSrgb, 'l0')};
  return vec4f(${out});
}`;
}

/** Depth from a depth texture, or from the red channel of an r32float one (uploads). */
const depthBlitWgsl = (fromFloat: boolean): string => `${VS}
@group(0) @binding(1) var src: ${fromFloat ? 'texture_2d<f32>' : 'texture_depth_2d'};
@fragment fn fs(@builtin(position) pos: vec4f) -> @builtin(frag_depth) f32 {
  return textureLoad(src, clamp(vec2i(floor(srcPos(pos))), vec2i(0), vec2i(textureDimensions(src, 0)) - 1), 0)${fromFloat ? '.r' : ''};
}`;

const FILL = `${VS}
@fragment fn color() -> @location(0) vec4f { return p.color; }
@fragment fn depth() -> @builtin(frag_depth) f32 { return p.depth; }`;

// Stencil cannot be exported from a shader: a first draw zeroes the rectangle, then draw k (its
// instance index) sets bit k through a write mask of 1 << k where the source has it set.
const STENCIL_BLIT = `${PARAMS}
@group(0) @binding(0) var<uniform> p: P;
@group(0) @binding(1) var src: texture_2d<u32>;
struct V { @builtin(position) pos: vec4f, @location(0) @interpolate(flat) bit: u32 }
@vertex fn vs(@builtin(vertex_index) i: u32, @builtin(instance_index) bit: u32) -> V {
  let xy = vec2f(f32((i << 1u) & 2u), f32(i & 2u));
  return V(vec4f(xy * 2.0 - 1.0, 0.0, 1.0), bit);
}
@fragment fn fs(v: V) {
  let s = (v.pos.xy - p.dst0) * p.scale + p.src0;
  let t = clamp(vec2i(floor(s)), vec2i(0), vec2i(textureDimensions(src, 0)) - 1);
  if (((textureLoad(src, t, 0).r >> v.bit) & 1u) == 0u) { discard; }
}
@fragment fn zero() {}`;

const triangle = { topology: 'triangle-list' } as const;

function cached(dev: GlDevice, key: string, make: () => GPURenderPipelineDescriptor): GPURenderPipeline {
  return dev.pipelines.get(key) ?? dev.pipelines.set(key, dev.device.createRenderPipeline(make()));
}

export function colorBlitPipeline(dev: GlDevice, v: ColorBlitVariant): GPURenderPipeline {
  const key = `blit:${v.dst}:${+v.linear}${+v.src3d}${+v.blend}:${v.srcSwizzle.join('')}:${v.srcSrgb}${v.dstSrgb}:${v.dstChannels.join(',')}:${v.writeMask}`;
  return cached(dev, key, () => {
    const module = dev.module(colorBlitWgsl(v));
    const target: GPUColorTargetState = { format: v.dst, writeMask: v.writeMask };
    if (v.blend) {
      const c: GPUBlendComponent = { operation: 'add', srcFactor: 'src-alpha', dstFactor: 'one-minus-src-alpha' };
      target.blend = { color: c, alpha: c };
    }
    return { layout: 'auto', vertex: { module, entryPoint: 'vs' }, fragment: { module, entryPoint: 'fs', targets: [target] }, primitive: triangle };
  });
}

/** Depth from a depth texture through frag_depth; stencil is kept. */
export function depthBlitPipeline(dev: GlDevice, dst: GPUTextureFormat, fromFloat = false): GPURenderPipeline {
  return cached(dev, `blit-depth:${dst}:${+fromFloat}`, () => {
    const module = dev.module(depthBlitWgsl(fromFloat));
    return {
      layout: 'auto', vertex: { module, entryPoint: 'vs' }, fragment: { module, entryPoint: 'fs', targets: [] }, primitive: triangle,
      depthStencil: { format: dst, depthWriteEnabled: true, depthCompare: 'always' },
    };
  });
}

/** Stencil blit layout: the parameters and the source's stencil aspect, shared by its 9 pipelines. */
export function stencilBlitLayout(dev: GlDevice): GPUBindGroupLayout {
  return dev.layouts.get('blit-stencil') ?? dev.layouts.set('blit-stencil', dev.device.createBindGroupLayout({ entries: [
    { binding: 0, visibility: GPUShaderStage.FRAGMENT, buffer: { type: 'uniform' } },
    { binding: 1, visibility: GPUShaderStage.FRAGMENT, texture: { sampleType: 'uint' } },
  ] }));
}

/** Bit `bit` (0..7) of the stencil from the source, or (bit -1) zero over the rectangle. */
export function stencilBlitPipeline(dev: GlDevice, dst: GPUTextureFormat, bit: number): GPURenderPipeline {
  return cached(dev, `blit-stencil:${dst}:${bit}`, () => {
    const module = dev.module(STENCIL_BLIT);
    const face: GPUStencilFaceState = { compare: 'always', passOp: bit < 0 ? 'zero' : 'replace' };
    return {
      layout: dev.device.createPipelineLayout({ bindGroupLayouts: [stencilBlitLayout(dev)] }),
      vertex: { module, entryPoint: 'vs' }, fragment: { module, entryPoint: bit < 0 ? 'zero' : 'fs', targets: [] }, primitive: triangle,
      depthStencil: {
        format: dst, depthWriteEnabled: false, depthCompare: 'always',
        stencilFront: face, stencilBack: face, stencilWriteMask: bit < 0 ? 0xff : 1 << bit,
      },
    };
  });
}

/** A constant colour, or depth (frag_depth) and/or stencil (the reference, replaced). */
export function fillPipeline(dev: GlDevice, dst: GPUTextureFormat, depthStencil: boolean, depth: boolean, stencil: boolean): GPURenderPipeline {
  return cached(dev, `fill:${dst}:${+depthStencil}${+depth}${+stencil}`, () => {
    const module = dev.module(FILL);
    if (!depthStencil) {
      return { layout: 'auto', vertex: { module, entryPoint: 'vs' }, fragment: { module, entryPoint: 'color', targets: [{ format: dst }] }, primitive: triangle };
    }
    const face: GPUStencilFaceState = { compare: 'always', passOp: stencil ? 'replace' : 'keep' };
    return {
      layout: 'auto', vertex: { module, entryPoint: 'vs' }, fragment: { module, entryPoint: 'depth', targets: [] }, primitive: triangle,
      depthStencil: {
        format: dst, depthWriteEnabled: depth, depthCompare: 'always',
        ...(stencil ? { stencilFront: face, stencilBack: face, stencilWriteMask: 0xff } : {}),
      },
    };
  });
}
