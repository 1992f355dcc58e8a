// analyze.ts: derives the link-independent ShaderInterface of a parsed, validated shader: which
// attributes, varyings, colour outputs, constant buffers and samplers it uses.

import { TgsiTranslateError } from './errors.js';
import {
  kMaxConstantBuffers, kMaxSamplerSlots, samplerBinding, textureBinding, varyingKey,
  type ColorOutput, type ConstantBufferBinding, type Interpolation, type Sampling, type SamplerBindingInfo,
  type ShaderInterface, type ShaderStage, type TextureTarget, type Varying,
} from './interface.js';
import type { Declaration, InterpLocation, InterpMode, ParsedShader, Processor } from './ir.js';
import { kTargetInfo } from './targets.js';
import { samplerOperandIndex } from './validate.js';

/** VS outputs that are not inter-stage variables. */
export const kVsSpecialOutputs: ReadonlySet<string> = new Set([
  'POSITION', 'PSIZE', 'EDGEFLAG', 'CLIPVERTEX', 'LAYER', 'VIEWPORT_INDEX', 'VIEWPORT_MASK',
]);
/** FS inputs that come from builtins (or constants), not from the VS. */
export const kFsSpecialInputs: ReadonlySet<string> = new Set([
  'POSITION', 'FACE', 'PRIM_ID', 'PCOORD', 'LAYER', 'VIEWPORT_INDEX', 'SAMPLEID', 'SAMPLEPOS', 'SAMPLEMASK',
  'HELPER_INVOCATION',
]);
/** Texture ops that need no sampler binding. */
const NO_SAMPLER: ReadonlySet<string> = new Set(['TXF', 'TXF_LZ', 'TXQ', 'TXQS']);

export function stageOf(p: Processor, line = 1): ShaderStage {
  switch (p) {
    case 'VERT': return 'vertex';
    case 'FRAG': return 'fragment';
    case 'COMP': return 'compute';
    default: throw new TgsiTranslateError(`${p} shaders are not supported (WebGPU has no such stage)`, line);
  }
}

export function interpolationOf(m: InterpMode | null): Interpolation {
  return m === 'CONSTANT' ? 'flat' : m === 'LINEAR' ? 'linear' : 'perspective';
}
export function samplingOf(l: InterpLocation): Sampling {
  return l === 'CENTROID' ? 'centroid' : l === 'SAMPLE' ? 'sample' : 'center';
}

/** Calls f for each register of a declaration with its semantic index (arrays count up). */
function eachRegister(d: Declaration, f: (reg: number, semIndex: number) => void): void {
  for (let r = d.first; r <= d.last; r++) f(r, (d.semantic?.index ?? 0) + (r - d.first));
}

function varying(d: Declaration, semIndex: number): Varying {
  const semantic = d.semantic!.name;
  return {
    semantic, index: semIndex, key: varyingKey(semantic, semIndex), interpolation: interpolationOf(d.interp),
    colorInterp: d.interp === 'COLOR', sampling: samplingOf(d.location), location: -1, usageMask: d.usageMask,
  };
}

