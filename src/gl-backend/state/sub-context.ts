// The Gallium state of one virgl sub-context: its objects and what is bound. Numbers and plain
// objects only; the GPU side (src/gl-backend/gpu) turns it into pipelines and passes.
import { VIRGL_MAX_COLOR_BUFS } from '../../protocol/virgl-commands.js';
import type {
  BlendState, DsaState, QueryState, RasterizerState, SamplerStateDesc, SamplerViewState, SurfaceState, VertexElementsState,
} from './objects.js';
import type { ShaderObject } from './shader-object.js';

export type StateObject = BlendState | RasterizerState | DsaState | VertexElementsState | SamplerViewState
  | SamplerStateDesc | SurfaceState | QueryState | ShaderObject;

export const MAX_STAGES = 6;
export const MAX_VERTEX_BUFFERS = 32;
export const MAX_SAMPLER_SLOTS = 16;
export const MAX_CONSTANT_BUFFERS = 16;
/** Dwords of inline constants kept per (stage, index); Mesa sends at most 4096 vec4s. */
export const MAX_INLINE_CONSTANT_DWORDS = 4096 * 4;

export interface VertexBufferBinding { stride: number; offset: number; resHandle: number }
export interface ConstantBinding {
  /** Inline data (SET_CONSTANT_BUFFER), copied out of the command buffer. */
  data: Uint32Array;
  dwords: number;
  /** Or a resource range (SET_UNIFORM_BUFFER). */
  resHandle: number;
  offset: number;
  length: number;
}

/** Shared by every empty slot: SET_CONSTANT_BUFFER replaces it before writing (it has no room). */
const NO_CONSTANTS = new Uint32Array(0);
const constantSlots = (): ConstantBinding[] =>
  Array.from({ length: MAX_CONSTANT_BUFFERS }, () => ({ data: NO_CONSTANTS, dwords: 0, resHandle: 0, offset: 0, length: 0 }));

export class SubContext {
  readonly objects = new Map<number, StateObject>();
  blend: BlendState | null = null;
  rasterizer: RasterizerState | null = null;
  dsa: DsaState | null = null;
  vertexElements: VertexElementsState | null = null;
  readonly shaders: (ShaderObject | null)[] = new Array<ShaderObject | null>(MAX_STAGES).fill(null);
  readonly cbufs: (SurfaceState | null)[] = new Array<SurfaceState | null>(VIRGL_MAX_COLOR_BUFS).fill(null);
  nrCbufs = 0;
  zsbuf: SurfaceState | null = null;
  /** Viewport 0: scale xyz, translate xyz. */
  readonly viewport = new Float32Array([1, 1, 1, 0, 0, 0]);
  /** Scissor 0: minx, miny, maxx, maxy. */
  readonly scissor = new Uint32Array(4);
  readonly blendColor = new Float32Array(4);
  /** Front face reference in bits 0-7, back face in bits 8-15 (as SET_STENCIL_REF packs them). */
  stencilRef = 0;
  sampleMask = 0xffffffff;
  readonly clipPlanes = new Float32Array(32);
  readonly vertexBuffers: VertexBufferBinding[] = Array.from({ length: MAX_VERTEX_BUFFERS }, () => ({ stride: 0, offset: 0, resHandle: 0 }));
  vertexBufferCount = 0;
  indexBuffer = { resHandle: 0, indexSize: 0, offset: 0 };
  readonly constants: ConstantBinding[][] = Array.from({ length: MAX_STAGES }, constantSlots);
  readonly samplerViews: (SamplerViewState | null)[][] = Array.from({ length: MAX_STAGES }, () => new Array<SamplerViewState | null>(MAX_SAMPLER_SLOTS).fill(null));
  readonly samplers: (SamplerStateDesc | null)[][] = Array.from({ length: MAX_STAGES }, () => new Array<SamplerStateDesc | null>(MAX_SAMPLER_SLOTS).fill(null));
  /** Bumped whenever the framebuffer changes, so the GPU side knows to start a new pass. */
  framebufferSerial = 0;
}
