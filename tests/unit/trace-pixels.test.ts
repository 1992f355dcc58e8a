import { describe, expect, it } from 'vitest';
import { flipRowsInPlace, frameToRgba8, pixelFormatInfo, toRgba8 } from '../../src/trace/pixels.js';

/** One pixel, colour (r, g, b, a) = (0x10, 0x20, 0x30, 0x40), in each 8-bit layout (memory order). */
// prettier-ignore
const kEightBit: [format: number, name: string, bytes: number[], alpha: number][] = [
  [1,   'B8G8R8A8_UNORM', [0x30, 0x20, 0x10, 0x40], 0x40],
  [2,   'B8G8R8X8_UNORM', [0x30, 0x20, 0x10, 0x40], 255],
  [3,   'A8R8G8B8_UNORM', [0x40, 0x10, 0x20, 0x30], 0x40],
  [4,   'X8R8G8B8_UNORM', [0x40, 0x10, 0x20, 0x30], 255],
  [67,  'R8G8B8A8_UNORM', [0x10, 0x20, 0x30, 0x40], 0x40],
  [68,  'X8B8G8R8_UNORM', [0x40, 0x30, 0x20, 0x10], 255],
  [121, 'A8B8G8R8_UNORM', [0x40, 0x30, 0x20, 0x10], 0x40],
  [134, 'R8G8B8X8_UNORM', [0x10, 0x20, 0x30, 0x40], 255],
  [100, 'B8G8R8A8_SRGB',  [0x30, 0x20, 0x10, 0x40], 0x40],
  [230, 'R8G8B8X8_SRGB',  [0x10, 0x20, 0x30, 0x40], 255],
];

describe('toRgba8', () => {
  it.each(kEightBit)('converts virgl format %i (%s)', (format, name, px, alpha) => {
    expect(pixelFormatInfo(format)).toEqual({ name, bytesPerPixel: 4 });
    // 2x2 image, stride 12 (4 bytes of row padding that must be skipped).
    const src = new Uint8Array(24).fill(0xee);
    for (const at of [0, 4, 12, 16]) src.set(px, at);
    const out = toRgba8(src.subarray(0, 12 + 8), format, 2, 2, 12); // last row needs no padding
    expect(out.reason).toBeUndefined();
    expect(Array.from(out.rgba ?? [])).toEqual(Array(4).fill([0x10, 0x20, 0x30, alpha]).flat());
  });

  it('converts B5G6R5_UNORM with round-to-nearest expansion', () => {
    // Pixels: pure red, pure green, pure blue, and (r=16/31, g=32/63, b=1/31).
    const words = [0xf800, 0x07e0, 0x001f, (16 << 11) | (32 << 5) | 1];
    const src = new Uint8Array(words.flatMap((w) => [w & 0xff, w >> 8]));
    const out = toRgba8(src, 7, 4, 1, 8);
    expect(Array.from(out.rgba ?? [])).toEqual([255, 0, 0, 255, 0, 255, 0, 255, 0, 0, 255, 255, 132, 130, 8, 255]);
  });

  it('converts B5G5R5A1 and B4G4R4A4', () => {
    const a1 = toRgba8(new Uint8Array([0x1f, 0x80]), 5, 1, 1, 2); // blue, alpha set
    expect(Array.from(a1.rgba ?? [])).toEqual([0, 0, 255, 255]);
    const a4 = toRgba8(new Uint8Array([0x21, 0x43]), 6, 1, 1, 2); // b=1 g=2 r=3 a=4
    expect(Array.from(a4.rgba ?? [])).toEqual([51, 34, 17, 68]);
  });

  it('explains what it cannot convert', () => {
    expect(toRgba8(new Uint8Array(16), 31, 1, 1, 16)).toEqual({ rgba: null, reason: expect.stringMatching(/format 31 is not supported/) });
    expect(toRgba8(new Uint8Array(16), 1, 4, 1, 8).reason).toMatch(/stride 8 is below 16/);
    expect(toRgba8(new Uint8Array(15), 1, 2, 2, 8).reason).toMatch(/15 bytes is short of 16/);
    expect(toRgba8(new Uint8Array(16), 1, 2.5, 1, 16).reason).toMatch(/width 2.5/);
  });

  it('takes the geometry from a frame', () => {
    const frame = { resourceId: 1, format: 2, width: 1, height: 2, stride: 8, x: 0, y: 0, level: 0, layerStride: 16 };
    const out = frameToRgba8(new Uint8Array([1, 2, 3, 4, 0, 0, 0, 0, 5, 6, 7, 8]), frame);
    expect(Array.from(out.rgba ?? [])).toEqual([3, 2, 1, 255, 7, 6, 5, 255]);
  });
});

describe('flipRowsInPlace', () => {
  it('reverses rows for odd and even heights', () => {
    for (const h of [1, 2, 3, 4]) {
      const img = Uint8Array.from({ length: 2 * h * 4 }, (_, i) => Math.floor(i / 8));
      flipRowsInPlace(img, 2, h);
      expect(Array.from(img)).toEqual(Array.from({ length: 2 * h * 4 }, (_, i) => h - 1 - Math.floor(i / 8)));
    }
  });
});
