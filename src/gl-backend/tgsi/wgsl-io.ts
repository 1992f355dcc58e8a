// wgsl-io.ts: the entry point around the body function: stage inputs → IN/SV registers, then
// OUT registers → stage outputs, with the GL conventions applied here and only here:
//   VS  POSITION: Gallium's viewport transform, then the clip position that makes WebGPU's
//       full-framebuffer viewport land on exactly Gallium's window coordinates (docs/tgsi.md).
//   FS  POSITION input: FS_COORD_ORIGIN / FS_COORD_PIXEL_CENTER; FACE: ±1.0; two-sided colour;
//       COLOR outputs (FS_COLOR0_WRITES_ALL_CBUFS); alpha test from VglDriver.flags.y.

import { TgsiTranslateError } from './errors.js';
import { interpolationOf, kFsSpecialInputs, samplingOf } from './analyze.js';
import { kLogicOpDestBinding, kStageGroup, kWideLineOtherEndpoint, varyingKey, type ColorOutput, type ScalarType, type ShaderInterface, type Varying, type VaryingLink } from './interface.js';
import type { Declaration } from './ir.js';
import { kVec4 } from './opcodes.js';
import type { EmitContext } from './wgsl-context.js';
import { convert } from './wgsl-regs.js';

export interface EntryPoint {
  /** Module-scope declarations (IO structs, helper functions). */
  readonly decls: string[];
  readonly main: string[];
  readonly iface: ShaderInterface;
}

const MAX_LOCATION = 63;

/** Calls f for every register of a declaration with its semantic index. */
function each(d: Declaration, f: (reg: number, semIndex: number) => void): void {
  for (let r = d.first; r <= d.last; r++) f(r, (d.semantic?.index ?? 0) + (r - d.first));
}

function interpAttr(l: VaryingLink): string {
  return l.interpolation === 'flat' ? '@interpolate(flat)' : `@interpolate(${l.interpolation}, ${l.sampling})`;
}

function checkLocation(key: string, loc: number, used: Set<number>): void {
  if (!Number.isInteger(loc) || loc < 0 || loc > MAX_LOCATION) throw new TgsiTranslateError(`varying ${key}: invalid location ${loc}`);
  if (used.has(loc)) throw new TgsiTranslateError(`varying ${key}: location ${loc} is used twice`);
  used.add(loc);
}

export function emitEntry(ctx: EmitContext): EntryPoint {
  switch (ctx.stage) {
    case 'vertex': return vertexEntry(ctx);
    case 'fragment': return fragmentEntry(ctx);
    case 'compute': return computeEntry(ctx);
  }
}

function systemValue(ctx: EmitContext, d: Declaration, params: Map<string, string>): string {
  const sem = d.semantic?.name ?? '';
  const p = (name: string, decl: string) => (params.set(name, decl), name);
  const vs = ctx.stage === 'vertex';
  const fs = ctx.stage === 'fragment';
  const cs = ctx.stage === 'compute';
  if (vs && sem === 'INSTANCEID') return `vec4u(${p('iid', '@builtin(instance_index) iid: u32')} - vgl.drawParams.y)`;
  if (vs && sem === 'VERTEXID') return `vec4u(${p('vid', '@builtin(vertex_index) vid: u32')})`;
  if (vs && sem === 'VERTEXID_NOBASE') return `vec4u(${p('vid', '@builtin(vertex_index) vid: u32')} - vgl.drawParams.x)`;
  if (vs && sem === 'BASEVERTEX') return 'vec4u(vgl.drawParams.x)';
  if (vs && sem === 'BASEINSTANCE') return 'vec4u(vgl.drawParams.y)';
  if (vs && sem === 'DRAWID') return 'vec4u(vgl.drawParams.z)';
  if (fs && (sem === 'POSITION' || sem === 'FACE' || sem === 'SAMPLEPOS')) return fragSpecial(ctx, sem, params);
  if (fs && sem === 'SAMPLEID') return `vec4u(${p('sid', '@builtin(sample_index) sid: u32')})`;
  if (fs && sem === 'SAMPLEMASK') return `vec4u(${p('smask', '@builtin(sample_mask) smask: u32')})`;
  if (fs && sem === 'HELPER_INVOCATION') return 'vec4u(0u)';
  if (cs && sem === 'THREAD_ID') return `vec4u(${p('lid', '@builtin(local_invocation_id) lid: vec3u')}, 0u)`;
  if (cs && sem === 'BLOCK_ID') return `vec4u(${p('wid', '@builtin(workgroup_id) wid: vec3u')}, 0u)`;
  if (cs && sem === 'GRID_SIZE') return `vec4u(${p('nwg', '@builtin(num_workgroups) nwg: vec3u')}, 0u)`;
  if (cs && sem === 'BLOCK_SIZE') return `vec4u(${workgroupSize(ctx).join('u, ')}u, 0u)`;
  throw new TgsiTranslateError(`system value ${sem || '(none)'} is not supported in ${ctx.stage} shaders`, d.line);
}

