// The virgl command stream: command ids, the header dword, and each command's payload layout.
// Numbers come from virglrenderer src/virgl_protocol.h (identical in Mesa's
// src/virtio/virtio-gpu/virgl_protocol.h); the accepted lengths are the checks that
// virglrenderer's src/vrend/vrend_decode.c applies before it reads a command.

import {
  PIPE_MAX_ATTRIBS, PIPE_MAX_HW_ATOMIC_BUFFERS, PIPE_MAX_SHADER_BUFFERS, PIPE_MAX_SHADER_IMAGES,
  PIPE_MAX_SHADER_SAMPLER_VIEWS, PIPE_MAX_VIEWPORTS,
} from './gallium.js';

export enum VirglCmd {
  NOP = 0,
  CREATE_OBJECT = 1,
  BIND_OBJECT = 2,
  DESTROY_OBJECT = 3,
  SET_VIEWPORT_STATE = 4,
  SET_FRAMEBUFFER_STATE = 5,
  SET_VERTEX_BUFFERS = 6,
  CLEAR = 7,
  DRAW_VBO = 8,
  RESOURCE_INLINE_WRITE = 9,
  SET_SAMPLER_VIEWS = 10,
  SET_INDEX_BUFFER = 11,
  SET_CONSTANT_BUFFER = 12,
  SET_STENCIL_REF = 13,
  SET_BLEND_COLOR = 14,
  SET_SCISSOR_STATE = 15,
  BLIT = 16,
  RESOURCE_COPY_REGION = 17,
  BIND_SAMPLER_STATES = 18,
  BEGIN_QUERY = 19,
  END_QUERY = 20,
  GET_QUERY_RESULT = 21,
  SET_POLYGON_STIPPLE = 22,
  SET_CLIP_STATE = 23,
  SET_SAMPLE_MASK = 24,
  SET_STREAMOUT_TARGETS = 25,
  SET_RENDER_CONDITION = 26,
  SET_UNIFORM_BUFFER = 27,
  SET_SUB_CTX = 28,
  CREATE_SUB_CTX = 29,
  DESTROY_SUB_CTX = 30,
  BIND_SHADER = 31,
  SET_TESS_STATE = 32,
  SET_MIN_SAMPLES = 33,
  SET_SHADER_BUFFERS = 34,
  SET_SHADER_IMAGES = 35,
  MEMORY_BARRIER = 36,
  LAUNCH_GRID = 37,
  SET_FRAMEBUFFER_STATE_NO_ATTACH = 38,
  TEXTURE_BARRIER = 39,
  SET_ATOMIC_BUFFERS = 40,
  SET_DEBUG_FLAGS = 41,
  GET_QUERY_RESULT_QBO = 42,
  TRANSFER3D = 43,
  END_TRANSFERS = 44,
  COPY_TRANSFER3D = 45,
  SET_TWEAKS = 46,
  CLEAR_TEXTURE = 47,
  PIPE_RESOURCE_CREATE = 48,
  PIPE_RESOURCE_SET_TYPE = 49,
  GET_MEMORY_INFO = 50,
  /** Mesa calls this one EMIT_STRING_MARKER. */
  SEND_STRING_MARKER = 51,
  LINK_SHADER = 52,
  CREATE_VIDEO_CODEC = 53,
  DESTROY_VIDEO_CODEC = 54,
  CREATE_VIDEO_BUFFER = 55,
  DESTROY_VIDEO_BUFFER = 56,
  BEGIN_FRAME = 57,
  DECODE_MACROBLOCK = 58,
  DECODE_BITSTREAM = 59,
  ENCODE_BITSTREAM = 60,
  END_FRAME = 61,
  CLEAR_SURFACE = 62,
  GET_PIPE_RESOURCE_LAYOUT = 63,
}
/** Ids at or above this are rejected (EINVAL) by the host. */
export const VIRGL_MAX_COMMANDS = 64;

