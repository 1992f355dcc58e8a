// link.ts: assigns varying locations and interpolation for a VS/FS pair, so both modules agree
// (WebGPU matches inter-stage variables by location and requires equal interpolation).

import { varyingKey, type LinkOptions, type ShaderInterface, type VaryingLink } from './interface.js';

/**
 * FS inputs get locations 0..k-1 in FS declaration order; then BCOLOR[i] gets the next free
 * location when the VS writes it and the FS reads COLOR[i] (two-sided colour).
 */
export function linkVaryings(vs: ShaderInterface, fs: ShaderInterface): Map<string, number> {
  const map = new Map<string, number>();
  for (const v of fs.inputs) if (!map.has(v.key)) map.set(v.key, map.size);
  const vsOut = new Set(vs.outputs.map((v) => v.key));
  for (const v of fs.inputs) {
    const b = varyingKey('BCOLOR', v.index);
    if (v.semantic === 'COLOR' && vsOut.has(b) && !map.has(b)) map.set(b, map.size);
  }
  return map;
}

/** Interpolation of each FS input (COLOR interpolation follows flatShade); BCOLOR copies its COLOR. */
export function linkInterpolation(fs: ShaderInterface, flatShade = false, locations?: ReadonlyMap<string, number>): Map<string, VaryingLink> {
  const map = new Map<string, VaryingLink>();
  for (const v of fs.inputs) {
    const l: VaryingLink = { interpolation: v.colorInterp && flatShade ? 'flat' : v.interpolation, sampling: v.sampling };
    map.set(v.key, l);
    const b = varyingKey('BCOLOR', v.index);
    if (v.semantic === 'COLOR' && locations?.has(b)) map.set(b, l);
  }
  return map;
}

export interface StageLinkOptions {
  readonly colorOutputs: number;
  readonly colorOutputTypes?: LinkOptions['colorOutputTypes'];
  readonly vertexInputTypes?: LinkOptions['vertexInputTypes'];
  readonly flatShade?: boolean;
  readonly clipDistances?: number;
  readonly loopLimit?: number;
  readonly logicOp?: number;
  readonly wideLines?: boolean;
  /** Wide points: the sprite coordinate takes the location after the linked varyings. */
  readonly pointSprite?: { readonly coordEnable: number; readonly lowerLeft: boolean; readonly perVertexSize: boolean };
}

/** LinkOptions for both stages of a program, consistent with each other. */
export function linkStages(vs: ShaderInterface, fs: ShaderInterface, o: StageLinkOptions): { vertex: LinkOptions; fragment: LinkOptions } {
  const varyingLocations = linkVaryings(vs, fs);
  const varyingInterpolation = linkInterpolation(fs, o.flatShade ?? false, varyingLocations);
  const sprite = o.pointSprite && { ...o.pointSprite, location: Math.max(-1, ...varyingLocations.values()) + 1 };
  const common = {
    varyingLocations, varyingInterpolation, colorOutputs: o.colorOutputs, flatShade: o.flatShade ?? false, loopLimit: o.loopLimit,
    ...(sprite ? { pointSprite: sprite } : {}),
  };
  return {
    vertex: { ...common, vertexInputTypes: o.vertexInputTypes, clipDistances: o.clipDistances, ...(o.wideLines ? { wideLines: true } : {}) },
    fragment: { ...common, colorOutputTypes: o.colorOutputTypes, ...(o.logicOp !== undefined ? { logicOp: o.logicOp } : {}) },
  };
}
