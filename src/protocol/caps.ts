// The virgl capability sets a host returns (vtest GET_CAPS / GET_CAPS2, virtio-gpu capset 1/2):
// struct virgl_caps_v1 and struct virgl_caps_v2 from virglrenderer src/virgl_hw.h, plus the
// capability bit enums. Offsets are computed from the ordered field lists below.

import type { BitField } from './virgl-bitfields.js';
import { layoutStruct } from './struct-layout.js';

/** virtio-gpu capset ids (virglrenderer src/drm/drm-uapi/virtgpu_drm.h). */
export enum VirglCapset {
  VIRGL = 1,
  VIRGL2 = 2,
  GFXSTREAM_VULKAN = 3,
  VENUS = 4,
  CROSS_DOMAIN = 5,
  DRM = 6,
}

/**
 * struct virgl_supported_format_mask: bit (f & 31) of dword (f >> 5) is set when VirglFormat f
 * is supported. 16 dwords cover 512 formats.
 */
export const VIRGL_FORMAT_MASK_DWORDS = 16;

/**
 * Bit positions in virgl_caps_v1.bset (struct virgl_caps_bool_set1: 32 one-bit fields in one u32,
 * allocated from bit 0 upward as GCC/Clang do on little-endian targets).
 */
export enum VirglCapsBoolSet1 {
  INDEP_BLEND_ENABLE = 0,
  INDEP_BLEND_FUNC = 1,
  CUBE_MAP_ARRAY = 2,
  SHADER_STENCIL_EXPORT = 3,
  CONDITIONAL_RENDER = 4,
  START_INSTANCE = 5,
  PRIMITIVE_RESTART = 6,
  BLEND_EQ_SEP = 7,
  INSTANCEID = 8,
  VERTEX_ELEMENT_INSTANCE_DIVISOR = 9,
  SEAMLESS_CUBE_MAP = 10,
  OCCLUSION_QUERY = 11,
  TIMER_QUERY = 12,
  STREAMOUT_PAUSE_RESUME = 13,
  TEXTURE_MULTISAMPLE = 14,
  FRAGMENT_COORD_CONVENTIONS = 15,
  DEPTH_CLIP_DISABLE = 16,
  SEAMLESS_CUBE_MAP_PER_TEXTURE = 17,
  UBO = 18,
  COLOR_CLAMPING = 19,
  POLY_STIPPLE = 20,
  MIRROR_CLAMP = 21,
  TEXTURE_QUERY_LOD = 22,
  HAS_FP64 = 23,
  HAS_TESSELLATION_SHADERS = 24,
  HAS_INDIRECT_DRAW = 25,
  HAS_SAMPLE_SHADING = 26,
  HAS_CULL = 27,
  CONDITIONAL_RENDER_INVERTED = 28,
  DERIVATIVE_CONTROL = 29,
  POLYGON_OFFSET_CLAMP = 30,
  TRANSFORM_FEEDBACK_OVERFLOW_QUERY = 31,
}

/** virgl_caps_v2.capability_bits masks (VIRGL_CAP_*). Test with `(bits & mask) !== 0`. */
export enum VirglCap {
  NONE = 0,
  TGSI_INVARIANT = 1 << 0,
  TEXTURE_VIEW = 1 << 1,
  SET_MIN_SAMPLES = 1 << 2,
  COPY_IMAGE = 1 << 3,
  TGSI_PRECISE = 1 << 4,
  TXQS = 1 << 5,
  MEMORY_BARRIER = 1 << 6,
  COMPUTE_SHADER = 1 << 7,
  FB_NO_ATTACH = 1 << 8,
  ROBUST_BUFFER_ACCESS = 1 << 9,
  TGSI_FBFETCH = 1 << 10,
  SHADER_CLOCK = 1 << 11,
  TEXTURE_BARRIER = 1 << 12,
  TGSI_COMPONENTS = 1 << 13,
  GUEST_MAY_INIT_LOG = 1 << 14,
  SRGB_WRITE_CONTROL = 1 << 15,
  QBO = 1 << 16,
  /** The host decodes TRANSFER3D; with vtest >= 2 Mesa then encodes transfers in the stream. */
  TRANSFER = 1 << 17,
  FBO_MIXED_COLOR_FORMATS = 1 << 18,
  /** Also known by its old name FAKE_FP64. */
  HOST_IS_GLES = 1 << 19,
  BIND_COMMAND_ARGS = 1 << 20,
  MULTI_DRAW_INDIRECT = 1 << 21,
  INDIRECT_PARAMS = 1 << 22,
  TRANSFORM_FEEDBACK3 = 1 << 23,
  /** VIRGL_CAP_3D_ASTC (an identifier cannot start with a digit). */
  ASTC_3D = 1 << 24,
  INDIRECT_INPUT_ADDR = 1 << 25,
  COPY_TRANSFER = 1 << 26,
  CLIP_HALFZ = 1 << 27,
  APP_TWEAK_SUPPORT = 1 << 28,
  BGRA_SRGB_IS_EMULATED = 1 << 29,
  CLEAR_TEXTURE = 1 << 30,
  /** Bit 31, written unsigned. Mesa offers persistent/coherent maps (blobs) only with it. */
  ARB_BUFFER_STORAGE = 0x8000_0000,
}

