// formats.ts: facts about WebGPU texture formats (core feature level, WebGPU spec §26.1).
// A skeleton: the GL backend extends it with virgl/gallium format mappings.

export type FormatAspect = 'color' | 'depth' | 'stencil' | 'depth-stencil';
export type FormatSampleType = 'float' | 'unfilterable-float' | 'uint' | 'sint' | 'depth';

export interface FormatInfo {
  /** Bytes per texel, or per block for compressed formats. For depth24plus and the combined
   *  depth-stencil formats it is an estimate: their layout is implementation-defined. */
  readonly bytesPerTexel: number;
  readonly blockWidth: number;
  readonly blockHeight: number;
  /** Usable as a color or depth/stencil attachment without optional features. */
  readonly renderable: boolean;
  /** Samplable with a filtering sampler without optional features. */
  readonly filterable: boolean;
  readonly sampleType: FormatSampleType;
  readonly aspect: FormatAspect;
  readonly srgb: boolean;
  /** Feature needed to create textures of this format at all. */
  readonly requires?: GPUFeatureName;
  /** Feature that makes a non-renderable / non-filterable format so. */
  readonly renderableWith?: GPUFeatureName;
  readonly filterableWith?: GPUFeatureName;
}

type Extra = Partial<Pick<FormatInfo, 'requires' | 'renderableWith' | 'filterableWith' | 'srgb'>>;

function color(bytes: number, renderable: boolean, sampleType: FormatSampleType, extra: Extra = {}): FormatInfo {
  return {
    bytesPerTexel: bytes, blockWidth: 1, blockHeight: 1, renderable,
    filterable: sampleType === 'float', sampleType, aspect: 'color', srgb: false, ...extra,
  };
}

function depth(bytes: number, aspect: FormatAspect, extra: Extra = {}): FormatInfo {
  return {
    bytesPerTexel: bytes, blockWidth: 1, blockHeight: 1, renderable: true, filterable: false,
    sampleType: aspect === 'stencil' ? 'uint' : 'depth', aspect, srgb: false, ...extra,
  };
}

const F = 'float';
const U = 'uint';
const S = 'sint';
const SRGB: Extra = { srgb: true };
const F32F: Extra = { filterableWith: 'float32-filterable' };

const UNCOMPRESSED: Partial<Record<GPUTextureFormat, FormatInfo>> = {
  // 8-bit
  r8unorm: color(1, true, F), r8snorm: color(1, false, F), r8uint: color(1, true, U), r8sint: color(1, true, S),
  // 16-bit
  r16uint: color(2, true, U), r16sint: color(2, true, S), r16float: color(2, true, F),
  rg8unorm: color(2, true, F), rg8snorm: color(2, false, F), rg8uint: color(2, true, U), rg8sint: color(2, true, S),
  // 32-bit
  r32uint: color(4, true, U), r32sint: color(4, true, S), r32float: color(4, true, 'unfilterable-float', F32F),
  rg16uint: color(4, true, U), rg16sint: color(4, true, S), rg16float: color(4, true, F),
  rgba8unorm: color(4, true, F), 'rgba8unorm-srgb': color(4, true, F, SRGB), rgba8snorm: color(4, false, F),
  rgba8uint: color(4, true, U), rgba8sint: color(4, true, S),
  bgra8unorm: color(4, true, F), 'bgra8unorm-srgb': color(4, true, F, SRGB),
  rgb9e5ufloat: color(4, false, F), rgb10a2uint: color(4, true, U), rgb10a2unorm: color(4, true, F),
  rg11b10ufloat: color(4, false, F, { renderableWith: 'rg11b10ufloat-renderable' }),
  // 64-bit
  rg32uint: color(8, true, U), rg32sint: color(8, true, S), rg32float: color(8, true, 'unfilterable-float', F32F),
  rgba16uint: color(8, true, U), rgba16sint: color(8, true, S), rgba16float: color(8, true, F),
  // 128-bit
  rgba32uint: color(16, true, U), rgba32sint: color(16, true, S),
  rgba32float: color(16, true, 'unfilterable-float', F32F),
  // depth / stencil
  stencil8: depth(1, 'stencil'), depth16unorm: depth(2, 'depth'), depth24plus: depth(4, 'depth'),
  'depth24plus-stencil8': depth(4, 'depth-stencil'), depth32float: depth(4, 'depth'),
  'depth32float-stencil8': depth(5, 'depth-stencil', { requires: 'depth32float-stencil8' }),
};