/** The object kind in bits 8..15 of CREATE_OBJECT / BIND_OBJECT / DESTROY_OBJECT headers. */
export enum VirglObjectType {
  NULL = 0,
  BLEND = 1,
  RASTERIZER = 2,
  DSA = 3,
  SHADER = 4,
  VERTEX_ELEMENTS = 5,
  SAMPLER_VIEW = 6,
  SAMPLER_STATE = 7,
  SURFACE = 8,
  QUERY = 9,
  STREAMOUT_TARGET = 10,
  MSAA_SURFACE = 11,
}
export const VIRGL_MAX_OBJECTS = 12;

// Header dword: cmd | object << 8 | length << 16. See VIRGL_CMD_HEADER_BITS for the same as fields.
export const VIRGL_CMD_SHIFT = 0;
export const VIRGL_CMD_MASK = 0xff;
export const VIRGL_CMD_OBJECT_SHIFT = 8;
export const VIRGL_CMD_OBJECT_MASK = 0xff;
export const VIRGL_CMD_LENGTH_SHIFT = 16;
export const VIRGL_CMD_LENGTH_MASK = 0xffff;
/** One header dword, then at most 65535 payload dwords. */
export const VIRGL_CMD_HEADER_DWORDS = 1;
export const VIRGL_CMD_MAX_PAYLOAD_DWORDS = 0xffff;
/** Mesa's own cap on one packet's length (VIRGL_CMD0_MAX_DWORDS: 65535 rounded down to 4). */
export const VIRGL_CMD0_MAX_DWORDS = 65532;

export const VIRGL_MAX_COLOR_BUFS = 8;
export const VIRGL_MAX_CLIP_PLANES = 8;
/** Planes in PIPE_RESOURCE_SET_TYPE and struct virgl_resource_layout. */
export const VIRGL_RESOURCE_MAX_PLANES = 4;

/** CREATE_OBJECT(SHADER) header size in payload dwords for `nso` stream-output entries. */
export const virglObjShaderHdrSize = (nso: number): number => 5 + (nso ? 2 * nso + 4 : 0);
/** Set in the shader offset dword of continuation packets (bit 31). */
export const VIRGL_OBJ_SHADER_OFFSET_CONT = 0x8000_0000;

/** TRANSFER3D direction dword. */
export const VIRGL_TRANSFER_TO_HOST = 1;
export const VIRGL_TRANSFER_FROM_HOST = 2;
/** COPY_TRANSFER3D flags dword; without READ_FROM_HOST the copy goes to the host. */
export const VIRGL_COPY_TRANSFER3D_FLAGS_SYNCHRONIZED = 1 << 0;
export const VIRGL_COPY_TRANSFER3D_FLAGS_READ_FROM_HOST = 1 << 1;

/** SET_TWEAKS id dword (enum vrend_tweak_type). */
export enum VirglTweak {
  GLES_BGRA_EMULATE = 0,
  GLES_BGRA_APPLY_DEST_SWIZZLE = 1,
  GLES_TF3_SAMPLES_PASSES_MULTIPLIER = 2,
  UNDEFINED = 3,
}

/**
 * Which payload lengths (dwords after the header) the host accepts.
 * - fixed: exactly `dwords`.
 * - oneOf: one of the listed sizes (DRAW_VBO, SET_INDEX_BUFFER).
 * - min: at least `min`; anything past the named fields is data.
 * - array: `base + stride * n` for n in [minCount ?? 0, maxCount ?? unbounded].
 * - any: every length, including 0 (NOP, END_TRANSFERS skip padding this way).
 * - perObject: look up the object type in VIRGL_OBJECT_LAYOUTS.
 * - never: the host rejects it whatever the length.
 */
export type LengthRule =
  | { readonly kind: 'fixed'; readonly dwords: number }
  | { readonly kind: 'oneOf'; readonly dwords: readonly number[] }
  | { readonly kind: 'min'; readonly min: number }
  | { readonly kind: 'array'; readonly base: number; readonly stride: number; readonly minCount?: number; readonly maxCount?: number }
  | { readonly kind: 'any' }
  | { readonly kind: 'perObject' }
  | { readonly kind: 'never' };

/** Dword offsets, counted from the header dword (the header is 0, the first payload dword is 1). */
export type FieldOffsets = Readonly<Record<string, number>>;

/** A repeated record: record i's field f sits at `base + i * stride + fields[f]`. */
export interface RepeatedFields {
  readonly base: number;
  readonly stride: number;
  readonly fields: FieldOffsets;
}

