// wgsl-body.ts: the instruction stream → the statements of the WGSL body function.
//
// TGSI control flow is already structured, so IF/ELSE/ENDIF, BGNLOOP/ENDLOOP and SWITCH/CASE map
// onto WGSL if/loop/switch. Two rules need care:
//   - TGSI CASE bodies fall through; WGSL's do not. A body that does not end in BRK/CONT/RET gets
//     the following bodies appended (duplicated) up to the first one that does.
//   - Loops carry an iteration guard (LinkOptions.loopLimit over all loops of an invocation), so a
//     guest shader cannot hang the GPU.

import { TgsiTranslateError } from './errors.js';
import { kDefaultLoopLimit } from './interface.js';
import type { Instruction } from './ir.js';
import { kHelperDeps, kHelperFn, type HelperName, type HelperSink } from './opcodes.js';
import { emitTexture } from './wgsl-tex.js';
import { i32Literal } from './wgsl-regs.js';
import type { EmitContext } from './wgsl-context.js';

/** Upper bound on emitted body lines (fallthrough duplication could otherwise grow quadratically). */
const MAX_LINES = 1 << 20;
const TERMINATORS: ReadonlySet<string> = new Set(['BRK', 'CONT', 'RET']);

interface Structure {
  /** Opener index → its closer index. */
  readonly close: Int32Array;
  /** IF index → its ELSE index, or -1. */
  readonly elseAt: Int32Array;
  /** SWITCH index → its CASE/DEFAULT indices. */
  readonly labels: Map<number, number[]>;
  /** Where the main program ends (first top-level END), exclusive. */
  readonly end: number;
  readonly hasLoops: boolean;
}

function structure(insts: readonly Instruction[]): Structure {
  const close = new Int32Array(insts.length).fill(-1);
  const elseAt = new Int32Array(insts.length).fill(-1);
  const labels = new Map<number, number[]>();
  const stack: number[] = [];
  let end = insts.length;
  let hasLoops = false;
  for (let i = 0; i < insts.length; i++) {
    const op = insts[i]!.op;
    const n = op.nesting;
    if (op.name === 'END' && stack.length === 0) {
      end = i;
      break;
    }
    if (!n) continue;
    if (n.role === 'open') {
      stack.push(i);
      if (n.block === 'loop') hasLoops = true;
      if (n.block === 'switch') labels.set(i, []);
    } else if (n.role === 'close') close[stack.pop()!] = i;
    else if (op.name === 'ELSE') elseAt[stack[stack.length - 1]!] = i;
    else labels.get(stack[stack.length - 1]!)!.push(i);
  }
  return { close, elseAt, labels, end, hasLoops };
}