export function analyzeShader(s: ParsedShader): ShaderInterface {
  const stage = stageOf(s.processor);
  const attributes = new Set<number>();
  const inputs: Varying[] = [];
  const outputs: Varying[] = [];
  const colors: ColorOutput[] = [];
  const sv = new Set<string>();
  const outSem = new Set<string>();
  const inSem = new Set<string>();
  const cbs = new Map<number, number>();
  let clipDist = 0;

  for (const d of s.declarations) {
    const sem = d.semantic?.name;
    switch (d.file) {
      case 'IN':
        if (stage === 'vertex') eachRegister(d, (r) => attributes.add(r));
        else if (stage === 'fragment') {
          if (!sem) throw new TgsiTranslateError('fragment shader input without a semantic', d.line);
          inSem.add(sem);
          if (!kFsSpecialInputs.has(sem)) eachRegister(d, (_r, i) => inputs.push(varying(d, i)));
        }
        break;
      case 'SV':
        if (sem) sv.add(sem);
        break;
      case 'OUT':
        if (!sem) throw new TgsiTranslateError('output without a semantic', d.line);
        outSem.add(sem);
        if (stage === 'vertex') {
          if (!kVsSpecialOutputs.has(sem)) eachRegister(d, (_r, i) => outputs.push(varying(d, i)));
          if (sem === 'CLIPDIST') eachRegister(d, () => (clipDist += popcount(d.usageMask)));
        } else if (stage === 'fragment' && sem === 'COLOR') {
          eachRegister(d, (_r, i) => colors.push({ index: i, locations: [i] }));
        }
        break;
      case 'CONST': {
        const dim = d.dimension ?? 0;
        if (dim >= kMaxConstantBuffers) throw new TgsiTranslateError(`constant buffer ${dim} is beyond the ${kMaxConstantBuffers} supported`, d.line);
        cbs.set(dim, Math.max(cbs.get(dim) ?? 0, d.last + 1));
        break;
      }
      default:
        break;
    }
  }

  const properties: Record<string, readonly string[]> = Object.create(null) as Record<string, readonly string[]>;
  for (const p of s.properties) properties[p.name] = p.values;
  const numClip = Number(properties['NUM_CLIPDIST_ENABLED']?.[0]);
  if (Number.isInteger(numClip) && numClip >= 0 && numClip <= 8) clipDist = numClip;

  const has = (name: string) => s.instructions.some((i) => i.op.name === name);
  const isVs = stage === 'vertex';
  const isFs = stage === 'fragment';
  return {
    stage,
    vertexAttributes: [...attributes].sort((a, b) => a - b),
    inputs, outputs, colorOutputs: colors,
    writesDepth: isFs && outSem.has('POSITION'),
    writesStencil: isFs && outSem.has('STENCIL'),
    writesSampleMask: isFs && outSem.has('SAMPLEMASK'),
    constantBuffers: [...cbs].sort((a, b) => a[0] - b[0]).map(([index, vec4Count]): ConstantBufferBinding => ({ index, vec4Count })),
    samplers: samplersOf(s),
    usesFrontFacing: isFs && (inSem.has('FACE') || sv.has('FACE')),
    usesFragCoord: isFs && (inSem.has('POSITION') || sv.has('POSITION')),
    usesInstanceId: isVs && sv.has('INSTANCEID'),
    usesVertexId: isVs && (sv.has('VERTEXID') || sv.has('VERTEXID_NOBASE')),
    usesDrawParams: ['INSTANCEID', 'VERTEXID_NOBASE', 'BASEVERTEX', 'BASEINSTANCE', 'DRAWID'].some((n) => sv.has(n)),
    writesPointSize: isVs && outSem.has('PSIZE'),
    writesClipVertex: isVs && outSem.has('CLIPVERTEX'),
    clipDistancesWritten: isVs ? clipDist : 0,
    usesDiscard: isFs && (has('KILL') || has('KILL_IF') || has('DEMOTE')),
    properties,
  };
}

function samplersOf(s: ParsedShader): SamplerBindingInfo[] {
  const views = new Map<number, Declaration>();
  for (const d of s.declarations) if (d.file === 'SVIEW') for (let i = d.first; i <= d.last; i++) views.set(i, d);
  const slots = new Map<number, { target: TextureTarget; sampled: boolean; gathered: boolean; line: number }>();
  for (const inst of s.instructions) {
    if (!inst.texTarget) continue;
    const slot = inst.src[samplerOperandIndex(inst)]!.index;
    const e = slots.get(slot) ?? { target: inst.texTarget, sampled: false, gathered: false, line: inst.line };
    e.sampled ||= !NO_SAMPLER.has(inst.op.name);
    e.gathered ||= inst.op.name === 'TG4';
    slots.set(slot, e);
  }
  const out: SamplerBindingInfo[] = [];
  for (const [slot, e] of [...slots].sort((a, b) => a[0] - b[0])) {
    if (slot >= kMaxSamplerSlots) throw new TgsiTranslateError(`sampler ${slot} is beyond the ${kMaxSamplerSlots} supported`, e.line);
    const info = kTargetInfo[e.target];
    if (info.unsupported) throw new TgsiTranslateError(`${e.target}: ${info.unsupported}`, e.line);
    const rt = views.get(slot)?.returnType;
    // Depth comparisons always return floats, whatever the view declares.
    const returnType = info.shadow ? 'float' : rt === 'SINT' ? 'sint' : rt === 'UINT' ? 'uint' : 'float';
    out.push({
      slot, target: e.target, returnType, shadow: info.shadow, viewDimension: info.view,
      sampleType: info.shadow ? 'depth' : returnType === 'float' ? (info.multisampled ? 'unfilterable-float' : 'float') : returnType,
      multisampled: info.multisampled,
      // Integer textures are read with textureLoad (no filtering exists for them), except by TG4.
      usesSampler: !info.multisampled && (e.gathered || (e.sampled && (info.shadow || returnType === 'float'))),
      textureBinding: textureBinding(slot), samplerBinding: samplerBinding(slot),
    });
  }
  return out;
}

export function popcount(m: number): number {
  let n = 0;
  for (let b = m & 0xf; b; b &= b - 1) n++;
  return n;
}
