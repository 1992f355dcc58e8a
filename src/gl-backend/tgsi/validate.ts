// validate.ts: structural checks on a parsed shader, before anything is emitted:
//   - control flow is balanced (IF/ELSE/ENDIF, BGNLOOP/ENDLOOP, SWITCH/CASE/ENDSWITCH), BRK/CONT sit
//     in a loop or switch, END is at the top level;
//   - every register an instruction touches is declared (IMM: defined), and writes go to writable files;
//   - texture instructions name a declared sampler, and one slot has one target that agrees with its SVIEW.
// Failures are TgsiParseError with the offending line and column.

import { TgsiParseError } from './errors.js';
import type { TextureTarget } from './interface.js';
import type { Declaration, Instruction, ParsedShader, RegisterFile, RegisterRef } from './ir.js';
import { baseTarget } from './targets.js';

type Block = { kind: 'if' | 'loop' | 'switch' | 'sub'; line: number; sawElse: boolean };

const WRITABLE: ReadonlySet<RegisterFile> = new Set(['TEMP', 'OUT', 'ADDR', 'NULL']);
const CHECKED: ReadonlySet<RegisterFile> = new Set(['IN', 'OUT', 'TEMP', 'CONST', 'SAMP', 'SVIEW', 'ADDR', 'SV']);

/** Declared ranges per file and dimension: key `${file}/${dim}` → sorted-free list of [first, last]. */
class DeclIndex {
  private readonly ranges = new Map<string, [number, number][]>();
  readonly svTargets = new Map<number, Declaration>();

  constructor(decls: readonly Declaration[]) {
    for (const d of decls) {
      const key = `${d.file}/${d.dimension ?? 0}`;
      let list = this.ranges.get(key);
      if (!list) this.ranges.set(key, (list = []));
      list.push([d.first, d.last]);
      if (d.file === 'SVIEW') for (let i = d.first; i <= d.last; i++) this.svTargets.set(i, d);
    }
  }

  has(file: RegisterFile, dim: number, index: number): boolean {
    const list = this.ranges.get(`${file}/${dim}`);
    if (!list) return false;
    for (const [a, b] of list) if (index >= a && index <= b) return true;
    return false;
  }

  hasFile(file: RegisterFile, dim: number): boolean {
    return this.ranges.has(`${file}/${dim}`);
  }
}

export function validateTgsi(shader: ParsedShader): void {
  const decls = new DeclIndex(shader.declarations);
  const fail = (msg: string, line: number, column = 1): never => {
    throw new TgsiParseError(msg, line, column);
  };

  const checkReg = (r: RegisterRef, write: boolean) => {
    if (write && !WRITABLE.has(r.file)) fail(`cannot write to ${r.file}`, r.line, r.column);
    if (r.file === 'IMM') {
      if (r.indirect === null && r.index >= shader.immediates.length) fail(`IMM[${r.index}] is not defined`, r.line, r.column);
    } else if (CHECKED.has(r.file)) {
      const dim = r.dimension ?? 0;
      // Indirect accesses are range-checked at run time (robust buffer access); the file must exist.
      const ok = r.indirect || r.dimIndirect ? decls.hasFile(r.file, dim) || r.file === 'CONST' : decls.has(r.file, dim, r.index);
      if (!ok) fail(`${r.file}${r.dimension !== null ? `[${r.dimension}]` : ''}[${r.index}] is not declared`, r.line, r.column);
    }
    for (const ind of [r.indirect, r.dimIndirect]) {
      if (!ind) continue;
      if (ind.file !== 'ADDR' && ind.file !== 'TEMP') fail(`indirect index must be ADDR or TEMP, not ${ind.file}`, r.line, r.column);
      if (!decls.has(ind.file, 0, ind.index)) fail(`${ind.file}[${ind.index}] is not declared`, r.line, r.column);
    }
  };

  const stack: Block[] = [];
  const slotTargets = new Map<number, TextureTarget>();
  let ended = false;

  let prev: Instruction | undefined;
  for (const inst of shader.instructions) {
    const info = inst.op;
    if (ended && info.name !== 'BGNSUB' && stack.length === 0) fail(`${info.name} after END (only subroutines may follow)`, inst.line);
    for (const d of inst.dst) checkReg(d, true);
    for (const s of inst.src) checkReg(s, false);
    for (const o of inst.texOffsets) {
      if (o.file === 'IMM' && o.index >= shader.immediates.length) fail(`IMM[${o.index}] is not defined`, inst.line);
    }
    if (inst.texTarget) checkTexture(inst, inst.texTarget, decls, slotTargets, fail);

    const top = stack[stack.length - 1];
    if (info.nesting) {
      const { role, block } = info.nesting;
      if (role === 'open') stack.push({ kind: block, line: inst.line, sawElse: false });
      else if (!top || top.kind !== block) fail(`${info.name} without a matching ${openerOf(block)}`, inst.line);
      else if (role === 'close') stack.pop();
      else if (info.name === 'ELSE') {
        if (top.sawElse) fail('second ELSE in one IF', inst.line);
        top.sawElse = true;
      }
    } else if (info.name === 'BRK') {
      if (!stack.some((b) => b.kind === 'loop' || b.kind === 'switch')) fail('BRK outside a loop or switch', inst.line);
    } else if (info.name === 'CONT') {
      if (!stack.some((b) => b.kind === 'loop')) fail('CONT outside a loop', inst.line);
    } else if (info.name === 'END') {
      if (stack.length > 0) fail(`END inside an unclosed ${stack[stack.length - 1]!.kind}`, inst.line);
      ended = true;
    }
    // Statements between SWITCH and its first CASE/DEFAULT have nowhere to go.
    if (prev?.op.name === 'SWITCH' && info.name !== 'CASE' && info.name !== 'DEFAULT' && info.name !== 'ENDSWITCH') {
      fail(`${info.name} before the first CASE of a SWITCH`, inst.line);
    }
    prev = inst;
  }
  if (stack.length > 0) {
    const open = stack[stack.length - 1]!;
    fail(`${openerOf(open.kind)} at line ${open.line} is never closed`, open.line);
  }
}

function openerOf(block: Block['kind']): string {
  return { if: 'IF', loop: 'BGNLOOP', switch: 'SWITCH', sub: 'BGNSUB' }[block];
}

/** The sampler operand of a texture instruction: the last source (TXQS has only that one). */
export function samplerOperandIndex(inst: Instruction): number {
  return inst.src.length - 1;
}

function checkTexture(
  inst: Instruction, target: TextureTarget, decls: DeclIndex, slots: Map<number, TextureTarget>,
  fail: (msg: string, line: number, column?: number) => never,
): void {
  const s = inst.src[samplerOperandIndex(inst)]!;
  if (s.file !== 'SAMP' && s.file !== 'SVIEW') fail(`${inst.op.name} needs a SAMP operand, got ${s.file}`, s.line, s.column);
  if (s.indirect) fail('indirectly indexed samplers are not supported', s.line, s.column);
  const prev = slots.get(s.index);
  if (prev !== undefined && prev !== target) fail(`sampler ${s.index} used as both ${prev} and ${target}`, s.line, s.column);
  slots.set(s.index, target);
  const view = decls.svTargets.get(s.index);
  if (view?.target && baseTarget(view.target) !== baseTarget(target)) {
    fail(`${inst.op.name} uses sampler ${s.index} as ${target} but SVIEW[${s.index}] is ${view.target}`, s.line, s.column);
  }
}
