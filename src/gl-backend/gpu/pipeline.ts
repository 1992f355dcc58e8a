// Immutable WebGPU pipelines from Gallium state, cached by a key of exactly the state that shapes
// them; dynamic state (viewport, scissor, blend colour, stencil reference) stays out of the key.
import { PipeFace, PipeLogicOp } from '../../protocol/gallium.js';
import { ContextError } from '../../server/renderer.js';
import { emitWgsl, linkStages } from '../tgsi/index.js';
import type { TgsiShader } from '../tgsi/ir.js';
import {
  kDriverUniformSize, kLogicOpDestBinding, kMaxSamplerSlots, kWideLineOtherEndpoint, samplerBinding, textureBinding, type EmittedShader, type ScalarType, type ShaderInterface,
} from '../tgsi/interface.js';
import type { SubContext } from '../state/sub-context.js';
import type { BlendState, DsaState, RasterizerState, VertexElement } from '../state/objects.js';
import { BoundedCache, type GlDevice } from './device-cache.js';
import { Conversion, gpuFormatOf, type GpuFormat } from './format-map.js';
import { BLEND_OP, blendFactor, COMPARE, STENCIL_OP, TOPOLOGY, VERTEX_FORMAT } from './state-map.js';
import { depthBiasUnits, finite } from './finite.js';

export interface PipelineInputs {
  sub: SubContext;
  /** Never changed once made (its key is kept per object): draw.ts keeps one per framebuffer. */
  fb: { readonly colors: readonly (GpuFormat | null)[]; readonly depth: GpuFormat | null };
  mode: number;
  indexFormat: GPUIndexFormat | undefined;
  /** Vertex elements expanded on the CPU (vertex-convert.ts) replace the bound ones. */
  vertexOverride?: VertexOverride | null;
  /**
   * Two-sided stencil with per-face masks: WebGPU has one read/write mask, so the draw is split
   * into a front-face pass (0) and a back-face pass (1), each culling the other face.
   */
  faceOnly?: 0 | 1;
  /** Points wider than a pixel: instanced quads (see LinkOptions.pointSprite and draw.ts). */
  widePoints?: boolean;
  /** Lines wider than a pixel: instanced quads, one per line of a list or a strip (LinkOptions.wideLines). */
  wideLines?: 'list' | 'strip';
}

/** Elements read from converted copies: buffer indices >= CONVERTED_BUFFER_BASE (per-vertex ones interleaved in one). */
export interface VertexOverride { elements: VertexElement[]; strides: ReadonlyMap<number, number> }
export const CONVERTED_BUFFER_BASE = 64;

export interface VertexSlot { slot: number; bufferIndex: number; extraOffset: number }

export interface BuiltPipeline {
  pipeline: GPURenderPipeline;
  layouts: [GPUBindGroupLayout, GPUBindGroupLayout, GPUBindGroupLayout];
  vs: EmittedShader;
  fs: EmittedShader;
  vertexSlots: VertexSlot[];
}

const built = new WeakMap<GlDevice, BoundedCache<string, BuiltPipeline>>();
const shaderIds = new WeakMap<TgsiShader, number>();
let nextShaderId = 1;
const idOf = (s: TgsiShader): number => {
  let id = shaderIds.get(s);
  if (id === undefined) { id = nextShaderId++; shaderIds.set(s, id); }
  return id;
};

