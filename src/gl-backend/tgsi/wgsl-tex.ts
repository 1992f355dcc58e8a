// wgsl-tex.ts: TGSI texture instructions → WGSL texture built-ins.
//
// Stage rules: implicit-derivative sampling (textureSample, textureSampleBias, textureSampleCompare)
// exists only in fragment shaders, so other stages sample level 0 (GL does the same: a vertex
// shader has no derivatives). Derivatives inside non-uniform control flow are allowed by turning
// off WGSL's derivative_uniformity diagnostic for the module: GL leaves them undefined there too.
//
// Approximations, each the closest WGSL offers: shadow lookups ignore bias and explicit LOD (WGSL
// compares at implicit LOD or at level 0 only); integer textures are read with textureLoad at the
// nearest texel, clamped to the edge (no sampler state applies to them); LODQ is computed from
// coordinate derivatives and the texture size.

import { kIdentitySwizzleBits, swizzleIndex } from './interface.js';
import { TgsiTranslateError } from './errors.js';
import type { Instruction } from './ir.js';
import type { ValType } from './opcodes.js';
import { kTargetInfo, type TargetInfo } from './targets.js';
import { samplerOperandIndex } from './validate.js';
import type { EmitContext } from './wgsl-context.js';

const C = 'xyzw';

export function emitTexture(ctx: EmitContext, inst: Instruction): string[] {
  const target = inst.texTarget!;
  const info = kTargetInfo[target];
  const fail = (why: string): never => {
    throw new TgsiTranslateError(`${inst.op.name} ${target}: ${why}`, inst.line);
  };
  if (info.unsupported) fail(info.unsupported);
  const slot = inst.src[samplerOperandIndex(inst)]!.index;
  const binding = ctx.samplers.get(slot)!;
  const T = `tex${slot}`;
  const S = `smp${slot}`;
  const frag = ctx.stage === 'fragment';
  const name = inst.op.name;
  const lines: string[] = [];
  const src1x = () => ctx.regs.srcComp(inst.src[1]!, 'f32');
  const texelType: ValType = binding.returnType === 'sint' ? 'i32' : binding.returnType === 'uint' ? 'u32' : 'f32';
  const si = swizzleIndex(ctx.stage, slot);
  // The sampler state's LOD bias, added to implicit and explicit levels alike (as Gallium does).
  const samplerBias = `vgl.lodBias[${si >> 2}][${si & 3}]`;

  let result: string;
  let rtype: ValType = texelType;
  if (name === 'TXQ') {
    lines.push(`let lod = ${ctx.regs.srcComp(inst.src[0]!, 'i32')};`);
    result = sizeQuery(info, T);
    rtype = 'i32';
  } else if (name === 'TXQS') {
    if (!info.multisampled) fail('needs a multisampled texture');
    result = `vec4u(textureNumSamples(${T}))`;
    rtype = 'u32';
  } else if (name === 'TXF' || name === 'TXF_LZ') {
    if (info.view === 'cube' || info.view === 'cube-array') fail('cannot fetch texels of a cube texture');
    lines.push(`let ic = ${ctx.regs.src(inst.src[0]!, 'i32')};`);
    const off = offset(ctx, inst, info, fail);
    let xy = info.coords === 1 ? 'vec2i(ic.x, 0)' : info.coords === 2 ? 'ic.xy' : 'ic.xyz';
    if (off) xy = `(${xy} + ${off})`;
    const args = [T, xy];
    if (info.layer >= 0) args.push(`ic.${C[info.layer]}`);
    args.push(info.rect || name === 'TXF_LZ' ? '0' : 'ic.w');
    result = wrapShadow(`textureLoad(${args.join(', ')})`, info);
  } else {
    if (info.multisampled) fail('multisampled textures can only be fetched (TXF)');
    const c0 = ctx.regs.src(inst.src[0]!, 'f32');
    lines.push(name === 'TXP' ? `let p = ${c0};` : `let c = ${c0};`);
    if (name === 'TXP') lines.push('let c = vec4f(p.xyz / p.w, p.w);');
    if (name === 'LODQ') {
      result = frag ? lodQuery(info, T) : 'vec4f(0.0)';
      rtype = 'f32';
    } else if (texelType !== 'f32' && name !== 'TG4') {
      if (info.view === 'cube' || info.view === 'cube-array') fail('integer cube textures cannot be sampled');
      const level = name === 'TXL' ? 'i32(c.w)' : name === 'TXL2' ? `i32(${src1x()})` : '0';
      result = nearestLoad(info, T, level);
    } else {
      const coords = info.rect ? `c.xy / vec2f(textureDimensions(${T}))` : spatial(info, 'c');
      const args = [T, S, coords];
      if (info.layer >= 0) args.push(`clamp(i32(floor(c.${C[info.layer]} + 0.5)), 0, i32(textureNumLayers(${T})) - 1)`);
      const off = offset(ctx, inst, info, fail);
      const tail = (extra: string[]) => [...args, ...extra, ...(off ? [off] : [])].join(', ');
      if (info.shadow) {
        if (info.ref === 4 && inst.src.length < 3) fail('the depth reference needs a TEX2/TXB2/TXL2/TG4-style operand');
        const ref = info.ref === 4 ? src1x() : `c.${C[info.ref]}`;
        if (name === 'TG4') result = `textureGatherCompare(${tail([ref])})`;
        else {
          const implicit = frag && name !== 'TXL' && name !== 'TXL2' && name !== 'TEX_LZ';
          result = `vec4f(${implicit ? 'textureSampleCompare' : 'textureSampleCompareLevel'}(${tail([ref])}))`;
        }
        rtype = 'f32';
      } else {
        switch (name) {
          case 'TEX': case 'TXP': case 'TEX2':
            result = frag ? `textureSampleBias(${tail([samplerBias])})` : `textureSampleLevel(${tail([samplerBias])})`;
            break;
          case 'TXB': case 'TXB2': {
            const bias = name === 'TXB' ? 'c.w' : src1x();
            result = frag ? `textureSampleBias(${tail([`clamp(${bias} + ${samplerBias}, -16.0, 15.99)`])})` : `textureSampleLevel(${tail([samplerBias])})`;
            break;
          }
          case 'TEX_LZ':
            result = `textureSampleLevel(${tail(['0.0'])})`;
            break;
          case 'TXL': case 'TXL2':
            result = `textureSampleLevel(${tail([`${name === 'TXL' ? 'c.w' : src1x()} + ${samplerBias}`])})`;
            break;
          case 'TXD': {
            const g = (i: number) => {
              lines.push(`let d${i} = ${ctx.regs.src(inst.src[i]!, 'f32')};`);
              const v = spatial(info, `d${i}`, '0.0');
              return info.rect ? `${v} / vec2f(textureDimensions(${T}))` : v;
            };
            result = `textureSampleGrad(${tail([g(1), g(2)])})`;
            break;
          }
          case 'TG4': {
            if (info.coords !== 2 && info.view !== 'cube' && info.view !== 'cube-array') fail('gather needs a 2D, array or cube texture');
            // The component is an immediate operand, or (PIPE_CAP_TGSI_TG4_COMPONENT_IN_SWIZZLE)
            // the sampler's swizzle with an unused NULL operand.
            const s1 = inst.src[1]!;
            const samp = inst.src[samplerOperandIndex(inst)]!;
            const comp = s1.file === 'IMM' && !s1.indirect ? ctx.regs.immWord(s1.file, s1.index, s1.swizzle[0])! : s1.file === 'NULL' ? samp.swizzle[0] : fail('the gather component must be an immediate');
            result = `textureGather(${comp & 3}, ${tail([])})`;
            break;
          }
          default:
            fail('unhandled texture opcode');
        }
        // CLAMP_TO_BORDER (fragment slots): the border colour outside [0, 1] on a bordered axis.
        if (frag && name !== 'TG4' && !info.rect && info.view !== 'cube' && info.view !== 'cube-array') {
          const n = info.view === '3d' ? 3 : 2;
          result = `vgl_border${n}(${result!}, ${coords}, ${slot}u)`;
          ctx.borders.add(n);
        }
      }
    }
  }
  // Texel results, shadow comparisons included (GL's depth texture mode arrives as the view swizzle),
  // go through the slot's swizzle (format emulation and sampler-view swizzle).
  if (name !== 'TXQ' && name !== 'TXQS' && name !== 'LODQ' && name !== 'TG4') {
    result = `vgl_swz_${rtype}(${result!}, vgl.texSwizzle[${si >> 2}][${si & 3}])`;
    ctx.swizzles.add(rtype);
  }
  return ['{', ...lines.map((l) => `  ${l}`), ...ctx.regs.write(inst.dst[0]!, result!, rtype, false, inst.saturate).map((l) => `  ${l}`), '}'];
}

