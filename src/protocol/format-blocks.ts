// Per-format block facts: bytes per block and block dimensions, enough to size TRANSFER rows
// (bytes per row = ceil(width / block.width) * block.bytes). Derived from the block and channel
// sizes in virglrenderer's src/gallium/auxiliary/util/u_format.yaml for each VirglFormat name.
// Where the YAML gives no usable size we chose: AYUV/XYUV as 4-byte texels, planar formats by
// their luma sample (1 or 2 bytes), and NV15/NV20/P030 and the *_PACKED formats as opaque.

import { VirglFormat as F } from './virgl-formats.js';

/** plain: one texel per block; compressed: 4x4 and friends; subsampled: packed 4:2:2 pairs. */
export type FormatLayout = 'plain' | 'compressed' | 'subsampled' | 'planar' | 'opaque';
export type FormatAspect = 'color' | 'depth' | 'stencil' | 'depthStencil';

export interface FormatBlock {
  /** Bytes per block; for planar formats, of the first (luma) plane; 0 when opaque. */
  readonly bytes: number;
  readonly width: number;
  readonly height: number;
  /** Only 3D ASTC blocks are deeper than 1. */
  readonly depth: number;
  readonly layout: FormatLayout;
  readonly aspect: FormatAspect;
  /** Memory planes; 1 unless planar. */
  readonly planes: number;
}

const plain = (bytes: number): FormatBlock =>
  ({ bytes, width: 1, height: 1, depth: 1, layout: 'plain', aspect: 'color', planes: 1 });
const zs = (bytes: number, aspect: FormatAspect): FormatBlock => ({ ...plain(bytes), aspect });
const comp = (bytes: number, width: number, height: number, depth = 1): FormatBlock =>
  ({ bytes, width, height, depth, layout: 'compressed', aspect: 'color', planes: 1 });
const sub = (bytes: number, width: number, height: number): FormatBlock =>
  ({ bytes, width, height, depth: 1, layout: 'subsampled', aspect: 'color', planes: 1 });
const planar = (bytes: number, planes: number, width = 1): FormatBlock =>
  ({ bytes, width, height: 1, depth: 1, layout: 'planar', aspect: 'color', planes });
/** Video formats whose memory layout is hardware-specific or packed across pixels. */
const opaque = (planes: number): FormatBlock =>
  ({ bytes: 0, width: 1, height: 1, depth: 1, layout: 'opaque', aspect: 'color', planes });

