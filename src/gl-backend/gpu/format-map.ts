// virgl formats as WebGPU holds them: directly, through a sampling swizzle, or converted on upload.
// Only formats listed here are claimed in the caps (src/gl-backend/caps.ts).
import { PipeSwizzle as S } from '../../protocol/gallium.js';
import { VirglFormat as F } from '../../protocol/virgl-formats.js';

export type Swizzle = readonly [number, number, number, number];

export const enum Conversion {
  None,
  /** 16-bit packed guest texels expanded to rgba8 on upload and packed back on readback. */
  B5G6R5,
  B5G5R5A1,
  B4G4R4A4,
  /** Depth kept as float32 so it can be read back; the guest sees 24-bit unorm in the low bits. */
  Z24,
  /** As Z24, plus the stencil aspect in the top byte. */
  Z24S8,
}

export interface GpuFormat {
  readonly gpu: GPUTextureFormat;
  /** What a shader sees per channel when sampling (PipeSwizzle per r, g, b, a). */
  readonly swizzle: Swizzle;
  readonly conversion: Conversion;
  /** Guest bytes per texel (the GPU's may differ when converted). */
  readonly guestBytes: number;
  readonly depth: boolean;
  readonly stencil: boolean;
  /** Can the GPU copy this format to or from a buffer (depth24plus cannot). */
  readonly copyable: boolean;
}

const ID: Swizzle = [S.X, S.Y, S.Z, S.W];
const NO_ALPHA: Swizzle = [S.X, S.Y, S.Z, S.ONE];
const color = (gpu: GPUTextureFormat, guestBytes: number, swizzle = ID, conversion = Conversion.None): GpuFormat =>
  ({ gpu, swizzle, conversion, guestBytes, depth: false, stencil: false, copyable: true });
const depth = (gpu: GPUTextureFormat, guestBytes: number, stencil: boolean, copyable: boolean): GpuFormat =>
  ({ gpu, swizzle: ID, conversion: Conversion.None, guestBytes, depth: true, stencil, copyable });

const MAP = new Map<number, GpuFormat>([
  [F.B8G8R8A8_UNORM, color('bgra8unorm', 4)],
  [F.B8G8R8X8_UNORM, color('bgra8unorm', 4, NO_ALPHA)],
  [F.R8G8B8A8_UNORM, color('rgba8unorm', 4)],
  [F.R8G8B8X8_UNORM, color('rgba8unorm', 4, NO_ALPHA)],
  [F.B8G8R8A8_SRGB, color('bgra8unorm-srgb', 4)],
  [F.R8G8B8A8_SRGB, color('rgba8unorm-srgb', 4)],
  [F.R8_UNORM, color('r8unorm', 1, [S.X, S.ZERO, S.ZERO, S.ONE])],
  [F.R8G8_UNORM, color('rg8unorm', 2, [S.X, S.Y, S.ZERO, S.ONE])],
  [F.R16G16B16A16_FLOAT, color('rgba16float', 8)],
  [F.R32G32B32A32_FLOAT, color('rgba32float', 16)],
  [F.A8_UNORM, color('r8unorm', 1, [S.ZERO, S.ZERO, S.ZERO, S.X])],
  [F.L8_UNORM, color('r8unorm', 1, [S.X, S.X, S.X, S.ONE])],
  [F.I8_UNORM, color('r8unorm', 1, [S.X, S.X, S.X, S.X])],
  [F.L8A8_UNORM, color('rg8unorm', 2, [S.X, S.X, S.X, S.Y])],
  [F.B5G6R5_UNORM, color('rgba8unorm', 2, NO_ALPHA, Conversion.B5G6R5)],
  [F.B5G5R5A1_UNORM, color('rgba8unorm', 2, ID, Conversion.B5G5R5A1)],
  [F.B4G4R4A4_UNORM, color('rgba8unorm', 2, ID, Conversion.B4G4R4A4)],
  [F.Z16_UNORM, depth('depth16unorm', 2, false, true)],
  [F.Z24X8_UNORM, { ...depth('depth32float', 4, false, true), conversion: Conversion.Z24 }],
  [F.Z24_UNORM_S8_UINT, { ...depth('depth32float-stencil8', 4, true, true), conversion: Conversion.Z24S8 }],
  [F.Z32_FLOAT, depth('depth32float', 4, false, true)],
]);

const Z24S8_FALLBACK = depth('depth24plus-stencil8', 4, true, false);
let hasDepth32Stencil8 = true;
/** Without the 'depth32float-stencil8' feature, Z24S8 uses depth24plus-stencil8 (no readback). */
export function setDepth32Stencil8(available: boolean): void { hasDepth32Stencil8 = available; }

export const gpuFormatOf = (format: number): GpuFormat | undefined =>
  (format === F.Z24_UNORM_S8_UINT && !hasDepth32Stencil8 ? Z24S8_FALLBACK : MAP.get(format));

/** Guest rows -> GPU rows for converted formats (rgba8 out, 4 bytes per texel). */
export function expandPacked16(conv: Conversion, src: Uint8Array, dst: Uint8Array, texels: number): void {
  for (let i = 0; i < texels; i++) {
    const v = src[2 * i] | (src[2 * i + 1] << 8);
    let r: number; let g: number; let b: number; let a: number;
    if (conv === Conversion.B5G6R5) {
      b = v & 31; g = (v >> 5) & 63; r = v >> 11;
      r = (r << 3) | (r >> 2); g = (g << 2) | (g >> 4); b = (b << 3) | (b >> 2); a = 255;
    } else if (conv === Conversion.B5G5R5A1) {
      b = v & 31; g = (v >> 5) & 31; r = (v >> 10) & 31; a = v >> 15 ? 255 : 0;
      r = (r << 3) | (r >> 2); g = (g << 3) | (g >> 2); b = (b << 3) | (b >> 2);
    } else {
      b = v & 15; g = (v >> 4) & 15; r = (v >> 8) & 15; a = v >> 12;
      r *= 17; g *= 17; b *= 17; a *= 17;
    }
    dst[4 * i] = r; dst[4 * i + 1] = g; dst[4 * i + 2] = b; dst[4 * i + 3] = a;
  }
}

/** rgba8 -> guest 16-bit texels, rounding to nearest. */
export function packPacked16(conv: Conversion, src: Uint8Array, dst: Uint8Array, texels: number): void {
  const q = (x: number, bits: number): number => Math.round((x * ((1 << bits) - 1)) / 255);
  for (let i = 0; i < texels; i++) {
    const r = src[4 * i]; const g = src[4 * i + 1]; const b = src[4 * i + 2]; const a = src[4 * i + 3];
    let v: number;
    if (conv === Conversion.B5G6R5) v = (q(r, 5) << 11) | (q(g, 6) << 5) | q(b, 5);
    else if (conv === Conversion.B5G5R5A1) v = (a >= 128 ? 0x8000 : 0) | (q(r, 5) << 10) | (q(g, 5) << 5) | q(b, 5);
    else v = (q(a, 4) << 12) | (q(r, 4) << 8) | (q(g, 4) << 4) | q(b, 4);
    dst[2 * i] = v & 255; dst[2 * i + 1] = v >> 8;
  }
}
