import { describe, expect, it } from 'vitest';
import { findFormatInfo, formatInfo, imageBytes, isFilterable, isRenderable, knownFormats } from '../../src/gpu/formats.js';

describe('texture format table', () => {
  it('knows texel sizes of common formats', () => {
    expect(formatInfo('rgba8unorm').bytesPerTexel).toBe(4);
    expect(formatInfo('bgra8unorm-srgb')).toMatchObject({ bytesPerTexel: 4, srgb: true, renderable: true, filterable: true });
    expect(formatInfo('r8snorm')).toMatchObject({ bytesPerTexel: 1, renderable: false, filterable: true });
    expect(formatInfo('rgba32uint')).toMatchObject({ bytesPerTexel: 16, renderable: true, filterable: false, sampleType: 'uint' });
    expect(formatInfo('depth16unorm')).toMatchObject({ bytesPerTexel: 2, aspect: 'depth', renderable: true });
    expect(formatInfo('stencil8')).toMatchObject({ aspect: 'stencil', sampleType: 'uint' });
  });

  it('describes compressed formats per block', () => {
    expect(formatInfo('bc1-rgba-unorm-srgb')).toMatchObject({ bytesPerTexel: 8, blockWidth: 4, blockHeight: 4, srgb: true });
    expect(formatInfo('astc-10x6-unorm')).toMatchObject({ bytesPerTexel: 16, blockWidth: 10, blockHeight: 6, requires: 'texture-compression-astc' });
    expect(imageBytes('bc7-rgba-unorm', 10, 10)).toBe(3 * 3 * 16);
    expect(imageBytes('rgba16float', 3, 5)).toBe(3 * 5 * 8);
  });

  it('applies optional features', () => {
    const none = new Set<string>();
    expect(isFilterable('r32float', none)).toBe(false);
    expect(isFilterable('r32float', new Set(['float32-filterable']))).toBe(true);
    expect(isRenderable('rg11b10ufloat', none)).toBe(false);
    expect(isRenderable('rg11b10ufloat', new Set(['rg11b10ufloat-renderable']))).toBe(true);
  });

  it('rejects unknown formats and lists known ones', () => {
    expect(findFormatInfo('rgb8unorm')).toBeUndefined();
    expect(() => formatInfo('nope' as GPUTextureFormat)).toThrow(/unknown texture format/);
    expect(knownFormats().length).toBeGreaterThan(90);
    for (const f of knownFormats()) expect(formatInfo(f).bytesPerTexel).toBeGreaterThan(0);
  });
});
