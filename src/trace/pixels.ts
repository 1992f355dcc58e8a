// TRANSFER_GET replies → tightly packed RGBA8, for golden images and the
// viewer. Browser-safe. Byte orders follow gallium's format names: 8-bit
// formats list channels in memory order, packed 16-bit formats from the
// least significant bit up (virgl_hw.h numbers, checked against upstream).

import type { FrameDescriptor } from './types.js';

/** Channel byte offsets within a pixel; -1 means "not stored, use 255". */
type ByteOrder = readonly [r: number, g: number, b: number, a: number];
/** Bit fields of a 16-bit little-endian pixel: [shift, bits]; bits 0 means 255. */
type Field = readonly [shift: number, bits: number];
type PackedLayout = readonly [r: Field, g: Field, b: Field, a: Field];

interface FormatEntry {
  name: string;
  bytesPerPixel: number;
  bytes?: ByteOrder;
  packed16?: PackedLayout;
}

const X: Field = [0, 0];
const bgra: ByteOrder = [2, 1, 0, 3];
const bgrx: ByteOrder = [2, 1, 0, -1];
const argb: ByteOrder = [1, 2, 3, 0];
const xrgb: ByteOrder = [1, 2, 3, -1];
const rgba: ByteOrder = [0, 1, 2, 3];
const rgbx: ByteOrder = [0, 1, 2, -1];
const abgr: ByteOrder = [3, 2, 1, 0];
const xbgr: ByteOrder = [3, 2, 1, -1];

/** sRGB formats are returned as stored: the golden and the replay encode alike. */
// prettier-ignore
const kFormats: ReadonlyMap<number, FormatEntry> = new Map<number, FormatEntry>([
  [1,   { name: 'B8G8R8A8_UNORM', bytesPerPixel: 4, bytes: bgra }],
  [2,   { name: 'B8G8R8X8_UNORM', bytesPerPixel: 4, bytes: bgrx }],
  [3,   { name: 'A8R8G8B8_UNORM', bytesPerPixel: 4, bytes: argb }],
  [4,   { name: 'X8R8G8B8_UNORM', bytesPerPixel: 4, bytes: xrgb }],
  [5,   { name: 'B5G5R5A1_UNORM', bytesPerPixel: 2, packed16: [[10, 5], [5, 5], [0, 5], [15, 1]] }],
  [6,   { name: 'B4G4R4A4_UNORM', bytesPerPixel: 2, packed16: [[8, 4], [4, 4], [0, 4], [12, 4]] }],
  [7,   { name: 'B5G6R5_UNORM',   bytesPerPixel: 2, packed16: [[11, 5], [5, 6], [0, 5], X] }],
  [67,  { name: 'R8G8B8A8_UNORM', bytesPerPixel: 4, bytes: rgba }],
  [68,  { name: 'X8B8G8R8_UNORM', bytesPerPixel: 4, bytes: xbgr }],
  [98,  { name: 'A8B8G8R8_SRGB',  bytesPerPixel: 4, bytes: abgr }],
  [99,  { name: 'X8B8G8R8_SRGB',  bytesPerPixel: 4, bytes: xbgr }],
  [100, { name: 'B8G8R8A8_SRGB',  bytesPerPixel: 4, bytes: bgra }],
  [101, { name: 'B8G8R8X8_SRGB',  bytesPerPixel: 4, bytes: bgrx }],
  [102, { name: 'A8R8G8B8_SRGB',  bytesPerPixel: 4, bytes: argb }],
  [103, { name: 'X8R8G8B8_SRGB',  bytesPerPixel: 4, bytes: xrgb }],
  [104, { name: 'R8G8B8A8_SRGB',  bytesPerPixel: 4, bytes: rgba }],
  [121, { name: 'A8B8G8R8_UNORM', bytesPerPixel: 4, bytes: abgr }],
  [122, { name: 'B5G5R5X1_UNORM', bytesPerPixel: 2, packed16: [[10, 5], [5, 5], [0, 5], X] }],
  [134, { name: 'R8G8B8X8_UNORM', bytesPerPixel: 4, bytes: rgbx }],
  [135, { name: 'B4G4R4X4_UNORM', bytesPerPixel: 2, packed16: [[8, 4], [4, 4], [0, 4], X] }],
  [230, { name: 'R8G8B8X8_SRGB',  bytesPerPixel: 4, bytes: rgbx }],
  [254, { name: 'B5G6R5_SRGB',    bytesPerPixel: 2, packed16: [[11, 5], [5, 6], [0, 5], X] }],
]);

