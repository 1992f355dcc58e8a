// Clears and draws: Gallium state -> a render pass (kept open across draws), a cached pipeline,
// per-draw uniforms in the upload ring, bind groups, then the draw call.
import { PipeBlendFactor, PipeClear, PipeFace, PipePolygonMode, PipePrim, PipeTexFilter, PipeTexMipFilter } from '../../protocol/gallium.js';
import { ContextError } from '../../server/renderer.js';
import type { SubContext } from '../state/sub-context.js';
import type { SamplerStateDesc, SurfaceState } from '../state/objects.js';
import { asFloat } from '../state/objects.js';
import { kDriverUniformSize, kLogicOpDestBinding, packDriverUniforms, type DriverUniforms, textureBinding, samplerBinding, kFlagFlatshadeFirst } from '../tgsi/interface.js';
import { gpuFormatOf, type GpuFormat } from './format-map.js';
import type { GpuBatch } from './batch.js';
import type { GlDevice } from './device-cache.js';
import type { GpuResource, GpuResources } from './resources.js';
import { UploadRing } from './upload-ring.js';
import { PassState } from './pass-state.js';
import { SamplerUniforms } from './sampler-uniforms.js';
import { beginQueriedPass } from './queries.js';
import { buildPipeline, CONVERTED_BUFFER_BASE, logicOpOf, shaderDepthOffset, type PipelineInputs, type VertexOverride } from './pipeline.js';
import { expandVertices, vertexLayout } from './vertex-convert.js';
import { canGather, gatherVertices, needsWidePoints, quadCount, wideLineKind } from './wide-primitives.js';
import { VERTEX_FORMAT } from './state-map.js';
import { VirglFormat } from '../../protocol/virgl-formats.js';
import type { VertexElement } from '../state/objects.js';
import type { ShaderInterface } from '../tgsi/interface.js';
import { addressMode } from './state-map.js';
import { finite, finiteColor, unitDepth } from './finite.js';

interface Attachment { res: GpuResource; view: GPUTextureView }
interface Framebuffer {
  colors: (Attachment | null)[]; depth: Attachment | null; width: number; height: number; key: string;
  /** The attachments' formats, one object per framebuffer (pipeline.ts keys it by identity). */
  formats: PipelineInputs['fb'];
  /** SubContext.framebufferSerial it was made for. */
  serial: number;
}

const MAX_GROUPS_PER_LAYOUT = 256;
const objectIds = new WeakMap<object, number>();
let nextObjectId = 1;
/** A number per GPU object, for keys made of identities. */
function objectId(o: object): number {
  let id = objectIds.get(o);
  if (id === undefined) { id = nextObjectId++; objectIds.set(o, id); }
  return id;
}

const DRAW_START = 1; const DRAW_COUNT = 2; const DRAW_MODE = 3; const DRAW_INDEXED = 4; const DRAW_INSTANCES = 5;
const DRAW_INDEX_BIAS = 6; const DRAW_START_INSTANCE = 7;

export class GpuDraw {
  private readonly ring: UploadRing;
  private readonly scratch = new ArrayBuffer(kDriverUniformSize);
  private readonly scratchBytes = new Uint8Array(this.scratch);
  /** Filled in place at every draw (packUniforms), so a draw makes no objects for its uniforms. */
  private readonly uniforms: DriverUniforms & { vpScale: number[]; vpTranslate: number[]; clipPlanes: number[][] } = {
    vpScale: [0, 0, 0, 0], vpTranslate: [0, 0, 0, 0], fbWidth: 0, fbHeight: 0, flags: 0, alphaFunc: undefined, alphaRef: 0,
    twoSide: false, baseVertex: 0, baseInstance: 0, pointSize: 1, lineWidth: 1, depthOffset: 0,
    clipPlanes: Array.from({ length: 8 }, () => [0, 0, 0, 0]),
  };
  private readonly samplerUniforms: SamplerUniforms;
  /** Destination copy read by emulated logic ops (see copyLogicOpDest). */
  private logicOpDest: GPUTexture | null = null;
  private subSerial = new WeakMap<SubContext, number>();
  private nextSubId = 1;
  /** Bind groups without per-draw data, by layout and the identities of what they bind (stageGroup). */
  private readonly groups = new WeakMap<GPUBindGroupLayout, Map<string, GPUBindGroup>>();
  private dummyViewCached: GPUTextureView | null = null;
  /** The last framebuffer of each sub-context, reused while its state and resources stay. */
  private readonly framebuffers = new WeakMap<SubContext, Framebuffer>();
  private readonly passState = new PassState();

  constructor(private readonly dev: GlDevice, private readonly resources: GpuResources, private readonly batch: GpuBatch) {
    this.ring = new UploadRing(dev.device);
    this.samplerUniforms = new SamplerUniforms(resources);
    batch.beforeSubmit = () => this.ring.flush();
  }

  private get dummyView(): GPUTextureView {
    return this.dummyViewCached ??= this.dev.dummyTexture2d.createView();
  }

  destroy(): void { this.ring.destroy(); this.logicOpDest?.destroy(); }

