// Guest floats on their way into Dawn: WebGPU's IDL rejects NaN and infinities (a TypeError out of
// the call), and integer members out of their range, where GL would just produce odd pixels.

const MAX_F32 = 3.4028234663852886e38;

/** x, with NaN as `nan` and infinities as the largest finite float of their sign. */
export function finite(x: number, nan = 0): number {
  if (Number.isNaN(x)) return nan;
  return x > MAX_F32 ? MAX_F32 : x < -MAX_F32 ? -MAX_F32 : x;
}

/** A colour for clear values and blend constants. */
export function finiteColor(r: number, g: number, b: number, a: number): GPUColorDict {
  return { r: finite(r), g: finite(g), b: finite(b), a: finite(a) };
}

/** A depth in [0, 1] (NaN as 0). */
export const unitDepth = (x: number): number => Math.min(1, Math.max(0, finite(x)));

/** GPUDepthBias is a 32-bit integer. */
export const depthBiasUnits = (x: number): number => Math.max(-0x80000000, Math.min(0x7fffffff, Math.round(finite(x))));
