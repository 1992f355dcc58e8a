// Gallium enums as WebGPU names: one place for every state translation table.
import {
  PipeBlendFactor as BF, PipeBlendFunc as BFn, PipePrim as P, PipeStencilOp as SO,
  PipeTexWrap as W,
} from '../../protocol/gallium.js';
import { VirglFormat as F } from '../../protocol/virgl-formats.js';

export const COMPARE: readonly GPUCompareFunction[] = [
  'never', 'less', 'equal', 'less-equal', 'greater', 'not-equal', 'greater-equal', 'always',
];

export const STENCIL_OP: readonly GPUStencilOperation[] = [
  'keep', 'zero', 'replace', 'increment-clamp', 'decrement-clamp', 'increment-wrap', 'decrement-wrap', 'invert',
];
void SO;

export const BLEND_OP: Readonly<Record<number, GPUBlendOperation>> = {
  [BFn.ADD]: 'add', [BFn.SUBTRACT]: 'subtract', [BFn.REVERSE_SUBTRACT]: 'reverse-subtract', [BFn.MIN]: 'min', [BFn.MAX]: 'max',
};

/** Blend factors; `noDstAlpha` for formats without alpha, whose alpha reads as 1. */
export function blendFactor(f: number, noDstAlpha: boolean): GPUBlendFactor {
  switch (f) {
    case BF.ONE: return 'one';
    case BF.SRC_COLOR: return 'src';
    case BF.SRC_ALPHA: return 'src-alpha';
    case BF.DST_ALPHA: return noDstAlpha ? 'one' : 'dst-alpha';
    case BF.DST_COLOR: return 'dst';
    case BF.SRC_ALPHA_SATURATE: return noDstAlpha ? 'zero' : 'src-alpha-saturated';
    case BF.CONST_COLOR: case BF.CONST_ALPHA: return 'constant';
    case BF.ZERO: return 'zero';
    case BF.INV_SRC_COLOR: return 'one-minus-src';
    case BF.INV_SRC_ALPHA: return 'one-minus-src-alpha';
    case BF.INV_DST_ALPHA: return noDstAlpha ? 'zero' : 'one-minus-dst-alpha';
    case BF.INV_DST_COLOR: return 'one-minus-dst';
    case BF.INV_CONST_COLOR: case BF.INV_CONST_ALPHA: return 'one-minus-constant';
    default: return 'one';
  }
}

export const TOPOLOGY: Readonly<Record<number, GPUPrimitiveTopology>> = {
  [P.POINTS]: 'point-list', [P.LINES]: 'line-list', [P.LINE_STRIP]: 'line-strip',
  [P.TRIANGLES]: 'triangle-list', [P.TRIANGLE_STRIP]: 'triangle-strip',
};

export const VERTEX_FORMAT: ReadonlyMap<number, { format: GPUVertexFormat; bytes: number; type: 'f32' | 'u32' | 'i32' }> = new Map([
  [F.R32_FLOAT, { format: 'float32', bytes: 4, type: 'f32' }],
  [F.R32G32_FLOAT, { format: 'float32x2', bytes: 8, type: 'f32' }],
  [F.R32G32B32_FLOAT, { format: 'float32x3', bytes: 12, type: 'f32' }],
  [F.R32G32B32A32_FLOAT, { format: 'float32x4', bytes: 16, type: 'f32' }],
  [F.R8G8B8A8_UNORM, { format: 'unorm8x4', bytes: 4, type: 'f32' }],
  [F.R8G8B8A8_SNORM, { format: 'snorm8x4', bytes: 4, type: 'f32' }],
  [F.R8G8B8A8_UINT, { format: 'uint8x4', bytes: 4, type: 'u32' }],
  [F.R16G16_FLOAT, { format: 'float16x2', bytes: 4, type: 'f32' }],
  [F.R16G16B16A16_FLOAT, { format: 'float16x4', bytes: 8, type: 'f32' }],
  [F.R16G16_UNORM, { format: 'unorm16x2', bytes: 4, type: 'f32' }],
  [F.R16G16B16A16_UNORM, { format: 'unorm16x4', bytes: 8, type: 'f32' }],
  [F.R32_UINT, { format: 'uint32', bytes: 4, type: 'u32' }],
  [F.R32G32B32A32_UINT, { format: 'uint32x4', bytes: 16, type: 'u32' }],
  [F.R32_SINT, { format: 'sint32', bytes: 4, type: 'i32' }],
  [F.R32G32B32A32_SINT, { format: 'sint32x4', bytes: 16, type: 'i32' }],
]);

export function addressMode(w: number): GPUAddressMode {
  switch (w) {
    case W.REPEAT: return 'repeat';
    case W.MIRROR_REPEAT: return 'mirror-repeat';
    default: return 'clamp-to-edge'; // CLAMP and CLAMP_TO_BORDER approximated (no border colours in WebGPU)
  }
}