/** FS inputs computed from builtins (fragment position, facing, point coordinate...). */
function fragSpecial(ctx: EmitContext, sem: string, params: Map<string, string>): string {
  const pos = () => (params.set('fragPos', '@builtin(position) fragPos: vec4f'), 'fragPos');
  switch (sem) {
    case 'POSITION': {
      const prop = ctx.shader.interface.properties;
      const lowerLeft = prop['FS_COORD_ORIGIN']?.[0] === 'LOWER_LEFT' || prop['FS_COORD_ORIGIN']?.[0] === '1';
      const integer = prop['FS_COORD_PIXEL_CENTER']?.[0] === 'INTEGER' || prop['FS_COORD_PIXEL_CENTER']?.[0] === '1';
      // Gallium window y grows with the surface's rows, which is GL's lower-left convention as
      // virglrenderer renders surfaces; WebGPU's position.y counts the same rows. Upper-left flips.
      const y = lowerLeft ? `${pos()}.y` : `vgl.fbSize.y - ${pos()}.y`;
      const c = integer ? ' - 0.5' : '';
      return `bitcast<vec4u>(vec4f(${pos()}.x${c}, ${y}${c}, ${pos()}.z, ${pos()}.w))`;
    }
    case 'FACE':
      params.set('ff', '@builtin(front_facing) ff: bool');
      return 'bitcast<vec4u>(vec4f(select(-1.0, 1.0, ff), 0.0, 0.0, 1.0))';
    case 'SAMPLEPOS':
      return `bitcast<vec4u>(vec4f(fract(${pos()}.xy), 0.0, 0.0))`;
    case 'PCOORD':
      // Single-pixel points: the point sprite coordinate is their centre.
      return spriteCoord(ctx, params) ?? 'bitcast<vec4u>(vec4f(0.5, 0.5, 0.0, 1.0))';
    default:
      // PRIM_ID, LAYER, VIEWPORT_INDEX: no WebGPU source (single layer and viewport).
      return 'vec4u(0u)';
  }
}

/** The wide-point sprite coordinate as a TGSI register value, or null when points are single pixels. */
function spriteCoord(ctx: EmitContext, params: Map<string, string>): string | null {
  const sprite = ctx.link.pointSprite;
  if (!sprite) return null;
  params.set('vgl_sprite', `@location(${sprite.location}) vgl_sprite: vec2f`);
  return 'bitcast<vec4u>(vec4f(vgl_sprite, 0.0, 1.0))';
}

function workgroupSize(ctx: EmitContext): [number, number, number] {
  const p = ctx.shader.interface.properties;
  const dim = (name: string) => {
    const v = Number(p[name]?.[0] ?? 1);
    if (!Number.isInteger(v) || v < 1 || v > 1024) throw new TgsiTranslateError(`${name} ${p[name]?.[0]} is out of range`);
    return v;
  };
  return [dim('CS_FIXED_BLOCK_WIDTH'), dim('CS_FIXED_BLOCK_HEIGHT'), dim('CS_FIXED_BLOCK_DEPTH')];
}

function prologue(ctx: EmitContext, params: Map<string, string>, lines: string[]): void {
  for (const d of ctx.shader.declarations) {
    if (d.file === 'SV') each(d, (r) => lines.push(`${ctx.regs.named('SV', r)} = ${systemValue(ctx, d, params)};`));
  }
}

