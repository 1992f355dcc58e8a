// Gallium enums that travel inside virgl commands. Mesa's virgl encoder writes most of them
// unchanged, so the numbers are those of Mesa's p_defines.h / util/blend.h, which match
// virglrenderer's copy (src/gallium/include/pipe/p_defines.h). Two are translated on the way:
// shader stages (virgl_shader_stage_convert) and query types (pipe_to_virgl_query); the
// enums below give the wire numbers for those.

/**
 * Shader stage on the wire (Mesa's enum virgl_shader_stage; virglrenderer's PIPE_SHADER_*).
 * Mesa's internal stage numbering differs (FRAGMENT is 4 there) and is converted before sending.
 */
export enum PipeShaderType {
  VERTEX = 0,
  FRAGMENT = 1,
  GEOMETRY = 2,
  TESS_CTRL = 3,
  TESS_EVAL = 4,
  COMPUTE = 5,
}
/** The host rejects shader types at or above this. */
export const PIPE_SHADER_TYPES = 6;

/** DRAW_VBO mode (PIPE_PRIM_*, now MESA_PRIM_* in Mesa; same numbers, equal to GL's). */
export enum PipePrim {
  POINTS = 0,
  LINES = 1,
  LINE_LOOP = 2,
  LINE_STRIP = 3,
  TRIANGLES = 4,
  TRIANGLE_STRIP = 5,
  TRIANGLE_FAN = 6,
  QUADS = 7,
  QUAD_STRIP = 8,
  POLYGON = 9,
  LINES_ADJACENCY = 10,
  LINE_STRIP_ADJACENCY = 11,
  TRIANGLES_ADJACENCY = 12,
  TRIANGLE_STRIP_ADJACENCY = 13,
  PATCHES = 14,
}

export enum PipeBlendFunc {
  ADD = 0,
  SUBTRACT = 1,
  REVERSE_SUBTRACT = 2,
  MIN = 3,
  MAX = 4,
}

/** Blend factors; the INV_* forms sit at 0x10 + their base, except ZERO = INV_ONE = 0x11. */
export enum PipeBlendFactor {
  ONE = 0x01,
  SRC_COLOR = 0x02,
  SRC_ALPHA = 0x03,
  DST_ALPHA = 0x04,
  DST_COLOR = 0x05,
  SRC_ALPHA_SATURATE = 0x06,
  CONST_COLOR = 0x07,
  CONST_ALPHA = 0x08,
  SRC1_COLOR = 0x09,
  SRC1_ALPHA = 0x0a,
  ZERO = 0x11,
  INV_SRC_COLOR = 0x12,
  INV_SRC_ALPHA = 0x13,
  INV_DST_ALPHA = 0x14,
  INV_DST_COLOR = 0x15,
  INV_CONST_COLOR = 0x17,
  INV_CONST_ALPHA = 0x18,
  INV_SRC1_COLOR = 0x19,
  INV_SRC1_ALPHA = 0x1a,
}

export enum PipeLogicOp {
  CLEAR = 0,
  NOR = 1,
  AND_INVERTED = 2,
  COPY_INVERTED = 3,
  AND_REVERSE = 4,
  INVERT = 5,
  XOR = 6,
  NAND = 7,
  AND = 8,
  EQUIV = 9,
  NOOP = 10,
  OR_INVERTED = 11,
  COPY = 12,
  OR_REVERSE = 13,
  OR = 14,
  SET = 15,
}

/** Colour write mask bits (blend colormask) and BLIT's mask, which adds Z and S. */
export enum PipeMask {
  R = 0x01,
  G = 0x02,
  B = 0x04,
  A = 0x08,
  RGBA = 0x0f,
  Z = 0x10,
  S = 0x20,
  ZS = 0x30,
}

/** Depth, stencil, alpha and shadow-compare functions. */
export enum PipeFunc {
  NEVER = 0,
  LESS = 1,
  EQUAL = 2,
  LEQUAL = 3,
  GREATER = 4,
  NOTEQUAL = 5,
  GEQUAL = 6,
  ALWAYS = 7,
}

export enum PipeStencilOp {
  KEEP = 0,
  ZERO = 1,
  REPLACE = 2,
  INCR = 3,
  DECR = 4,
  INCR_WRAP = 5,
  DECR_WRAP = 6,
  INVERT = 7,
}

export enum PipePolygonMode {
  FILL = 0,
  LINE = 1,
  POINT = 2,
  /** Mesa only (NV_fill_rectangle); virglrenderer's copy stops at POINT. */
  FILL_RECTANGLE = 3,
}

/** Rasterizer cull_face. */
export enum PipeFace {
  NONE = 0,
  FRONT = 1,
  BACK = 2,
  FRONT_AND_BACK = 3,
}

export enum PipeTexWrap {
  REPEAT = 0,
  CLAMP = 1,
  CLAMP_TO_EDGE = 2,
  CLAMP_TO_BORDER = 3,
  MIRROR_REPEAT = 4,
  MIRROR_CLAMP = 5,
  MIRROR_CLAMP_TO_EDGE = 6,
  MIRROR_CLAMP_TO_BORDER = 7,
}

/** min/mag image filter (and BLIT's filter). */
export enum PipeTexFilter {
  NEAREST = 0,
  LINEAR = 1,
}