export function buildPipeline(dev: GlDevice, p: PipelineInputs): BuiltPipeline {
  const { sub } = p;
  const vsShader = dev.shader(sub.shaders[0]!.text!);
  const fsShader = dev.shader(sub.shaders[1]!.text!);
  const ve = p.vertexOverride?.elements ?? sub.vertexElements?.elements ?? NO_ELEMENTS;
  const depthSlots = [depthSlotMask(sub, 0), depthSlotMask(sub, 1)];
  const strideOf = (bufferIndex: number): number => (bufferIndex >= CONVERTED_BUFFER_BASE
    ? p.vertexOverride?.strides.get(bufferIndex) ?? 16 : sub.vertexBuffers[bufferIndex]?.stride ?? 0);
  const rs = sub.rasterizer;
  const dsa = sub.dsa;
  const blend = sub.blend;
  const quads = p.widePoints || p.wideLines !== undefined;
  const topology = quads ? 'triangle-list' : TOPOLOGY[p.mode];
  if (!topology) throw new ContextError(`primitive mode ${p.mode} is not one our caps claim`);
  // The key: state objects (immutable once created) and framebuffer formats contribute strings
  // made once per object; only what changes between draws on the same objects is formatted here.
  const key = `${idOf(vsShader)}|${idOf(fsShader)}|${p.mode}|${p.indexFormat ?? ''}|${elementsKey(ve, p.vertexOverride)}|${stridesKey(ve, strideOf)}`
    + `|${partKey(p.fb, fbKey)}|${clipDistanceCount(dev, sub)}|${depthSlots[0]}.${depthSlots[1]}`
    + `|${rs ? partKey(rs, rasterizerKey) : 'r-'}|${dsa ? partKey(dsa, dsaKey) : 'd-'}|${blend ? partKey(blend, blendKey) : 'b-'}`
    + `|${p.faceOnly ?? ''}|${logicOpOf(sub, p.fb.colors[0] ?? null) ?? ''}`
    + `|${p.widePoints && rs ? `wp${rs.spriteCoordEnable}.${rs.spriteCoordLowerLeft}.${rs.pointSizePerVertex}` : ''}|${p.wideLines ?? ''}`;
  let cache = built.get(dev);
  if (!cache) { cache = new BoundedCache<string, BuiltPipeline>(1024); built.set(dev, cache); }
  const hit = cache.get(key);
  if (hit) return hit;

  // Link: the FS decides the varying locations; the VS follows.
  const vertexInputTypes: ScalarType[] = [];
  ve.forEach((e, i) => { vertexInputTypes[i] = VERTEX_FORMAT.get(e.format)?.type ?? 'f32'; });
  const colorOutputTypes: ScalarType[] = p.fb.colors.map(() => 'f32');
  const link = linkStages(vsShader.interface, fsShader.interface, {
    colorOutputs: p.fb.colors.length, colorOutputTypes, vertexInputTypes, flatShade: rs?.flatshade ?? false,
    clipDistances: clipDistanceCount(dev, sub), logicOp: logicOpOf(sub, p.fb.colors[0] ?? null),
    ...(p.wideLines ? { wideLines: true } : {}),
    ...(p.widePoints ? { pointSprite: { coordEnable: rs?.spriteCoordEnable ?? 0, lowerLeft: rs?.spriteCoordLowerLeft ?? false, perVertexSize: rs?.pointSizePerVertex ?? false } } : {}),
  });
  const vs = emitWgsl(vsShader, link.vertex);
  const fs = emitWgsl(fsShader, link.fragment);
  const layouts: [GPUBindGroupLayout, GPUBindGroupLayout, GPUBindGroupLayout] = [
    driverLayout(dev), stageLayout(dev, vs.interface, GPUShaderStage.VERTEX, depthSlots[0]), stageLayout(dev, fs.interface, GPUShaderStage.FRAGMENT, depthSlots[1], logicOpOf(sub, p.fb.colors[0] ?? null) !== undefined),
  ];

  const buffers: GPUVertexBufferLayout[] = [];
  const vertexSlots: VertexSlot[] = [];
  // Elements of one Gallium buffer share a WebGPU slot when their offsets fit in the stride;
  // an element that does not gets a slot of its own, its offset moved into the binding offset.
  const shared = new Map<number, number>();
  ve.forEach((e, i) => {
    if (!vs.interface.vertexAttributes.includes(i)) return;
    const vf = VERTEX_FORMAT.get(e.format);
    if (!vf) throw new ContextError(`vertex format ${e.format} is not one our caps claim`);
    if (e.instanceDivisor > 1) throw new ContextError(`instance divisor ${e.instanceDivisor} is not supported`);
    const stride = strideOf(e.bufferIndex);
    if (stride % 4 !== 0) throw new ContextError(`vertex stride ${stride} is not a multiple of 4`);
    // Wide points step every attribute per point (instance); the 6 vertices of a quad share them.
    const stepMode: GPUVertexStepMode = e.instanceDivisor || quads ? 'instance' : 'vertex';
    const fits = stride > 0 && e.srcOffset + vf.bytes <= stride && e.srcOffset % 4 === 0;
    const groupKey = e.bufferIndex * 2 + (e.instanceDivisor ? 1 : 0);
    const slot = fits ? shared.get(groupKey) : undefined;
    if (slot !== undefined) {
      (buffers[slot].attributes as GPUVertexAttribute[]).push({ shaderLocation: i, offset: e.srcOffset, format: vf.format });
      return;
    }
    buffers.push({ arrayStride: stride, stepMode, attributes: [{ shaderLocation: i, offset: fits ? e.srcOffset : 0, format: vf.format }] });
    vertexSlots.push({ slot: buffers.length - 1, bufferIndex: e.bufferIndex, extraOffset: fits ? 0 : e.srcOffset });
    if (fits) shared.set(groupKey, buffers.length - 1);
  });
  // Wide lines: each slot once more for the line's second endpoint (one vertex further), its
  // attributes at the shifted locations; a list steps two vertices per line, a strip one.
  if (p.wideLines) {
    for (let j = 0, n = buffers.length; j < n; j++) {
      const stride = buffers[j].arrayStride;
      buffers[j] = { ...buffers[j], arrayStride: stride * (p.wideLines === 'list' ? 2 : 1) };
      const attributes = [...buffers[j].attributes].map((a) => ({ ...a, shaderLocation: a.shaderLocation + kWideLineOtherEndpoint }));
      buffers.push({ ...buffers[j], attributes });
      const v = vertexSlots.find((x) => x.slot === j)!;
      vertexSlots.push({ slot: buffers.length - 1, bufferIndex: v.bufferIndex, extraOffset: v.extraOffset + stride });
    }
  }
  if (buffers.length > dev.device.limits.maxVertexBuffers) {
    throw new ContextError(`${buffers.length} vertex buffer slots exceed the device's ${dev.device.limits.maxVertexBuffers}`);
  }
  for (const a of vs.interface.vertexAttributes) {
    if (a >= ve.length) throw new ContextError(`vertex shader reads attribute ${a}, but only ${ve.length} vertex elements are bound`);
  }

  const targets: (GPUColorTargetState | null)[] = p.fb.colors.map((c, i) => {
    if (!c) return null;
    const rt = blend ? blend.rt[blend.independent ? i : 0] : null;
    const noAlpha = c.swizzle[3] === 5; // PipeSwizzle.ONE: the format has no alpha channel
    const t: GPUColorTargetState = { format: c.gpu, writeMask: rt ? rt.colormask : 0xf };
    // GL: an enabled logic op replaces blending.
    if (rt?.enable && logicOpOf(sub, c) === undefined) {
      t.blend = {
        color: { operation: BLEND_OP[rt.rgbFunc] ?? 'add', srcFactor: blendFactor(rt.rgbSrc, noAlpha), dstFactor: blendFactor(rt.rgbDst, noAlpha) },
        alpha: { operation: BLEND_OP[rt.alphaFunc] ?? 'add', srcFactor: blendFactor(rt.alphaSrc, noAlpha), dstFactor: blendFactor(rt.alphaDst, noAlpha) },
      };
      for (const part of [t.blend.color, t.blend.alpha]) {
        if (part.operation === 'min' || part.operation === 'max') { part.srcFactor = 'one'; part.dstFactor = 'one'; }
      }
    }
    return t;
  });

  const desc: GPURenderPipelineDescriptor = {
    layout: dev.device.createPipelineLayout({ bindGroupLayouts: layouts }),
    vertex: { module: dev.module(vs.code), entryPoint: vs.entryPoint, buffers },
    fragment: { module: dev.module(fs.code), entryPoint: fs.entryPoint, targets },
    primitive: {
      topology,
      ...(p.indexFormat && (topology === 'line-strip' || topology === 'triangle-strip') ? { stripIndexFormat: p.indexFormat } : {}),
      // Gallium and WebGPU both judge winding on window coordinates as stored (rows top-down).
      frontFace: rs?.frontCcw ? 'ccw' : 'cw',
      cullMode: quads ? 'none' : p.faceOnly === 0 ? 'back' : p.faceOnly === 1 ? 'front'
        : rs?.cullFace === PipeFace.FRONT ? 'front' : rs?.cullFace === PipeFace.BACK ? 'back' : 'none',
    },
  };
  if (p.fb.depth) {
    const d = p.fb.depth;
    const face = (i: 0 | 1): GPUStencilFaceState => {
      const s = dsa?.stencil[i];
      const st = s && (s.enabled || i === 1) ? (s.enabled ? s : dsa!.stencil[0]) : null;
      return st && st.enabled
        ? { compare: COMPARE[st.func], failOp: STENCIL_OP[st.failOp], depthFailOp: STENCIL_OP[st.zfailOp], passOp: STENCIL_OP[st.zpassOp] }
        : { compare: 'always', failOp: 'keep', depthFailOp: 'keep', passOp: 'keep' };
    };
    const stencilOn = d.stencil && !!dsa?.stencil[0].enabled;
    const maskFace = p.faceOnly === 1 && dsa?.stencil[1].enabled ? dsa.stencil[1] : dsa?.stencil[0];
    desc.depthStencil = {
      format: d.gpu,
      depthWriteEnabled: !!(dsa?.depthEnabled && dsa.depthWrite),
      depthCompare: dsa?.depthEnabled ? COMPARE[dsa.depthFunc] : 'always',
      ...(d.stencil ? {
        stencilFront: face(0), stencilBack: face(1),
        stencilReadMask: stencilOn ? maskFace!.valueMask : 0xff, stencilWriteMask: stencilOn ? maskFace!.writeMask : 0,
      } : {}),
      // The constant part moves to the vertex shader (draw.ts: depthOffset) for 24-bit depth held in
      // depth32float, where WebGPU's bias unit follows the float exponent instead of 2^-24.
      ...(rs?.offsetTri && topology.startsWith('triangle') && !quads
        ? { depthBias: shaderDepthOffset(d) ? 0 : depthBiasUnits(rs.offsetUnits), depthBiasSlopeScale: finite(rs.offsetScale), depthBiasClamp: finite(rs.offsetClamp) } : {}),
    };
  }
  const pipeline = dev.device.createRenderPipeline(desc);
  return cache.set(key, { pipeline, layouts, vs, fs, vertexSlots });
}

