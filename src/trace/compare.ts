// Image comparison for golden tests: direct metrics (max channel diff,
// fraction of differing pixels, PSNR) plus a pixelmatch diff picture.
// Browser-safe. Rationale for the default thresholds: docs/image-compare.md.

import pixelmatch from 'pixelmatch';

/** Tightly packed RGBA8, row-major, top row first. */
export interface RgbaImage {
  width: number;
  height: number;
  data: Uint8Array;
}

export interface Thresholds {
  /** A channel differing by at most this much counts as equal. */
  channelTolerance: number;
  /** Largest allowed fraction of pixels with any channel over the tolerance. */
  maxDifferingFraction: number;
  /** Smallest allowed PSNR in dB (over all pixels, tolerance not applied). */
  minPsnr: number;
  /** Compare RGB only (e.g. when the displayed visual ignores alpha). */
  ignoreAlpha?: boolean;
}

/** Defaults for llvmpipe (via virglrenderer) against WebGPU on lavapipe. */
export const kDefaultThresholds: Readonly<Thresholds> = Object.freeze({
  channelTolerance: 2,
  maxDifferingFraction: 0.001,
  minPsnr: 40,
  ignoreAlpha: false,
});

export interface ImageMetrics {
  width: number;
  height: number;
  maxChannelDiff: number;
  differingPixels: number;
  differingPixelFraction: number;
  /** dB; Infinity when identical. */
  psnr: number;
  /** The tolerance differingPixels was counted with. */
  channelTolerance: number;
  ignoreAlpha: boolean;
}

export interface CompareResult {
  pass: boolean;
  /** Empty when passing; one line per violated threshold otherwise. */
  reasons: string[];
  /** Null when the sizes differ. */
  metrics: ImageMetrics | null;
  /** pixelmatch visualisation (RGBA8, same size); null when not requested or sizes differ. */
  diff: Uint8Array | null;
}

function checkImage(img: RgbaImage, what: string): void {
  if (img.data.length !== img.width * img.height * 4) {
    throw new RangeError(`${what} image data is ${img.data.length} bytes, expected ${img.width}x${img.height}x4`);
  }
}

/** Size mismatch as a reason string, or null when the sizes agree. */
export function sizeMismatch(actual: RgbaImage, expected: RgbaImage): string | null {
  if (actual.width === expected.width && actual.height === expected.height) return null;
  return `size mismatch: actual ${actual.width}x${actual.height}, expected ${expected.width}x${expected.height}`;
}

/** Metrics of two same-sized images; throws RangeError if the sizes differ. */
export function computeMetrics(actual: RgbaImage, expected: RgbaImage, channelTolerance = kDefaultThresholds.channelTolerance, ignoreAlpha = false): ImageMetrics {
  const mismatch = sizeMismatch(actual, expected);
  if (mismatch) throw new RangeError(mismatch);
  checkImage(actual, 'actual');
  checkImage(expected, 'expected');
  const a = actual.data;
  const b = expected.data;
  const channels = ignoreAlpha ? 3 : 4;
  let maxDiff = 0;
  let differing = 0;
  let sumSq = 0;
  for (let p = 0; p < a.length; p += 4) {
    let over = false;
    for (let c = 0; c < channels; c++) {
      const d = Math.abs(a[p + c] - b[p + c]);
      sumSq += d * d;
      if (d > maxDiff) maxDiff = d;
      if (d > channelTolerance) over = true;
    }
    if (over) differing++;
  }
  const pixels = actual.width * actual.height;
  const mse = pixels === 0 ? 0 : sumSq / (pixels * channels);
  return {
    width: actual.width,
    height: actual.height,
    maxChannelDiff: maxDiff,
    differingPixels: differing,
    differingPixelFraction: pixels === 0 ? 0 : differing / pixels,
    psnr: mse === 0 ? Infinity : 10 * Math.log10((255 * 255) / mse),
    channelTolerance,
    ignoreAlpha,
  };
}

/** One line per threshold the metrics violate. */
export function failureReasons(m: ImageMetrics, t: Thresholds = kDefaultThresholds): string[] {
  const reasons: string[] = [];
  if (m.channelTolerance !== t.channelTolerance || m.ignoreAlpha !== (t.ignoreAlpha ?? false)) {
    reasons.push(`metrics were computed with tolerance ${m.channelTolerance}/ignoreAlpha ${m.ignoreAlpha}, thresholds use ${t.channelTolerance}/${t.ignoreAlpha ?? false}`);
  }
  if (m.differingPixelFraction > t.maxDifferingFraction) {
    reasons.push(`${pct(m.differingPixelFraction)} of pixels differ by more than ${t.channelTolerance} (limit ${pct(t.maxDifferingFraction)})`);
  }
  if (m.psnr < t.minPsnr) reasons.push(`PSNR ${m.psnr.toFixed(2)} dB is below ${t.minPsnr} dB`);
  return reasons;
}

export function passes(m: ImageMetrics, t: Thresholds = kDefaultThresholds): boolean {
  return failureReasons(m, t).length === 0;
}

/** One line, e.g. "300x300: max channel diff 3, 12 px (0.0133%) over ±2, PSNR 51.20 dB". */
export function formatMetrics(m: ImageMetrics): string {
  const psnr = m.psnr === Infinity ? 'inf' : m.psnr.toFixed(2);
  return `${m.width}x${m.height}${m.ignoreAlpha ? ' (RGB)' : ''}: max channel diff ${m.maxChannelDiff}, ${m.differingPixels} px (${pct(m.differingPixelFraction)}) over ±${m.channelTolerance}, PSNR ${psnr} dB`;
}

/**
 * pixelmatch's picture of the differences: red where pixels differ, yellow
 * where it judges the difference to be anti-aliasing, the expected image
 * faded underneath. Its YIQ threshold is set from the channel tolerance so
 * it marks about the pixels counted above (it can mark a few more).
 */
export function diffImage(actual: RgbaImage, expected: RgbaImage, channelTolerance = kDefaultThresholds.channelTolerance): Uint8Array {
  const mismatch = sizeMismatch(actual, expected);
  if (mismatch) throw new RangeError(mismatch);
  checkImage(actual, 'actual');
  checkImage(expected, 'expected');
  const out = new Uint8Array(actual.data.length);
  // A blue-only step of d has YIQ delta ≈ 0.0565·d², pixelmatch's limit is 35215·t².
  const threshold = Math.min(1, (channelTolerance + 0.5) * Math.sqrt(0.0565 / 35215));
  pixelmatch(expected.data, actual.data, out, actual.width, actual.height, { threshold, alpha: 0.1 });
  return out;
}

/** Compare `actual` against `expected`; a size mismatch fails with its reason. */
export function compareImages(actual: RgbaImage, expected: RgbaImage, thresholds: Thresholds = kDefaultThresholds, options: { diff?: boolean } = {}): CompareResult {
  const mismatch = sizeMismatch(actual, expected);
  if (mismatch) return { pass: false, reasons: [mismatch], metrics: null, diff: null };
  const metrics = computeMetrics(actual, expected, thresholds.channelTolerance, thresholds.ignoreAlpha ?? false);
  const reasons = failureReasons(metrics, thresholds);
  const diff = options.diff ? diffImage(actual, expected, thresholds.channelTolerance) : null;
  return { pass: reasons.length === 0, reasons, metrics, diff };
}

function pct(f: number): string {
  return `${(f * 100).toPrecision(3)}%`;
}