  private framebuffer(sub: SubContext): Framebuffer {
    const last = this.framebuffers.get(sub);
    if (last && last.serial === sub.framebufferSerial && this.stillBound(last)) return last;
    let id = this.subSerial.get(sub);
    if (id === undefined) { id = this.nextSubId++; this.subSerial.set(sub, id); }
    const colors: (Attachment | null)[] = [];
    let width = 0; let height = 0;
    const attach = (s: SurfaceState): Attachment => {
      const res = this.resources.get(s.resHandle);
      const view = this.resources.view(res, s.level, 1, s.firstLayer, 1, '2d');
      const lvl = res.guest.levels[s.level];
      width = width === 0 ? lvl.width : Math.min(width, lvl.width);
      height = height === 0 ? lvl.height : Math.min(height, lvl.height);
      return { res, view };
    };
    for (let i = 0; i < sub.nrCbufs; i++) {
      const s = sub.cbufs[i];
      colors.push(s ? attach(s) : null);
    }
    const depth = sub.zsbuf ? attach(sub.zsbuf) : null;
    if (width === 0) throw new ContextError('draw or clear without a framebuffer attachment');
    const formats = { colors: colors.map((c) => c?.res.format ?? null), depth: depth?.res.format ?? null };
    const fb = { colors, depth, width, height, key: `${id}:${sub.framebufferSerial}`, formats, serial: sub.framebufferSerial };
    this.framebuffers.set(sub, fb);
    return fb;
  }

  /** A handle unreferenced and created again names another resource: the framebuffer is stale then. */
  private stillBound(fb: Framebuffer): boolean {
    for (const a of fb.colors) if (a && this.resources.tryGet(a.res.guest.handle) !== a.res) return false;
    return !fb.depth || this.resources.tryGet(fb.depth.res.guest.handle) === fb.depth.res;
  }

  private beginPass(fb: Framebuffer, clear: number, color: GPUColorDict | null, depth: number, stencil: number): GPURenderPassEncoder {
    const desc: GPURenderPassDescriptor = {
      colorAttachments: fb.colors.map((a, i) => a && {
        view: a.view,
        loadOp: (clear & (PipeClear.COLOR0 << i)) ? 'clear' : 'load',
        storeOp: 'store',
        ...((clear & (PipeClear.COLOR0 << i)) && color ? { clearValue: color } : {}),
      }),
    };
    if (fb.depth) {
      const f = fb.depth.res.format!;
      desc.depthStencilAttachment = {
        view: fb.depth.view,
        depthLoadOp: clear & PipeClear.DEPTH ? 'clear' : 'load', depthStoreOp: 'store', depthClearValue: depth,
        ...(f.stencil ? { stencilLoadOp: clear & PipeClear.STENCIL ? 'clear' : 'load', stencilStoreOp: 'store', stencilClearValue: stencil } : {}),
      };
    }
    const serial = this.batch.serial;
    for (const a of fb.colors) if (a) { a.res.gpuNewer = true; a.res.usedInBatch = serial; }
    if (fb.depth) { fb.depth.res.gpuNewer = true; fb.depth.res.usedInBatch = serial; }
    const pass = beginQueriedPass(this.batch, desc, fb.key);
    pass.setViewport(0, 0, fb.width, fb.height, 0, 1);
    return pass;
  }

  /** CLEAR: a new pass whose load ops clear the named buffers (a full-surface clear, as Gallium's). */
  clear(sub: SubContext, b: Uint32Array, at: number): void {
    const buffers = b[at + 1];
    const fb = this.framebuffer(sub);
    const color = finiteColor(asFloat(b[at + 2]), asFloat(b[at + 3]), asFloat(b[at + 4]), asFloat(b[at + 5]));
    const dv = new DataView(b.buffer, b.byteOffset + (at + 6) * 4, 8);
    const depth = unitDepth(dv.getFloat64(0, true));
    this.beginPass(fb, buffers, color, depth, b[at + 8] & 0xff);
  }