function block(bytes: number, w: number, h: number, requires: GPUFeatureName, srgb = false): FormatInfo {
  return {
    bytesPerTexel: bytes, blockWidth: w, blockHeight: h, renderable: false, filterable: true,
    sampleType: 'float', aspect: 'color', srgb, requires,
  };
}

/** Adds `<name>` and, when `withSrgb`, `<name>-srgb`. */
function addBlock(out: Map<string, FormatInfo>, name: string, bytes: number, w: number, h: number,
  requires: GPUFeatureName, withSrgb: boolean): void {
  out.set(name, block(bytes, w, h, requires));
  if (withSrgb) out.set(`${name}-srgb`, block(bytes, w, h, requires, true));
}

function compressedFormats(): Map<string, FormatInfo> {
  const out = new Map<string, FormatInfo>();
  const bc: GPUFeatureName = 'texture-compression-bc';
  addBlock(out, 'bc1-rgba-unorm', 8, 4, 4, bc, true);
  addBlock(out, 'bc2-rgba-unorm', 16, 4, 4, bc, true);
  addBlock(out, 'bc3-rgba-unorm', 16, 4, 4, bc, true);
  for (const n of ['bc4-r-unorm', 'bc4-r-snorm']) addBlock(out, n, 8, 4, 4, bc, false);
  for (const n of ['bc5-rg-unorm', 'bc5-rg-snorm', 'bc6h-rgb-ufloat', 'bc6h-rgb-float']) addBlock(out, n, 16, 4, 4, bc, false);
  addBlock(out, 'bc7-rgba-unorm', 16, 4, 4, bc, true);
  const etc: GPUFeatureName = 'texture-compression-etc2';
  addBlock(out, 'etc2-rgb8unorm', 8, 4, 4, etc, true);
  addBlock(out, 'etc2-rgb8a1unorm', 8, 4, 4, etc, true);
  addBlock(out, 'etc2-rgba8unorm', 16, 4, 4, etc, true);
  for (const n of ['eac-r11unorm', 'eac-r11snorm']) addBlock(out, n, 8, 4, 4, etc, false);
  for (const n of ['eac-rg11unorm', 'eac-rg11snorm']) addBlock(out, n, 16, 4, 4, etc, false);
  const astcSizes = ['4x4', '5x4', '5x5', '6x5', '6x6', '8x5', '8x6', '8x8', '10x5', '10x6', '10x8', '10x10', '12x10', '12x12'];
  for (const size of astcSizes) {
    const [w, h] = size.split('x').map(Number) as [number, number];
    addBlock(out, `astc-${size}-unorm`, 16, w, h, 'texture-compression-astc', true);
  }
  return out;
}

const TABLE: ReadonlyMap<string, FormatInfo> = new Map([...Object.entries(UNCOMPRESSED), ...compressedFormats()]
  .filter((e): e is [string, FormatInfo] => e[1] !== undefined));

/** Facts for `format`, or undefined if the table does not know it. */
export function findFormatInfo(format: string): FormatInfo | undefined {
  return TABLE.get(format);
}

/** Facts for `format`; throws on a format the table does not know. */
export function formatInfo(format: GPUTextureFormat): FormatInfo {
  const info = TABLE.get(format);
  if (!info) throw new Error(`unknown texture format '${format}'`);
  return info;
}

/** All formats in the table (for tests and capability dumps). */
export function knownFormats(): GPUTextureFormat[] {
  return [...TABLE.keys()] as GPUTextureFormat[];
}

/** Renderable on a device with `features` (e.g. device.features). */
export function isRenderable(format: GPUTextureFormat, features: ReadonlySet<string>): boolean {
  const f = formatInfo(format);
  return f.renderable || (f.renderableWith !== undefined && features.has(f.renderableWith));
}

/** Filterable on a device with `features`. */
export function isFilterable(format: GPUTextureFormat, features: ReadonlySet<string>): boolean {
  const f = formatInfo(format);
  return f.filterable || (f.filterableWith !== undefined && features.has(f.filterableWith));
}

/** Bytes for a tightly packed width x height image (whole blocks for compressed formats). */
export function imageBytes(format: GPUTextureFormat, width: number, height: number): number {
  const f = formatInfo(format);
  return Math.ceil(width / f.blockWidth) * Math.ceil(height / f.blockHeight) * f.bytesPerTexel;
}
