// The virgl dispatch table: one handler per command, reading fields at the protocol's offsets.
// Decoding (what the dwords say) is here; what a draw or a clear does on the GPU is in gpu/.
import type { ClientLimits } from '../server/limits.js';
import { VIRGL_COMMAND_LAYOUTS, VirglCmd, VirglObjectType } from '../protocol/virgl-commands.js';
import { ContextError } from '../server/renderer.js';
import { formatBlock } from '../protocol/format-blocks.js';
import type { CommandHandler, CommandTable } from './decoder.js';
import {
  type SurfaceState, asFloat, decodeBlend, decodeDsa, decodeQuery, decodeRasterizer, decodeSamplerState, decodeSamplerView,
  decodeSurface, decodeVertexElements,
} from './state/objects.js';
import { continueShader, createShader } from './state/shader-object.js';
import { MAX_INLINE_CONSTANT_DWORDS, MAX_SAMPLER_SLOTS, MAX_STAGES, MAX_VERTEX_BUFFERS, type StateObject, type SubContext } from './state/sub-context.js';

/**
 * What the handlers below need from a context: Gallium state (sub-contexts), the resource table and
 * the GPU-side operations. GlContext is the real one; a sink whose GPU side does nothing (the decode
 * benchmark's, src/bench/null-sink.ts) runs the same handlers without a device.
 */
export interface CommandSink {
  sub(): SubContext;
  readonly resources: { get(handle: number): unknown };
  readonly limits: ClientLimits;
  /** Refuses a new object past the client's limit. */
  checkObjectLimit(at: number): void;
  readonly draw: {
    clear(sub: SubContext, b: Uint32Array, at: number): void;
    draw(sub: SubContext, b: Uint32Array, at: number, len: number): void;
  };
  readonly ops: {
    readonly blit: { blitCommand(b: Uint32Array, at: number): void; clearSurface(sub: SubContext, b: Uint32Array, at: number): void };
    readonly copy: { copyRegion(b: Uint32Array, at: number): void; clearTexture(b: Uint32Array, at: number): void };
    readonly queries: {
      begin(sub: SubContext, b: Uint32Array, at: number): void;
      end(sub: SubContext, b: Uint32Array, at: number): void;
      getResult(sub: SubContext, b: Uint32Array, at: number): void;
      getResultQbo(sub: SubContext, b: Uint32Array, at: number): void;
    };
  };
  noteNotRendered(cmd: number): void;
  inlineWrite(buf: Uint32Array, at: number, len: number): void;
  /** Encoded transfers through shared memory (vtest v2+). */
  transfer3d(buf: Uint32Array, at: number): void;
  /** A blob's resource description, ahead of its RESOURCE_CREATE_BLOB (vtest v3). */
  pipeResourceCreate(buf: Uint32Array, at: number): void;
  setSubContext(id: number, at: number): void;
  createSubContext(id: number, at: number): void;
  destroySubContext(id: number, at: number): void;
}

type H = CommandHandler<CommandSink>;

const nothing: H = () => {};
const notRendered: H = (ctx, b, at) => ctx.noteNotRendered(b[at] & 0xff);

function stage(type: number, at: number): number {
  if (type >= MAX_STAGES) throw new ContextError(`shader stage ${type} out of range`, at);
  return type;
}

/** A draw's vertex invocations (count x instances) against the client's limit. */
function checkDrawSize(ctx: CommandSink, b: Uint32Array, at: number): void {
  const vertices = b[at + VIRGL_COMMAND_LAYOUTS[VirglCmd.DRAW_VBO].fields.count] * Math.max(1, b[at + VIRGL_COMMAND_LAYOUTS[VirglCmd.DRAW_VBO].fields.instanceCount]);
  if (vertices > ctx.limits.maxDrawVertices) {
    throw new ContextError(`DRAW_VBO of ${vertices} vertices x instances exceeds the client's limit of ${ctx.limits.maxDrawVertices}`, at);
  }
}