  draw(sub: SubContext, b: Uint32Array, at: number, _len: number): void {
    const count = b[at + DRAW_COUNT];
    const instances = b[at + DRAW_INSTANCES];
    if (count === 0 || instances === 0) return;
    const rs = sub.rasterizer;
    if (rs && (rs.discard || rs.cullFace === PipeFace.FRONT_AND_BACK)) return;
    const vs = sub.shaders[0]; const fs = sub.shaders[1];
    if (!vs?.text || !fs?.text) throw new ContextError('DRAW_VBO without complete vertex and fragment shaders', at);
    const indexed = b[at + DRAW_INDEXED] !== 0;
    const fb = this.framebuffer(sub);
    const fbFormats = fb.formats;
    const mode = b[at + DRAW_MODE];
    const converted = this.convertVertices(sub, indexed, b[at + DRAW_START], count, instances, b[at + DRAW_START_INSTANCE], b[at + DRAW_INDEX_BIAS] | 0, at);
    const vertexOverride = converted?.override ?? null;
    const logicOp = logicOpOf(sub, fbFormats.colors[0] ?? null);
    const indexFormat: GPUIndexFormat | undefined = indexed ? (sub.indexBuffer.indexSize === 4 ? 'uint32' : 'uint16') : undefined;
    let built = buildPipeline(this.dev, { sub, fb: fbFormats, mode, indexFormat, vertexOverride });
    // Polygon modes (glPolygonMode LINE/POINT): WebGPU only fills, so triangles become their edges
    // or vertices, drawn through an index list in the ring.
    const fill = unfilledMode(sub, mode);
    const prim = fill === PipePolygonMode.LINE ? PipePrim.LINES : fill === PipePolygonMode.POINT ? PipePrim.POINTS : mode;
    // Wide points and lines: quads, stepping through the vertices in order; indexed draws and
    // polygon modes gather their vertices first.
    const kind = prim === PipePrim.POINTS ? (instances === 1 && needsWidePoints(sub, vertexOverride) ? 'points' : undefined)
      : wideLineKind(sub, prim, instances, vertexOverride, this.dev.device.limits.maxVertexBuffers);
    const gather = indexed || fill !== PipePolygonMode.FILL;
    let wide: { gathered: Map<number, number> | null; start: number; quads: number } | null = null;
    if (kind && (!gather || canGather(sub, vertexOverride))) {
      let gathered: Map<number, number> | null = null;
      let vertices = count;
      if (gather) {
        const bias = indexed ? b[at + DRAW_INDEX_BIAS] | 0 : 0;
        const indices = fill === PipePolygonMode.LINE
          ? this.edgeIndices(sub, mode, indexed, b[at + DRAW_START], count, at, bias)
          : this.indexList(sub, indexed, b[at + DRAW_START], count, at, bias);
        gathered = gatherVertices(sub, (h) => this.resources.get(h).guest.storage, indices, (n) => this.ring.bytes(this.allocRing(n), n), (v) => v.byteOffset, at);
        vertices = indices.length;
      }
      wide = { gathered, start: gathered ? 0 : b[at + DRAW_START], quads: kind === 'points' ? vertices : quadCount(kind, vertices) };
      built = buildPipeline(this.dev, {
        sub, fb: fbFormats, mode: prim, indexFormat: undefined, vertexOverride,
        ...(kind === 'points' ? { widePoints: true } : { wideLines: kind }),
      });
    }
    const provoking = wide ? null : fill !== PipePolygonMode.FILL
      ? this.unfilled(sub, mode, fill, indexed, b[at + DRAW_START], count, at)
      // GL's flat shading takes the last vertex of a primitive, WebGPU's the first: when the fragment
      // shader has flat inputs, draw through rotated indices instead.
      : !rs?.flatshadeFirst && mode !== PipePrim.POINTS && hasFlatInputs(built.fs.interface, rs?.flatshade ?? false)
        ? this.lastVertexFirst(sub, mode, indexed, b[at + DRAW_START], count, at) : null;
    if (provoking) built = buildPipeline(this.dev, { sub, fb: fbFormats, mode: provoking.mode, indexFormat: 'uint32', vertexOverride });
    // Converted per-vertex data starts at the lowest vertex drawn, so vertex numbers shift by it.
    const shift = converted?.firstVertex ?? 0;

    // An emulated logic op reads the destination from a copy taken before the draw (in a new pass).
    if (logicOp !== undefined) this.copyLogicOpDest(sub, fb, at);
    // Per-draw data first: a full ring submits the batch, which must not split a recorded draw.
    const driverAt = this.allocRing(kDriverUniformSize);
    this.packUniforms(sub, fb, indexed ? b[at + DRAW_INDEX_BIAS] | 0 : b[at + DRAW_START], b[at + DRAW_START_INSTANCE], depthOffset(sub, fb.depth?.res.format ?? null, mode, fill));
    this.ring.bytes(driverAt, kDriverUniformSize).set(this.scratchBytes);
    const driverGroup = this.dev.device.createBindGroup({ layout: built.layouts[0], entries: [{ binding: 0, resource: { buffer: this.ring.buffer, offset: driverAt, size: kDriverUniformSize } }] });
    const vsGroup = this.stageGroup(sub, 0, built.vs.interface, built.layouts[1]);
    const fsGroup = this.stageGroup(sub, 1, built.fs.interface, built.layouts[2], logicOp !== undefined);
    let indexBuffer: GPUBuffer | null = null;
    let indexOffset = 0;
    // Mesa folds the first index into the index buffer offset (ib.offset = start * size), and the
    // host reads indices from that offset alone, so DRAW_VBO's start does not apply to indexed draws.
    let firstIndex = 0;
    if (provoking) {
      indexBuffer = this.ring.buffer; indexOffset = provoking.offset;
    } else if (indexed) {
      const ib = sub.indexBuffer;
      const res = this.resources.get(ib.resHandle);
      if (!res.buffer) throw new ContextError(`index buffer ${ib.resHandle} is not a buffer`, at);
      res.usedInBatch = this.batch.serial;
      if (ib.indexSize === 1) {
        // WebGPU has no 8-bit indices: widen them into the ring.
        const src = res.guest.storage;
        const o = this.allocRing(count * 2);
        const dst = new Uint16Array(this.ring.bytes(o, count * 2).buffer, o, count);
        for (let i = 0; i < count; i++) dst[i] = src[ib.offset + firstIndex + i] ?? 0;
        indexBuffer = this.ring.buffer; indexOffset = o; firstIndex = 0;
      } else {
        indexBuffer = res.buffer; indexOffset = ib.offset;
      }
    }

    let pass = this.batch.pass;
    if (!pass || this.batch.passKey !== fb.key) pass = this.beginPass(fb, 0, null, 1, 0);
    const st = this.passState;
    st.use(pass);
    st.setPipeline(built.pipeline);
    st.setBindGroup(0, driverGroup);
    st.setBindGroup(1, vsGroup);
    st.setBindGroup(2, fsGroup);
    for (const slot of built.vertexSlots) {
      const gathered = wide?.gathered?.get(slot.bufferIndex);
      if (gathered !== undefined) {
        pass.setVertexBuffer(slot.slot, this.ring.buffer, gathered + slot.extraOffset);
        continue;
      }
      if (slot.bufferIndex >= CONVERTED_BUFFER_BASE) {
        pass.setVertexBuffer(slot.slot, this.ring.buffer, converted!.offsets[slot.bufferIndex - CONVERTED_BUFFER_BASE]);
        continue;
      }
      const vb = sub.vertexBuffers[slot.bufferIndex];
      const res = this.resources.get(vb.resHandle);
      if (!res.buffer) throw new ContextError(`vertex buffer ${vb.resHandle} is not a buffer`, at);
      res.usedInBatch = this.batch.serial;
      const off = vb.offset + slot.extraOffset;
      if (off % 4 !== 0 || off >= res.buffer.size) throw new ContextError(`vertex buffer offset ${off} unusable`, at);
      pass.setVertexBuffer(slot.slot, res.buffer, off);
    }
    this.setScissor(sub, fb);
    const c = sub.blendColor;
    // WebGPU has one blend constant used per channel; GL's CONSTANT_ALPHA factors want alpha in all four.
    if (usesConstantAlphaOnly(sub)) st.setBlendConstant(c[3], c[3], c[3], c[3]);
    else st.setBlendConstant(c[0], c[1], c[2], c[3]);
    // Two-sided stencil whose faces differ in reference or masks: one draw per face (see pipeline.ts).
    if (wide) {
      // Six vertices (two triangles) per point or line; their vertices step per instance.
      st.setStencilReference(sub.stencilRef & 0xff);
      pass.draw(6, wide.quads, 0, wide.start - shift);
      return;
    }
    const faces = this.stencilFaces(sub, provoking?.mode ?? mode);
    if (faces === 0) {
      st.setStencilReference(sub.stencilRef & 0xff);
      this.issueDraw(pass, sub, b, at, provoking, indexed, indexBuffer, indexOffset, firstIndex, count, instances, shift);
      return;
    }
    for (let face = 0; face < 2; face++) {
      if (!((faces >> face) & 1)) continue;
      const faceOnly = face as 0 | 1;
      st.setPipeline(buildPipeline(this.dev, { sub, fb: fbFormats, mode: provoking?.mode ?? mode, indexFormat: provoking ? 'uint32' : indexFormat, vertexOverride, faceOnly }).pipeline);
      st.setStencilReference((sub.stencilRef >> (8 * face)) & 0xff);
      this.issueDraw(pass, sub, b, at, provoking, indexed, indexBuffer, indexOffset, firstIndex, count, instances, shift);
    }
  }