function vertexEntry(ctx: EmitContext): EntryPoint {
  const { shader, link, regs } = ctx;
  const params = new Map<string, string>();
  const body: string[] = [];
  const wide = link.wideLines === true && shader.interface.properties['VS_WINDOW_SPACE_POSITION']?.[0] !== '1';
  const loadInputs = (other: boolean) => {
    for (const r of shader.interface.vertexAttributes) {
      const t: ScalarType = link.vertexInputTypes?.[r] ?? 'f32';
      params.set(`attr${r}`, `@location(${r}) attr${r}: ${kVec4[t]}`);
      let value = `attr${r}`;
      if (wide) {
        if (r >= kWideLineOtherEndpoint) throw new TgsiTranslateError(`wide lines need attributes below ${kWideLineOtherEndpoint}`);
        const b = r + kWideLineOtherEndpoint;
        params.set(`attr${b}`, `@location(${b}) attr${b}: ${kVec4[t]}`);
        // vgl_end: which endpoint this vertex belongs to (0: the line's first, at attr r).
        value = `select(attr${r}, attr${b}, vgl_end ${other ? '==' : '!='} 0u)`;
      }
      body.push(`${regs.named('IN', r)} = ${convert(value, t, 'u32', true)};`);
    }
  };
  const outReg = new Map<string, number>();
  let posInvariant = false;
  for (const d of shader.declarations) {
    if (d.file !== 'OUT' || !d.semantic) continue;
    each(d, (r, i) => outReg.set(varyingKey(d.semantic!.name, i), r));
    if (d.semantic.name === 'POSITION' && d.invariant) posInvariant = true;
  }
  const pos = outReg.get('POSITION:0');
  const clipOf = pos === undefined ? 'vec4f(0.0, 0.0, 0.0, 1.0)' : `bitcast<vec4f>(${regs.named('OUT', pos)})`;
  if (wide) {
    // Corner k of 6 (two triangles): endpoints 0,1,0,0,1,1 and sides -,-,+,+,-,+ of the line.
    params.set('vgl_vi', '@builtin(vertex_index) vgl_vi: u32');
    body.push('let vgl_k = vgl_vi % 6u;', 'let vgl_end = (0x32u >> vgl_k) & 1u;', 'let vgl_side = select(-1.0, 1.0, ((0x2cu >> vgl_k) & 1u) == 1u);');
    // The other endpoint's position first; this vertex's own run leaves its outputs in place.
    loadInputs(true);
    prologue(ctx, params, body);
    body.push('tgsi_main();', `let vgl_other = ${clipOf};`);
  }
  loadInputs(false);
  if (!wide) prologue(ctx, params, body);
  body.push('tgsi_main();');

  const fields = [`${posInvariant ? '@invariant ' : ''}@builtin(position) position: vec4f`];
  const epi: string[] = ['var o: VsOut;'];
  epi.push(`let clip = ${clipOf};`);
  if (shader.interface.properties['VS_WINDOW_SPACE_POSITION']?.[0] === '1') {
    epi.push('o.position = vec4f(clip.x * 2.0 * vgl.fbSize.z - 1.0, 1.0 - clip.y * 2.0 * vgl.fbSize.w, clip.z, 1.0);');
  } else {
    // Gallium's viewport transform before the divide; then NDC such that WebGPU's viewport
    // (0, 0, fbW, fbH) maps it back to the same window x/y, rows top-down, z in [0, 1].
    epi.push('let win = clip.xyz * vgl.vpScale.xyz + vgl.vpTranslate.xyz * clip.w;');
    epi.push('o.position = vec4f(win.x * 2.0 * vgl.fbSize.z - clip.w, clip.w - win.y * 2.0 * vgl.fbSize.w, win.z + vgl.depthOffset.x * clip.w, clip.w);');
  }
  if (wide) {
    // Across the line (in Gallium window pixels, first endpoint to second) by half the width.
    epi.push(
      'let vgl_ow = vgl_other.xy * vgl.vpScale.xy + vgl.vpTranslate.xy * vgl_other.w;',
      'let vgl_dir = select(1.0, -1.0, vgl_end == 1u) * (vgl_ow / vgl_other.w - win.xy / clip.w);',
      'let vgl_len = length(vgl_dir);',
      'let vgl_n = select(vec2f(0.0, 1.0), vec2f(-vgl_dir.y, vgl_dir.x) / vgl_len, vgl_len > 0.0);',
      'let vgl_px = vgl_n * vgl_side * max(vgl.pointSize.y, 1.0) * 0.5;',
      'o.position = vec4f(o.position.x + vgl_px.x * 2.0 * vgl.fbSize.z * clip.w, o.position.y - vgl_px.y * 2.0 * vgl.fbSize.w * clip.w, o.position.zw);',
    );
  }

  const used = new Set<number>();
  const outputs: Varying[] = [];
  const locations = new Map<string, number>();
  for (const [key, loc] of [...link.varyingLocations].sort((a, b) => a[1] - b[1])) {
    checkLocation(key, loc, used);
    locations.set(key, loc);
    const l = link.varyingInterpolation?.get(key) ?? { interpolation: 'perspective', sampling: 'center' };
    const flat = l.interpolation === 'flat';
    fields.push(`@location(${loc}) ${interpAttr(l)} v${loc}: ${flat ? 'vec4u' : 'vec4f'}`);
    const r = outReg.get(key);
    const value = r === undefined ? 'vec4u(0u)' : regs.named('OUT', r);
    epi.push(`o.v${loc} = ${flat ? value : `bitcast<vec4f>(${value})`};`);
  }
  for (const v of shader.interface.outputs) outputs.push({ ...v, location: locations.get(v.key) ?? -1 });
  const sprite = link.pointSprite;
  if (sprite) {
    // Wide points: vertex k of 6 is a corner of the point's quad (two triangles), moved by half the
    // point size in pixels; the sprite coordinate runs 0..1 across it (t from GL's top by default).
    checkLocation('point sprite coordinate', sprite.location, used);
    params.set('vgl_vi', '@builtin(vertex_index) vgl_vi: u32');
    fields.push(`@location(${sprite.location}) vgl_sprite: vec2f`);
    const psize = outReg.get('PSIZE:0');
    const size = sprite.perVertexSize && psize !== undefined ? `bitcast<f32>(${regs.named('OUT', psize)}.x)` : 'vgl.pointSize.x';
    epi.push(
      'var vgl_corners = array<vec2f, 6>(vec2f(-1.0, -1.0), vec2f(1.0, -1.0), vec2f(-1.0, 1.0), vec2f(-1.0, 1.0), vec2f(1.0, -1.0), vec2f(1.0, 1.0));',
      'let vgl_corner = vgl_corners[vgl_vi % 6u];',
      `o.position = vec4f(o.position.xy + vgl_corner * max(${size}, 1.0) * vgl.fbSize.zw * o.position.w, o.position.zw);`,
      // Upper-left origin: t = 0 at NDC +y (as piglit's glsl-fs-pointcoord sees it through Mesa).
      `o.vgl_sprite = vec2f(vgl_corner.x * 0.5 + 0.5, ${sprite.lowerLeft ? '0.5 + vgl_corner.y * 0.5' : '0.5 - vgl_corner.y * 0.5'});`,
    );
  }

  const nClip = link.clipDistances ?? 0;
  if (!Number.isInteger(nClip) || nClip < 0 || nClip > 8) throw new TgsiTranslateError(`clipDistances ${nClip} is out of range 0..8`);
  if (nClip > 0) {
    fields.push(`@builtin(clip_distances) clip: array<f32, ${nClip}>`);
    const cv = outReg.get('CLIPVERTEX:0');
    const cvExpr = cv === undefined ? 'clip' : `bitcast<vec4f>(${regs.named('OUT', cv)})`;
    for (let i = 0; i < nClip; i++) {
      const reg = outReg.get(`CLIPDIST:${i >> 2}`);
      const v = reg !== undefined ? `bitcast<f32>(${regs.named('OUT', reg)}.${'xyzw'[i & 3]})` : `dot(${cvExpr}, vgl.clipPlanes[${i}])`;
      epi.push(`o.clip[${i}] = ${v};`);
    }
  }
  epi.push('return o;');
  const decls = [`struct VsOut {\n${fields.map((f) => `  ${f},`).join('\n')}\n}`];
  const main = [`@vertex fn main(${[...params.values()].join(', ')}) -> VsOut {`, ...[...body, ...epi].map((l) => `  ${l}`), '}'];
  return { decls, main, iface: { ...shader.interface, outputs } };
}