const NO_ELEMENTS: VertexElement[] = [];
const partKeys = new WeakMap<object, string>();

/** `make(o)`, computed once per object: only for objects that are never changed after creation. */
function partKey<T extends object>(o: T, make: (o: T) => string): string {
  let k = partKeys.get(o);
  if (k === undefined) { k = make(o); partKeys.set(o, k); }
  return k;
}

const elementKey = (e: VertexElement): string => `${e.format}.${e.srcOffset}.${e.bufferIndex}.${e.instanceDivisor}`;
const elementsOf = (ve: VertexElement[]): string => ve.map(elementKey).join(',');

/** Bound vertex elements are immutable objects; an override is made per draw. */
function elementsKey(ve: VertexElement[], override: VertexOverride | null | undefined): string {
  return override ? elementsOf(ve) : partKey(ve, elementsOf);
}

/** Strides come with SET_VERTEX_BUFFERS, so they are read at every draw. */
function stridesKey(ve: VertexElement[], strideOf: (bufferIndex: number) => number): string {
  let k = '';
  for (let i = 0; i < ve.length; i++) k += `${strideOf(ve[i].bufferIndex)},`;
  return k;
}

// Formats without alpha (RGBX in rgba8unorm) blend with destination alpha 1: part of the key.
const fbKey = (fb: PipelineInputs['fb']): string =>
  `${fb.colors.map((c) => (c ? c.gpu + (c.swizzle[3] === 5 ? 'x' : '') : '-')).join(',')}|${fb.depth?.gpu ?? '-'}`;
