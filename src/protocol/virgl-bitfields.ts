// Bit positions inside the packed dwords of the virgl command stream.
// Facts from virglrenderer src/virgl_protocol.h (the VIRGL_OBJ_*_S<n>_* macros) and the shifts
// vrend_decode.c and Mesa's virgl_encode.c apply; both sides agree on every field below.

/** A field of `bits` bits starting at bit `shift` (bit 0 = least significant) of one dword. */
export interface BitField {
  readonly shift: number;
  readonly bits: number;
}

type BitFields = Readonly<Record<string, BitField>>;
const f = (shift: number, bits: number): BitField => ({ shift, bits });

/** Command header dword: VIRGL_CMD0(cmd, obj, len). */
export const VIRGL_CMD_HEADER_BITS = {
  cmd: f(0, 8),
  object: f(8, 8),
  /** Payload dwords, not counting the header itself. */
  length: f(16, 16),
} as const satisfies BitFields;

/** CREATE_OBJECT(BLEND) dword 2. */
export const VIRGL_OBJ_BLEND_S0_BITS = {
  independentBlendEnable: f(0, 1),
  logicopEnable: f(1, 1),
  dither: f(2, 1),
  alphaToCoverage: f(3, 1),
  alphaToOne: f(4, 1),
} as const satisfies BitFields;

/** CREATE_OBJECT(BLEND) dword 3. */
export const VIRGL_OBJ_BLEND_S1_BITS = { logicopFunc: f(0, 4) } as const satisfies BitFields;

/**
 * CREATE_OBJECT(BLEND) dwords 4..11, one per render target.
 * Mesa puts the advanced blend equation (KHR_blend_equation_advanced) in rt[0]'s alphaSrcFactor
 * when one is set, rather than adding a field.
 */
export const VIRGL_OBJ_BLEND_S2_BITS = {
  blendEnable: f(0, 1),
  rgbFunc: f(1, 3),
  rgbSrcFactor: f(4, 5),
  rgbDstFactor: f(9, 5),
  alphaFunc: f(14, 3),
  alphaSrcFactor: f(17, 5),
  alphaDstFactor: f(22, 5),
  colormask: f(27, 4),
} as const satisfies BitFields;

/** CREATE_OBJECT(DSA) dword 2. */
export const VIRGL_OBJ_DSA_S0_BITS = {
  depthEnabled: f(0, 1),
  depthWritemask: f(1, 1),
  depthFunc: f(2, 3),
  alphaEnabled: f(8, 1),
  alphaFunc: f(9, 3),
} as const satisfies BitFields;

/** CREATE_OBJECT(DSA) dwords 3 (front) and 4 (back). */
export const VIRGL_OBJ_DSA_STENCIL_BITS = {
  enabled: f(0, 1),
  func: f(1, 3),
  failOp: f(4, 3),
  zpassOp: f(7, 3),
  zfailOp: f(10, 3),
  valuemask: f(13, 8),
  writemask: f(21, 8),
} as const satisfies BitFields;

/** CREATE_OBJECT(RASTERIZER) dword 2. */
export const VIRGL_OBJ_RS_S0_BITS = {
  flatshade: f(0, 1),
  depthClip: f(1, 1),
  clipHalfz: f(2, 1),
  rasterizerDiscard: f(3, 1),
  flatshadeFirst: f(4, 1),
  lightTwoside: f(5, 1),
  spriteCoordMode: f(6, 1),
  pointQuadRasterization: f(7, 1),
  cullFace: f(8, 2),
  fillFront: f(10, 2),
  fillBack: f(12, 2),
  scissor: f(14, 1),
  frontCcw: f(15, 1),
  clampVertexColor: f(16, 1),
  clampFragmentColor: f(17, 1),
  offsetLine: f(18, 1),
  offsetPoint: f(19, 1),
  offsetTri: f(20, 1),
  polySmooth: f(21, 1),
  polyStippleEnable: f(22, 1),
  pointSmooth: f(23, 1),
  pointSizePerVertex: f(24, 1),
  multisample: f(25, 1),
  lineSmooth: f(26, 1),
  lineStippleEnable: f(27, 1),
  lineLastPixel: f(28, 1),
  halfPixelCenter: f(29, 1),
  bottomEdgeRule: f(30, 1),
  forcePersampleInterp: f(31, 1),
} as const satisfies BitFields;

/** CREATE_OBJECT(RASTERIZER) dword 5. */
export const VIRGL_OBJ_RS_S3_BITS = {
  lineStipplePattern: f(0, 16),
  lineStippleFactor: f(16, 8),
  clipPlaneEnable: f(24, 8),
} as const satisfies BitFields;