export interface PixelFormatInfo {
  name: string;
  bytesPerPixel: number;
}

/** Name and size of a virgl format this module can convert, or null. */
export function pixelFormatInfo(format: number): PixelFormatInfo | null {
  const f = kFormats.get(format);
  return f ? { name: f.name, bytesPerPixel: f.bytesPerPixel } : null;
}

export type Rgba8Result = { rgba: Uint8Array; reason?: undefined } | { rgba: null; reason: string };

/** Convert `height` rows of `stride` bytes in virgl `format` to packed RGBA8 (X channels → 255). */
export function toRgba8(src: Uint8Array, format: number, width: number, height: number, stride: number): Rgba8Result {
  const f = kFormats.get(format);
  if (!f) return { rgba: null, reason: `virgl format ${format} is not supported for readback conversion` };
  for (const [k, v] of [['width', width], ['height', height], ['stride', stride]] as const) {
    if (!Number.isInteger(v) || v < 0) return { rgba: null, reason: `${k} ${v} is not a non-negative integer` };
  }
  const rowBytes = width * f.bytesPerPixel;
  if (stride < rowBytes) return { rgba: null, reason: `stride ${stride} is below ${rowBytes} bytes for ${width} ${f.name} pixels` };
  const needed = height === 0 ? 0 : (height - 1) * stride + rowBytes;
  if (src.length < needed) return { rgba: null, reason: `${src.length} bytes is short of ${needed} for ${width}x${height} ${f.name} at stride ${stride}` };
  const out = new Uint8Array(width * height * 4);
  if (f.bytes) convertBytes(src, out, width, height, stride, f.bytes);
  else if (f.packed16) convertPacked16(src, out, width, height, stride, f.packed16);
  return { rgba: out };
}

/** Convert a frame's golden reply using its FrameInfo (or descriptor). */
export function frameToRgba8(reply: Uint8Array, frame: FrameDescriptor): Rgba8Result {
  return toRgba8(reply, frame.format, frame.width, frame.height, frame.stride);
}

function convertBytes(src: Uint8Array, out: Uint8Array, w: number, h: number, stride: number, order: ByteOrder): void {
  const [r, g, b, a] = order;
  let o = 0;
  for (let y = 0; y < h; y++) {
    let s = y * stride;
    for (let x = 0; x < w; x++, s += 4, o += 4) {
      out[o] = src[s + r];
      out[o + 1] = src[s + g];
      out[o + 2] = src[s + b];
      out[o + 3] = a < 0 ? 255 : src[s + a];
    }
  }
}

function convertPacked16(src: Uint8Array, out: Uint8Array, w: number, h: number, stride: number, layout: PackedLayout): void {
  const luts = layout.map(([, bits]) => expandLut(bits));
  let o = 0;
  for (let y = 0; y < h; y++) {
    let s = y * stride;
    for (let x = 0; x < w; x++, s += 2) {
      const v = src[s] | (src[s + 1] << 8);
      for (let c = 0; c < 4; c++, o++) {
        const [shift, bits] = layout[c];
        out[o] = bits === 0 ? 255 : luts[c][(v >> shift) & ((1 << bits) - 1)];
      }
    }
  }
}

/** n-bit UNORM → 8-bit with round-to-nearest, as a GPU's unorm conversion does. */
function expandLut(bits: number): Uint8Array {
  const max = (1 << bits) - 1;
  const lut = new Uint8Array(max + 1);
  for (let i = 0; i <= max && bits > 0; i++) lut[i] = Math.round((i * 255) / max);
  return lut;
}

/** Reverse row order in place; GL readbacks have a lower-left origin, the caller decides. */
export function flipRowsInPlace(pixels: Uint8Array, width: number, height: number, bytesPerPixel = 4): void {
  const row = width * bytesPerPixel;
  if (pixels.length < row * height) throw new RangeError(`${pixels.length} bytes is short of ${width}x${height}x${bytesPerPixel}`);
  const tmp = new Uint8Array(row);
  for (let top = 0, bottom = height - 1; top < bottom; top++, bottom--) {
    const a = top * row;
    const b = bottom * row;
    tmp.set(pixels.subarray(a, a + row));
    pixels.copyWithin(a, b, b + row);
    pixels.set(tmp, b);
  }
}
