// parser.ts: TGSI text (tgsi_dump output, as Mesa's virgl driver sends it) → ParsedShader.
//
// Grammar (one statement per line; keywords case-insensitive):
//   header      VERT | FRAG | GEOM | TESS_CTRL | TESS_EVAL | COMP
//   property    PROPERTY NAME value[, value]*
//   declaration DCL FILE[dim]?[first(..last)?](.mask)? (, attribute)*
//   immediate   IMM[n] FLT32|UINT32|INT32|FLT64|UINT64|INT64 {v, v, v, v}
//   instruction (n:)? OPCODE(_SAT)?(_PRECISE)? operands (, TARGET (, offset)*)? (:label)?
// The input is untrusted: sizes are bounded and every failure is a TgsiParseError.

import { Cursor, isHexLiteral, isSpecialFloat } from './lexer.js';
import { TgsiParseError } from './errors.js';
import { kTextureTargets, type TextureTarget } from './interface.js';
import { opcodeInfo, type OpcodeInfo } from './opcodes.js';
import {
  kRegisterFiles, type Component, type Declaration, type DstOperand, type Immediate, type ImmediateType,
  type IndirectRef, type Instruction, type InterpLocation, type InterpMode, type ParsedShader, type Processor,
  type Property, type RegisterFile, type RegisterRef, type ReturnType, type SrcOperand, type TexOffset,
} from './ir.js';

export const kLimits = {
  maxTextChars: 1 << 20,
  maxInstructions: 65536,
  /** Register indices (and dimensions) must be below this. */
  maxRegisterIndex: 4096,
  maxImmediates: 4096,
  maxDeclarations: 65536,
  maxNesting: 64,
} as const;

const PROCESSORS: ReadonlySet<string> = new Set(['VERT', 'FRAG', 'GEOM', 'TESS_CTRL', 'TESS_EVAL', 'COMP']);
const FILES: ReadonlySet<string> = new Set(kRegisterFiles);
const TARGETS: ReadonlySet<string> = new Set(kTextureTargets);
const SEMANTICS: ReadonlySet<string> = new Set([
  'POSITION', 'COLOR', 'BCOLOR', 'FOG', 'PSIZE', 'GENERIC', 'NORMAL', 'FACE', 'EDGEFLAG', 'PRIM_ID', 'INSTANCEID',
  'VERTEXID', 'STENCIL', 'CLIPDIST', 'CLIPVERTEX', 'GRID_SIZE', 'BLOCK_ID', 'BLOCK_SIZE', 'THREAD_ID', 'TEXCOORD',
  'PCOORD', 'VIEWPORT_INDEX', 'LAYER', 'SAMPLEID', 'SAMPLEPOS', 'SAMPLEMASK', 'INVOCATIONID', 'VERTEXID_NOBASE',
  'BASEVERTEX', 'PATCH', 'TESSCOORD', 'TESSOUTER', 'TESSINNER', 'VERTICESIN', 'HELPER_INVOCATION', 'BASEINSTANCE',
  'DRAWID', 'WORK_DIM', 'SUBGROUP_SIZE', 'SUBGROUP_INVOCATION', 'SUBGROUP_EQ_MASK', 'SUBGROUP_GE_MASK',
  'SUBGROUP_GT_MASK', 'SUBGROUP_LE_MASK', 'SUBGROUP_LT_MASK', 'CS_USER_DATA_AMD', 'VIEWPORT_MASK',
]);
const INTERPS: ReadonlySet<string> = new Set(['CONSTANT', 'LINEAR', 'PERSPECTIVE', 'COLOR']);
const LOCATIONS: ReadonlySet<string> = new Set(['CENTER', 'CENTROID', 'SAMPLE']);
const RETURN_TYPES: ReadonlySet<string> = new Set(['UNORM', 'SNORM', 'SINT', 'UINT', 'FLOAT']);
const IMM_TYPES: ReadonlySet<string> = new Set(['FLT32', 'UINT32', 'INT32', 'FLT64', 'UINT64', 'INT64']);
const MEMORY_WORDS: ReadonlySet<string> = new Set(['GLOBAL', 'SHARED', 'PRIVATE', 'INPUT', 'ATOMIC', 'WR', 'RAW']);

const COMPONENT: Record<string, Component> = { X: 0, Y: 1, Z: 2, W: 3 };

/** Every swizzle as one shared, frozen tuple (index: 2 bits per component, x first). */
const SWIZZLES4 = Array.from({ length: 256 }, (_v, k) =>
  Object.freeze([k & 3, (k >> 2) & 3, (k >> 4) & 3, (k >> 6) & 3] as Component[]));