export interface CommandLayout {
  readonly length: LengthRule;
  readonly fields: FieldOffsets;
  readonly element?: RepeatedFields;
  /** First dword of a trailing raw blob (inline data, constants, strings). */
  readonly dataStart?: number;
  /** virglrenderer only decodes these when built with ENABLE_VIDEO; otherwise EINVAL. */
  readonly videoOnly?: boolean;
}

export interface ObjectLayout {
  /** Accepted CREATE_OBJECT payload lengths for this object type. */
  readonly create: LengthRule;
  readonly fields: FieldOffsets;
  readonly element?: RepeatedFields;
  readonly dataStart?: number;
  /** Whether BIND_OBJECT accepts the type; the others bind through their own commands. */
  readonly bindable: boolean;
}

const fixed = (dwords: number): LengthRule => ({ kind: 'fixed', dwords });
const min = (dwords: number): LengthRule => ({ kind: 'min', min: dwords });
const array = (base: number, stride: number, maxCount?: number, minCount?: number): LengthRule =>
  ({ kind: 'array', base, stride, ...(maxCount === undefined ? {} : { maxCount }), ...(minCount === undefined ? {} : { minCount }) });
const ANY: LengthRule = { kind: 'any' };

/** The 11 dwords shared by RESOURCE_INLINE_WRITE, TRANSFER3D and COPY_TRANSFER3D. */
const TRANSFER_FIELDS = {
  resHandle: 1, level: 2, usage: 3, stride: 4, layerStride: 5, x: 6, y: 7, z: 8, w: 9, h: 10, d: 11,
} as const;

/** Most streamout handles the host's decoder takes in one command (its array size). */
const MAX_STREAMOUT_HANDLES = 16;

