// The caps our GL backend reports to Mesa (GET_CAPS / GET_CAPS2). Each value is a claim Mesa
// acts on, so only what the backend implements is set; docs/caps.md says why each is there.
import {
  VIRGL_CAPS_V1, VIRGL_CAPS_V2, VirglCap, VirglCapsBoolSet1, VIRGL_FORMAT_MASK_DWORDS,
} from '../protocol/caps.js';
import { PipePrim, PipeShaderType } from '../protocol/gallium.js';
import { VirglFormat as F } from '../protocol/virgl-formats.js';

/** Caps struct version (virgl_caps_v1.max_version): 2 means a full virgl_caps_v2 follows. */
const CAPS_MAX_VERSION = 2;
/** GLSL 1.20: GL 2.1 and GLSL ES 1.00 (ES 2.0), the first target of the GL backend. */
const GLSL_LEVEL = 120;
/**
 * 23: below it Mesa's vtest winsys drops protocol v3 to v2 ("old virglrenderer can't handle re-use of
 * host-generated resource IDs"); we hand out ids that are never reused while alive. What Mesa gates
 * on lower values is either implemented or not claimed otherwise: 5 shows our renderer string, 7
 * sends LINK_SHADER (linking happens per pipeline here), 15 trusts the timer-query bits, 16 lowers
 * SSBO bindings (no SSBOs claimed), 4 and 18 concern blobs, which also need ARB_BUFFER_STORAGE.
 */
const HOST_FEATURE_CHECK_VERSION = 23;
/**
 * TRANSFER: with vtest v2+ Mesa then encodes its uploads as TRANSFER3D in the command stream,
 * reading from the resource's shared memory (GlContext.transfer3d). No effect at v0.
 */
const CAPABILITY_BITS = VirglCap.TRANSFER;
const MAX_CONST_BUFFER_BYTES = 4096 * 16;

/** Largest point size: points above one pixel are quads, so any size works; GL 2.1 asks for 64. */
const MAX_POINT_SIZE = 255;

/** Widest line, drawn as quads like wide points. */
const MAX_LINE_WIDTH = 64;

/** Primitives WebGPU draws natively; Mesa converts the rest (loops, fans, quads, polygons). */
const NATIVE_PRIMS = [PipePrim.POINTS, PipePrim.LINES, PipePrim.LINE_STRIP, PipePrim.TRIANGLES, PipePrim.TRIANGLE_STRIP];

const COLOR_FORMATS = [
  F.B8G8R8A8_UNORM, F.B8G8R8X8_UNORM, F.R8G8B8A8_UNORM, F.R8G8B8X8_UNORM, F.B8G8R8A8_SRGB, F.R8G8B8A8_SRGB,
  F.R8_UNORM, F.R8G8_UNORM, F.R16G16B16A16_FLOAT, F.R32G32B32A32_FLOAT,
];
const SAMPLER_ONLY_FORMATS = [F.A8_UNORM, F.L8_UNORM, F.L8A8_UNORM, F.I8_UNORM, F.B5G6R5_UNORM, F.B5G5R5A1_UNORM, F.B4G4R4A4_UNORM];
const DEPTH_FORMATS = [F.Z16_UNORM, F.Z24X8_UNORM, F.Z24_UNORM_S8_UINT, F.Z32_FLOAT];
const VERTEX_FORMATS = [
  F.R32_FLOAT, F.R32G32_FLOAT, F.R32G32B32_FLOAT, F.R32G32B32A32_FLOAT, F.R8G8B8A8_UNORM, F.R8G8B8A8_SNORM,
  F.R8G8B8A8_UINT, F.R16G16_FLOAT, F.R16G16B16A16_FLOAT, F.R16G16_UNORM, F.R16G16B16A16_UNORM,
  F.R32_UINT, F.R32G32B32A32_UINT, F.R32_SINT, F.R32G32B32A32_SINT,
];

export interface CapsOptions {
  /** Shown by Mesa as "virgl (<renderer>)"; at most 63 bytes. */
  renderer: string;
  maxTextureSize: number;
  maxTexture3dSize: number;
  maxTextureArrayLayers: number;
  /**
   * Claim ARB_BUFFER_STORAGE: Mesa then offers persistent/coherent buffers (and its upload manager
   * uses them), as blobs whose memory we re-read at every submit. Only for vtest v3 sessions: Mesa's
   * blob path does not look at the protocol version, and RESOURCE_CREATE_BLOB needs v3.
   */
  blobs?: boolean;
}

function setMask(dv: DataView, base: number, formats: readonly number[]): void {
  for (const f of formats) {
    const word = f >>> 5;
    if (word >= VIRGL_FORMAT_MASK_DWORDS) continue;
    const at = base + word * 4;
    dv.setUint32(at, dv.getUint32(at, true) | (1 << (f & 31)) >>> 0, true);
  }
}