/** CREATE_OBJECT(SAMPLER_STATE) dword 2. The two image filters were once 2 bits wide. */
export const VIRGL_OBJ_SAMPLER_STATE_S0_BITS = {
  wrapS: f(0, 3),
  wrapT: f(3, 3),
  wrapR: f(6, 3),
  minImgFilter: f(9, 1),
  minMipFilter: f(11, 2),
  magImgFilter: f(13, 1),
  compareMode: f(15, 1),
  compareFunc: f(16, 3),
  seamlessCubeMap: f(19, 1),
  maxAnisotropy: f(20, 5),
} as const satisfies BitFields;

/**
 * CREATE_OBJECT(SAMPLER_VIEW) dword 3. Mesa adds the view target (PipeTextureTarget) in the top
 * byte only when the host advertises VIRGL_CAP_TEXTURE_VIEW; otherwise those bits are 0.
 */
export const VIRGL_OBJ_SAMPLER_VIEW_FORMAT_BITS = {
  format: f(0, 24),
  target: f(24, 8),
} as const satisfies BitFields;

/** CREATE_OBJECT(SAMPLER_VIEW) dword 4 for textures (buffers carry the first element instead). */
export const VIRGL_OBJ_SAMPLER_VIEW_LAYER_BITS = { firstLayer: f(0, 16), lastLayer: f(16, 16) } as const satisfies BitFields;

/** CREATE_OBJECT(SAMPLER_VIEW) dword 5 for textures (buffers carry the last element instead). */
export const VIRGL_OBJ_SAMPLER_VIEW_LEVEL_BITS = { firstLevel: f(0, 8), lastLevel: f(8, 8) } as const satisfies BitFields;

/** CREATE_OBJECT(SAMPLER_VIEW) dword 6; each value is a PipeSwizzle. */
export const VIRGL_OBJ_SAMPLER_VIEW_SWIZZLE_BITS = {
  r: f(0, 3),
  g: f(3, 3),
  b: f(6, 3),
  a: f(9, 3),
} as const satisfies BitFields;

/** CREATE_OBJECT(SURFACE / MSAA_SURFACE) dword 5 for textures. */
export const VIRGL_OBJ_SURFACE_LAYERS_BITS = { firstLayer: f(0, 16), lastLayer: f(16, 16) } as const satisfies BitFields;

/**
 * CREATE_OBJECT(SHADER) dword 3. The first packet carries the total text length in bytes; each
 * continuation packet sets `cont` and carries its byte offset instead.
 */
export const VIRGL_OBJ_SHADER_OFFSET_BITS = { value: f(0, 31), cont: f(31, 1) } as const satisfies BitFields;

/** CREATE_OBJECT(SHADER): first dword of each stream-output entry. */
export const VIRGL_OBJ_SHADER_SO_OUTPUT_BITS = {
  registerIndex: f(0, 8),
  startComponent: f(8, 2),
  numComponents: f(10, 3),
  outputBuffer: f(13, 3),
  dstOffset: f(16, 16),
} as const satisfies BitFields;

/** CREATE_OBJECT(SHADER): second dword of each stream-output entry. */
export const VIRGL_OBJ_SHADER_SO_STREAM_BITS = { stream: f(0, 2) } as const satisfies BitFields;

/** CREATE_OBJECT(QUERY) dword 2: a PipeQuery type and its index (stream or statistic). */
export const VIRGL_OBJ_QUERY_TYPE_INDEX_BITS = { type: f(0, 16), index: f(16, 16) } as const satisfies BitFields;

/** SET_STENCIL_REF dword 1. */
export const VIRGL_STENCIL_REF_BITS = { front: f(0, 8), back: f(8, 8) } as const satisfies BitFields;

/** SET_SCISSOR_STATE min/max dwords and BLIT's two scissor dwords. */
export const VIRGL_SCISSOR_XY_BITS = { x: f(0, 16), y: f(16, 16) } as const satisfies BitFields;

/** BLIT dword 1. `mask` holds PipeMask bits; `filter` is a PipeTexFilter. */
export const VIRGL_CMD_BLIT_S0_BITS = {
  mask: f(0, 8),
  filter: f(8, 2),
  scissorEnable: f(10, 1),
  renderConditionEnable: f(11, 1),
  alphaBlend: f(12, 1),
} as const satisfies BitFields;

/** SET_FRAMEBUFFER_STATE_NO_ATTACH dword 1. */
export const VIRGL_FB_NO_ATTACH_SIZE_BITS = { width: f(0, 16), height: f(16, 16) } as const satisfies BitFields;

/** SET_FRAMEBUFFER_STATE_NO_ATTACH dword 2 (Mesa writes samples << 16; the host reads 8 bits). */
export const VIRGL_FB_NO_ATTACH_LAYERS_BITS = { layers: f(0, 16), samples: f(16, 8) } as const satisfies BitFields;

/** CLEAR_SURFACE dword 1; `buffers` holds the low PipeClear bits (DEPTH, STENCIL, COLOR0). */
export const VIRGL_CLEAR_SURFACE_S0_BITS = { renderCondition: f(0, 1), buffers: f(1, 3) } as const satisfies BitFields;