function fragmentEntry(ctx: EmitContext): EntryPoint {
  const { shader, link, regs } = ctx;
  const params = new Map<string, string>();
  const body: string[] = [];
  const used = new Set<number>();
  const inputs: Varying[] = [];
  let twoSided = false;
  const declared = new Map(shader.interface.inputs.map((v) => [v.key, v]));
  const varyingParam = (key: string, loc: number, l: VaryingLink, name: string) => {
    checkLocation(key, loc, used);
    const flat = l.interpolation === 'flat';
    params.set(name, `@location(${loc}) ${interpAttr(l)} ${name}: ${flat ? 'vec4u' : 'vec4f'}`);
    return flat ? name : `bitcast<vec4u>(${name})`;
  };
  for (const d of shader.declarations) {
    if (d.file !== 'IN') continue;
    const sem = d.semantic!.name;
    each(d, (r, i) => {
      const reg = regs.named('IN', r);
      if (kFsSpecialInputs.has(sem)) {
        body.push(`${reg} = ${fragSpecial(ctx, sem, params)};`);
        return;
      }
      // Texture coordinates replaced by the sprite coordinate (glTexEnv COORD_REPLACE).
      const replaced = sem === 'TEXCOORD' && link.pointSprite && (link.pointSprite.coordEnable >> i) & 1 ? spriteCoord(ctx, params) : null;
      if (replaced) {
        body.push(`${reg} = ${replaced};`);
        return;
      }
      const key = varyingKey(sem, i);
      const loc = link.varyingLocations.get(key);
      const interp = interpolationOf(d.interp);
      const own: VaryingLink = {
        interpolation: d.interp === 'COLOR' && link.flatShade ? 'flat' : interp, sampling: samplingOf(d.location),
      };
      const l = link.varyingInterpolation?.get(key) ?? own;
      inputs.push({ ...declared.get(key)!, location: loc ?? -1 });
      if (loc === undefined) {
        body.push(`${reg} = vec4u(0u);`);
        return;
      }
      const front = varyingParam(key, loc, l, `v${loc}`);
      const bkey = varyingKey('BCOLOR', i);
      const bloc = sem === 'COLOR' ? link.varyingLocations.get(bkey) : undefined;
      if (bloc === undefined) {
        body.push(`${reg} = ${front};`);
        return;
      }
      twoSided = true;
      params.set('ff', '@builtin(front_facing) ff: bool');
      const back = varyingParam(bkey, bloc, link.varyingInterpolation?.get(bkey) ?? l, `v${bloc}`);
      body.push(`${reg} = select(${back}, ${front}, ff || vgl.flags.z == 0u);`);
    });
  }
  prologue(ctx, params, body);
  body.push('tgsi_main();');

  const { fields, epi, colors, hasColor0 } = fragmentOutputs(ctx);
  if (hasColor0 !== null) {
    body.push(`if (vgl.flags.y != 0u && !vgl_alpha_pass(bitcast<vec4f>(${hasColor0}).w)) { discard; }`);
  }
  const decls: string[] = [];
  if (hasColor0 !== null) decls.push(ALPHA_TEST);
  if (link.logicOp !== undefined) {
    params.set('fragPos', '@builtin(position) fragPos: vec4f');
    decls.push(`@group(${kStageGroup.fragment}) @binding(${kLogicOpDestBinding}) var vgl_logic_dest: texture_2d<f32>;`);
  }
  let main: string[];
  const args = [...params.values()].join(', ');
  if (fields.length > 0) {
    decls.push(`struct FsOut {\n${fields.map((f) => `  ${f},`).join('\n')}\n}`);
    main = [`@fragment fn main(${args}) -> FsOut {`, ...[...body, 'var o: FsOut;', ...epi, 'return o;'].map((l) => `  ${l}`), '}'];
  } else {
    main = [`@fragment fn main(${args}) {`, ...body.map((l) => `  ${l}`), '}'];
  }
  const iface: ShaderInterface = {
    ...shader.interface, inputs, colorOutputs: colors, usesFrontFacing: shader.interface.usesFrontFacing || twoSided,
  };
  return { decls, main, iface };
}