const SWIZZLES3 = Array.from({ length: 64 }, (_v, k) => Object.freeze([k & 3, (k >> 2) & 3, (k >> 4) & 3] as Component[]));
const IDENTITY4: readonly Component[] = SWIZZLES4[0 | (1 << 2) | (2 << 4) | (3 << 6)]!;
const IDENTITY3: readonly Component[] = SWIZZLES3[0 | (1 << 2) | (2 << 4)]!;
/** Shared empty list for instructions without offsets or qualifiers (never pushed to). */
const NONE: never[] = Object.freeze([]) as unknown as never[];

/** Parses TGSI text. Throws only TgsiParseError. */
export function parseTgsi(text: string): ParsedShader {
  if (typeof text !== 'string') throw new TgsiParseError('shader text must be a string', 1, 1);
  if (text.length > kLimits.maxTextChars) {
    throw new TgsiParseError(`shader text too large (${text.length} > ${kLimits.maxTextChars} characters)`, 1, 1);
  }
  // virgl pads the text with NULs; the shader ends at the first one.
  const nul = text.indexOf('\0');
  return new Parser(new Cursor(text, nul < 0 ? text.length : nul)).run();
}

class Parser {
  private readonly properties: Property[] = [];
  private readonly declarations: Declaration[] = [];
  private readonly immediates: Immediate[] = [];
  private readonly instructions: Instruction[] = [];
  private depth = 0;
  /** Component letters of the swizzle or mask being read. */
  private readonly scratch = [0, 0, 0, 0];

  constructor(private readonly c: Cursor) {}

  run(): ParsedShader {
    const c = this.c;
    while (!c.atEnd && c.atEol()) c.nextLine();
    const col = c.column;
    const header = c.word();
    if (!PROCESSORS.has(header)) throw c.error('expected a shader header (VERT, FRAG, GEOM, TESS_CTRL, TESS_EVAL, COMP)', col);
    this.endStatement();
    while (!c.atEnd) {
      if (!c.atEol()) this.statement();
      c.nextLine();
    }
    return {
      processor: header as Processor, properties: this.properties, declarations: this.declarations,
      immediates: this.immediates, instructions: this.instructions,
    };
  }

  private endStatement(): void {
    if (!this.c.atEol()) throw this.c.error('unexpected text at end of statement');
  }

  private statement(): void {
    const c = this.c;
    if (isDigitCode(c.peek())) {
      // Optional instruction number "  12:".
      c.uint('instruction number');
      c.expect(':');
      this.instruction();
    } else {
      const save = c.pos;
      const col = c.column;
      const w = c.word();
      if (w === 'DCL') this.declaration();
      else if (w === 'IMM' && (c.skipBlanks(), c.peek() === 91)) this.immediate();
      else if (w === 'PROPERTY') this.property(col);
      else {
        c.pos = save;
        this.instruction();
      }
    }
    this.endStatement();
  }

  private property(col: number): void {
    const c = this.c;
    const line = c.line;
    const name = c.expectWord('a property name');
    const values: string[] = [];
    while (!c.atEol()) {
      if (values.length > 0) c.accept(',');
      c.skipBlanks();
      const neg = c.accept('-');
      const w = c.expectWord('a property value');
      values.push(neg ? `-${w}` : w);
      if (values.length > 8) throw c.error('too many property values', col);
    }
    this.properties.push({ name, values, line });
  }

  private immediate(): void {
    const c = this.c;
    const line = c.line;
    c.expect('[');
    const col = c.column;
    const n = c.uint('immediate index', kLimits.maxImmediates);
    if (n !== this.immediates.length) throw c.error(`immediates must be numbered in order (expected ${this.immediates.length})`, col);
    if (n >= kLimits.maxImmediates) throw c.error(`too many immediates (max ${kLimits.maxImmediates})`, col);
    c.expect(']');
    const tcol = (c.skipBlanks(), c.column);
    const type = c.word();
    if (!IMM_TYPES.has(type)) throw c.error('expected an immediate type (FLT32, UINT32, INT32, FLT64, UINT64, INT64)', tcol);
    c.expect('{');
    const bits: [number, number, number, number] = [0, 0, 0, 0];
    const wide = type === 'FLT64' || type === 'UINT64' || type === 'INT64';
    let words = 0;
    for (;;) {
      if (words >= 4) throw c.error('too many immediate values');
      const tok = c.numberToken();
      const w = immediateWords(type as ImmediateType, tok.text);
      if (w === null) throw c.error(`invalid ${type} value '${tok.text}'`, tok.column);
      bits[words++] = w[0];
      if (wide) bits[words++] = w[1]!;
      if (!c.accept(',')) break;
    }
    c.expect('}');
    this.immediates.push({ type: type as ImmediateType, bits, line });
  }