export function emitBody(ctx: EmitContext): string[] {
  const insts = ctx.shader.instructions;
  const st = structure(insts);
  const out: string[] = [];
  const limit = Math.max(1, Math.min(ctx.link.loopLimit ?? kDefaultLoopLimit, 0xfffffffe) >>> 0);
  const sink: HelperSink = {
    use(h: HelperName) {
      ctx.helpers.add(h);
      for (const d of kHelperDeps[h]) ctx.helpers.add(d);
      return kHelperFn[h];
    },
  };
  if (st.hasLoops) out.push('var vgl_iter = 0u;');

  const emit = (line: string, depth: number) => {
    if (out.length >= MAX_LINES) throw new TgsiTranslateError('translated shader is too large');
    out.push('  '.repeat(depth) + line);
  };

  const range = (start: number, end: number, depth: number): void => {
    for (let i = start; i < end; i++) {
      const inst = insts[i]!;
      const op = inst.op;
      if (op.unsupported) throw new TgsiTranslateError(`${op.name}: ${op.unsupported}`, inst.line);
      if (op.kind === 'alu') for (const l of alu(ctx, inst, sink)) emit(l, depth);
      else if (op.kind === 'tex') for (const l of emitTexture(ctx, inst)) emit(l, depth);
      else i = flow(inst, i, depth);
    }
  };

  /** Emits a flow instruction; returns the index to continue after. */
  const flow = (inst: Instruction, i: number, depth: number): number => {
    const src = inst.src[0];
    switch (inst.op.flow) {
      case 'IF':
      case 'UIF': {
        const cond = inst.op.flow === 'IF' ? `${ctx.regs.srcComp(src!, 'f32')} != 0.0` : `${ctx.regs.srcComp(src!, 'u32')} != 0u`;
        const els = st.elseAt[i]!;
        const end = st.close[i]!;
        emit(`if (${cond}) {`, depth);
        range(i + 1, els >= 0 ? els : end, depth + 1);
        if (els >= 0) {
          emit('} else {', depth);
          range(els + 1, end, depth + 1);
        }
        emit('}', depth);
        return end;
      }
      case 'BGNLOOP': {
        const end = st.close[i]!;
        emit('loop {', depth);
        emit(`vgl_iter += 1u;`, depth + 1);
        emit(`if (vgl_iter > ${limit}u) { break; }`, depth + 1);
        range(i + 1, end, depth + 1);
        emit('}', depth);
        return end;
      }
      case 'SWITCH':
        switchStatement(inst, i, depth);
        return st.close[i]!;
      case 'BRK': emit('break;', depth); return i;
      case 'CONT': emit('continue;', depth); return i;
      case 'RET': case 'END': emit('return;', depth); return i;
      case 'NOP': return i;
      case 'KILL': case 'DEMOTE':
        fragmentOnly(inst);
        emit('discard;', depth);
        return i;
      case 'KILL_IF':
        fragmentOnly(inst);
        emit(`if (any(${ctx.regs.src(src!, 'f32')} < vec4f(0.0))) { discard; }`, depth);
        return i;
      default:
        throw new TgsiTranslateError(`${inst.op.name} outside its block`, inst.line);
    }
  };

  const fragmentOnly = (inst: Instruction) => {
    if (ctx.stage !== 'fragment') throw new TgsiTranslateError(`${inst.op.name} is only valid in fragment shaders`, inst.line);
  };

  const switchStatement = (inst: Instruction, i: number, depth: number) => {
    const labels = st.labels.get(i)!;
    const end = st.close[i]!;
    type Group = { selectors: string[]; start: number; end: number };
    const groups: Group[] = [];
    const seen = new Set<string>();
    let pending: string[] = [];
    labels.forEach((at, k) => {
      const label = insts[at]!;
      let sel = 'default';
      if (label.op.name === 'CASE') {
        const s = label.src[0]!;
        const w = s.indirect ? null : ctx.regs.immWord(s.file, s.index, s.swizzle[0]);
        if (w === null) throw new TgsiTranslateError('CASE needs an immediate value', label.line);
        sel = i32Literal(w);
      }
      if (seen.has(sel)) throw new TgsiTranslateError(`duplicate CASE ${sel}`, label.line);
      seen.add(sel);
      pending.push(sel);
      const bodyEnd = k + 1 < labels.length ? labels[k + 1]! : end;
      if (bodyEnd > at + 1 || k + 1 === labels.length) {
        groups.push({ selectors: pending, start: at + 1, end: bodyEnd });
        pending = [];
      }
    });
    emit(`switch (${ctx.regs.srcComp(inst.src[0]!, 'i32')}) {`, depth);
    groups.forEach((g, k) => {
      emit(`case ${g.selectors.join(', ')}: {`, depth + 1);
      // Fall through by duplicating the following bodies until one ends the case.
      for (let j = k; j < groups.length; j++) {
        const body = groups[j]!;
        range(body.start, body.end, depth + 2);
        if (body.end > body.start && TERMINATORS.has(insts[body.end - 1]!.op.name)) break;
      }
      emit('}', depth + 1);
    });
    if (!seen.has('default')) emit('default: {}', depth + 1);
    emit('}', depth);
  };

  range(0, st.end, 0);
  return out;
}

function alu(ctx: EmitContext, inst: Instruction, sink: HelperSink): string[] {
  const spec = inst.op.alu!;
  const dst = inst.dst[0]!;
  const s0 = inst.src[0];
  // Plain moves copy bits, so integer data moved by MOV/UARL never passes through a float.
  if ((inst.op.name === 'MOV' || inst.op.name === 'UARL') && !inst.saturate && s0 && !s0.negate && !s0.abs) {
    return ctx.regs.write(dst, ctx.regs.src(s0, 'u32'), 'u32', false, false);
  }
  if (spec.fragmentOnly && ctx.stage !== 'fragment') return ctx.regs.write(dst, 'vec4f(0.0)', 'f32', false, false);
  const args = inst.src.map((s, k) => (spec.args === 'x' ? ctx.regs.srcComp(s, spec.srcTypes[k]!) : ctx.regs.src(s, spec.srcTypes[k]!)));
  return ctx.regs.write(dst, spec.template(args, sink), spec.result, spec.shape === 'splat', inst.saturate);
}
