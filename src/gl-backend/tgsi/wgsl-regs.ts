// wgsl-regs.ts: how TGSI registers live in WGSL, and the source/destination expressions built on them.
//
// Storage choice: every TGSI register is an untyped vec4 of 32-bit words, so registers are
// vec4<u32> and each opcode bitcasts its operands to the type it computes in (f32, i32 or u32).
// Integer bit patterns survive exactly this way (small integers are f32 denormals, which float
// storage could flush to zero), and a bitcast costs nothing after compilation.
//
//   TEMP  t<n> (function var), or ta<id>[k] for a declared ARRAY, or r[n] for all temps when an
//         indirect access falls outside every declared array
//   IN    in_<n> / vin[n] (private, filled by the entry point), OUT out_<n> / vout[n], SV sv_<n>
//   ADDR  a<n>: vec4<i32>        CONST cb<file>[n] (uniform array<vec4<u32>, N>)
//   IMM   imm<n> (a `let`, so no expression on immediates is a WGSL const-expression: constant
//         evaluation would turn a guest's 1.0/0.0 or an out-of-range bitfield into a compile error)

import { TgsiTranslateError } from './errors.js';
import type { Component, DstOperand, Immediate, IndirectRef, RegisterRef, SrcOperand, TgsiShader } from './ir.js';
import { kVec4, type ValType } from './opcodes.js';

const C = 'xyzw';
/** WGSL limit on the bytes of private (and, separately, function) variables. */
const MAX_VAR_BYTES = 8192;

interface TempArray {
  readonly id: number;
  readonly first: number;
  readonly last: number;
}

export class Registers {
  private readonly tempArrays = new Map<number, TempArray>();
  private readonly tempArrayAt = new Map<number, TempArray>();
  private readonly usedTemps = new Set<number>();
  private readonly usedAddr = new Set<number>();
  private flatTemps = false;
  private flatIn = false;
  private flatOut = false;
  private immIndirect = false;
  private maxTemp = -1;
  private maxIn = -1;
  private maxOut = -1;
  /** Declared IN/OUT/SV registers. */
  readonly inRegs = new Set<number>();
  readonly outRegs = new Set<number>();
  readonly svRegs = new Set<number>();

  constructor(private readonly shader: TgsiShader) {
    for (const d of shader.declarations) {
      if (d.file === 'TEMP') {
        this.maxTemp = Math.max(this.maxTemp, d.last);
        if (d.arrayId > 0) {
          if (this.tempArrays.has(d.arrayId)) throw new TgsiTranslateError(`TEMP ARRAY(${d.arrayId}) declared twice`, d.line);
          const a = { id: d.arrayId, first: d.first, last: d.last };
          this.tempArrays.set(d.arrayId, a);
          for (let i = d.first; i <= d.last; i++) this.tempArrayAt.set(i, a);
        }
      } else if (d.file === 'IN' || d.file === 'OUT' || d.file === 'SV') {
        const set = d.file === 'IN' ? this.inRegs : d.file === 'OUT' ? this.outRegs : this.svRegs;
        for (let i = d.first; i <= d.last; i++) set.add(i);
        if (d.file === 'IN') this.maxIn = Math.max(this.maxIn, d.last);
        if (d.file === 'OUT') this.maxOut = Math.max(this.maxOut, d.last);
      }
    }
    for (const inst of shader.instructions) {
      for (const r of [...inst.dst, ...inst.src]) this.scan(r);
    }
  }

  private scan(r: RegisterRef): void {
    for (const ind of [r.indirect, r.dimIndirect]) {
      if (ind?.file === 'TEMP') this.usedTemps.add(ind.index);
      if (ind?.file === 'ADDR') this.usedAddr.add(ind.index);
    }
    if (r.file === 'TEMP') {
      if (!r.indirect) this.usedTemps.add(r.index);
      else if (!this.arrayFor(r)) this.flatTemps = true;
    } else if (r.file === 'ADDR') this.usedAddr.add(r.index);
    else if (r.indirect && r.file === 'IN') this.flatIn = true;
    else if (r.indirect && r.file === 'OUT') this.flatOut = true;
    else if (r.indirect && r.file === 'IMM') this.immIndirect = true;
    if (r.dimIndirect) throw new TgsiTranslateError('indirectly indexed constant buffers are not supported', r.line);
  }

  private arrayFor(r: RegisterRef): TempArray | undefined {
    return r.arrayId > 0 ? this.tempArrays.get(r.arrayId) : this.tempArrayAt.get(r.index);
  }

