// wgsl-context.ts: what the WGSL emitter's parts share while translating one shader.

import type { LinkOptions, SamplerBindingInfo, ShaderStage } from './interface.js';
import type { TgsiShader } from './ir.js';
import type { HelperName, ValType } from './opcodes.js';
import type { Registers } from './wgsl-regs.js';

export interface EmitContext {
  readonly shader: TgsiShader;
  readonly stage: ShaderStage;
  readonly link: LinkOptions;
  readonly regs: Registers;
  /** Helper functions requested by templates (emitted once at module scope). */
  readonly helpers: Set<HelperName>;
  readonly samplers: ReadonlyMap<number, SamplerBindingInfo>;
  /** Texel types whose swizzle helper the module needs. */
  readonly swizzles: Set<ValType>;
  /** Coordinate sizes (2 or 3) whose border-colour helper the module needs. */
  readonly borders: Set<number>;
}