/** Views and surfaces name a format of their own; one outside the virgl format table is refused. */
function knownFormat(format: number, at: number): void {
  if (!formatBlock(format)) throw new ContextError(`unknown format ${format}`, at);
}

const createObject: H = (ctx, b, at, len, obj) => {
  const handle = b[at + 1];
  if (handle === 0) throw new ContextError('object handle 0', at);
  const sub = ctx.sub();
  const existing = sub.objects.get(handle);
  if (obj === VirglObjectType.SHADER && existing?.kind === 'shader' && existing.text === null) {
    continueShader(existing, b, at, len);
    return;
  }
  if (existing === undefined) ctx.checkObjectLimit(at);
  let o: StateObject;
  switch (obj) {
    case VirglObjectType.BLEND: o = decodeBlend(b, at); break;
    case VirglObjectType.RASTERIZER: o = decodeRasterizer(b, at); break;
    case VirglObjectType.DSA: o = decodeDsa(b, at); break;
    case VirglObjectType.SHADER: o = createShader(b, at, len, ctx.limits.maxShaderTextBytes); break;
    case VirglObjectType.VERTEX_ELEMENTS:
      o = decodeVertexElements(b, at, len);
      for (const e of o.elements) {
        if (e.bufferIndex >= MAX_VERTEX_BUFFERS) throw new ContextError(`vertex element of buffer ${e.bufferIndex} (at most ${MAX_VERTEX_BUFFERS})`, at);
      }
      break;
    case VirglObjectType.SAMPLER_VIEW: o = decodeSamplerView(b, at); ctx.resources.get(o.resHandle); knownFormat(o.format, at); break;
    case VirglObjectType.SAMPLER_STATE: o = decodeSamplerState(b, at); break;
    case VirglObjectType.SURFACE: o = decodeSurface(b, at); ctx.resources.get(o.resHandle); knownFormat(o.format, at); break;
    case VirglObjectType.QUERY: o = decodeQuery(b, at); break;
    default: ctx.noteNotRendered(VirglCmd.CREATE_OBJECT); return; // streamout targets, MSAA surfaces
  }
  sub.objects.set(handle, o);
};

const bindObject: H = (ctx, b, at, _len, obj) => {
  const sub = ctx.sub();
  const handle = b[at + 1];
  const o = handle === 0 ? null : sub.objects.get(handle);
  if (o === undefined) throw new ContextError(`BIND_OBJECT of unknown handle ${handle}`, at);
  const want = obj === VirglObjectType.BLEND ? 'blend' : obj === VirglObjectType.RASTERIZER ? 'rasterizer'
    : obj === VirglObjectType.DSA ? 'dsa' : obj === VirglObjectType.VERTEX_ELEMENTS ? 'vertex-elements' : null;
  if (want === null) throw new ContextError(`BIND_OBJECT of object type ${obj}`, at);
  if (o !== null && o.kind !== want) throw new ContextError(`BIND_OBJECT: handle ${handle} is a ${o.kind}, not a ${want}`, at);
  if (want === 'blend') sub.blend = o as typeof sub.blend;
  else if (want === 'rasterizer') sub.rasterizer = o as typeof sub.rasterizer;
  else if (want === 'dsa') sub.dsa = o as typeof sub.dsa;
  else sub.vertexElements = o as typeof sub.vertexElements;
};

const destroyObject: H = (ctx, b, at) => {
  const sub = ctx.sub();
  const handle = b[at + 1];
  const o = sub.objects.get(handle);
  if (!o) throw new ContextError(`DESTROY_OBJECT of unknown handle ${handle}`, at);
  sub.objects.delete(handle);
  // Bound state keeps its own reference, as Gallium does until the next bind.
};

function surface(sub: SubContext, h: number, at: number): SurfaceState | null {
  if (h === 0) return null;
  const o = sub.objects.get(h);
  if (!o || o.kind !== 'surface') throw new ContextError(`SET_FRAMEBUFFER_STATE: ${h} is not a surface`, at);
  return o;
}