  private issueDraw(pass: GPURenderPassEncoder, sub: SubContext, b: Uint32Array, at: number, provoking: { offset: number; count: number } | null,
    indexed: boolean, indexBuffer: GPUBuffer | null, indexOffset: number, firstIndex: number, count: number, instances: number, shift: number): void {
    if (provoking) {
      pass.setIndexBuffer(this.ring.buffer, 'uint32', provoking.offset);
      pass.drawIndexed(provoking.count, instances, 0, (indexed ? b[at + DRAW_INDEX_BIAS] | 0 : 0) - shift, b[at + DRAW_START_INSTANCE]);
    } else if (indexed && indexBuffer) {
      const format = sub.indexBuffer.indexSize === 4 ? 'uint32' : 'uint16';
      if (indexOffset % (format === 'uint32' ? 4 : 2) !== 0 || indexOffset >= indexBuffer.size) throw new ContextError(`index buffer offset ${indexOffset} unusable`, at);
      pass.setIndexBuffer(indexBuffer, format, indexOffset);
      pass.drawIndexed(count, instances, firstIndex, (b[at + DRAW_INDEX_BIAS] | 0) - shift, b[at + DRAW_START_INSTANCE]);
    } else {
      pass.draw(count, instances, b[at + DRAW_START] - shift, b[at + DRAW_START_INSTANCE]);
    }
  }

  /**
   * Bit mask of the faces to draw separately (bit 0 front, bit 1 back), or 0 for one ordinary draw:
   * only triangles with two-sided stencil whose faces differ in reference or masks need it.
   */
  private stencilFaces(sub: SubContext, mode: number): number {
    const st = sub.dsa?.stencil;
    if (!st || !st[0].enabled || !st[1].enabled) return 0;
    if (mode < PipePrim.TRIANGLES || mode > PipePrim.POLYGON) return 0;
    const sameRef = (sub.stencilRef & 0xff) === ((sub.stencilRef >> 8) & 0xff);
    if (sameRef && st[0].valueMask === st[1].valueMask && st[0].writeMask === st[1].writeMask) return 0;
    const cull = sub.rasterizer?.cullFace ?? PipeFace.NONE;
    return (cull & PipeFace.FRONT ? 0 : 1) | (cull & PipeFace.BACK ? 0 : 2);
  }