  private declaration(): void {
    const c = this.c;
    const line = c.line;
    const fcol = (c.skipBlanks(), c.column);
    const file = this.file();
    if (file === 'NULL') throw c.error('cannot declare the NULL file', fcol);
    // GS/TCS per-vertex inputs print as IN[][n]: the empty bracket is only a marker.
    c.skipBlanks();
    if (c.peek() === 91 && this.peekEmptyBracket()) {
      c.expect('[');
      c.expect(']');
    }
    const ranges: [number, number][] = [];
    while (ranges.length < 2 && c.accept('[')) {
      const first = c.uint('register index', kLimits.maxRegisterIndex - 1);
      const last = c.acceptRange() ? c.uint('register index', kLimits.maxRegisterIndex - 1) : first;
      if (last < first) throw c.error('declaration range ends before it starts');
      c.expect(']');
      ranges.push([first, last]);
    }
    if (ranges.length === 0) throw c.error("expected '['");
    const [first, last] = ranges[ranges.length - 1]!;
    const dimension = ranges.length === 2 ? ranges[0]![0] : null;
    const usageMask = this.optWriteMask();
    const d = {
      file, first, last, dimension, usageMask, arrayId: 0, local: false, invariant: false,
      semantic: null as { name: string; index: number } | null, interp: null as InterpMode | null,
      location: 'CENTER' as InterpLocation, target: null as TextureTarget | null, returnType: null as ReturnType | null, line,
    };
    while (c.accept(',')) {
      const acol = (c.skipBlanks(), c.column);
      const w = c.expectWord('a declaration attribute');
      if (w === 'ARRAY') {
        c.expect('(');
        d.arrayId = c.uint('array id', 0xffff);
        c.expect(')');
      } else if (w === 'LOCAL') d.local = true;
      else if (w === 'INVARIANT') d.invariant = true;
      else if (w === 'STREAM') {
        c.expect('(');
        for (let i = 0; i < 4; i++) {
          if (i > 0) c.expect(',');
          c.uint('stream', 3);
        }
        c.expect(')');
      } else if ((file === 'SVIEW' || file === 'IMAGE') && d.target === null && TARGETS.has(w)) d.target = w as TextureTarget;
      else if (file === 'SVIEW' && RETURN_TYPES.has(w)) d.returnType ??= w as ReturnType;
      else if (d.semantic === null && SEMANTICS.has(w) && file !== 'SVIEW' && file !== 'IMAGE') {
        let index = 0;
        if (c.accept('[')) {
          index = c.uint('semantic index', kLimits.maxRegisterIndex - 1);
          c.expect(']');
        }
        d.semantic = { name: w, index };
      } else if (INTERPS.has(w) && d.interp === null) d.interp = w as InterpMode;
      else if (LOCATIONS.has(w)) d.location = w as InterpLocation;
      else if (file === 'IMAGE' || MEMORY_WORDS.has(w)) {
        // Image formats and memory qualifiers: files we reject at emit time; keep parsing.
      } else throw c.error(`unknown declaration attribute '${w}'`, acol);
    }
    if (this.declarations.length >= kLimits.maxDeclarations) throw c.error('too many declarations');
    this.declarations.push(d);
  }

  private peekEmptyBracket(): boolean {
    const c = this.c;
    const save = c.pos;
    c.pos++;
    const empty = c.accept(']');
    c.pos = save;
    return empty;
  }

  private instruction(): void {
    const c = this.c;
    const line = c.line;
    const col = (c.skipBlanks(), c.column);
    const { info, saturate, precise } = this.opcode(col);
    if (this.instructions.length >= kLimits.maxInstructions) throw c.error(`too many instructions (max ${kLimits.maxInstructions})`, col);
    const dst: DstOperand[] = [];
    const src: SrcOperand[] = [];
    let texTarget: TextureTarget | null = null;
    const operands = info.dsts + info.srcs + (info.isTex ? 1 : 0);
    for (let i = 0; i < operands; i++) {
      if (i > 0) c.expect(',', "',' and another operand");
      if (i < info.dsts) dst.push(this.dstOperand());
      else if (i < info.dsts + info.srcs) src.push(this.srcOperand());
      else {
        const tcol = (c.skipBlanks(), c.column);
        const t = c.word();
        if (!TARGETS.has(t)) throw c.error('expected a texture target', tcol);
        texTarget = t as TextureTarget;
      }
    }
    let texOffsets: TexOffset[] = NONE;
    let extra: string[] = NONE;
    while ((info.isTex || info.texOffsets) && texOffsets.length < 4 && c.accept(',')) {
      if (texOffsets === NONE) texOffsets = [];
      texOffsets.push(this.texOffset());
    }
    while (info.memory && extra.length < 8 && c.accept(',')) {
      if (extra === NONE) extra = [];
      extra.push(c.expectWord('a memory qualifier or format'));
    }
    if (info.branch && c.accept(':')) c.uint('label');
    this.nest(info, col);
    this.instructions.push({ op: info, saturate, precise, dst, src, texTarget, texOffsets, extra, line });
  }

