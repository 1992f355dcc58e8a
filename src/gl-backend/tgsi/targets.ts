// targets.ts: TGSI texture targets → WGSL texture types and coordinate layouts (one table, used by
// the interface derivation and the texture emitter).
//
// 1D targets become 2D textures of height 1 (WebGPU 1D textures cannot have mipmaps or be arrays);
// RECT targets are 2D textures sampled with coordinates divided by the size.

import type { TextureTarget } from './interface.js';

export interface TargetInfo {
  readonly view: GPUTextureViewDimension;
  /** Spatial coordinate count in TGSI (1 for 1D, even though the WGSL texture is 2D). */
  readonly coords: 1 | 2 | 3;
  /** Coordinate component holding the array layer, or -1. */
  readonly layer: number;
  /** Coordinate component holding the depth reference; 4 = src1.x (TEX2 & co); -1 when not shadow. */
  readonly ref: number;
  readonly shadow: boolean;
  readonly rect: boolean;
  readonly multisampled: boolean;
  /** Why WGSL cannot express it, or null. */
  readonly unsupported: string | null;
}

function t(view: GPUTextureViewDimension, coords: 1 | 2 | 3, layer = -1, ref = -1, extra: Partial<TargetInfo> = {}): TargetInfo {
  return { view, coords, layer, ref, shadow: ref >= 0, rect: false, multisampled: false, unsupported: null, ...extra };
}

/* prettier-ignore */
export const kTargetInfo: { readonly [T in TextureTarget]: TargetInfo } = {
  'BUFFER':          t('2d', 1, -1, -1, { unsupported: 'texture buffers are not supported (no WebGPU equivalent yet)' }),
  '1D':              t('2d', 1),
  '2D':              t('2d', 2),
  '3D':              t('3d', 3),
  'CUBE':            t('cube', 3),
  'RECT':            t('2d', 2, -1, -1, { rect: true }),
  'SHADOW1D':        t('2d', 1, -1, 2),
  'SHADOW2D':        t('2d', 2, -1, 2),
  'SHADOWRECT':      t('2d', 2, -1, 2, { rect: true }),
  '1D_ARRAY':        t('2d-array', 1, 1),
  '2D_ARRAY':        t('2d-array', 2, 2),
  'SHADOW1D_ARRAY':  t('2d-array', 1, 1, 2),
  'SHADOW2D_ARRAY':  t('2d-array', 2, 2, 3),
  'SHADOWCUBE':      t('cube', 3, -1, 3),
  '2D_MSAA':         t('2d', 2, -1, -1, { multisampled: true }),
  '2D_ARRAY_MSAA':   t('2d-array', 2, 2, -1, { multisampled: true, unsupported: 'WGSL has no multisampled array textures' }),
  'CUBEARRAY':       t('cube-array', 3, 3),
  'SHADOWCUBEARRAY': t('cube-array', 3, 3, 4),
};

export type TexelType = 'float' | 'sint' | 'uint';

/** The WGSL type of the texture binding. */
export function wgslTextureType(target: TextureTarget, texel: TexelType): string {
  const info = kTargetInfo[target];
  const s = texel === 'float' ? 'f32' : texel === 'sint' ? 'i32' : 'u32';
  const base = { '1d': '1d', '2d': '2d', '2d-array': '2d_array', '3d': '3d', cube: 'cube', 'cube-array': 'cube_array' }[info.view];
  if (info.shadow) return `texture_depth_${base}`;
  if (info.multisampled) return `texture_multisampled_${base}<${s}>`;
  return `texture_${base}<${s}>`;
}

/** Drops the SHADOW prefix: the declared view and the instruction must agree on this. */
export function baseTarget(target: TextureTarget): string {
  return target.startsWith('SHADOW') ? target.slice(6) : target;
}