  /**
   * When some bound vertex element cannot be fetched by WebGPU as it is, expands every element
   * into vec4s in the ring: per-vertex ones over the vertices drawn (from the lowest), per-instance
   * ones over the instances drawn. Returns null when nothing needs it.
   */
  private convertVertices(sub: SubContext, indexed: boolean, start: number, count: number, instances: number, startInstance: number, bias: number, at: number):
  { override: VertexOverride; offsets: number[]; firstVertex: number } | null {
    const ve = sub.vertexElements?.elements ?? [];
    const direct = (e: VertexElement): boolean => {
      const vb = sub.vertexBuffers[e.bufferIndex];
      return VERTEX_FORMAT.has(e.format) && e.instanceDivisor <= 1 && vb.stride % 4 === 0 && (vb.offset + e.srcOffset) % 4 === 0;
    };
    // More Gallium buffers than WebGPU vertex slots also goes through one interleaved copy.
    const slots = new Set(ve.map((e) => e.bufferIndex)).size;
    if (ve.every(direct) && slots <= this.dev.device.limits.maxVertexBuffers) return null;
    let lo = start; let hi = start + count - 1;
    if (indexed) {
      const ib = sub.indexBuffer;
      const st = this.resources.get(ib.resHandle).guest.storage;
      const size = ib.indexSize;
      if (ib.offset + count * size > st.length) throw new ContextError(`indices ${ib.offset}+${count}x${size} past the end of buffer ${ib.resHandle}`, at);
      const dv = new DataView(st.buffer, st.byteOffset + ib.offset, count * size);
      lo = Infinity; hi = -Infinity;
      for (let i = 0; i < count; i++) {
        const v = (size === 4 ? dv.getUint32(i * 4, true) : size === 2 ? dv.getUint16(i * 2, true) : dv.getUint8(i)) + bias;
        if (v < lo) lo = v;
        if (v > hi) hi = v;
      }
    }
    if (lo < 0 || hi - lo >= 1 << 20) throw new ContextError(`vertex range ${lo}..${hi} cannot be converted`, at);
    const perVertex = ve.filter((e) => e.instanceDivisor === 0).length;
    const vertices = hi - lo + 1;
    const elements: VertexElement[] = [];
    const offsets: number[] = [];
    const strides = new Map<number, number>();
    // Per-vertex elements share one buffer, vec4 after vec4; per-instance ones get one each.
    let shared = -1;
    if (perVertex > 0) {
      shared = this.allocRing(vertices * perVertex * 16);
      offsets[0] = shared;
      strides.set(CONVERTED_BUFFER_BASE, perVertex * 16);
    }
    let column = 0;
    ve.forEach((e, i) => {
      const layout = vertexLayout(e.format);
      if (!layout) throw new ContextError(`vertex format ${e.format} cannot be read`, at);
      const vb = sub.vertexBuffers[e.bufferIndex];
      const src = this.resources.get(vb.resHandle).guest.storage;
      const format = layout.output === 'u32' ? VirglFormat.R32G32B32A32_UINT : layout.output === 'i32' ? VirglFormat.R32G32B32A32_SINT : VirglFormat.R32G32B32A32_FLOAT;
      if (e.instanceDivisor === 0) {
        const out = new Uint32Array(this.ring.bytes(shared, vertices * perVertex * 16).buffer, shared, vertices * perVertex * 4);
        expandVertices(layout, src, vb.offset + e.srcOffset + lo * vb.stride, vb.stride, vertices, out.subarray(column * 4), perVertex * 4);
        elements.push({ srcOffset: column * 16, instanceDivisor: 0, bufferIndex: CONVERTED_BUFFER_BASE, format });
        column++;
        return;
      }
      const n = startInstance + instances;
      const o = this.allocRing(n * 16);
      const out = new Uint32Array(this.ring.bytes(o, n * 16).buffer, o, n * 4);
      // Instance t (WebGPU counts from firstInstance) reads GL's element start + floor((t - start) / divisor).
      for (let t = startInstance; t < n; t++) {
        expandVertices(layout, src, vb.offset + e.srcOffset + (startInstance + Math.floor((t - startInstance) / e.instanceDivisor)) * vb.stride, 0, 1, out.subarray(t * 4, t * 4 + 4));
      }
      elements.push({ srcOffset: 0, instanceDivisor: 1, bufferIndex: CONVERTED_BUFFER_BASE + 1 + i, format });
      offsets[1 + i] = o;
      strides.set(CONVERTED_BUFFER_BASE + 1 + i, 16);
    });
    return { override: { elements, strides }, offsets, firstVertex: lo };
  }

  /** The driver uniforms of a draw, packed into this.scratch. */
  private packUniforms(sub: SubContext, fb: Framebuffer, baseVertex: number, baseInstance: number, depthOffset: number): void {
    const u = this.uniforms;
    const v = sub.viewport;
    const rs = sub.rasterizer;
    for (let i = 0; i < 3; i++) { u.vpScale[i] = v[i]; u.vpTranslate[i] = v[3 + i]; }
    u.fbWidth = fb.width; u.fbHeight = fb.height;
    u.flags = rs?.flatshadeFirst ? kFlagFlatshadeFirst : 0;
    const alpha = sub.dsa?.alphaEnabled ?? false;
    u.alphaFunc = alpha ? sub.dsa!.alphaFunc : undefined;
    u.alphaRef = alpha ? sub.dsa!.alphaRef : 0;
    u.twoSide = rs?.lightTwoside ?? false;
    u.baseVertex = baseVertex; u.baseInstance = baseInstance;
    u.pointSize = rs?.pointSize ?? 1; u.lineWidth = rs?.lineWidth ?? 1;
    const s = this.samplerUniforms.pack(sub);
    u.texSwizzle = s.swizzles; u.lodBias = s.lodBiases; u.borderMask = s.borderMasks; u.borderColor = s.borderColors;
    // Enabled user clip planes; disabled ones are zero, whose distance never clips.
    const enable = rs?.clipPlaneEnable ?? 0;
    for (let i = 0; i < 8; i++) {
      const on = (enable >> i) & 1;
      for (let j = 0; j < 4; j++) u.clipPlanes[i][j] = on ? sub.clipPlanes[4 * i + j] : 0;
    }
    u.depthOffset = depthOffset;
    packDriverUniforms(u, this.scratch);
  }

