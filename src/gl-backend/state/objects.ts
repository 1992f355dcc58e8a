// Frontend state objects decoded from CREATE_OBJECT payloads: plain numbers, no GPU handles.
// Field positions come from src/protocol (layouts and bitfields); lengths were checked by the decoder.
import type { BitField } from '../../protocol/virgl-bitfields.js';
import {
  VIRGL_OBJ_BLEND_S0_BITS as B0, VIRGL_OBJ_BLEND_S1_BITS as B1, VIRGL_OBJ_BLEND_S2_BITS as B2,
  VIRGL_OBJ_DSA_S0_BITS as D0, VIRGL_OBJ_DSA_STENCIL_BITS as DS, VIRGL_OBJ_RS_S0_BITS as R0,
  VIRGL_OBJ_RS_S3_BITS as R3, VIRGL_OBJ_SAMPLER_STATE_S0_BITS as SS, VIRGL_OBJ_SAMPLER_VIEW_FORMAT_BITS as SVF,
  VIRGL_OBJ_SAMPLER_VIEW_LAYER_BITS as SVL, VIRGL_OBJ_SAMPLER_VIEW_LEVEL_BITS as SVM,
  VIRGL_OBJ_SAMPLER_VIEW_SWIZZLE_BITS as SVS, VIRGL_OBJ_SURFACE_LAYERS_BITS as SL, VIRGL_OBJ_QUERY_TYPE_INDEX_BITS as QT,
} from '../../protocol/virgl-bitfields.js';
import { VIRGL_MAX_COLOR_BUFS } from '../../protocol/virgl-commands.js';

export const bits = (dword: number, f: BitField): number => (dword >>> f.shift) & ((f.bits === 32 ? 0 : 1 << f.bits) - 1);
const flag = (dword: number, f: BitField): boolean => ((dword >>> f.shift) & 1) !== 0;

const f32 = new Float32Array(1);
const u32 = new Uint32Array(f32.buffer);
export const asFloat = (dword: number): number => { u32[0] = dword; return f32[0]; };

export interface BlendTarget {
  enable: boolean; rgbFunc: number; rgbSrc: number; rgbDst: number;
  alphaFunc: number; alphaSrc: number; alphaDst: number; colormask: number;
}
export interface BlendState {
  readonly kind: 'blend';
  independent: boolean; logicopEnable: boolean; logicopFunc: number; alphaToCoverage: boolean;
  rt: BlendTarget[];
}
export function decodeBlend(b: Uint32Array, at: number): BlendState {
  const s0 = b[at + 2];
  const rt: BlendTarget[] = [];
  for (let i = 0; i < VIRGL_MAX_COLOR_BUFS; i++) {
    const s = b[at + 4 + i];
    rt.push({
      enable: flag(s, B2.blendEnable), rgbFunc: bits(s, B2.rgbFunc), rgbSrc: bits(s, B2.rgbSrcFactor),
      rgbDst: bits(s, B2.rgbDstFactor), alphaFunc: bits(s, B2.alphaFunc), alphaSrc: bits(s, B2.alphaSrcFactor),
      alphaDst: bits(s, B2.alphaDstFactor), colormask: bits(s, B2.colormask),
    });
  }
  return {
    kind: 'blend', independent: flag(s0, B0.independentBlendEnable), logicopEnable: flag(s0, B0.logicopEnable),
    logicopFunc: bits(b[at + 3], B1.logicopFunc), alphaToCoverage: flag(s0, B0.alphaToCoverage), rt,
  };
}

export interface RasterizerState {
  readonly kind: 'rasterizer';
  flatshade: boolean; depthClip: boolean; clipHalfz: boolean; discard: boolean; flatshadeFirst: boolean;
  lightTwoside: boolean; cullFace: number; fillFront: number; fillBack: number; scissor: boolean; frontCcw: boolean;
  offsetTri: boolean; offsetLine: boolean; offsetPoint: boolean; polyStipple: boolean; halfPixelCenter: boolean;
  pointSize: number; lineWidth: number; offsetUnits: number; offsetScale: number; offsetClamp: number;
  clipPlaneEnable: number; spriteCoordEnable: number;
  spriteCoordLowerLeft: boolean; pointSizePerVertex: boolean;
}
export function decodeRasterizer(b: Uint32Array, at: number): RasterizerState {
  const s = b[at + 2];
  return {
    kind: 'rasterizer', flatshade: flag(s, R0.flatshade), depthClip: flag(s, R0.depthClip), clipHalfz: flag(s, R0.clipHalfz),
    discard: flag(s, R0.rasterizerDiscard), flatshadeFirst: flag(s, R0.flatshadeFirst), lightTwoside: flag(s, R0.lightTwoside),
    cullFace: bits(s, R0.cullFace), fillFront: bits(s, R0.fillFront), fillBack: bits(s, R0.fillBack),
    scissor: flag(s, R0.scissor), frontCcw: flag(s, R0.frontCcw), offsetTri: flag(s, R0.offsetTri),
    offsetLine: flag(s, R0.offsetLine), offsetPoint: flag(s, R0.offsetPoint),
    spriteCoordLowerLeft: flag(s, R0.spriteCoordMode), pointSizePerVertex: flag(s, R0.pointSizePerVertex),
    polyStipple: flag(s, R0.polyStippleEnable), halfPixelCenter: flag(s, R0.halfPixelCenter),
    pointSize: asFloat(b[at + 3]), spriteCoordEnable: b[at + 4], clipPlaneEnable: bits(b[at + 5], R3.clipPlaneEnable),
    lineWidth: asFloat(b[at + 6]), offsetUnits: asFloat(b[at + 7]), offsetScale: asFloat(b[at + 8]), offsetClamp: asFloat(b[at + 9]),
  };
}