/** Filter between mip levels; the host rejects 3. */
export enum PipeTexMipFilter {
  NEAREST = 0,
  LINEAR = 1,
  NONE = 2,
}

export enum PipeTexCompare {
  NONE = 0,
  R_TO_TEXTURE = 1,
}

/** Sampler-view swizzle selectors. */
export enum PipeSwizzle {
  X = 0,
  Y = 1,
  Z = 2,
  W = 3,
  ZERO = 4,
  ONE = 5,
  NONE = 6,
}

/** CLEAR buffers dword. */
export enum PipeClear {
  DEPTH = 1 << 0,
  STENCIL = 1 << 1,
  COLOR0 = 1 << 2,
  COLOR1 = 1 << 3,
  COLOR2 = 1 << 4,
  COLOR3 = 1 << 5,
  COLOR4 = 1 << 6,
  COLOR5 = 1 << 7,
  COLOR6 = 1 << 8,
  COLOR7 = 1 << 9,
  COLOR = 0x3fc,
  DEPTHSTENCIL = 0x3,
}

/**
 * Query type in CREATE_OBJECT(QUERY), as the host numbers them (virglrenderer's PIPE_QUERY_*,
 * Mesa's VIRGL_QUERY_*). Mesa's own PIPE_QUERY_* order differs and is remapped before sending.
 */
export enum PipeQuery {
  OCCLUSION_COUNTER = 0,
  OCCLUSION_PREDICATE = 1,
  TIMESTAMP = 2,
  TIMESTAMP_DISJOINT = 3,
  TIME_ELAPSED = 4,
  PRIMITIVES_GENERATED = 5,
  PRIMITIVES_EMITTED = 6,
  SO_STATISTICS = 7,
  SO_OVERFLOW_PREDICATE = 8,
  GPU_FINISHED = 9,
  PIPELINE_STATISTICS = 10,
  OCCLUSION_PREDICATE_CONSERVATIVE = 11,
  SO_OVERFLOW_ANY_PREDICATE = 12,
}

/** Query index for PIPELINE_STATISTICS queries (enum virgl_statistics_query_index, virgl_hw.h). */
export enum VirglStatQuery {
  IA_VERTICES = 0,
  IA_PRIMITIVES = 1,
  VS_INVOCATIONS = 2,
  GS_INVOCATIONS = 3,
  GS_PRIMITIVES = 4,
  C_INVOCATIONS = 5,
  C_PRIMITIVES = 6,
  PS_INVOCATIONS = 7,
  HS_INVOCATIONS = 8,
  DS_INVOCATIONS = 9,
  CS_INVOCATIONS = 10,
}

/** GET_QUERY_RESULT_QBO resultType: how the result is written into the buffer. */
export enum PipeQueryValueType {
  I32 = 0,
  U32 = 1,
  I64 = 2,
  U64 = 3,
}

/** SET_RENDER_CONDITION mode. */
export enum PipeRenderCond {
  WAIT = 0,
  NO_WAIT = 1,
  BY_REGION_WAIT = 2,
  BY_REGION_NO_WAIT = 3,
}

/** SET_SHADER_IMAGES access dword. */
export enum PipeImageAccess {
  READ = 1 << 0,
  WRITE = 1 << 1,
  READ_WRITE = 0x3,
}

/** MEMORY_BARRIER flags (PIPE_BARRIER_*; same bits in Mesa and virglrenderer). */
export enum PipeBarrier {
  MAPPED_BUFFER = 1 << 0,
  SHADER_BUFFER = 1 << 1,
  QUERY_BUFFER = 1 << 2,
  VERTEX_BUFFER = 1 << 3,
  INDEX_BUFFER = 1 << 4,
  CONSTANT_BUFFER = 1 << 5,
  INDIRECT_BUFFER = 1 << 6,
  TEXTURE = 1 << 7,
  IMAGE = 1 << 8,
  FRAMEBUFFER = 1 << 9,
  STREAMOUT_BUFFER = 1 << 10,
  GLOBAL_BUFFER = 1 << 11,
  UPDATE_BUFFER = 1 << 12,
  UPDATE_TEXTURE = 1 << 13,
  ALL = (1 << 14) - 1,
}

/** TEXTURE_BARRIER flags. */
export enum PipeTextureBarrier {
  SAMPLER = 1 << 0,
  FRAMEBUFFER = 1 << 1,
}

// Limits the host's decoder enforces (virglrenderer src/gallium/include/pipe/p_state.h).
export const PIPE_MAX_ATTRIBS = 32;
export const PIPE_MAX_COLOR_BUFS = 8;
export const PIPE_MAX_CONSTANT_BUFFERS = 32;
export const PIPE_MAX_SAMPLERS = 32;
export const PIPE_MAX_SHADER_SAMPLER_VIEWS = 128;
export const PIPE_MAX_SHADER_BUFFERS = 32;
export const PIPE_MAX_SHADER_IMAGES = 32;
export const PIPE_MAX_SO_BUFFERS = 4;
export const PIPE_MAX_SO_OUTPUTS = 64;
export const PIPE_MAX_VIEWPORTS = 16;
export const PIPE_MAX_HW_ATOMIC_BUFFERS = 32;