  /** Copies colour buffer 0 (its drawn area) into this.logicOpDest, outside any render pass. */
  private copyLogicOpDest(sub: SubContext, fb: Framebuffer, at: number): void {
    const color = fb.colors[0];
    const surface = sub.cbufs[0];
    if (!color?.res.texture || !surface) throw new ContextError('logic op without a colour buffer 0', at);
    const t = color.res.texture;
    let dest = this.logicOpDest;
    if (!dest || dest.width !== fb.width || dest.height !== fb.height || dest.format !== t.format) {
      dest?.destroy();
      dest = this.logicOpDest = this.dev.device.createTexture({
        size: { width: fb.width, height: fb.height }, format: t.format, usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST,
      });
    }
    this.batch.copyEncoder().copyTextureToTexture(
      { texture: t, mipLevel: surface.level, origin: { x: 0, y: 0, z: surface.firstLayer } },
      { texture: dest }, { width: fb.width, height: fb.height, depthOrArrayLayers: 1 },
    );
  }

  /** Index list (u32, in the ring) with each primitive's last vertex moved first, winding kept. */
  private lastVertexFirst(sub: SubContext, mode: number, indexed: boolean, start: number, count: number, at: number):
  { mode: number; offset: number; count: number } | null {
    const fetch = this.indexFetcher(sub, indexed, start, count, at);
    let out: number[] = [];
    let outMode = mode;
    switch (mode) {
      case PipePrim.TRIANGLES:
        for (let i = 0; i + 2 < count; i += 3) out.push(fetch(i + 2), fetch(i), fetch(i + 1));
        break;
      case PipePrim.TRIANGLE_STRIP:
        outMode = PipePrim.TRIANGLES;
        for (let k = 0; k + 2 < count; k++) {
          if (k % 2 === 0) out.push(fetch(k + 2), fetch(k), fetch(k + 1));
          else out.push(fetch(k + 2), fetch(k + 1), fetch(k));
        }
        break;
      case PipePrim.LINES:
        for (let i = 0; i + 1 < count; i += 2) out.push(fetch(i + 1), fetch(i));
        break;
      case PipePrim.LINE_STRIP:
        outMode = PipePrim.LINES;
        for (let i = 0; i + 1 < count; i++) out.push(fetch(i + 1), fetch(i));
        break;
      default:
        return null;
    }
    return this.ringIndices(outMode, out);
  }

  /** Triangles as their edges (line list) or their vertices (point list), for polygon modes. */
  private unfilled(sub: SubContext, mode: number, fill: number, indexed: boolean, start: number, count: number, at: number):
  { mode: number; offset: number; count: number } {
    if (fill === PipePolygonMode.POINT) return this.ringIndices(PipePrim.POINTS, this.indexList(sub, indexed, start, count, at, 0));
    return this.ringIndices(PipePrim.LINES, this.edgeIndices(sub, mode, indexed, start, count, at));
  }

  /** The vertex numbers of each triangle's three edges (plus `bias`), as a line list. */
  private edgeIndices(sub: SubContext, mode: number, indexed: boolean, start: number, count: number, at: number, bias = 0): number[] {
    const at0 = this.indexFetcher(sub, indexed, start, count, at);
    const fetch = bias === 0 ? at0 : (i: number): number => at0(i) + bias;
    const out: number[] = [];
    // Lines take flat values from their first vertex: edges start at the triangle's provoking
    // vertex where they touch it (the opposite edge cannot).
    const first = sub.rasterizer?.flatshadeFirst ?? false;
    const edges = (a: number, b: number, c: number): void => {
      if (first) out.push(a, b, a, c, b, c);
      else out.push(c, a, c, b, a, b);
    };
    if (mode === PipePrim.TRIANGLES) for (let i = 0; i + 2 < count; i += 3) edges(fetch(i), fetch(i + 1), fetch(i + 2));
    else if (mode === PipePrim.TRIANGLE_STRIP) for (let k = 0; k + 2 < count; k++) edges(fetch(k), fetch(k + 1), fetch(k + 2));
    else for (let k = 1; k + 1 < count; k++) edges(fetch(0), fetch(k), fetch(k + 1)); // fans and polygons
    return out;
  }

  /** The draw's vertex numbers in order (plus `bias`, the index bias of indexed draws). */
  private indexList(sub: SubContext, indexed: boolean, start: number, count: number, at: number, bias: number): number[] {
    const fetch = this.indexFetcher(sub, indexed, start, count, at);
    const out: number[] = [];
    for (let i = 0; i < count; i++) out.push(fetch(i) + bias);
    return out;
  }