function fragmentOutputs(ctx: EmitContext): { fields: string[]; epi: string[]; colors: ColorOutput[]; hasColor0: string | null } {
  const { shader, link, regs } = ctx;
  const n = link.colorOutputs;
  const writesAll = shader.interface.properties['FS_COLOR0_WRITES_ALL_CBUFS']?.[0] === '1';
  const byLocation = new Map<number, string>();
  const colors: ColorOutput[] = [];
  const fields: string[] = [];
  const epi: string[] = [];
  let color0: string | null = null;
  for (const d of shader.declarations) {
    if (d.file !== 'OUT') continue;
    const sem = d.semantic!.name;
    each(d, (r, i) => {
      const reg = regs.named('OUT', r);
      if (sem === 'COLOR') {
        const locs = writesAll && i === 0 ? Array.from({ length: n }, (_v, k) => k) : i < n ? [i] : [];
        // An explicit COLOR[i] wins over COLOR0 broadcast to location i.
        for (const l of locs) if (!(writesAll && i === 0 && byLocation.has(l))) byLocation.set(l, reg);
        colors.push({ index: i, locations: locs });
        if (i === 0) color0 = reg;
      } else if (sem === 'POSITION') {
        fields.push('@builtin(frag_depth) depth: f32');
        epi.push(`o.depth = bitcast<f32>(${reg}.z);`);
      } else if (sem === 'SAMPLEMASK') {
        fields.push('@builtin(sample_mask) mask: u32');
        epi.push(`o.mask = ${reg}.x;`);
      } else if (sem === 'STENCIL') {
        throw new TgsiTranslateError('stencil export is not available in WebGPU', d.line);
      } else {
        throw new TgsiTranslateError(`fragment output ${sem} is not supported`, d.line);
      }
    });
  }
  for (const [loc, reg] of [...byLocation].sort((a, b) => a[0] - b[0])) {
    const t: ScalarType = link.colorOutputTypes?.[loc] ?? 'f32';
    fields.push(`@location(${loc}) c${loc}: ${kVec4[t]}`);
    const value = convert(reg, 'u32', t, true);
    if (loc === 0 && link.logicOp !== undefined && t === 'f32') epi.push(...logicOpLines('o.c0', value, link.logicOp));
    else epi.push(`o.c${loc} = ${value};`);
  }
  // Alpha test applies to a float COLOR0 only.
  const alpha = color0 !== null && (link.colorOutputTypes?.[0] ?? 'f32') === 'f32' ? color0 : null;
  return { fields, epi, colors, hasColor0: alpha };
}