const setFramebuffer: H = (ctx, b, at, len) => {
  const sub = ctx.sub();
  const n = b[at + 1];
  if (n !== len - 2) throw new ContextError(`SET_FRAMEBUFFER_STATE: ${n} colour buffers in a ${len}-dword payload`, at);
  sub.zsbuf = surface(sub, b[at + 2], at);
  sub.cbufs.fill(null);
  for (let i = 0; i < n; i++) sub.cbufs[i] = surface(sub, b[at + 3 + i], at);
  sub.nrCbufs = n;
  sub.framebufferSerial++;
};

const setViewport: H = (ctx, b, at) => {
  if (b[at + 1] !== 0) return; // one viewport claimed; other slots are ignored
  const v = ctx.sub().viewport;
  for (let i = 0; i < 6; i++) v[i] = asFloat(b[at + 2 + i]);
};

const setScissor: H = (ctx, b, at) => {
  if (b[at + 1] !== 0) return;
  const s = ctx.sub().scissor;
  s[0] = b[at + 2] & 0xffff; s[1] = b[at + 2] >>> 16; s[2] = b[at + 3] & 0xffff; s[3] = b[at + 3] >>> 16;
};

const setVertexBuffers: H = (ctx, b, at, len) => {
  const sub = ctx.sub();
  const n = len / 3;
  if (n > MAX_VERTEX_BUFFERS) throw new ContextError(`${n} vertex buffers`, at);
  for (let i = 0; i < n; i++) {
    const vb = sub.vertexBuffers[i];
    vb.stride = b[at + 1 + 3 * i]; vb.offset = b[at + 2 + 3 * i]; vb.resHandle = b[at + 3 + 3 * i];
  }
  sub.vertexBufferCount = n;
};

const setIndexBuffer: H = (ctx, b, at, len) => {
  const ib = ctx.sub().indexBuffer;
  ib.resHandle = b[at + 1];
  ib.indexSize = len === 3 ? b[at + 2] : 0;
  ib.offset = len === 3 ? b[at + 3] : 0;
  if (len === 3 && ib.indexSize !== 1 && ib.indexSize !== 2 && ib.indexSize !== 4) throw new ContextError(`index size ${ib.indexSize}`, at);
};

const setConstantBuffer: H = (ctx, b, at, len) => {
  const st = stage(b[at + 1], at);
  const index = b[at + 2];
  if (index >= 16) throw new ContextError(`constant buffer index ${index}`, at);
  const dwords = len - 2;
  if (dwords > MAX_INLINE_CONSTANT_DWORDS) throw new ContextError(`${dwords} dwords of constants`, at);
  const slot = ctx.sub().constants[st][index];
  if (slot.data.length < dwords) slot.data = new Uint32Array(Math.max(dwords, 64));
  // A copy loop rather than set(subarray()): no view object per command.
  const data = slot.data;
  for (let i = 0, from = at + 3; i < dwords; i++) data[i] = b[from + i];
  slot.dwords = dwords;
  slot.resHandle = 0;
};

const setUniformBuffer: H = (ctx, b, at) => {
  const st = stage(b[at + 1], at);
  const index = b[at + 2];
  if (index >= 16) throw new ContextError(`uniform buffer index ${index}`, at);
  const slot = ctx.sub().constants[st][index];
  slot.offset = b[at + 3]; slot.length = b[at + 4]; slot.resHandle = b[at + 5]; slot.dwords = 0;
  if (slot.resHandle !== 0) ctx.resources.get(slot.resHandle);
};

/**
 * SET_SAMPLER_VIEWS and BIND_SAMPLER_STATES share a layout (stage, start slot, handles): each handle
 * must name an object of `kind` (0 unbinds), stored into that stage's slots.
 */