  /** Reads index i of the draw: from the bound index buffer (bounds checked once) or start + i. */
  private indexFetcher(sub: SubContext, indexed: boolean, start: number, count: number, at: number): (i: number) => number {
    if (!indexed) return (i) => start + i;
    const ib = sub.indexBuffer;
    const st = this.resources.get(ib.resHandle).guest.storage;
    const size = ib.indexSize;
    if (ib.offset + count * size > st.length) throw new ContextError(`indices ${ib.offset}+${count}x${size} past the end of buffer ${ib.resHandle}`, at);
    const dv = new DataView(st.buffer, st.byteOffset + ib.offset, count * size);
    return size === 4 ? (i) => dv.getUint32(i * 4, true) : size === 2 ? (i) => dv.getUint16(i * 2, true) : (i) => dv.getUint8(i);
  }

  /** A u32 index list in the ring (one index when empty: WebGPU rejects nothing, but the draw is empty). */
  private ringIndices(mode: number, out: number[]): { mode: number; offset: number; count: number } {
    const n = Math.max(1, out.length);
    const offset = this.allocRing(n * 4);
    const dst = new Uint32Array(this.ring.bytes(offset, n * 4).buffer, offset, n);
    dst.fill(0);
    dst.set(out);
    return { mode, offset, count: out.length };
  }

  private allocRing(size: number): number {
    let o = this.ring.alloc(size);
    if (o < 0) { this.batch.submit(); o = this.ring.alloc(size); }
    if (o < 0) throw new ContextError(`per-draw data of ${size} bytes exceeds the upload ring`);
    return o;
  }

  private setScissor(sub: SubContext, fb: Framebuffer): void {
    if (sub.rasterizer?.scissor) {
      const s = sub.scissor;
      const x = Math.min(s[0], fb.width); const y = Math.min(s[1], fb.height);
      this.passState.setScissorRect(x, y, Math.max(0, Math.min(s[2], fb.width) - x), Math.max(0, Math.min(s[3], fb.height) - y));
    } else {
      this.passState.setScissorRect(0, 0, fb.width, fb.height);
    }
  }

  private stageGroup(sub: SubContext, stage: number, iface: ShaderInterface, layout: GPUBindGroupLayout, logicOpDest = false): GPUBindGroup {
    const entries: GPUBindGroupEntry[] = [];
    // Groups without per-draw data (ring offsets, the logic-op copy) are kept by what they bind.
    let cacheable = !logicOpDest;
    if (logicOpDest) entries.push({ binding: kLogicOpDestBinding, resource: this.logicOpDest!.createView() });
    for (const cb of iface.constantBuffers) {
      const size = cb.vec4Count * 16;
      const slot = sub.constants[stage][cb.index];
      if (slot.resHandle !== 0 && slot.dwords === 0) {
        const res = this.resources.get(slot.resHandle);
        if (!res.buffer) throw new ContextError(`uniform buffer ${slot.resHandle} is not a buffer`);
        res.usedInBatch = this.batch.serial;
        if (slot.offset % 256 === 0 && slot.offset + size <= res.buffer.size) {
          entries.push({ binding: cb.index, resource: { buffer: res.buffer, offset: slot.offset, size } });
          continue;
        }
        cacheable = false;
        const o = this.allocRing(size);
        const dst = this.ring.bytes(o, size);
        dst.fill(0);
        dst.set(res.guest.storage.subarray(slot.offset, Math.min(slot.offset + size, res.guest.storage.length)));
        entries.push({ binding: cb.index, resource: { buffer: this.ring.buffer, offset: o, size } });
        continue;
      }
      cacheable = false;
      const o = this.allocRing(size);
      const dst = this.ring.bytes(o, size);
      const n = Math.min(slot.dwords * 4, size);
      dst.set(new Uint8Array(slot.data.buffer, 0, n));
      dst.fill(0, n);
      entries.push({ binding: cb.index, resource: { buffer: this.ring.buffer, offset: o, size } });
    }
    for (const sb of iface.samplers) {
      const view = sub.samplerViews[stage][sb.slot];
      let tv: GPUTextureView;
      let unfilterable = false;
      if (view) {
        const res = this.resources.get(view.resHandle);
        res.usedInBatch = this.batch.serial;
        const t = res.texture;
        if (!t) throw new ContextError(`sampler view of resource ${view.resHandle} without a GPU texture`);
        const levels = Math.max(1, Math.min(view.lastLevel, t.mipLevelCount - 1) - view.firstLevel + 1);
        const cube = sb.viewDimension === 'cube' || sb.viewDimension === 'cube-array';
        const layers = sb.viewDimension === '2d' || sb.viewDimension === '3d' ? 1 : cube && sb.viewDimension === 'cube' ? 6
          : Math.max(1, Math.min(view.lastLayer, t.depthOrArrayLayers - 1) - view.firstLayer + 1);
        tv = this.resources.view(res, view.firstLevel, levels, view.firstLayer, layers, sb.viewDimension, res.format?.depth ? 'depth-only' : 'all');
        unfilterable = !!gpuFormatOf(view.format)?.depth && !sb.shadow;
      } else {
        tv = this.dummyView;
      }
      entries.push({ binding: textureBinding(sb.slot), resource: tv });
      if (sb.usesSampler) entries.push({ binding: samplerBinding(sb.slot), resource: this.sampler(sub.samplers[stage][sb.slot], sb.shadow, unfilterable) });
    }
    if (!cacheable) return this.dev.device.createBindGroup({ layout, entries });
    let key = '';
    for (const e of entries) {
      const r = e.resource as GPUBufferBinding | GPUTextureView | GPUSampler;
      key += 'buffer' in r ? `${e.binding}:${objectId(r.buffer)}@${r.offset}+${r.size},` : `${e.binding}:${objectId(r)},`;
    }
    let groups = this.groups.get(layout);
    if (!groups) { groups = new Map(); this.groups.set(layout, groups); }
    let g = groups.get(key);
    if (!g) {
      if (groups.size >= MAX_GROUPS_PER_LAYOUT) groups.clear();
      g = this.dev.device.createBindGroup({ layout, entries });
      groups.set(key, g);
    }
    return g;
  }



