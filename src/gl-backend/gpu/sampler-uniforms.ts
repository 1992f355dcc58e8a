// Sampler state that WebGPU samplers and views cannot express, packed per draw into VglDriver
// (tgsi/interface.ts) for the shader to apply: swizzles, LOD bias, border colours.
import { PipeTexWrap } from '../../protocol/gallium.js';
import type { SubContext } from '../state/sub-context.js';
import { kIdentitySwizzleBits } from '../tgsi/interface.js';
import { gpuFormatOf } from './format-map.js';
import type { GpuResources } from './resources.js';

export class SamplerUniforms {
  /** texSwizzle: vertex slots 0..15, fragment 16..31. */
  readonly swizzles = new Uint32Array(32);
  /** lodBias, slots as swizzles. */
  readonly lodBiases = new Float32Array(32);
  /** borderMask per fragment slot, and its colours (rgba each). */
  readonly borderMasks = new Uint32Array(16);
  readonly borderColors = new Float32Array(64);

  constructor(private readonly resources: GpuResources) {}

  /** Fills every array from the sub-context's sampler views and states. */
  pack(sub: SubContext): this {
    this.packSwizzles(sub);
    for (let stage = 0; stage < 2; stage++) {
      for (let slot = 0; slot < 16; slot++) this.lodBiases[(stage === 1 ? 16 : 0) + slot] = sub.samplers[stage][slot]?.lodBias ?? 0;
    }
    for (let slot = 0; slot < 16; slot++) {
      const s = sub.samplers[1][slot];
      const m = s ? (s.wrapS === PipeTexWrap.CLAMP_TO_BORDER ? 1 : 0) | (s.wrapT === PipeTexWrap.CLAMP_TO_BORDER ? 2 : 0) | (s.wrapR === PipeTexWrap.CLAMP_TO_BORDER ? 4 : 0) : 0;
      this.borderMasks[slot] = m;
      if (m) for (let c = 0; c < 4; c++) this.borderColors[4 * slot + c] = s!.border[c];
    }
    return this;
  }

  /** Per slot: the view's swizzle composed with how WebGPU stores the format (see format-map). */
  private packSwizzles(sub: SubContext): void {
    for (let stage = 0; stage < 2; stage++) {
      const views = sub.samplerViews[stage];
      for (let slot = 0; slot < 16; slot++) {
        const v = views[slot];
        let bits = kIdentitySwizzleBits;
        if (v) {
          const fmt = gpuFormatOf(v.format) ?? this.resources.tryGet(v.resHandle)?.format ?? null;
          bits = 0;
          for (let c = 0; c < 4; c++) {
            const sel = v.swizzle[c];
            const eff = sel < 4 && fmt ? fmt.swizzle[sel] : sel;
            bits |= (eff > 5 ? 5 : eff) << (3 * c);
          }
        }
        this.swizzles[(stage === 1 ? 16 : 0) + slot] = bits ^ kIdentitySwizzleBits;
      }
    }
  }
}
