// Guest floats made acceptable to WebGPU's IDL (which throws on NaN and infinities).
import { describe, expect, it } from 'vitest';
import { depthBiasUnits, finite, finiteColor, unitDepth } from '../../src/gl-backend/gpu/finite.js';

describe('finite', () => {
  it('keeps finite values, maps NaN to the fallback and infinities to the largest float', () => {
    expect(finite(1.5)).toBe(1.5);
    expect(finite(NaN)).toBe(0);
    expect(finite(NaN, 32)).toBe(32);
    expect(finite(Infinity)).toBeCloseTo(3.4028234663852886e38);
    expect(finite(-Infinity)).toBeCloseTo(-3.4028234663852886e38);
  });

  it('clear colours, depths and depth bias', () => {
    expect(finiteColor(NaN, 1, -Infinity, 0.5)).toEqual({ r: 0, g: 1, b: -3.4028234663852886e38, a: 0.5 });
    expect(unitDepth(NaN)).toBe(0);
    expect(unitDepth(2)).toBe(1);
    expect(depthBiasUnits(1e30)).toBe(0x7fffffff);
    expect(depthBiasUnits(-Infinity)).toBe(-0x80000000);
    expect(depthBiasUnits(2.6)).toBe(3);
  });
});