/**
 * GL logic op on 8-bit unorm colour, against the destination copy: PIPE_LOGICOP_* is the op's truth
 * table (bit (s << 1 | d) is the result for source bit s and destination bit d), applied bitwise.
 */
function logicOpLines(out: string, src: string, op: number): string[] {
  const terms: string[] = [];
  if ((op >> 3) & 1) terms.push('(s & d)');
  if ((op >> 2) & 1) terms.push('(s & ~d)');
  if ((op >> 1) & 1) terms.push('(~s & d)');
  if (op & 1) terms.push('(~s & ~d)');
  return [
    `let s = vec4u(round(clamp(${src}, vec4f(0.0), vec4f(1.0)) * 255.0));`,
    'let d = vec4u(round(textureLoad(vgl_logic_dest, vec2i(fragPos.xy), 0) * 255.0));',
    `${out} = vec4f((${terms.join(' | ') || 'vec4u(0u)'}) & vec4u(255u)) / 255.0;`,
  ];
}

/** flags.y: 0 = off, else PIPE_FUNC_* + 1 (NEVER, LESS, EQUAL, LEQUAL, GREATER, NOTEQUAL, GEQUAL, ALWAYS). */
const ALPHA_TEST = `fn vgl_alpha_pass(a: f32) -> bool {
  let r = vgl.alphaRef.x;
  switch (vgl.flags.y - 1u) {
    case 0u: { return false; }
    case 1u: { return a < r; }
    case 2u: { return a == r; }
    case 3u: { return a <= r; }
    case 4u: { return a > r; }
    case 5u: { return a != r; }
    case 6u: { return a >= r; }
    default: { return true; }
  }
}`;

function computeEntry(ctx: EmitContext): EntryPoint {
  const params = new Map<string, string>();
  const body: string[] = [];
  prologue(ctx, params, body);
  body.push('tgsi_main();');
  const [x, y, z] = workgroupSize(ctx);
  const main = [`@compute @workgroup_size(${x}, ${y}, ${z}) fn main(${[...params.values()].join(', ')}) {`, ...body.map((l) => `  ${l}`), '}'];
  return { decls: [], main, iface: ctx.shader.interface };
}