function slotBinder<K extends 'sampler-view' | 'sampler-state'>(kind: K, table: (sub: SubContext) => (StateObject | null)[][]): H {
  return (ctx, b, at, len) => {
    const sub = ctx.sub();
    const st = stage(b[at + 1], at);
    const start = b[at + 2];
    const n = len - 2;
    if (start + n > MAX_SAMPLER_SLOTS) throw new ContextError(`${kind} slots ${start}+${n} past slot ${MAX_SAMPLER_SLOTS}`, at);
    const slots = table(sub)[st];
    for (let i = 0; i < n; i++) {
      const h = b[at + 3 + i];
      const o = h === 0 ? null : sub.objects.get(h);
      if (o === undefined || (o !== null && o.kind !== kind)) throw new ContextError(`${h} is not a ${kind}`, at);
      slots[start + i] = o;
    }
  };
}

const setSamplerViews = slotBinder('sampler-view', (sub) => sub.samplerViews as (StateObject | null)[][]);
const bindSamplerStates = slotBinder('sampler-state', (sub) => sub.samplers as (StateObject | null)[][]);

const bindShader: H = (ctx, b, at) => {
  const sub = ctx.sub();
  const h = b[at + 1];
  const st = stage(b[at + 2], at);
  const o = h === 0 ? null : sub.objects.get(h);
  if (o === undefined || (o !== null && (o.kind !== 'shader' || o.type !== st))) throw new ContextError(`${h} is not a stage-${st} shader`, at);
  sub.shaders[st] = o;
};

const resourceWrite: H = (ctx, b, at, len) => ctx.inlineWrite(b, at, len);