  private sampler(s: SamplerStateDesc | null, shadow: boolean, nearest = false): GPUSampler {
    const key = s ? `${s.wrapS},${s.wrapT},${s.wrapR},${s.minImg},${s.magImg},${s.minMip},${s.minLod},${s.maxLod},${shadow ? s.compareFunc : -1},${nearest}` : `none${shadow}${nearest}`;
    let smp = this.dev.samplers.get(key);
    if (!smp) {
      const mip = s?.minMip ?? PipeTexMipFilter.NONE;
      const desc: GPUSamplerDescriptor = {
        addressModeU: addressMode(s?.wrapS ?? 0), addressModeV: addressMode(s?.wrapT ?? 0), addressModeW: addressMode(s?.wrapR ?? 0),
        // Depth textures sampled as plain values are unfilterable in WebGPU.
        magFilter: !nearest && s?.magImg === PipeTexFilter.LINEAR ? 'linear' : 'nearest',
        minFilter: !nearest && s?.minImg === PipeTexFilter.LINEAR ? 'linear' : 'nearest',
        mipmapFilter: !nearest && mip === PipeTexMipFilter.LINEAR ? 'linear' : 'nearest',
        // MIPFILTER_NONE samples the view's base level only.
        lodMinClamp: mip === PipeTexMipFilter.NONE ? 0 : Math.min(32, Math.max(0, finite(s?.minLod ?? 0))),
        lodMaxClamp: mip === PipeTexMipFilter.NONE ? 0 : Math.min(32, Math.max(0, finite(s?.minLod ?? 0), finite(s?.maxLod ?? 32, 32))),
      };
      if (shadow) desc.compare = (['never', 'less', 'equal', 'less-equal', 'greater', 'not-equal', 'greater-equal', 'always'] as const)[s?.compareFunc ?? 7];
      smp = this.dev.samplers.set(key, this.dev.device.createSampler(desc));
    }
    return smp;
  }
}

/** The polygon mode that applies to this draw: FILL unless triangles are drawn as lines or points. */
function unfilledMode(sub: SubContext, mode: number): number {
  const rs = sub.rasterizer;
  if (!rs || mode < PipePrim.TRIANGLES || mode > PipePrim.POLYGON) return PipePolygonMode.FILL;
  // Culling removes one face first; with both faces drawn, modes that differ per face cannot be
  // told apart without the facing of each primitive, so they fill.
  if (rs.cullFace === PipeFace.BACK) return rs.fillFront;
  if (rs.cullFace === PipeFace.FRONT) return rs.fillBack;
  return rs.fillFront === rs.fillBack ? rs.fillFront : PipePolygonMode.FILL;
}

/**
 * Polygon offset's constant part, in window depth, for the vertex shader to add where WebGPU's depth
 * bias cannot (see pipeline.ts). Unit r: 2^-16 for 16-bit depth; 2^-23 otherwise, the smallest offset
 * that reliably resolves in 24-bit depth held as float32 (piglit's gl-1.4-polygon-offset measures it).
 */
function depthOffset(sub: SubContext, depth: GpuFormat | null, mode: number, fill: number): number {
  const rs = sub.rasterizer;
  if (!rs || !depth || mode < PipePrim.TRIANGLES || mode > PipePrim.POLYGON) return 0;
  const on = fill === PipePolygonMode.LINE ? rs.offsetLine : fill === PipePolygonMode.POINT ? rs.offsetPoint : rs.offsetTri;
  if (!on || (fill === PipePolygonMode.FILL && !shaderDepthOffset(depth))) return 0;
  const r = depth.gpu === 'depth16unorm' ? 2 ** -16 : 2 ** -23;
  const o = rs.offsetUnits * r;
  const clamp = rs.offsetClamp;
  return clamp > 0 ? Math.min(o, clamp) : clamp < 0 ? Math.max(o, clamp) : o;
}

function hasFlatInputs(fs: ShaderInterface, flatShade: boolean): boolean {
  return fs.inputs.some((v) => v.interpolation === 'flat' || (v.colorInterp && flatShade));
}

function usesConstantAlphaOnly(sub: SubContext): boolean {
  const blend = sub.blend;
  if (!blend) return false;
  let alpha = false;
  for (let i = 0; i < (blend.independent ? blend.rt.length : 1); i++) {
    const rt = blend.rt[i];
    if (!rt.enable) continue;
    for (const f of [rt.rgbSrc, rt.rgbDst, rt.alphaSrc, rt.alphaDst]) {
      if (f === PipeBlendFactor.CONST_COLOR || f === PipeBlendFactor.INV_CONST_COLOR) return false;
      if (f === PipeBlendFactor.CONST_ALPHA || f === PipeBlendFactor.INV_CONST_ALPHA) alpha = true;
    }
  }
  return alpha;
}