export const VIRGL_COMMAND_LAYOUTS = {
  [VirglCmd.NOP]: { length: ANY, fields: {} },
  [VirglCmd.CREATE_OBJECT]: { length: { kind: 'perObject' }, fields: { handle: 1 } },
  [VirglCmd.BIND_OBJECT]: { length: fixed(1), fields: { handle: 1 } },
  [VirglCmd.DESTROY_OBJECT]: { length: fixed(1), fields: { handle: 1 } },
  [VirglCmd.SET_VIEWPORT_STATE]: {
    length: array(1, 6, PIPE_MAX_VIEWPORTS),
    fields: { startSlot: 1 },
    element: { base: 2, stride: 6, fields: { scale0: 0, scale1: 1, scale2: 2, translate0: 3, translate1: 4, translate2: 5 } },
  },
  [VirglCmd.SET_FRAMEBUFFER_STATE]: {
    // The count must also equal the nrCbufs dword.
    length: array(2, 1, VIRGL_MAX_COLOR_BUFS),
    fields: { nrCbufs: 1, zsurfHandle: 2 },
    element: { base: 3, stride: 1, fields: { surfHandle: 0 } },
  },
  [VirglCmd.SET_VERTEX_BUFFERS]: {
    length: array(0, 3, PIPE_MAX_ATTRIBS),
    fields: {},
    element: { base: 1, stride: 3, fields: { stride: 0, offset: 1, resHandle: 2 } },
  },
  [VirglCmd.CLEAR]: {
    // Colour is 4 raw dwords (float, int or uint by format); depth is an f64 split lo/hi.
    length: fixed(8),
    fields: { buffers: 1, color0: 2, color1: 3, color2: 4, color3: 5, depthLo: 6, depthHi: 7, stencil: 8 },
  },
  [VirglCmd.DRAW_VBO]: {
    // 12 plain, 14 with tessellation/drawid, 20 indirect (Mesa picks the smallest that fits).
    length: { kind: 'oneOf', dwords: [12, 14, 20] },
    fields: {
      start: 1, count: 2, mode: 3, indexed: 4, instanceCount: 5, indexBias: 6, startInstance: 7,
      primitiveRestart: 8, restartIndex: 9, minIndex: 10, maxIndex: 11, countFromSo: 12,
      verticesPerPatch: 13, drawId: 14,
      indirectHandle: 15, indirectOffset: 16, indirectStride: 17, indirectDrawCount: 18,
      indirectDrawCountOffset: 19, indirectDrawCountHandle: 20,
    },
  },
  [VirglCmd.RESOURCE_INLINE_WRITE]: { length: min(12), fields: TRANSFER_FIELDS, dataStart: 12 },
  [VirglCmd.SET_SAMPLER_VIEWS]: {
    length: array(2, 1, PIPE_MAX_SHADER_SAMPLER_VIEWS),
    fields: { shaderType: 1, startSlot: 2 },
    element: { base: 3, stride: 1, fields: { handle: 0 } },
  },
  [VirglCmd.SET_INDEX_BUFFER]: {
    // 1 unbinds; 3 binds a buffer.
    length: { kind: 'oneOf', dwords: [1, 3] },
    fields: { resHandle: 1, indexSize: 2, offset: 3 },
  },
  [VirglCmd.SET_CONSTANT_BUFFER]: { length: min(2), fields: { shaderType: 1, index: 2 }, dataStart: 3 },
  [VirglCmd.SET_STENCIL_REF]: { length: fixed(1), fields: { ref: 1 } },
  [VirglCmd.SET_BLEND_COLOR]: { length: fixed(4), fields: { r: 1, g: 2, b: 3, a: 4 } },
  [VirglCmd.SET_SCISSOR_STATE]: {
    length: array(1, 2, PIPE_MAX_VIEWPORTS),
    fields: { startSlot: 1 },
    element: { base: 2, stride: 2, fields: { minXY: 0, maxXY: 1 } },
  },
  [VirglCmd.BLIT]: {
    length: fixed(21),
    fields: {
      s0: 1, scissorMinXY: 2, scissorMaxXY: 3,
      dstResHandle: 4, dstLevel: 5, dstFormat: 6, dstX: 7, dstY: 8, dstZ: 9, dstW: 10, dstH: 11, dstD: 12,
      srcResHandle: 13, srcLevel: 14, srcFormat: 15, srcX: 16, srcY: 17, srcZ: 18, srcW: 19, srcH: 20, srcD: 21,
    },
  },
  [VirglCmd.RESOURCE_COPY_REGION]: {
    length: fixed(13),
    fields: {
      dstResHandle: 1, dstLevel: 2, dstX: 3, dstY: 4, dstZ: 5,
      srcResHandle: 6, srcLevel: 7, srcX: 8, srcY: 9, srcZ: 10, srcW: 11, srcH: 12, srcD: 13,
    },
  },
  [VirglCmd.BIND_SAMPLER_STATES]: {
    length: array(2, 1),
    fields: { shaderType: 1, startSlot: 2 },
    element: { base: 3, stride: 1, fields: { handle: 0 } },
  },
  [VirglCmd.BEGIN_QUERY]: { length: fixed(1), fields: { handle: 1 } },
  [VirglCmd.END_QUERY]: { length: fixed(1), fields: { handle: 1 } },
  [VirglCmd.GET_QUERY_RESULT]: { length: fixed(2), fields: { handle: 1, wait: 2 } },
  [VirglCmd.SET_POLYGON_STIPPLE]: {
    length: fixed(32),
    fields: {},
    element: { base: 1, stride: 1, fields: { row: 0 } },
  },
  [VirglCmd.SET_CLIP_STATE]: {
    // VIRGL_MAX_CLIP_PLANES planes of 4 floats.
    length: fixed(32),
    fields: {},
    element: { base: 1, stride: 4, fields: { x: 0, y: 1, z: 2, w: 3 } },
  },
  [VirglCmd.SET_SAMPLE_MASK]: { length: fixed(1), fields: { mask: 1 } },
  [VirglCmd.SET_STREAMOUT_TARGETS]: {
    length: array(1, 1, MAX_STREAMOUT_HANDLES),
    fields: { appendBitmask: 1 },
    element: { base: 2, stride: 1, fields: { handle: 0 } },
  },
  [VirglCmd.SET_RENDER_CONDITION]: { length: fixed(3), fields: { handle: 1, condition: 2, mode: 3 } },
  [VirglCmd.SET_UNIFORM_BUFFER]: {
    length: fixed(5),
    fields: { shaderType: 1, index: 2, offset: 3, length: 4, resHandle: 5 },
  },
  [VirglCmd.SET_SUB_CTX]: { length: fixed(1), fields: { subCtxId: 1 } },
  [VirglCmd.CREATE_SUB_CTX]: { length: fixed(1), fields: { subCtxId: 1 } },
  [VirglCmd.DESTROY_SUB_CTX]: { length: fixed(1), fields: { subCtxId: 1 } },
  [VirglCmd.BIND_SHADER]: { length: fixed(2), fields: { handle: 1, type: 2 } },
  [VirglCmd.SET_TESS_STATE]: {
    length: fixed(6),
    fields: { outer0: 1, outer1: 2, outer2: 3, outer3: 4, inner0: 5, inner1: 6 },
  },
  [VirglCmd.SET_MIN_SAMPLES]: { length: fixed(1), fields: { minSamples: 1 } },
  [VirglCmd.SET_SHADER_BUFFERS]: {
    length: array(2, 3, PIPE_MAX_SHADER_BUFFERS),
    fields: { shaderType: 1, startSlot: 2 },
    element: { base: 3, stride: 3, fields: { offset: 0, length: 1, resHandle: 2 } },
  },
  [VirglCmd.SET_SHADER_IMAGES]: {
    // For textures, layerOffset is firstLayer | lastLayer << 16 and levelSize is the level.
    length: array(2, 5, PIPE_MAX_SHADER_IMAGES),
    fields: { shaderType: 1, startSlot: 2 },
    element: { base: 3, stride: 5, fields: { format: 0, access: 1, layerOffset: 2, levelSize: 3, resHandle: 4 } },
  },
  [VirglCmd.MEMORY_BARRIER]: { length: fixed(1), fields: { flags: 1 } },
  [VirglCmd.LAUNCH_GRID]: {
    length: fixed(8),
    fields: { blockX: 1, blockY: 2, blockZ: 3, gridX: 4, gridY: 5, gridZ: 6, indirectHandle: 7, indirectOffset: 8 },
  },
  [VirglCmd.SET_FRAMEBUFFER_STATE_NO_ATTACH]: { length: fixed(2), fields: { widthHeight: 1, layersSamples: 2 } },
  [VirglCmd.TEXTURE_BARRIER]: { length: fixed(1), fields: { flags: 1 } },
  [VirglCmd.SET_ATOMIC_BUFFERS]: {
    // The host wants length >= 2, so an empty list (length 1) is rejected.
    length: array(1, 3, PIPE_MAX_HW_ATOMIC_BUFFERS, 1),
    fields: { startSlot: 1 },
    element: { base: 2, stride: 3, fields: { offset: 0, length: 1, resHandle: 2 } },
  },
  // A NUL-terminated flag string; Mesa may send a 1-dword string, which the host refuses.
  [VirglCmd.SET_DEBUG_FLAGS]: { length: min(2), fields: {}, dataStart: 1 },
  [VirglCmd.GET_QUERY_RESULT_QBO]: {
    length: fixed(6),
    fields: { handle: 1, qboHandle: 2, wait: 3, resultType: 4, offset: 5, index: 6 },
  },
  [VirglCmd.TRANSFER3D]: { length: min(13), fields: { ...TRANSFER_FIELDS, dataOffset: 12, direction: 13 } },
  // Skips the rest of Mesa's reserved transfer area; the host ignores the payload.
  [VirglCmd.END_TRANSFERS]: { length: ANY, fields: {} },
  [VirglCmd.COPY_TRANSFER3D]: {
    length: fixed(14),
    fields: { ...TRANSFER_FIELDS, srcResHandle: 12, srcResOffset: 13, flags: 14 },
  },
  [VirglCmd.SET_TWEAKS]: { length: min(2), fields: { id: 1, value: 2 } },
  [VirglCmd.CLEAR_TEXTURE]: {
    // data0..3 hold one texel of the resource's format, as raw bytes.
    length: fixed(12),
    fields: { resHandle: 1, level: 2, x: 3, y: 4, z: 5, w: 6, h: 7, d: 8, data0: 9, data1: 10, data2: 11, data3: 12 },
  },
  [VirglCmd.PIPE_RESOURCE_CREATE]: {
    length: fixed(11),
    fields: {
      target: 1, format: 2, bind: 3, width: 4, height: 5, depth: 6, arraySize: 7, lastLevel: 8,
      nrSamples: 9, flags: 10, blobId: 11,
    },
  },
  [VirglCmd.PIPE_RESOURCE_SET_TYPE]: {
    length: array(8, 2, VIRGL_RESOURCE_MAX_PLANES, 1),
    fields: { resHandle: 1, format: 2, bind: 3, width: 4, height: 5, usage: 6, modifierLo: 7, modifierHi: 8 },
    element: { base: 9, stride: 2, fields: { stride: 0, offset: 1 } },
  },
  [VirglCmd.GET_MEMORY_INFO]: { length: fixed(1), fields: { resHandle: 1 } },
  [VirglCmd.SEND_STRING_MARKER]: { length: min(2), fields: { stringSize: 1 }, dataStart: 2 },
  [VirglCmd.LINK_SHADER]: {
    length: fixed(6),
    fields: { vertex: 1, fragment: 2, geometry: 3, tessCtrl: 4, tessEval: 5, compute: 6 },
  },
  [VirglCmd.CREATE_VIDEO_CODEC]: {
    length: min(7),
    fields: { handle: 1, profile: 2, entrypoint: 3, chromaFormat: 4, level: 5, width: 6, height: 7, maxReferences: 8 },
    videoOnly: true,
  },
  [VirglCmd.DESTROY_VIDEO_CODEC]: { length: min(1), fields: { handle: 1 }, videoOnly: true },
  [VirglCmd.CREATE_VIDEO_BUFFER]: {
    length: min(5),
    fields: { handle: 1, format: 2, width: 3, height: 4 },
    element: { base: 5, stride: 1, fields: { resHandle: 0 } },
    videoOnly: true,
  },
  [VirglCmd.DESTROY_VIDEO_BUFFER]: { length: min(1), fields: { handle: 1 }, videoOnly: true },
  [VirglCmd.BEGIN_FRAME]: { length: min(2), fields: { codecHandle: 1, targetHandle: 2 }, videoOnly: true },
  [VirglCmd.DECODE_MACROBLOCK]: { length: ANY, fields: {}, videoOnly: true },
  [VirglCmd.DECODE_BITSTREAM]: {
    length: min(5),
    fields: { codecHandle: 1, targetHandle: 2, descHandle: 3, bufHandle: 4, bufSize: 5 },
    videoOnly: true,
  },
  [VirglCmd.ENCODE_BITSTREAM]: {
    length: min(5),
    fields: { codecHandle: 1, sourceHandle: 2, destHandle: 3, descHandle: 4, feedbackHandle: 5 },
    videoOnly: true,
  },
  [VirglCmd.END_FRAME]: { length: min(2), fields: { codecHandle: 1, targetHandle: 2 }, videoOnly: true },
  [VirglCmd.CLEAR_SURFACE]: {
    length: fixed(10),
    fields: { s0: 1, surfHandle: 2, color0: 3, color1: 4, color2: 5, color3: 6, dstX: 7, dstY: 8, width: 9, height: 10 },
  },
  [VirglCmd.GET_PIPE_RESOURCE_LAYOUT]: { length: min(2), fields: { outHandle: 1, targetHandle: 2 } },
} as const satisfies Record<VirglCmd, CommandLayout>;