const rasterizerKey = (rs: RasterizerState): string =>
  `${rs.flatshade}${rs.cullFace}${rs.frontCcw}${rs.offsetTri}${rs.offsetUnits}${rs.offsetScale}${rs.offsetClamp}${rs.depthClip}`;
const dsaKey = (dsa: DsaState): string => `${dsa.depthEnabled}${dsa.depthWrite}${dsa.depthFunc}${JSON.stringify(dsa.stencil)}`;
const blendKey = (blend: BlendState): string => JSON.stringify(blend.independent ? blend.rt : blend.rt[0]) + blend.independent;

const LOGIC_OP_FORMATS: ReadonlySet<GPUTextureFormat> = new Set(['rgba8unorm', 'bgra8unorm', 'r8unorm', 'rg8unorm']);

/**
 * The logic op this draw emulates (PIPE_LOGICOP_*), or undefined: only on 8-bit unorm colour buffers
 * (GL ignores it on float ones) and not for COPY, which is the plain write.
 */
export function logicOpOf(sub: SubContext, color0: GpuFormat | null): number | undefined {
  const b = sub.blend;
  if (!b?.logicopEnable || b.logicopFunc === PipeLogicOp.COPY || !color0 || color0.conversion !== Conversion.None) return undefined;
  return LOGIC_OP_FORMATS.has(color0.gpu) ? b.logicopFunc : undefined;
}