  private opcode(col: number): { info: OpcodeInfo; saturate: boolean; precise: boolean } {
    let name = this.c.word();
    if (!name) throw this.c.error('expected an opcode, DCL, IMM or PROPERTY', col);
    let info = opcodeInfo(name);
    let saturate = false;
    let precise = false;
    if (!info && name.endsWith('_PRECISE')) {
      precise = true;
      name = name.slice(0, -8);
      info = opcodeInfo(name);
    }
    if (!info && name.endsWith('_SAT')) {
      saturate = true;
      name = name.slice(0, -4);
      info = opcodeInfo(name);
    }
    if (!info) throw this.c.error(`unknown opcode '${name}'`, col);
    return { info, saturate, precise };
  }

  private nest(info: OpcodeInfo, col: number): void {
    if (!info.nesting) return;
    if (info.nesting.role === 'open' && ++this.depth > kLimits.maxNesting) {
      throw this.c.error(`control flow nested deeper than ${kLimits.maxNesting}`, col);
    }
    if (info.nesting.role === 'close' && this.depth > 0) this.depth--;
  }

  private file(): RegisterFile {
    const c = this.c;
    const col = (c.skipBlanks(), c.column);
    const w = c.word();
    if (!FILES.has(w)) throw c.error(w ? `unknown register file '${w}'` : 'expected a register', col);
    return w as RegisterFile;
  }

  /** FILE[a] or FILE[d][a], where each bracket may be indirect: [ADDR[0].x+3](arrayid)? */
  private register(): RegisterRef {
    const c = this.c;
    const line = c.line;
    const column = (c.skipBlanks(), c.column);
    const file = this.file();
    // An unused operand may print as a bare NULL.
    if (file === 'NULL' && (c.skipBlanks(), c.peek() !== 91)) {
      return { file, index: 0, indirect: null, dimension: null, dimIndirect: null, arrayId: 0, line, column };
    }
    c.expect('[');
    const b1 = this.bracket();
    let b2: Bracket | null = null;
    c.skipBlanks();
    if (c.peek() === 91) {
      c.pos++;
      b2 = this.bracket();
    }
    const idx = b2 ?? b1;
    const dim = b2 ? b1 : null;
    return {
      file, index: idx.index, indirect: idx.indirect, arrayId: idx.arrayId,
      dimension: dim ? dim.index : null, dimIndirect: dim ? dim.indirect : null, line, column,
    };
  }

  /** After '[': `n]` or `FILE[n].c(+|-)k]`, then an optional `(arrayid)`. */
  private bracket(): Bracket {
    const c = this.c;
    c.skipBlanks();
    let index: number;
    let indirect: IndirectRef | null = null;
    if (isDigitCode(c.peek())) {
      index = c.uint('register index', kLimits.maxRegisterIndex - 1);
    } else {
      const file = this.file();
      c.expect('[');
      const i = c.uint('register index', kLimits.maxRegisterIndex - 1);
      c.expect(']');
      let component: Component = 0;
      if (c.accept('.')) {
        const ccol = c.column;
        const w = c.word();
        const comp = w.length === 1 ? COMPONENT[w] : undefined;
        if (comp === undefined) throw c.error('expected an indirect component x, y, z or w', ccol);
        component = comp;
      }
      c.skipBlanks();
      index = c.peek() === 43 || c.peek() === 45 ? c.int('register offset', kLimits.maxRegisterIndex - 1) : 0;
      indirect = { file, index: i, component };
    }
    c.expect(']');
    let arrayId = 0;
    if (c.peek() === 40) {
      c.pos++;
      arrayId = c.uint('array id', 0xffff);
      c.expect(')');
    }
    return { index, indirect, arrayId };
  }