export const COMMANDS = {
  [VirglCmd.NOP]: nothing,
  [VirglCmd.CREATE_OBJECT]: createObject,
  [VirglCmd.BIND_OBJECT]: bindObject,
  [VirglCmd.DESTROY_OBJECT]: destroyObject,
  [VirglCmd.SET_VIEWPORT_STATE]: setViewport,
  [VirglCmd.SET_FRAMEBUFFER_STATE]: setFramebuffer,
  [VirglCmd.SET_VERTEX_BUFFERS]: setVertexBuffers,
  [VirglCmd.CLEAR]: (ctx, b, at) => ctx.draw.clear(ctx.sub(), b, at),
  [VirglCmd.DRAW_VBO]: (ctx, b, at, len) => { checkDrawSize(ctx, b, at); ctx.draw.draw(ctx.sub(), b, at, len); },
  [VirglCmd.RESOURCE_INLINE_WRITE]: resourceWrite,
  [VirglCmd.SET_SAMPLER_VIEWS]: setSamplerViews,
  [VirglCmd.SET_INDEX_BUFFER]: setIndexBuffer,
  [VirglCmd.SET_CONSTANT_BUFFER]: setConstantBuffer,
  [VirglCmd.SET_STENCIL_REF]: (ctx, b, at) => { ctx.sub().stencilRef = b[at + 1] & 0xffff; },
  [VirglCmd.SET_BLEND_COLOR]: (ctx, b, at) => { const c = ctx.sub().blendColor; for (let i = 0; i < 4; i++) c[i] = asFloat(b[at + 1 + i]); },
  [VirglCmd.SET_SCISSOR_STATE]: setScissor,
  [VirglCmd.BLIT]: (ctx, b, at) => ctx.ops.blit.blitCommand(b, at),
  [VirglCmd.RESOURCE_COPY_REGION]: (ctx, b, at) => ctx.ops.copy.copyRegion(b, at),
  [VirglCmd.BIND_SAMPLER_STATES]: bindSamplerStates,
  [VirglCmd.BEGIN_QUERY]: (ctx, b, at) => ctx.ops.queries.begin(ctx.sub(), b, at),
  [VirglCmd.END_QUERY]: (ctx, b, at) => ctx.ops.queries.end(ctx.sub(), b, at),
  [VirglCmd.GET_QUERY_RESULT]: (ctx, b, at) => ctx.ops.queries.getResult(ctx.sub(), b, at),
  [VirglCmd.SET_POLYGON_STIPPLE]: nothing, // only used with polygon stipple enabled, which we do not claim
  [VirglCmd.SET_CLIP_STATE]: (ctx, b, at) => { const c = ctx.sub().clipPlanes; for (let i = 0; i < 32; i++) c[i] = asFloat(b[at + 1 + i]); },
  [VirglCmd.SET_SAMPLE_MASK]: (ctx, b, at) => { ctx.sub().sampleMask = b[at + 1]; },
  [VirglCmd.SET_STREAMOUT_TARGETS]: notRendered,
  [VirglCmd.SET_RENDER_CONDITION]: notRendered,
  [VirglCmd.SET_UNIFORM_BUFFER]: setUniformBuffer,
  [VirglCmd.SET_SUB_CTX]: (ctx, b, at) => ctx.setSubContext(b[at + 1], at),
  [VirglCmd.CREATE_SUB_CTX]: (ctx, b, at) => ctx.createSubContext(b[at + 1], at),
  [VirglCmd.DESTROY_SUB_CTX]: (ctx, b, at) => ctx.destroySubContext(b[at + 1], at),
  [VirglCmd.BIND_SHADER]: bindShader,
  [VirglCmd.SET_TESS_STATE]: notRendered,
  [VirglCmd.SET_MIN_SAMPLES]: nothing,
  [VirglCmd.SET_SHADER_BUFFERS]: notRendered,
  [VirglCmd.SET_SHADER_IMAGES]: notRendered,
  [VirglCmd.MEMORY_BARRIER]: nothing,
  [VirglCmd.LAUNCH_GRID]: notRendered,
  [VirglCmd.SET_FRAMEBUFFER_STATE_NO_ATTACH]: notRendered,
  [VirglCmd.TEXTURE_BARRIER]: nothing,
  [VirglCmd.SET_ATOMIC_BUFFERS]: notRendered,
  [VirglCmd.SET_DEBUG_FLAGS]: nothing,
  [VirglCmd.GET_QUERY_RESULT_QBO]: (ctx, b, at) => ctx.ops.queries.getResultQbo(ctx.sub(), b, at),
  [VirglCmd.TRANSFER3D]: (ctx, b, at) => ctx.transfer3d(b, at),
  [VirglCmd.END_TRANSFERS]: nothing,
  [VirglCmd.COPY_TRANSFER3D]: notRendered,
  [VirglCmd.SET_TWEAKS]: nothing,
  [VirglCmd.CLEAR_TEXTURE]: (ctx, b, at) => ctx.ops.copy.clearTexture(b, at),
  [VirglCmd.PIPE_RESOURCE_CREATE]: (ctx, b, at) => ctx.pipeResourceCreate(b, at),
  [VirglCmd.PIPE_RESOURCE_SET_TYPE]: notRendered,
  [VirglCmd.GET_MEMORY_INFO]: notRendered,
  [VirglCmd.SEND_STRING_MARKER]: nothing,
  [VirglCmd.LINK_SHADER]: nothing, // linking happens at draw time, per pipeline
  [VirglCmd.CREATE_VIDEO_CODEC]: notRendered,
  [VirglCmd.DESTROY_VIDEO_CODEC]: notRendered,
  [VirglCmd.CREATE_VIDEO_BUFFER]: notRendered,
  [VirglCmd.DESTROY_VIDEO_BUFFER]: notRendered,
  [VirglCmd.BEGIN_FRAME]: notRendered,
  [VirglCmd.DECODE_MACROBLOCK]: notRendered,
  [VirglCmd.DECODE_BITSTREAM]: notRendered,
  [VirglCmd.ENCODE_BITSTREAM]: notRendered,
  [VirglCmd.END_FRAME]: notRendered,
  [VirglCmd.CLEAR_SURFACE]: (ctx, b, at) => ctx.ops.blit.clearSurface(ctx.sub(), b, at),
  [VirglCmd.GET_PIPE_RESOURCE_LAYOUT]: notRendered,
} satisfies CommandTable<CommandSink>;