/** CREATE_OBJECT payloads by object type (handle is always dword 1 and must be non-zero). */
export const VIRGL_OBJECT_LAYOUTS = {
  [VirglObjectType.NULL]: { create: { kind: 'never' }, fields: {}, bindable: false },
  [VirglObjectType.BLEND]: {
    create: fixed(3 + VIRGL_MAX_COLOR_BUFS),
    fields: { handle: 1, s0: 2, s1: 3 },
    element: { base: 4, stride: 1, fields: { rt: 0 } },
    bindable: true,
  },
  [VirglObjectType.RASTERIZER]: {
    create: fixed(9),
    fields: {
      handle: 1, s0: 2, pointSize: 3, spriteCoordEnable: 4, s3: 5, lineWidth: 6, offsetUnits: 7,
      offsetScale: 8, offsetClamp: 9,
    },
    bindable: true,
  },
  [VirglObjectType.DSA]: {
    create: fixed(5),
    fields: { handle: 1, s0: 2, stencilFront: 3, stencilBack: 4, alphaRef: 5 },
    bindable: true,
  },
  [VirglObjectType.SHADER]: {
    // At least virglObjShaderHdrSize(soNumOutputs); for compute, dword 5 is reqLocalMem and nso is 0.
    // The TGSI text starts at virglObjShaderHdrSize(nso) + 1.
    create: min(virglObjShaderHdrSize(0)),
    fields: {
      handle: 1, type: 2, offset: 3, numTokens: 4, soNumOutputs: 5, reqLocalMem: 5,
      soStride0: 6, soStride1: 7, soStride2: 8, soStride3: 9,
    },
    element: { base: 10, stride: 2, fields: { output: 0, stream: 1 } },
    bindable: false,
  },
  [VirglObjectType.VERTEX_ELEMENTS]: {
    create: array(1, 4, PIPE_MAX_ATTRIBS),
    fields: { handle: 1 },
    element: { base: 2, stride: 4, fields: { srcOffset: 0, instanceDivisor: 1, vertexBufferIndex: 2, srcFormat: 3 } },
    bindable: true,
  },
  [VirglObjectType.SAMPLER_VIEW]: {
    // Dwords 4/5 are first/last element for buffers, packed layers/levels for textures.
    create: fixed(6),
    fields: {
      handle: 1, resHandle: 2, format: 3, bufferFirstElement: 4, bufferLastElement: 5,
      textureLayer: 4, textureLevel: 5, swizzle: 6,
    },
    bindable: false,
  },
  [VirglObjectType.SAMPLER_STATE]: {
    create: fixed(9),
    fields: {
      handle: 1, s0: 2, lodBias: 3, minLod: 4, maxLod: 5,
      borderColor0: 6, borderColor1: 7, borderColor2: 8, borderColor3: 9,
    },
    bindable: false,
  },
  [VirglObjectType.SURFACE]: {
    create: fixed(5),
    fields: {
      handle: 1, resHandle: 2, format: 3, bufferFirstElement: 4, bufferLastElement: 5,
      textureLevel: 4, textureLayers: 5,
    },
    bindable: false,
  },
  [VirglObjectType.QUERY]: {
    create: fixed(4),
    fields: { handle: 1, typeIndex: 2, offset: 3, resHandle: 4 },
    bindable: false,
  },
  [VirglObjectType.STREAMOUT_TARGET]: {
    create: fixed(4),
    fields: { handle: 1, resHandle: 2, bufferOffset: 3, bufferSize: 4 },
    bindable: false,
  },
  [VirglObjectType.MSAA_SURFACE]: {
    // SURFACE plus a sample count; needs VIRGL_CAP_V2_IMPLICIT_MSAA.
    create: fixed(6),
    fields: { handle: 1, resHandle: 2, format: 3, textureLevel: 4, textureLayers: 5, sampleCount: 6 },
    bindable: false,
  },
} as const satisfies Record<VirglObjectType, ObjectLayout>;

const enumNames = (e: Record<string, string | number>, count: number): readonly string[] =>
  Array.from({ length: count }, (_, i) => {
    const name = e[i];
    if (typeof name !== 'string') throw new Error(`enum value ${i} has no name`);
    return name;
  });

/** VIRGL_CCMD_* names without the prefix, indexed by id. */
export const VIRGL_CMD_NAMES: readonly string[] = enumNames(VirglCmd, VIRGL_MAX_COMMANDS);
export const VIRGL_OBJECT_NAMES: readonly string[] = enumNames(VirglObjectType, VIRGL_MAX_OBJECTS);

export const virglCmdName = (id: number): string => VIRGL_CMD_NAMES[id] ?? `VIRGL_CCMD_${id}`;
export const virglObjectName = (type: number): string => VIRGL_OBJECT_NAMES[type] ?? `VIRGL_OBJECT_${type}`;