export interface StencilFace { enabled: boolean; func: number; failOp: number; zpassOp: number; zfailOp: number; valueMask: number; writeMask: number }
export interface DsaState {
  readonly kind: 'dsa';
  depthEnabled: boolean; depthWrite: boolean; depthFunc: number; alphaEnabled: boolean; alphaFunc: number;
  alphaRef: number; stencil: [StencilFace, StencilFace];
}
const stencilFace = (s: number): StencilFace => ({
  enabled: flag(s, DS.enabled), func: bits(s, DS.func), failOp: bits(s, DS.failOp), zpassOp: bits(s, DS.zpassOp),
  zfailOp: bits(s, DS.zfailOp), valueMask: bits(s, DS.valuemask), writeMask: bits(s, DS.writemask),
});
export function decodeDsa(b: Uint32Array, at: number): DsaState {
  const s = b[at + 2];
  return {
    kind: 'dsa', depthEnabled: flag(s, D0.depthEnabled), depthWrite: flag(s, D0.depthWritemask), depthFunc: bits(s, D0.depthFunc),
    alphaEnabled: flag(s, D0.alphaEnabled), alphaFunc: bits(s, D0.alphaFunc), alphaRef: asFloat(b[at + 5]),
    stencil: [stencilFace(b[at + 3]), stencilFace(b[at + 4])],
  };
}

export interface VertexElement { srcOffset: number; instanceDivisor: number; bufferIndex: number; format: number }
export interface VertexElementsState { readonly kind: 'vertex-elements'; elements: VertexElement[] }
export function decodeVertexElements(b: Uint32Array, at: number, len: number): VertexElementsState {
  const elements: VertexElement[] = [];
  for (let i = 0; i < (len - 1) / 4; i++) {
    const e = at + 2 + 4 * i;
    elements.push({ srcOffset: b[e], instanceDivisor: b[e + 1], bufferIndex: b[e + 2], format: b[e + 3] });
  }
  return { kind: 'vertex-elements', elements };
}

export interface SamplerViewState {
  readonly kind: 'sampler-view';
  resHandle: number; format: number; target: number;
  firstLayer: number; lastLayer: number; firstLevel: number; lastLevel: number;
  bufferFirst: number; bufferLast: number; swizzle: [number, number, number, number];
}
export function decodeSamplerView(b: Uint32Array, at: number): SamplerViewState {
  const fmt = b[at + 3]; const d4 = b[at + 4]; const d5 = b[at + 5]; const sw = b[at + 6];
  return {
    kind: 'sampler-view', resHandle: b[at + 2], format: bits(fmt, SVF.format), target: bits(fmt, SVF.target),
    firstLayer: bits(d4, SVL.firstLayer), lastLayer: bits(d4, SVL.lastLayer),
    firstLevel: bits(d5, SVM.firstLevel), lastLevel: bits(d5, SVM.lastLevel), bufferFirst: d4, bufferLast: d5,
    swizzle: [bits(sw, SVS.r), bits(sw, SVS.g), bits(sw, SVS.b), bits(sw, SVS.a)],
  };
}

export interface SamplerStateDesc {
  readonly kind: 'sampler-state';
  wrapS: number; wrapT: number; wrapR: number; minImg: number; minMip: number; magImg: number;
  compareMode: number; compareFunc: number; maxAnisotropy: number;
  lodBias: number; minLod: number; maxLod: number; border: [number, number, number, number];
}
export function decodeSamplerState(b: Uint32Array, at: number): SamplerStateDesc {
  const s = b[at + 2];
  return {
    kind: 'sampler-state', wrapS: bits(s, SS.wrapS), wrapT: bits(s, SS.wrapT), wrapR: bits(s, SS.wrapR),
    minImg: bits(s, SS.minImgFilter), minMip: bits(s, SS.minMipFilter), magImg: bits(s, SS.magImgFilter),
    compareMode: bits(s, SS.compareMode), compareFunc: bits(s, SS.compareFunc), maxAnisotropy: bits(s, SS.maxAnisotropy),
    lodBias: asFloat(b[at + 3]), minLod: asFloat(b[at + 4]), maxLod: asFloat(b[at + 5]),
    border: [asFloat(b[at + 6]), asFloat(b[at + 7]), asFloat(b[at + 8]), asFloat(b[at + 9])],
  };
}

export interface SurfaceState { readonly kind: 'surface'; resHandle: number; format: number; level: number; firstLayer: number; lastLayer: number }
export function decodeSurface(b: Uint32Array, at: number): SurfaceState {
  return {
    kind: 'surface', resHandle: b[at + 2], format: b[at + 3], level: b[at + 4],
    firstLayer: bits(b[at + 5], SL.firstLayer), lastLayer: bits(b[at + 5], SL.lastLayer),
  };
}

export interface QueryState { readonly kind: 'query'; type: number; index: number; offset: number; resHandle: number; active: boolean }
export function decodeQuery(b: Uint32Array, at: number): QueryState {
  return { kind: 'query', type: bits(b[at + 2], QT.type), index: bits(b[at + 2], QT.index), offset: b[at + 3], resHandle: b[at + 4], active: false };
}