/** Fills a virgl_caps_v2 (whose first bytes are a virgl_caps_v1). */
export function buildCapsV2(o: CapsOptions): Uint8Array {
  const bytes = new Uint8Array(VIRGL_CAPS_V2.size);
  const dv = new DataView(bytes.buffer);
  const off = VIRGL_CAPS_V2.offsets;
  const u32 = (name: keyof typeof off, v: number): void => dv.setUint32(off[name], v >>> 0, true);
  const f32 = (name: keyof typeof off, v: number): void => dv.setFloat32(off[name], v, true);

  u32('max_version', CAPS_MAX_VERSION);
  setMask(dv, off.sampler, [...COLOR_FORMATS, ...SAMPLER_ONLY_FORMATS, ...DEPTH_FORMATS]);
  setMask(dv, off.render, COLOR_FORMATS);
  setMask(dv, off.depthstencil, DEPTH_FORMATS);
  setMask(dv, off.vertexbuffer, VERTEX_FORMATS);
  setMask(dv, off.supported_readback_formats, COLOR_FORMATS);
  setMask(dv, off.scanout, [F.B8G8R8A8_UNORM, F.B8G8R8X8_UNORM, F.R8G8B8A8_UNORM, F.R8G8B8X8_UNORM]);
  // TIMER_QUERY: Mesa reads it from feature version 15 on (below, it assumed timer queries); TIME_ELAPSED
  // and TIMESTAMP are implemented (gpu/queries.ts).
  u32('bset', (1 << VirglCapsBoolSet1.BLEND_EQ_SEP) | (1 << VirglCapsBoolSet1.OCCLUSION_QUERY) | (1 << VirglCapsBoolSet1.TIMER_QUERY));
  u32('glsl_level', GLSL_LEVEL);
  u32('max_texture_array_layers', o.maxTextureArrayLayers);
  u32('max_render_targets', 1);
  u32('max_samples', 0);
  u32('prim_mask', NATIVE_PRIMS.reduce((m, p) => m | (1 << p), 0));
  u32('max_viewports', 1);
  f32('min_aliased_point_size', 1);
  // Wide points and lines are drawn as instanced quads (wide-primitives.ts).
  f32('max_aliased_point_size', MAX_POINT_SIZE);
  f32('min_smooth_point_size', 1);
  f32('max_smooth_point_size', MAX_POINT_SIZE);
  f32('min_aliased_line_width', 1);
  f32('max_aliased_line_width', MAX_LINE_WIDTH);
  f32('min_smooth_line_width', 1);
  f32('max_smooth_line_width', MAX_LINE_WIDTH);
  f32('max_texture_lod_bias', 15);
  u32('max_vertex_outputs', 16);
  u32('max_vertex_attribs', 16);
  u32('uniform_buffer_offset_alignment', 256);
  u32('max_vertex_attrib_stride', 2048);
  u32('max_texture_2d_size', o.maxTextureSize);
  u32('max_texture_3d_size', o.maxTexture3dSize);
  u32('max_texture_cube_size', o.maxTextureSize);
  u32('host_feature_check_version', HOST_FEATURE_CHECK_VERSION);
  u32('capability_bits', o.blobs ? CAPABILITY_BITS | VirglCap.ARB_BUFFER_STORAGE : CAPABILITY_BITS);
  u32('max_texture_samplers', 16);
  const name = new TextEncoder().encode(o.renderer).subarray(0, 63);
  bytes.set(name, off.renderer);
  u32('max_uniform_block_size', 16384);
  // Mesa reads these at the feature version we claim (GL_MAX_*_UNIFORM_COMPONENTS; 0 fails every
  // shader with a uniform): 4096 vec4s of
  // inline constants for the two stages we run (MAX_INLINE_CONSTANT_DWORDS).
  dv.setUint32(off.max_const_buffer_size + 4 * PipeShaderType.VERTEX, MAX_CONST_BUFFER_BYTES, true);
  dv.setUint32(off.max_const_buffer_size + 4 * PipeShaderType.FRAGMENT, MAX_CONST_BUFFER_BYTES, true);
  return bytes;
}

/** virgl_caps_v1 is the first VIRGL_CAPS_V1.size bytes of the v2 struct, with max_version 1. */
export function buildCapsV1(o: CapsOptions): Uint8Array {
  const v1 = buildCapsV2(o).slice(0, VIRGL_CAPS_V1.size);
  new DataView(v1.buffer).setUint32(VIRGL_CAPS_V1.offsets.max_version, 1, true);
  return v1;
}