  private optWriteMask(): number {
    const c = this.c;
    c.skipBlanks();
    if (c.peek() !== 46) return 0xf;
    c.pos++;
    const col = c.column;
    const n = c.components(this.scratch);
    let mask = 0;
    let last = -1;
    for (let i = 0; i < n; i++) {
      const comp = i < 4 ? this.scratch[i]! : -1;
      if (comp < 0 || comp <= last) throw c.error('expected a write mask (x, y, z, w in order)', col);
      mask |= 1 << comp;
      last = comp;
    }
    if (mask === 0) throw c.error('expected a write mask', col);
    return mask;
  }

  // Operands are built as one literal each (no spreads): a fixed object shape keeps large shaders fast.
  private dstOperand(): DstOperand {
    const r = this.register();
    const writeMask = this.optWriteMask();
    return {
      file: r.file, index: r.index, indirect: r.indirect, dimension: r.dimension, dimIndirect: r.dimIndirect,
      arrayId: r.arrayId, line: r.line, column: r.column, writeMask,
    };
  }

  private srcOperand(): SrcOperand {
    const c = this.c;
    const negate = c.accept('-');
    const abs = c.accept('|');
    const r = this.register();
    const swizzle = this.optSwizzle(4) as unknown as SrcOperand['swizzle'];
    if (abs) c.expect('|', "closing '|'");
    return {
      file: r.file, index: r.index, indirect: r.indirect, dimension: r.dimension, dimIndirect: r.dimIndirect,
      arrayId: r.arrayId, line: r.line, column: r.column, swizzle, negate, abs,
    };
  }

  /** `.xyzw`-style swizzle of 1..4 letters (a short one repeats its last letter); shared tuples. */
  private optSwizzle(n: 3 | 4): readonly Component[] {
    const c = this.c;
    c.skipBlanks();
    if (c.peek() !== 46) return n === 4 ? IDENTITY4 : IDENTITY3;
    c.pos++;
    const col = c.column;
    const len = c.components(this.scratch);
    if (len < 1 || len > 4) throw c.error('expected a swizzle', col);
    let key = 0;
    for (let i = 0; i < 4; i++) {
      const comp = this.scratch[Math.min(i, len - 1)]!;
      if (comp < 0) throw c.error('expected a swizzle of x, y, z, w', col);
      key |= comp << (2 * i);
    }
    return n === 4 ? SWIZZLES4[key]! : SWIZZLES3[key & 63]!;
  }

  private texOffset(): TexOffset {
    const c = this.c;
    const file = this.file();
    c.expect('[');
    const index = c.uint('register index', kLimits.maxRegisterIndex - 1);
    c.expect(']');
    return { file, index, swizzle: this.optSwizzle(3) as unknown as TexOffset['swizzle'] };
  }
}

interface Bracket {
  index: number;
  indirect: IndirectRef | null;
  arrayId: number;
}

function isDigitCode(c: number): boolean {
  return c >= 48 && c <= 57;
}

const f32 = new DataView(new ArrayBuffer(8));

/** The 32-bit words of one immediate value, or null when it does not fit the type. */
function immediateWords(type: ImmediateType, t: string): [number] | [number, number] | null {
  const hex = isHexLiteral(t);
  switch (type) {
    case 'FLT32': {
      if (hex) {
        const v = parseInt(t.slice(2), 16);
        return t.length <= 10 ? [v >>> 0] : null;
      }
      f32.setFloat32(0, parseSpecial(t));
      return [f32.getUint32(0)];
    }
    case 'UINT32':
    case 'INT32': {
      if (isSpecialFloat(t) || /[.eE]/.test(hex ? '' : t)) return null;
      const v = hex ? parseInt(t.slice(2), 16) : Number(t);
      const ok = type === 'UINT32' ? v >= 0 && v <= 0xffffffff : v >= -0x80000000 && v <= 0xffffffff;
      return Number.isInteger(v) && ok ? [v >>> 0] : null;
    }
    case 'FLT64':
      f32.setFloat64(0, hex ? Number(BigInt(t)) : parseSpecial(t), true);
      return [f32.getUint32(0, true), f32.getUint32(4, true)];
    case 'UINT64':
    case 'INT64': {
      if (isSpecialFloat(t) || (!hex && /[.eE]/.test(t))) return null;
      const neg = t.startsWith('-');
      let v = BigInt(neg || t.startsWith('+') ? t.slice(1) : t);
      if (neg) v = -v;
      if (v < -(1n << 63n) || v >= 1n << 64n) return null;
      const u = BigInt.asUintN(64, v);
      return [Number(u & 0xffffffffn), Number(u >> 32n)];
    }
  }
}

function parseSpecial(t: string): number {
  if (!isSpecialFloat(t)) return Number(t);
  const neg = t.startsWith('-');
  return /nan/i.test(t) ? NaN : neg ? -Infinity : Infinity;
}
