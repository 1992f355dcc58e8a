// wgsl.ts: the WGSL back end. Assembles one module per shader:
//
//   diagnostic / enable directives
//   struct VglDriver + @group(0) @binding(0)            (interface.ts: kDriverUniformLayout)
//   cb<n>: @group(stage) @binding(n) uniform arrays      (CONST files)
//   tex<s>/smp<s>: @binding(16 + 2s) / @binding(17 + 2s)
//   private IN/OUT/SV registers, helper functions
//   fn tgsi_main() { temporaries; translated instructions }
//   @vertex/@fragment/@compute fn main(...) { inputs → registers; tgsi_main(); registers → outputs }
//
// The body lives in its own function so RET can `return` from anywhere and the epilogue still runs.

import { TgsiTranslateError } from './errors.js';
import {
  kDriverBinding, kDriverGroup, kDriverUniformLayout, kStageGroup, type EmittedShader, type LinkOptions, type SamplerBindingInfo,
} from './interface.js';
import type { TgsiShader } from './ir.js';
import { kHelpers, type HelperName } from './opcodes.js';
import { wgslTextureType } from './targets.js';
import { emitBody } from './wgsl-body.js';
import { swizzleHelper, borderHelper } from './wgsl-tex.js';
import type { EmitContext } from './wgsl-context.js';
import { emitEntry } from './wgsl-io.js';
import { Registers } from './wgsl-regs.js';

/** The WGSL declaration of VglDriver, generated from the layout table. */
export const kDriverStructWgsl = `struct VglDriver {\n${Object.entries(kDriverUniformLayout)
  .map(([name, m]) => `  ${name}: ${m.wgsl},`)
  .join('\n')}\n}`;

/** Translates a parsed shader to WGSL for one link configuration. Throws only TgsiTranslateError. */
export function emitWgsl(shader: TgsiShader, link: LinkOptions): EmittedShader {
  try {
    return emit(shader, link);
  } catch (e) {
    if (e instanceof TgsiTranslateError) throw e;
    // A bug here must still surface as the typed error the caller handles per shader.
    throw new TgsiTranslateError(`internal translator error: ${e instanceof Error ? e.message : String(e)}`);
  }
}

function emit(shader: TgsiShader, link: LinkOptions): EmittedShader {
  const stage = shader.interface.stage;
  const samplers = new Map<number, SamplerBindingInfo>(shader.interface.samplers.map((s) => [s.slot, s]));
  const ctx: EmitContext = { shader, stage, link, regs: new Registers(shader), helpers: new Set(), samplers, swizzles: new Set(), borders: new Set() };
  const body = emitBody(ctx);
  const entry = emitEntry(ctx);
  const group = kStageGroup[stage];

  const out: string[] = [`// Translated from TGSI by virgl-webgpu (${shader.processor}).`];
  if (stage === 'vertex' && (link.clipDistances ?? 0) > 0) out.push('enable clip_distances;');
  // GL leaves derivatives in divergent control flow undefined; WGSL would reject the module.
  if (stage === 'fragment') out.push('diagnostic(off, derivative_uniformity);');
  out.push('', kDriverStructWgsl, `@group(${kDriverGroup}) @binding(${kDriverBinding}) var<uniform> vgl: VglDriver;`);
  for (const cb of shader.interface.constantBuffers) {
    out.push(`@group(${group}) @binding(${cb.index}) var<uniform> cb${cb.index}: array<vec4u, ${cb.vec4Count}>;`);
  }
  for (const s of shader.interface.samplers) {
    out.push(`@group(${group}) @binding(${s.textureBinding}) var tex${s.slot}: ${wgslTextureType(s.target, s.returnType)};`);
    if (s.usesSampler) {
      out.push(`@group(${group}) @binding(${s.samplerBinding}) var smp${s.slot}: ${s.shadow ? 'sampler_comparison' : 'sampler'};`);
    }
  }
  out.push('', ...ctx.regs.privateDecls());
  for (const h of ['umulhi', 'imulhi'] as HelperName[]) if (ctx.helpers.has(h)) out.push('', kHelpers[h]);
  for (const t of ctx.swizzles) out.push('', swizzleHelper(t));
  for (const n of ctx.borders) out.push('', borderHelper(n));
  for (const d of entry.decls) out.push('', d);
  out.push('', 'fn tgsi_main() {', ...[...ctx.regs.functionDecls(), ...body].map((l) => `  ${l}`), '}');
  out.push('', ...entry.main, '');
  return { code: out.join('\n'), entryPoint: 'main', stage, interface: entry.iface };
}