  /** i32 expression of an indirect index plus offset. */
  private indexExpr(ind: IndirectRef, offset: number): string {
    const v = ind.file === 'ADDR' ? `a${ind.index}.${C[ind.component]}` : `bitcast<i32>(${this.temp(ind.index)}.${C[ind.component]})`;
    return offset === 0 ? v : offset > 0 ? `(${v} + ${offset})` : `(${v} - ${-offset})`;
  }

  private temp(index: number): string {
    if (this.flatTemps) return `r[${index}]`;
    const a = this.tempArrayAt.get(index);
    return a ? `ta${a.id}[${index - a.first}]` : `t${index}`;
  }

  /** Reference expression of a directly addressed register (for entry-point prologues/epilogues). */
  named(file: 'IN' | 'OUT' | 'SV', index: number): string {
    return this.ref({ file, index, indirect: null, dimension: null, dimIndirect: null, arrayId: 0, line: 0, column: 0 }).code;
  }

  /** The register as a vec4<u32> (ADDR: vec4<i32>) reference expression. */
  ref(r: RegisterRef): { code: string; type: ValType } {
    const ind = r.indirect;
    switch (r.file) {
      case 'TEMP': {
        if (!ind) return { code: this.temp(r.index), type: 'u32' };
        if (this.flatTemps) return { code: `r[${this.indexExpr(ind, r.index)}]`, type: 'u32' };
        const a = this.arrayFor(r)!;
        return { code: `ta${a.id}[${this.indexExpr(ind, r.index - a.first)}]`, type: 'u32' };
      }
      case 'IN':
        return { code: this.flatIn ? `vin[${ind ? this.indexExpr(ind, r.index) : r.index}]` : `in_${r.index}`, type: 'u32' };
      case 'OUT':
        return { code: this.flatOut ? `vout[${ind ? this.indexExpr(ind, r.index) : r.index}]` : `out_${r.index}`, type: 'u32' };
      case 'SV':
        return { code: `sv_${r.index}`, type: 'u32' };
      case 'ADDR':
        return { code: `a${r.index}`, type: 'i32' };
      case 'CONST':
        return { code: `cb${r.dimension ?? 0}[${ind ? this.indexExpr(ind, r.index) : r.index}]`, type: 'u32' };
      case 'IMM':
        return { code: ind ? `imms[${this.indexExpr(ind, r.index)}]` : `imm${r.index}`, type: 'u32' };
      case 'NULL':
        // An unused operand (TG4's component slot when the component is in the sampler swizzle).
        return { code: 'vec4u(0u)', type: 'u32' };
      default:
        throw new TgsiTranslateError(`register file ${r.file} is not supported here`, r.line);
    }
  }

  /** Source operand as a vec4 of type t, swizzled, with its modifiers applied. */
  src(op: SrcOperand, t: ValType): string {
    const { code, type } = this.ref(op);
    const swz = isIdentity(op.swizzle) ? '' : `.${op.swizzle.map((c) => C[c]).join('')}`;
    return modifiers(convert(`${code}${swz}`, type, t, true), op, t, true);
  }

  /** Component `comp` (0 = the first swizzle letter) of a source, as a scalar of type t. */
  srcComp(op: SrcOperand, t: ValType, comp = 0): string {
    const { code, type } = this.ref(op);
    return modifiers(convert(`${code}.${C[op.swizzle[comp]!]}`, type, t, false), op, t, false);
  }

  /** Immediate words of a direct IMM operand (for CASE labels, gather components, offsets). */
  immWord(file: string, index: number, comp: Component): number | null {
    const imm = file === 'IMM' ? this.shader.immediates[index] : undefined;
    return imm ? imm.bits[comp] : null;
  }

  /** Statements writing `value` (vec4 of type t, or a scalar when splat) to dst under its write mask. */
  write(dst: DstOperand, value: string, t: ValType, splat: boolean, saturate: boolean): string[] {
    if (dst.file === 'NULL') return [];
    if (saturate && t === 'f32') value = `saturate(${value})`;
    const { code, type } = this.ref(dst);
    const mask = dst.writeMask;
    const single = [1, 2, 4, 8].indexOf(mask);
    if (single >= 0) {
      const s = splat ? value : `(${value}).${C[single]}`;
      return [`${code}.${C[single]} = ${convert(s, t, type, false)};`];
    }
    const vec = convert(splat ? `${kVec4[t]}(${value})` : value, t, type, true);
    if (mask === 0xf) return [`${code} = ${vec};`];
    const m = [0, 1, 2, 3].map((i) => ((mask >> i) & 1 ? 'true' : 'false')).join(', ');
    return [`${code} = select(${code}, ${vec}, vec4<bool>(${m}));`];
  }