/** WGSL of the swizzle helper for one texel type. */
export function swizzleHelper(t: ValType): string {
  const v = t === 'f32' ? 'vec4f' : t === 'i32' ? 'vec4i' : 'vec4u';
  const [zero, one] = t === 'f32' ? ['0.0', '1.0'] : t === 'i32' ? ['0i', '1i'] : ['0u', '1u'];
  return `fn vgl_swz_${t}(v: ${v}, bits: u32) -> ${v} {
  let s = bits ^ ${kIdentitySwizzleBits}u;
  var e = v;
  var r: ${v};
  for (var i = 0u; i < 4u; i++) {
    let c = (s >> (3u * i)) & 7u;
    r[i] = select(select(${zero}, ${one}, c == 5u), e[min(c, 3u)], c < 4u);
  }
  return r;
}`;
}

/** WGSL of the border-colour helper for 2 or 3 coordinates (VglDriver.borderColor/borderMask). */
export function borderHelper(n: number): string {
  const v = n === 3 ? 'vec3f' : 'vec2f';
  return `fn vgl_border${n}(texel: vec4f, c: ${v}, slot: u32) -> vec4f {
  let mask = vgl.borderMask[slot >> 2u][slot & 3u];
  let outside = (c < ${v}(0.0)) | (c > ${v}(1.0));
  let bordered = (vec3u(mask) & vec3u(1u, 2u, 4u)) != vec3u(0u);
  return select(texel, vgl.borderColor[slot], any(outside & bordered.${n === 3 ? 'xyz' : 'xy'}));
}`;
}