/** The source table: each block shape with the formats that have it. */
export const FORMAT_BLOCK_GROUPS: ReadonlyArray<readonly [FormatBlock, readonly F[]]> = [
  [plain(1), [
    F.NONE, F.L8_UNORM, F.A8_UNORM, F.I8_UNORM, F.R8_UNORM, F.R8_USCALED, F.R8_SNORM,
    F.R8_SSCALED, F.L8_SRGB, F.L4A4_UNORM, F.B2G3R3_UNORM, F.A8_SNORM, F.L8_SNORM, F.I8_SNORM,
    F.A4R4_UNORM, F.R4A4_UNORM, F.R8_UINT, F.R8_SINT, F.A8_UINT, F.I8_UINT, F.L8_UINT,
    F.A8_SINT, F.I8_SINT, F.L8_SINT, F.R8_SRGB, F.R3G3B2_UNORM, F.Y8_400_UNORM, F.Y8_UNORM,
    F.B2G3R3_UINT, F.R3G3B2_UINT
  ]],
  [{ ...plain(1), width: 8 }, [
    F.R1_UNORM
  ]],
  [plain(2), [
    F.B5G5R5A1_UNORM, F.B4G4R4A4_UNORM, F.B5G6R5_UNORM, F.L8A8_UNORM, F.L16_UNORM, F.R16_UNORM,
    F.R16_USCALED, F.R16_SNORM, F.R16_SSCALED, F.R8G8_UNORM, F.R8G8_USCALED, F.R8G8_SNORM,
    F.R8G8_SSCALED, F.R16_FLOAT, F.L8A8_SRGB, F.R5SG5SB6U_NORM, F.B5G5R5X1_UNORM,
    F.R8G8Bx_SNORM, F.B4G4R4X4_UNORM, F.A16_UNORM, F.I16_UNORM, F.L8A8_SNORM, F.A16_SNORM,
    F.L16_SNORM, F.I16_SNORM, F.A16_FLOAT, F.L16_FLOAT, F.I16_FLOAT, F.R8A8_UNORM, F.A8R8_UNORM,
    F.R8G8_UINT, F.R8G8_SINT, F.R16_UINT, F.R16_SINT, F.L8A8_UINT, F.L8A8_SINT, F.A16_UINT,
    F.I16_UINT, F.L16_UINT, F.A16_SINT, F.I16_SINT, F.L16_SINT, F.R8A8_SNORM, F.R8A8_UINT,
    F.R8A8_SINT, F.B5G6R5_SRGB, F.G8R8_UNORM, F.G8R8_SNORM, F.A4B4G4R4_UNORM, F.R8G8_SRGB,
    F.R4G4B4A4_UNORM, F.R5G5B5A1_UNORM, F.R5G6B5_UNORM, F.A1B5G5R5_UINT, F.A1B5G5R5_UNORM,
    F.A1R5G5B5_UINT, F.A1R5G5B5_UNORM, F.A4B4G4R4_UINT, F.A4R4G4B4_UINT, F.A4R4G4B4_UNORM,
    F.B4G4R4A4_UINT, F.B5G5R5A1_UINT, F.B5G6R5_UINT, F.G8R8_SINT, F.R4G4B4A4_UINT,
    F.R4G4B4X4_UNORM, F.R5G5B5A1_UINT, F.R5G5B5X1_UNORM, F.R5G6B5_SRGB, F.R5G6B5_UINT,
    F.X1B5G5R5_UNORM, F.X1R5G5B5_UNORM, F.X6R10_UNORM, F.X4R12_UNORM
  ]],
  [plain(3), [
    F.R8G8B8_UNORM, F.R8G8B8_USCALED, F.R8G8B8_SNORM, F.R8G8B8_SSCALED, F.R8G8B8_SRGB,
    F.R8G8B8_UINT, F.R8G8B8_SINT, F.B8G8R8_UNORM, F.B8G8R8_SINT, F.B8G8R8_SNORM, F.B8G8R8_SRGB,
    F.B8G8R8_SSCALED, F.B8G8R8_UINT, F.B8G8R8_USCALED
  ]],
  [plain(4), [
    F.B8G8R8A8_UNORM, F.B8G8R8X8_UNORM, F.A8R8G8B8_UNORM, F.X8R8G8B8_UNORM, F.R10G10B10A2_UNORM,
    F.R32_FLOAT, F.R32_UNORM, F.R32_USCALED, F.R32_SNORM, F.R32_SSCALED, F.R16G16_UNORM,
    F.R16G16_USCALED, F.R16G16_SNORM, F.R16G16_SSCALED, F.R8G8B8A8_UNORM, F.X8B8G8R8_UNORM,
    F.R8G8B8A8_USCALED, F.R8G8B8A8_SNORM, F.R8G8B8A8_SSCALED, F.R32_FIXED, F.R16G16_FLOAT,
    F.A8B8G8R8_SRGB, F.X8B8G8R8_SRGB, F.B8G8R8A8_SRGB, F.B8G8R8X8_SRGB, F.A8R8G8B8_SRGB,
    F.X8R8G8B8_SRGB, F.R8G8B8A8_SRGB, F.R8SG8SB8UX8U_NORM, F.A8B8G8R8_UNORM,
    F.R10G10B10A2_USCALED, F.R11G11B10_FLOAT, F.R9G9B9E5_FLOAT, F.R10G10B10X2_USCALED,
    F.R10G10B10X2_SNORM, F.B10G10R10A2_UNORM, F.R10SG10SB10SA2U_NORM, F.R8G8B8X8_UNORM,
    F.L16A16_UNORM, F.L16A16_SNORM, F.L16A16_FLOAT, F.A32_FLOAT, F.L32_FLOAT, F.I32_FLOAT,
    F.R10G10B10A2_SSCALED, F.R10G10B10A2_SNORM, F.B10G10R10A2_USCALED, F.B10G10R10A2_SSCALED,
    F.B10G10R10A2_SNORM, F.R8G8B8A8_UINT, F.R8G8B8A8_SINT, F.R16G16_UINT, F.R16G16_SINT,
    F.R32_UINT, F.R32_SINT, F.L16A16_UINT, F.L16A16_SINT, F.A32_UINT, F.I32_UINT, F.L32_UINT,
    F.A32_SINT, F.I32_SINT, F.L32_SINT, F.B10G10R10A2_UINT, F.R8G8B8X8_SNORM, F.R8G8B8X8_SRGB,
    F.R8G8B8X8_UINT, F.R8G8B8X8_SINT, F.B10G10R10X2_UNORM, F.R16A16_UNORM, F.R16A16_SNORM,
    F.R16A16_FLOAT, F.R16A16_UINT, F.R16A16_SINT, F.R10G10B10A2_UINT, F.G16R16_UNORM,
    F.G16R16_SNORM, F.A8B8G8R8_SNORM, F.X8B8G8R8_SNORM, F.R10G10B10X2_UNORM,
    F.Z24_UNORM_S8_UINT_AS_R8G8B8A8, F.A2B10G10R10_UINT, F.A2B10G10R10_UNORM,
    F.A2R10G10B10_UINT, F.A2R10G10B10_UNORM, F.A8B8G8R8_SINT, F.A8B8G8R8_SSCALED,
    F.A8B8G8R8_UINT, F.A8B8G8R8_USCALED, F.A8R8G8B8_SINT, F.A8R8G8B8_SNORM, F.A8R8G8B8_UINT,
    F.A8Y8U8V8_444_UNORM, F.B10G10R10A2_SINT, F.B10G10R10X2_SINT, F.B10G10R10X2_SNORM,
    F.B8G8R8A8_SINT, F.B8G8R8A8_SNORM, F.B8G8R8A8_SSCALED, F.B8G8R8A8_UINT, F.B8G8R8A8_USCALED,
    F.B8G8R8X8_SINT, F.B8G8R8X8_SNORM, F.B8G8R8X8_UINT, F.G16R16_SINT, F.R10G10B10A2_SINT,
    F.R10G10B10X2_SINT, F.X8Y8U8V8_444_UNORM, F.X8B8G8R8_SINT, F.X8R8G8B8_SINT,
    F.X8R8G8B8_SNORM, F.U10Y10V10A2_444_UNORM, F.X6R10X6G10_UNORM, F.X4R12X4G12_UNORM
  ]],
  [plain(6), [
    F.R16G16B16_UNORM, F.R16G16B16_USCALED, F.R16G16B16_SNORM, F.R16G16B16_SSCALED,
    F.R16G16B16_FLOAT, F.R16G16B16_UINT, F.R16G16B16_SINT
  ]],
  [plain(8), [
    F.R64_FLOAT, F.R32G32_FLOAT, F.R32G32_UNORM, F.R32G32_USCALED, F.R32G32_SNORM,
    F.R32G32_SSCALED, F.R16G16B16A16_UNORM, F.R16G16B16A16_USCALED, F.R16G16B16A16_SNORM,
    F.R16G16B16A16_SSCALED, F.R32G32_FIXED, F.R16G16B16A16_FLOAT, F.L32A32_FLOAT,
    F.R16G16B16A16_UINT, F.R16G16B16A16_SINT, F.R32G32_UINT, F.R32G32_SINT, F.L32A32_UINT,
    F.L32A32_SINT, F.R16G16B16X16_UNORM, F.R16G16B16X16_SNORM, F.R16G16B16X16_FLOAT,
    F.R16G16B16X16_UINT, F.R16G16B16X16_SINT, F.R32A32_FLOAT, F.R32A32_UINT, F.R32A32_SINT,
    F.R64_SINT, F.R64_UINT, F.X4U12X4Y12X4V12X4A12_444_UNORM, F.U16Y16V16A16_444_UNORM
  ]],
  [plain(12), [
    F.R32G32B32_FLOAT, F.R32G32B32_UNORM, F.R32G32B32_USCALED, F.R32G32B32_SNORM,
    F.R32G32B32_SSCALED, F.R32G32B32_FIXED, F.R32G32B32_UINT, F.R32G32B32_SINT
  ]],
  [plain(16), [
    F.R64G64_FLOAT, F.R32G32B32A32_FLOAT, F.R32G32B32A32_UNORM, F.R32G32B32A32_USCALED,
    F.R32G32B32A32_SNORM, F.R32G32B32A32_SSCALED, F.R32G32B32A32_FIXED, F.R32G32B32A32_UINT,
    F.R32G32B32A32_SINT, F.R32G32B32X32_FLOAT, F.R32G32B32X32_UINT, F.R32G32B32X32_SINT,
    F.R64G64_SINT, F.R64G64_UINT
  ]],
  [plain(24), [
    F.R64G64B64_FLOAT, F.R64G64B64_SINT, F.R64G64B64_UINT
  ]],
  [plain(32), [
    F.R64G64B64A64_FLOAT, F.R64G64B64A64_SINT, F.R64G64B64A64_UINT
  ]],
  [zs(2, 'depth'), [
    F.Z16_UNORM
  ]],
  [zs(4, 'depth'), [
    F.Z32_UNORM, F.Z32_FLOAT, F.Z24X8_UNORM, F.X8Z24_UNORM
  ]],
  [zs(3, 'depthStencil'), [
    F.Z16_UNORM_S8_UINT
  ]],
  [zs(4, 'depthStencil'), [
    F.Z24_UNORM_S8_UINT, F.S8_UINT_Z24_UNORM
  ]],
  [zs(8, 'depthStencil'), [
    F.Z32_FLOAT_S8X24_UINT
  ]],
  [zs(1, 'stencil'), [
    F.S8_UINT
  ]],
  [zs(4, 'stencil'), [
    F.X24S8_UINT, F.S8X24_UINT
  ]],
  [zs(8, 'stencil'), [
    F.X32_S8X24_UINT
  ]],
  [comp(8, 4, 4), [
    F.DXT1_RGB, F.DXT1_RGBA, F.DXT1_SRGB, F.DXT1_SRGBA, F.RGTC1_UNORM, F.RGTC1_SNORM,
    F.LATC1_UNORM, F.LATC1_SNORM, F.ETC1_RGB8, F.ETC2_RGB8, F.ETC2_SRGB8, F.ETC2_RGB8A1,
    F.ETC2_SRGB8A1, F.ETC2_R11_UNORM, F.ETC2_R11_SNORM, F.ATC_RGB
  ]],
  [comp(16, 3, 3, 3), [
    F.ASTC_3x3x3, F.ASTC_3x3x3_SRGB
  ]],
  [comp(16, 4, 3, 3), [
    F.ASTC_4x3x3, F.ASTC_4x3x3_SRGB
  ]],
  [comp(16, 4, 4), [
    F.DXT3_RGBA, F.DXT5_RGBA, F.DXT3_SRGBA, F.DXT5_SRGBA, F.RGTC2_UNORM, F.RGTC2_SNORM,
    F.LATC2_UNORM, F.LATC2_SNORM, F.BPTC_RGBA_UNORM, F.BPTC_SRGBA, F.BPTC_RGB_FLOAT,
    F.BPTC_RGB_UFLOAT, F.ETC2_RGBA8, F.ETC2_SRGBA8, F.ETC2_RG11_UNORM, F.ETC2_RG11_SNORM,
    F.ASTC_4x4, F.ASTC_4x4_SRGB, F.ATC_RGBA_EXPLICIT, F.ATC_RGBA_INTERPOLATED, F.ASTC_4x4_FLOAT
  ]],
  [comp(16, 4, 4, 3), [
    F.ASTC_4x4x3, F.ASTC_4x4x3_SRGB
  ]],
  [comp(16, 4, 4, 4), [
    F.ASTC_4x4x4, F.ASTC_4x4x4_SRGB
  ]],
  [comp(16, 5, 4), [
    F.ASTC_5x4, F.ASTC_5x4_SRGB, F.ASTC_5x4_FLOAT
  ]],
  [comp(16, 5, 4, 4), [
    F.ASTC_5x4x4, F.ASTC_5x4x4_SRGB
  ]],
  [comp(16, 5, 5), [
    F.ASTC_5x5, F.ASTC_5x5_SRGB, F.ASTC_5x5_FLOAT
  ]],
  [comp(16, 5, 5, 4), [
    F.ASTC_5x5x4, F.ASTC_5x5x4_SRGB
  ]],
  [comp(16, 5, 5, 5), [
    F.ASTC_5x5x5, F.ASTC_5x5x5_SRGB
  ]],
  [comp(16, 6, 5), [
    F.ASTC_6x5, F.ASTC_6x5_SRGB, F.ASTC_6x5_FLOAT
  ]],
  [comp(16, 6, 5, 5), [
    F.ASTC_6x5x5, F.ASTC_6x5x5_SRGB
  ]],
  [comp(16, 6, 6), [
    F.ASTC_6x6, F.ASTC_6x6_SRGB, F.ASTC_6x6_FLOAT
  ]],
  [comp(16, 6, 6, 5), [
    F.ASTC_6x6x5, F.ASTC_6x6x5_SRGB
  ]],
  [comp(16, 6, 6, 6), [
    F.ASTC_6x6x6, F.ASTC_6x6x6_SRGB
  ]],
  [comp(16, 8, 4), [
    F.FXT1_RGB, F.FXT1_RGBA
  ]],
  [comp(16, 8, 5), [
    F.ASTC_8x5, F.ASTC_8x5_SRGB, F.ASTC_8x5_FLOAT
  ]],
  [comp(16, 8, 6), [
    F.ASTC_8x6, F.ASTC_8x6_SRGB, F.ASTC_8x6_FLOAT
  ]],
  [comp(16, 8, 8), [
    F.ASTC_8x8, F.ASTC_8x8_SRGB, F.ASTC_8x8_FLOAT
  ]],
  [comp(16, 10, 5), [
    F.ASTC_10x5, F.ASTC_10x5_SRGB, F.ASTC_10x5_FLOAT
  ]],
  [comp(16, 10, 6), [
    F.ASTC_10x6, F.ASTC_10x6_SRGB, F.ASTC_10x6_FLOAT
  ]],
  [comp(16, 10, 8), [
    F.ASTC_10x8, F.ASTC_10x8_SRGB, F.ASTC_10x8_FLOAT
  ]],
  [comp(16, 10, 10), [
    F.ASTC_10x10, F.ASTC_10x10_SRGB, F.ASTC_10x10_FLOAT
  ]],
  [comp(16, 12, 10), [
    F.ASTC_12x10, F.ASTC_12x10_SRGB, F.ASTC_12x10_FLOAT
  ]],
  [comp(16, 12, 12), [
    F.ASTC_12x12, F.ASTC_12x12_SRGB, F.ASTC_12x12_FLOAT
  ]],
  [sub(4, 2, 1), [
    F.U8Y8V8Y8_422_UNORM, F.Y8U8Y8V8_422_UNORM, F.R8G8_B8G8_422_UNORM, F.G8R8_G8B8_422_UNORM,
    F.R8G8_R8B8_422_UNORM, F.G8R8_B8R8_422_UNORM, F.Y8V8Y8U8_422_UNORM, F.B8G8_R8G8_422_UNORM,
    F.B8R8_G8R8_422_UNORM, F.G8B8_G8R8_422_UNORM, F.R8B8_R8G8_422_UNORM, F.V8Y8U8Y8_422_UNORM
  ]],
  [sub(6, 2, 2), [
    F.R8G8B8_420_UNORM_PACKED
  ]],
  [sub(8, 2, 1), [
    F.X6Y10X6U10X6Y10X6V10_422_UNORM, F.X4Y12X4U12X4Y12X4V12_422_UNORM, F.Y16U16Y16V16_422_UNORM
  ]],
  [sub(15, 4, 2), [
    F.R10G10B10_420_UNORM_PACKED
  ]],
  [planar(1, 2), [
    F.Y8_U8V8_420_UNORM, F.Y8_V8U8_420_UNORM, F.Y8_U8V8_422_UNORM, F.G8_B8R8_420_UNORM,
    F.R8_B8G8_420_UNORM, F.R8_G8B8_420_UNORM, F.R8_G8B8_422_UNORM, F.R8_B8G8_422_UNORM,
    F.G8_B8R8_422_UNORM
  ]],
  [planar(1, 3), [
    F.Y8_V8_U8_420_UNORM, F.Y8_V8_U8_422_UNORM, F.Y8_U8_V8_420_UNORM, F.Y8_U8_V8_444_UNORM,
    F.Y8_U8_V8_422_UNORM, F.G8_B8_R8_420_UNORM, F.R8_B8_G8_420_UNORM, F.R8_G8_B8_420_UNORM,
    F.R8_G8_B8_444_UNORM, F.Y8_U8_V8_440_UNORM
  ]],
  [planar(2, 2), [
    F.X6Y10_X6U10X6V10_420_UNORM, F.X4Y12_X4U12X4V12_420_UNORM, F.Y16_U16V16_420_UNORM,
    F.Y16_U16V16_422_UNORM, F.X6G10_X6B10X6R10_420_UNORM, F.X4G12_X4B12X4R12_420_UNORM
  ]],
  [planar(2, 3), [
    F.Y16_U16_V16_420_UNORM, F.Y16_U16_V16_422_UNORM, F.Y16_U16_V16_444_UNORM,
    F.Y10X6_U10X6_V10X6_420_UNORM, F.Y10X6_U10X6_V10X6_422_UNORM, F.Y10X6_U10X6_V10X6_444_UNORM,
    F.Y12X4_U12X4_V12X4_420_UNORM, F.Y12X4_U12X4_V12X4_422_UNORM, F.Y12X4_U12X4_V12X4_444_UNORM
  ]],
  [planar(5, 2, 4), [
    F.R10_G10B10_420_UNORM, F.R10_G10B10_422_UNORM
  ]],
  [opaque(1), [
    F.Y8U8V8_420_UNORM_PACKED, F.Y10U10V10_420_UNORM_PACKED
  ]],
  [opaque(2), [
    F.Y10Y10Y10X2_U10V10U10X2V10U10V10X2_420_UNORM, F.Y10_U10V10_420_UNORM,
    F.Y10_U10V10_422_UNORM
  ]],
];

/** Block facts for every VirglFormat (a unit test checks that none is missing or doubled). */
export const FORMAT_BLOCKS: ReadonlyMap<F, FormatBlock> = new Map(
  FORMAT_BLOCK_GROUPS.flatMap(([block, formats]) => formats.map((format) => [format, block] as const)),
);

/** The block of a wire format number, or undefined for numbers that are not VirglFormats. */
export const formatBlock = (format: number): FormatBlock | undefined => FORMAT_BLOCKS.get(format as F);
