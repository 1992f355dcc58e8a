import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compareImages, computeMetrics, formatMetrics, kDefaultThresholds, passes, type RgbaImage } from '../../src/trace/compare.js';
import { readPng, writeCompareArtifacts, writePng } from '../../src/trace/node/png.js';

/** A w×h gradient, deterministic, alpha 255. */
function gradient(w: number, h: number): RgbaImage {
  const data = new Uint8Array(w * h * 4);
  for (let y = 0; y < h; y++) {
    for (let x = 0; x < w; x++) data.set([(x * 255) / (w - 1), (y * 255) / (h - 1), 128, 255], (y * w + x) * 4);
  }
  return { width: w, height: h, data };
}

function withChanges(img: RgbaImage, changes: [pixel: number, channel: number, delta: number][]): RgbaImage {
  const data = img.data.slice();
  for (const [p, c, d] of changes) data[p * 4 + c] += d;
  return { ...img, data };
}

describe('image metrics', () => {
  const base = gradient(100, 100);

  it('identical images: zero differences, infinite PSNR, pass', () => {
    const m = computeMetrics(base, { ...base, data: base.data.slice() });
    expect(m).toMatchObject({ maxChannelDiff: 0, differingPixels: 0, differingPixelFraction: 0, psnr: Infinity });
    expect(passes(m)).toBe(true);
    expect(formatMetrics(m)).toBe('100x100: max channel diff 0, 0 px (0.00%) over ±2, PSNR inf dB');
  });

  it('counts only pixels beyond the channel tolerance', () => {
    // 10 pixels off by 2 (within tolerance), 5 off by 3 (beyond), one by 40.
    const changes: [number, number, number][] = [];
    for (let i = 0; i < 10; i++) changes.push([i, 0, 2]);
    for (let i = 0; i < 5; i++) changes.push([100 + i, 1, 3]);
    changes.push([5000, 2, 40]);
    const m = computeMetrics(withChanges(base, changes), base, 2);
    expect(m.maxChannelDiff).toBe(40);
    expect(m.differingPixels).toBe(6);
    expect(m.differingPixelFraction).toBeCloseTo(6 / 10000, 12);
    const mse = (10 * 4 + 5 * 9 + 1600) / (10000 * 4);
    expect(m.psnr).toBeCloseTo(10 * Math.log10((255 * 255) / mse), 10);
    expect(passes(m)).toBe(true); // 0.06% differing, PSNR ≈ 58 dB
  });

  it('fails a missing one-pixel line that the differing fraction alone would let through', () => {
    // 1000x100 black image; a white 100-px line is missing: exactly 0.1% of pixels, PSNR ≈ 31 dB.
    const black: RgbaImage = { width: 1000, height: 100, data: new Uint8Array(1000 * 100 * 4).map((_, i) => (i % 4 === 3 ? 255 : 0)) };
    const white: [number, number, number][] = [];
    for (let i = 0; i < 100; i++) for (let c = 0; c < 3; c++) white.push([50 * 1000 + i, c, 255]);
    const r = compareImages(withChanges(black, white), black);
    expect(r.metrics?.differingPixelFraction).toBe(0.001); // not above the 0.001 limit
    expect(r.metrics?.psnr).toBeCloseTo(10 * Math.log10(400000 / 300), 10);
    expect(r.pass).toBe(false);
    expect(r.reasons).toEqual(['PSNR 31.25 dB is below 40 dB']);
  });

  it('fails a global shift beyond the tolerance', () => {
    const shifted = { ...base, data: base.data.map((v, i) => (i % 4 === 3 ? v : Math.min(255, v + 3))) };
    const r = compareImages(shifted, base);
    expect(r.pass).toBe(false);
    expect(r.reasons[0]).toMatch(/of pixels differ by more than 2/);
  });

  it('ignores alpha when asked', () => {
    const a = withChanges(base, [[0, 3, -200]]);
    expect(compareImages(a, base).metrics?.maxChannelDiff).toBe(200);
    const r = compareImages(a, base, { ...kDefaultThresholds, ignoreAlpha: true });
    expect(r.metrics?.maxChannelDiff).toBe(0);
    expect(r.pass).toBe(true);
  });

  it('fails a size mismatch with a clear reason', () => {
    const r = compareImages(gradient(10, 20), gradient(20, 10), kDefaultThresholds, { diff: true });
    expect(r).toEqual({ pass: false, reasons: ['size mismatch: actual 10x20, expected 20x10'], metrics: null, diff: null });
    expect(() => computeMetrics(gradient(10, 20), gradient(20, 10))).toThrow(/size mismatch/);
  });

  it('draws differing pixels into the diff image', () => {
    const r = compareImages(withChanges(base, [[4321, 0, 100]]), base, kDefaultThresholds, { diff: true });
    const diff = r.diff ?? new Uint8Array(0);
    expect(diff.length).toBe(base.data.length);
    expect(Array.from(diff.subarray(4321 * 4, 4321 * 4 + 4))).toEqual([255, 0, 0, 255]);
    expect(diff[0]).not.toBe(255); // unchanged pixels are a faded copy, not red
  });
});

describe('png files', () => {
  it('round-trips RGBA8 and writes actual/difference artefacts', () => {
    const dir = mkdtempSync(join(tmpdir(), 'compare-'));
    try {
      const img = gradient(33, 17);
      writePng(join(dir, 'sub', 'g.png'), img.data, img.width, img.height);
      const back = readPng(join(dir, 'sub', 'g.png'));
      expect(back.width).toBe(33);
      expect(back.height).toBe(17);
      expect(Buffer.from(back.data).equals(Buffer.from(img.data))).toBe(true);
      const actual = withChanges(img, [[3, 1, 50]]);
      const result = compareImages(actual, img, kDefaultThresholds, { diff: true });
      const paths = writeCompareArtifacts(join(dir, 'frame-0001'), actual, result);
      expect(paths).toEqual([join(dir, 'frame-0001-actual.png'), join(dir, 'frame-0001-difference.png')]);
      expect(readPng(paths[1]).width).toBe(33);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