/** Normalized coordinates in WGSL's shape (1D → 2D at the centre row). */
function spatial(info: TargetInfo, c: string, y1d = '0.5'): string {
  return info.coords === 1 ? `vec2f(${c}.x, ${y1d})` : info.coords === 2 ? `${c}.xy` : `${c}.xyz`;
}

function wrapShadow(v: string, info: TargetInfo): string {
  return info.shadow ? `vec4f(${v})` : v;
}

/** Texel offsets must be compile-time constants in WGSL: read them from the immediates. */
function offset(ctx: EmitContext, inst: Instruction, info: TargetInfo, fail: (w: string) => never): string | null {
  const o = inst.texOffsets[0];
  if (!o) return null;
  if (info.view === 'cube' || info.view === 'cube-array') fail('cube textures take no texel offsets');
  const n = info.coords === 3 ? 3 : 2;
  const v: number[] = [];
  for (let i = 0; i < n; i++) {
    const w = i < info.coords ? ctx.regs.immWord(o.file, o.index, o.swizzle[i]!) : 0;
    if (w === null) fail('texel offsets must be immediates');
    v.push(Math.max(-8, Math.min(7, w! | 0)));
  }
  return `vec${n}i(${v.join(', ')})`;
}

function sizeQuery(info: TargetInfo, T: string): string {
  const d = info.multisampled ? `textureDimensions(${T})` : `textureDimensions(${T}, lod)`;
  const levels = info.multisampled ? '1' : `i32(textureNumLevels(${T}))`;
  const layers = `i32(textureNumLayers(${T}))`;
  if (info.view === '3d') return `vec4i(vec3i(${d}), ${levels})`;
  if (info.coords === 1) return info.layer >= 0 ? `vec4i(i32(${d}.x), ${layers}, 0, ${levels})` : `vec4i(i32(${d}.x), 0, 0, ${levels})`;
  return info.layer >= 0 ? `vec4i(vec2i(${d}), ${layers}, ${levels})` : `vec4i(vec2i(${d}), 0, ${levels})`;
}

/** Integer textures: the texel under the coordinate at `level`, clamped to the edge. */
function nearestLoad(info: TargetInfo, T: string, level: string): string {
  const n = info.coords === 3 ? 3 : 2;
  const dims = `vec${n}i(textureDimensions(${T}, ${level}))`;
  let ic: string;
  if (info.coords === 1) ic = `vec2i(i32(floor(c.x * f32(${dims}.x))), 0)`;
  else if (info.rect) ic = 'vec2i(floor(c.xy))';
  else ic = `vec${n}i(floor(c.${'xyz'.slice(0, n)} * vec${n}f(${dims})))`;
  const args = [T, `clamp(${ic}, vec${n}i(0), ${dims} - vec${n}i(1))`];
  if (info.layer >= 0) args.push(`clamp(i32(floor(c.${C[info.layer]} + 0.5)), 0, i32(textureNumLayers(${T})) - 1)`);
  args.push(level);
  return `textureLoad(${args.join(', ')})`;
}

/** LODQ: (clamped lod, unclamped lod, 0, 0) from the derivatives of the texel-space coordinate. */
function lodQuery(info: TargetInfo, T: string): string {
  const n = info.view === '3d' ? 3 : 2;
  const size = info.view === 'cube' || info.view === 'cube-array' ? `vec3f(f32(textureDimensions(${T}).x))` : `vec${n}f(textureDimensions(${T}))`;
  const uv = info.view === 'cube' || info.view === 'cube-array' ? `c.xyz * ${size}` : info.rect ? 'c.xy' : `${spatial(info, 'c')} * ${size}`;
  const lod = `0.5 * log2(max(dot(dpdx(${uv}), dpdx(${uv})), dot(dpdy(${uv}), dpdy(${uv}))))`;
  return `vec4f(clamp(${lod}, 0.0, f32(textureNumLevels(${T})) - 1.0), ${lod}, 0.0, 0.0)`;
}