  /** Private declarations (IN, OUT, SV), filled and drained by the entry point. */
  privateDecls(): string[] {
    const out: string[] = [];
    if (this.flatIn && this.maxIn >= 0) out.push(`var<private> vin: array<vec4u, ${this.maxIn + 1}>;`);
    else for (const i of [...this.inRegs].sort((a, b) => a - b)) out.push(`var<private> in_${i}: vec4u;`);
    if (this.flatOut && this.maxOut >= 0) out.push(`var<private> vout: array<vec4u, ${this.maxOut + 1}>;`);
    else for (const i of [...this.outRegs].sort((a, b) => a - b)) out.push(`var<private> out_${i}: vec4u;`);
    for (const i of [...this.svRegs].sort((a, b) => a - b)) out.push(`var<private> sv_${i}: vec4u;`);
    const bytes = 16 * ((this.flatIn ? this.maxIn + 1 : this.inRegs.size) + (this.flatOut ? this.maxOut + 1 : this.outRegs.size) + this.svRegs.size);
    if (bytes > MAX_VAR_BYTES) throw new TgsiTranslateError(`inputs and outputs need ${bytes} bytes (WGSL allows ${MAX_VAR_BYTES})`);
    return out;
  }

  /** Function-scope declarations of the body: temporaries, address registers, immediates. */
  functionDecls(): string[] {
    const out: string[] = [];
    let vec4s = 0;
    if (this.flatTemps) {
      out.push(`var r: array<vec4u, ${this.maxTemp + 1}>;`);
      vec4s += this.maxTemp + 1;
    } else {
      for (const a of [...this.tempArrays.values()].sort((x, y) => x.id - y.id)) {
        out.push(`var ta${a.id}: array<vec4u, ${a.last - a.first + 1}>;`);
        vec4s += a.last - a.first + 1;
      }
      for (const i of [...this.usedTemps].sort((a, b) => a - b)) {
        if (this.tempArrayAt.has(i)) continue;
        out.push(`var t${i}: vec4u;`);
        vec4s++;
      }
    }
    for (const i of [...this.usedAddr].sort((a, b) => a - b)) out.push(`var a${i}: vec4i;`);
    vec4s += this.usedAddr.size;
    const imms = this.shader.immediates;
    imms.forEach((m, i) => out.push(`let imm${i} = vec4u(${m.bits.map((b) => `0x${b.toString(16)}u`).join(', ')});${immComment(m)}`));
    if (this.immIndirect && imms.length > 0) {
      out.push(`var imms = array<vec4u, ${imms.length}>(${imms.map((_m, i) => `imm${i}`).join(', ')});`);
      vec4s += imms.length;
    }
    if (vec4s * 16 > MAX_VAR_BYTES) {
      throw new TgsiTranslateError(`temporaries need ${vec4s * 16} bytes (WGSL allows ${MAX_VAR_BYTES})`);
    }
    return out;
  }
}

function isIdentity(s: readonly Component[]): boolean {
  return s[0] === 0 && s[1] === 1 && s[2] === 2 && s[3] === 3;
}

/** Converts between storage and operation types by bitcast (vec4 or scalar). */
export function convert(v: string, from: ValType, to: ValType, vec: boolean): string {
  if (from === to) return v;
  return `bitcast<${vec ? kVec4[to] : to}>(${v})`;
}

/** Applies TGSI source modifiers: abs then negate, in the operation's type. */
function modifiers(v: string, op: SrcOperand, t: ValType, vec: boolean): string {
  if (op.abs) v = t === 'u32' ? `bitcast<${vec ? 'vec4u' : 'u32'}>(abs(bitcast<${vec ? 'vec4i' : 'i32'}>(${v})))` : `abs(${v})`;
  if (op.negate) v = t === 'u32' ? `(${vec ? 'vec4u(0u)' : '0u'} - ${v})` : `(-(${v}))`;
  return v;
}

const view = new DataView(new ArrayBuffer(4));

/** `// 1.0, -2.5, ...` for float immediates, so the generated code stays readable. */
function immComment(m: Immediate): string {
  if (m.type !== 'FLT32') return '';
  return ` // ${m.bits.map((b) => (view.setUint32(0, b >>> 0), String(view.getFloat32(0)))).join(', ')}`;
}

/** A WGSL i32 literal (for CASE selectors, which must be constants). */
export function i32Literal(bits: number): string {
  return `i32(${bits | 0})`;
}