/** virgl_caps_v2.capability_bits_v2 masks (VIRGL_CAP_V2_*). */
export enum VirglCapV2 {
  BLEND_EQUATION = 1 << 0,
  UNTYPED_RESOURCE = 1 << 1,
  VIDEO_MEMORY = 1 << 2,
  MEMINFO = 1 << 3,
  STRING_MARKER = 1 << 4,
  DIFFERENT_GPU = 1 << 5,
  IMPLICIT_MSAA = 1 << 6,
  /** Mesa's vtest winsys masks this one off. */
  COPY_TRANSFER_BOTH_DIRECTIONS = 1 << 7,
  SCANOUT_USES_GBM = 1 << 8,
  SSO = 1 << 9,
  TEXTURE_SHADOW_LOD = 1 << 10,
  VS_VERTEX_LAYER = 1 << 11,
  VS_VIEWPORT_INDEX = 1 << 12,
  PIPELINE_STATISTICS_QUERY = 1 << 13,
  DRAW_PARAMETERS = 1 << 14,
  GROUP_VOTE = 1 << 15,
  MIRROR_CLAMP_TO_EDGE = 1 << 16,
  MIRROR_CLAMP = 1 << 17,
  /** In virglrenderer's header only, not yet in Mesa's copy as read. */
  RESOURCE_LAYOUT = 1 << 18,
}

const FORMAT_MASK = { type: 'u32', count: VIRGL_FORMAT_MASK_DWORDS } as const;

const CAPS_V1_FIELDS = [
  { name: 'max_version', type: 'u32' },
  { name: 'sampler', ...FORMAT_MASK },
  { name: 'render', ...FORMAT_MASK },
  { name: 'depthstencil', ...FORMAT_MASK },
  { name: 'vertexbuffer', ...FORMAT_MASK },
  /** struct virgl_caps_bool_set1; see VirglCapsBoolSet1. */
  { name: 'bset', type: 'u32' },
  { name: 'glsl_level', type: 'u32' },
  { name: 'max_texture_array_layers', type: 'u32' },
  { name: 'max_streamout_buffers', type: 'u32' },
  { name: 'max_dual_source_render_targets', type: 'u32' },
  { name: 'max_render_targets', type: 'u32' },
  { name: 'max_samples', type: 'u32' },
  { name: 'prim_mask', type: 'u32' },
  { name: 'max_tbo_size', type: 'u32' },
  { name: 'max_uniform_blocks', type: 'u32' },
  { name: 'max_viewports', type: 'u32' },
  { name: 'max_texture_gather_components', type: 'u32' },
] as const;

export const VIRGL_CAPS_V1 = layoutStruct(CAPS_V1_FIELDS);

/** struct virgl_video_caps: four dwords of bitfields, decoded with VIRGL_VIDEO_CAPS_BITS. */
export const VIRGL_VIDEO_CAPS = layoutStruct([
  { name: 'dw0', type: 'u32' },
  { name: 'dw1', type: 'u32' },
  { name: 'dw2', type: 'u32' },
  { name: 'dw3', type: 'u32' },
] as const);

/** Bitfields of struct virgl_video_caps; `dword` indexes the struct's four dwords. */
export const VIRGL_VIDEO_CAPS_BITS = {
  profile: { dword: 0, shift: 0, bits: 8 },
  entrypoint: { dword: 0, shift: 8, bits: 8 },
  maxLevel: { dword: 0, shift: 16, bits: 8 },
  stackedFrames: { dword: 0, shift: 24, bits: 8 },
  maxWidth: { dword: 1, shift: 0, bits: 16 },
  maxHeight: { dword: 1, shift: 16, bits: 16 },
  preferedFormat: { dword: 2, shift: 0, bits: 16 },
  maxMacroblocks: { dword: 2, shift: 16, bits: 16 },
  npotTexture: { dword: 3, shift: 0, bits: 1 },
  supportsProgressive: { dword: 3, shift: 1, bits: 1 },
  supportsInterlaced: { dword: 3, shift: 2, bits: 1 },
  prefersInterlaced: { dword: 3, shift: 3, bits: 1 },
  maxTemporalLayers: { dword: 3, shift: 4, bits: 8 },
} as const satisfies Readonly<Record<string, BitField & { readonly dword: number }>>;