/** Depth formats whose polygon offset units the vertex shader applies (24-bit depth emulated in float). */
export function shaderDepthOffset(depth: GpuFormat): boolean {
  return depth.conversion === Conversion.Z24 || depth.conversion === Conversion.Z24S8;
}

/** User clip planes become clip distances (up to the highest enabled plane) when the device can. */
export function clipDistanceCount(dev: GlDevice, sub: SubContext): number {
  const enable = sub.rasterizer?.clipPlaneEnable ?? 0;
  return enable !== 0 && dev.device.features.has('clip-distances') ? 32 - Math.clz32(enable) : 0;
}

function driverLayout(dev: GlDevice): GPUBindGroupLayout {
  const key = 'driver';
  return dev.layouts.get(key) ?? dev.layouts.set(key, dev.device.createBindGroupLayout({
    entries: [{ binding: 0, visibility: GPUShaderStage.VERTEX | GPUShaderStage.FRAGMENT, buffer: { type: 'uniform', minBindingSize: kDriverUniformSize } }],
  }));
}

/** Slots whose bound view is a depth texture: WebGPU samples those as unfilterable floats. */
function depthSlotMask(sub: SubContext, stage: number): number {
  let mask = 0;
  sub.samplerViews[stage].forEach((v, slot) => {
    if (v && gpuFormatOf(v.format)?.depth) mask |= 1 << slot;
  });
  return mask;
}

function stageLayout(dev: GlDevice, iface: ShaderInterface, visibility: number, depthSlots: number, logicOpDest = false): GPUBindGroupLayout {
  const entries: GPUBindGroupLayoutEntry[] = [];
  if (logicOpDest) entries.push({ binding: kLogicOpDestBinding, visibility, texture: { sampleType: 'unfilterable-float', viewDimension: '2d' } });
  for (const cb of iface.constantBuffers) entries.push({ binding: cb.index, visibility, buffer: { type: 'uniform', minBindingSize: cb.vec4Count * 16 } });
  for (const s of iface.samplers) {
    if (s.slot >= kMaxSamplerSlots) throw new ContextError(`sampler slot ${s.slot}`);
    const depthView = (depthSlots >> s.slot) & 1 && s.sampleType === 'float';
    const sampleType: GPUTextureSampleType = depthView ? 'unfilterable-float' : s.sampleType;
    entries.push({ binding: textureBinding(s.slot), visibility, texture: { sampleType, viewDimension: s.viewDimension, multisampled: s.multisampled } });
    if (s.usesSampler) entries.push({ binding: samplerBinding(s.slot), visibility, sampler: { type: s.shadow ? 'comparison' : sampleType === 'float' ? 'filtering' : 'non-filtering' } });
  }
  const key = `${visibility}:${JSON.stringify(entries)}`;
  return dev.layouts.get(key) ?? dev.layouts.set(key, dev.device.createBindGroupLayout({ entries }));
}