/** v2 begins with the whole v1 struct (all 4-byte members, so flattening keeps every offset). */
export const VIRGL_CAPS_V2 = layoutStruct([
  ...CAPS_V1_FIELDS,
  { name: 'min_aliased_point_size', type: 'f32' },
  { name: 'max_aliased_point_size', type: 'f32' },
  { name: 'min_smooth_point_size', type: 'f32' },
  { name: 'max_smooth_point_size', type: 'f32' },
  { name: 'min_aliased_line_width', type: 'f32' },
  { name: 'max_aliased_line_width', type: 'f32' },
  { name: 'min_smooth_line_width', type: 'f32' },
  { name: 'max_smooth_line_width', type: 'f32' },
  { name: 'max_texture_lod_bias', type: 'f32' },
  { name: 'max_geom_output_vertices', type: 'u32' },
  { name: 'max_geom_total_output_components', type: 'u32' },
  { name: 'max_vertex_outputs', type: 'u32' },
  { name: 'max_vertex_attribs', type: 'u32' },
  { name: 'max_shader_patch_varyings', type: 'u32' },
  { name: 'min_texel_offset', type: 'i32' },
  { name: 'max_texel_offset', type: 'i32' },
  { name: 'min_texture_gather_offset', type: 'i32' },
  { name: 'max_texture_gather_offset', type: 'i32' },
  { name: 'texture_buffer_offset_alignment', type: 'u32' },
  { name: 'uniform_buffer_offset_alignment', type: 'u32' },
  { name: 'shader_buffer_offset_alignment', type: 'u32' },
  /** VirglCap masks. */
  { name: 'capability_bits', type: 'u32' },
  { name: 'sample_locations', type: 'u32', count: 8 },
  { name: 'max_vertex_attrib_stride', type: 'u32' },
  { name: 'max_shader_buffer_frag_compute', type: 'u32' },
  { name: 'max_shader_buffer_other_stages', type: 'u32' },
  { name: 'max_shader_image_frag_compute', type: 'u32' },
  { name: 'max_shader_image_other_stages', type: 'u32' },
  { name: 'max_image_samples', type: 'u32' },
  { name: 'max_compute_work_group_invocations', type: 'u32' },
  { name: 'max_compute_shared_memory_size', type: 'u32' },
  { name: 'max_compute_grid_size', type: 'u32', count: 3 },
  { name: 'max_compute_block_size', type: 'u32', count: 3 },
  { name: 'max_texture_2d_size', type: 'u32' },
  { name: 'max_texture_3d_size', type: 'u32' },
  { name: 'max_texture_cube_size', type: 'u32' },
  { name: 'max_combined_shader_buffers', type: 'u32' },
  { name: 'max_atomic_counters', type: 'u32', count: 6 },
  { name: 'max_atomic_counter_buffers', type: 'u32', count: 6 },
  { name: 'max_combined_atomic_counters', type: 'u32' },
  { name: 'max_combined_atomic_counter_buffers', type: 'u32' },
  /** Mesa gates features on it: >= 4 blobs, >= 7 LINK_SHADER, >= 23 keeps vtest v3. */
  { name: 'host_feature_check_version', type: 'u32' },
  { name: 'supported_readback_formats', ...FORMAT_MASK },
  { name: 'scanout', ...FORMAT_MASK },
  /** VirglCapV2 masks. */
  { name: 'capability_bits_v2', type: 'u32' },
  { name: 'max_video_memory', type: 'u32' },
  /** NUL-terminated renderer name (char[64]); Mesa shows it from host_feature_check_version 5. */
  { name: 'renderer', type: 'u8', count: 64 },
  { name: 'max_anisotropy', type: 'f32' },
  /** Feeds the guest's per-stage sampler count, not GL_MAX_TEXTURE_IMAGE_UNITS. */
  { name: 'max_texture_samplers', type: 'u32' },
  { name: 'supported_multisample_formats', ...FORMAT_MASK },
  /** Per PipeShaderType. */
  { name: 'max_const_buffer_size', type: 'u32', count: 6 },
  { name: 'num_video_caps', type: 'u32' },
  { name: 'video_caps', type: VIRGL_VIDEO_CAPS, count: 32 },
  { name: 'max_uniform_block_size', type: 'u32' },
  { name: 'max_tcs_outputs', type: 'u32' },
  { name: 'max_tes_outputs', type: 'u32' },
  /** Per PipeShaderType. */
  { name: 'max_shader_storage_blocks', type: 'u32', count: 6 },
] as const);

/** The format-mask members of each struct, each VIRGL_FORMAT_MASK_DWORDS u32s. */
export const VIRGL_CAPS_V1_FORMAT_MASKS = ['sampler', 'render', 'depthstencil', 'vertexbuffer'] as const;
export const VIRGL_CAPS_V2_FORMAT_MASKS = [
  ...VIRGL_CAPS_V1_FORMAT_MASKS, 'supported_readback_formats', 'scanout', 'supported_multisample_formats',
] as const;
