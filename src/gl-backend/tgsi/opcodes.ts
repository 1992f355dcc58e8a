// opcodes.ts: THE TGSI opcode table. The parser takes operand counts and suffix rules from it, the
// validator the nesting rules, and the WGSL emitter the ALU templates. Every opcode of Mesa's
// tgsi_info_opcodes.h has a row; rows we cannot express in WGSL carry `unsupported` (a typed
// TgsiTranslateError at emit time, never a parse error or a silent skip).

export type ValType = 'f32' | 'i32' | 'u32';

/** Lets a template pull in a WGSL helper function; returns its name. */
export interface HelperSink {
  use(helper: HelperName): string;
}
export type HelperName = 'imulhi' | 'umulhi';

export interface AluSpec {
  /** WGSL type each source is converted to before the template sees it. */
  readonly srcTypes: readonly ValType[];
  readonly result: ValType;
  /** 'x': the template gets scalars (component x of each swizzled source); 'vec': vec4 expressions. */
  readonly args: 'vec' | 'x';
  /** 'splat': the template returns a scalar, replicated to all four channels (Mesa's REPL opcodes). */
  readonly shape: 'vec' | 'splat';
  readonly template: (a: readonly string[], h: HelperSink) => string;
  /** Implicit derivatives: fragment stage only; elsewhere the result is 0. */
  readonly fragmentOnly?: boolean;
}

export type FlowKind =
  | 'IF' | 'UIF' | 'ELSE' | 'ENDIF' | 'BGNLOOP' | 'ENDLOOP' | 'BRK' | 'CONT' | 'SWITCH' | 'CASE' | 'DEFAULT'
  | 'ENDSWITCH' | 'RET' | 'END' | 'KILL' | 'KILL_IF' | 'DEMOTE' | 'NOP';

export type Nesting = { readonly role: 'open' | 'middle' | 'close'; readonly block: 'if' | 'loop' | 'switch' | 'sub' };

export interface OpcodeInfo {
  readonly name: string;
  readonly dsts: number;
  readonly srcs: number;
  readonly kind: 'alu' | 'tex' | 'flow' | 'unsupported';
  /** A texture target word follows the operands (Mesa's is_tex). */
  readonly isTex: boolean;
  /** Texel offsets may follow (`, IMM[0].xyz`). */
  readonly texOffsets: boolean;
  /** Memory qualifiers / formats may follow. */
  readonly memory: boolean;
  /** May carry a `:label` (Mesa's is_branch). */
  readonly branch: boolean;
  readonly nesting: Nesting | null;
  readonly alu: AluSpec | null;
  readonly flow: FlowKind | null;
  readonly unsupported: string | null;
}

type Row = Partial<OpcodeInfo> & Pick<OpcodeInfo, 'dsts' | 'srcs' | 'kind'>;

const V4: Record<ValType, string> = { f32: 'vec4f', i32: 'vec4i', u32: 'vec4u' };
const TRUE_BITS = 'vec4u(0xffffffffu)';
const comps = ['x', 'y', 'z', 'w'];
/** Builds vec4 from a per-component scalar expression (for builtins taking scalar offsets/counts). */
const perComp = (t: ValType, f: (c: string) => string) => `${V4[t]}(${comps.map((c) => f(c)).join(', ')})`;

function alu(srcTypes: string, result: ValType, template: AluSpec['template'], opts: Partial<AluSpec> = {}): Row {
  const types = [...srcTypes].map((c) => ({ f: 'f32', i: 'i32', u: 'u32' })[c] as ValType);
  const spec: AluSpec = { srcTypes: types, result, args: 'vec', shape: 'vec', template, ...opts };
  return { dsts: 1, srcs: types.length, kind: 'alu', alu: spec };
}
const fvec = (n: number, t: AluSpec['template'], o: Partial<AluSpec> = {}) => alu('f'.repeat(n), 'f32', t, o);
const frepl = (n: number, t: AluSpec['template']) => alu('f'.repeat(n), 'f32', t, { args: 'x', shape: 'splat' });
const fn1 = (f: string) => fvec(1, (a) => `${f}(${a[0]})`);
const bin = (t: ValType, op: string) => alu(t[0]!.repeat(2), t, (a) => `(${a[0]} ${op} ${a[1]})`);
const call2 = (t: ValType, f: string) => alu(t[0]!.repeat(2), t, (a) => `${f}(${a[0]}, ${a[1]})`);
/** SLT & co: 1.0 / 0.0. */
const fset = (op: string) => fvec(2, (a) => `select(vec4f(0.0), vec4f(1.0), ${a[0]} ${op} ${a[1]})`);
/** FSLT, ISLT, USLT & co: ~0 / 0. */
const bset = (t: ValType, op: string) =>
  alu(t[0]!.repeat(2), 'u32', (a) => `select(vec4u(0u), ${TRUE_BITS}, ${a[0]} ${op} ${a[1]})`);
const flow = (f: FlowKind, srcs = 0, extra: Partial<OpcodeInfo> = {}): Row => ({ dsts: 0, srcs, kind: 'flow', flow: f, ...extra });
const tex = (srcs: number, extra: Partial<OpcodeInfo> = {}): Row => ({ dsts: 1, srcs, kind: 'tex', isTex: true, texOffsets: true, ...extra });
const no = (dsts: number, srcs: number, why: string, extra: Partial<OpcodeInfo> = {}): Row =>
  ({ dsts, srcs, kind: 'unsupported', unsupported: why, ...extra });
const NO_F64 = 'WGSL has no 64-bit floats';
const NO_I64 = 'WGSL has no 64-bit integers';
const NO_MEM = 'buffers, images and atomics are not supported yet';
const NO_SUBGROUP = 'subgroup operations are not supported';
const NO_DX10 = 'DX10-style sample opcodes are not emitted by Mesa for GL';
const mem = (dsts: number, srcs: number) => no(dsts, srcs, NO_MEM, { memory: true });

/* prettier-ignore */
const ROWS: Record<string, Row> = {
  // -- float ALU
  MOV: fvec(1, (a) => a[0]!),
  ADD: bin('f32', '+'), MUL: bin('f32', '*'), DIV: bin('f32', '/'),
  MAD: fvec(3, (a) => `(${a[0]} * ${a[1]} + ${a[2]})`),
  FMA: fvec(3, (a) => `fma(${a[0]}, ${a[1]}, ${a[2]})`),
  LRP: fvec(3, (a) => `mix(${a[2]}, ${a[1]}, ${a[0]})`),
  CMP: fvec(3, (a) => `select(${a[2]}, ${a[1]}, ${a[0]} < vec4f(0.0))`),
  DP2: fvec(2, (a) => `dot(${a[0]}.xy, ${a[1]}.xy)`, { shape: 'splat' }),
  DP3: fvec(2, (a) => `dot(${a[0]}.xyz, ${a[1]}.xyz)`, { shape: 'splat' }),
  DP4: fvec(2, (a) => `dot(${a[0]}, ${a[1]})`, { shape: 'splat' }),
  MIN: call2('f32', 'min'), MAX: call2('f32', 'max'),
  RCP: frepl(1, (a) => `(1.0 / ${a[0]})`), RSQ: frepl(1, (a) => `inverseSqrt(${a[0]})`),
  SQRT: frepl(1, (a) => `sqrt(${a[0]})`), EX2: frepl(1, (a) => `exp2(${a[0]})`),
  LG2: frepl(1, (a) => `log2(${a[0]})`), POW: frepl(2, (a) => `pow(${a[0]}, ${a[1]})`),
  SIN: frepl(1, (a) => `sin(${a[0]})`), COS: frepl(1, (a) => `cos(${a[0]})`),
  FRC: fn1('fract'), FLR: fn1('floor'), CEIL: fn1('ceil'), ROUND: fn1('round'), TRUNC: fn1('trunc'), SSG: fn1('sign'),
  SLT: fset('<'), SGE: fset('>='), SEQ: fset('=='), SNE: fset('!='), SLE: fset('<='), SGT: fset('>'),
  DDX: fvec(1, (a) => `dpdx(${a[0]})`, { fragmentOnly: true }), DDY: fvec(1, (a) => `dpdy(${a[0]})`, { fragmentOnly: true }),
  DDX_FINE: fvec(1, (a) => `dpdxFine(${a[0]})`, { fragmentOnly: true }),
  DDY_FINE: fvec(1, (a) => `dpdyFine(${a[0]})`, { fragmentOnly: true }),
  LDEXP: alu('fi', 'f32', (a) => `ldexp(${a[0]}, ${a[1]})`),
  PK2H: alu('f', 'u32', (a) => `pack2x16float(${a[0]}.xy)`, { shape: 'splat' }),
  UP2H: alu('u', 'f32', (a) => `vec4f(unpack2x16float(${a[0]}), unpack2x16float(${a[0]}))`, { args: 'x' }),
  PK2US: alu('f', 'u32', (a) => `pack2x16unorm(${a[0]}.xy)`, { shape: 'splat' }),
  PK4B: alu('f', 'u32', (a) => `pack4x8snorm(${a[0]})`, { shape: 'splat' }),
  PK4UB: alu('f', 'u32', (a) => `pack4x8unorm(${a[0]})`, { shape: 'splat' }),
  UP2US: alu('u', 'f32', (a) => `vec4f(unpack2x16unorm(${a[0]}), unpack2x16unorm(${a[0]}))`, { args: 'x' }),
  UP4B: alu('u', 'f32', (a) => `unpack4x8snorm(${a[0]})`, { args: 'x' }),
  UP4UB: alu('u', 'f32', (a) => `unpack4x8unorm(${a[0]})`, { args: 'x' }),
  // Legacy fixed-function helpers (older Mesa still has them in the table).
  LIT: fvec(1, (a) => `vec4f(1.0, max(${a[0]}.x, 0.0), select(0.0, pow(max(${a[0]}.y, 0.0), clamp(${a[0]}.w, -128.0, 128.0)), ${a[0]}.x > 0.0), 1.0)`),
  EXP: alu('f', 'f32', (a) => `vec4f(exp2(floor(${a[0]})), fract(${a[0]}), exp2(${a[0]}), 1.0)`, { args: 'x' }),
  LOG: alu('f', 'f32', (a) => `vec4f(floor(log2(abs(${a[0]}))), abs(${a[0]}) / exp2(floor(log2(abs(${a[0]})))), log2(abs(${a[0]})), 1.0)`, { args: 'x' }),
  DST: fvec(2, (a) => `vec4f(1.0, ${a[0]}.y * ${a[1]}.y, ${a[0]}.z, ${a[1]}.w)`),
  // -- conversions and address registers
  F2I: alu('f', 'i32', (a) => `vec4i(${a[0]})`), F2U: alu('f', 'u32', (a) => `vec4u(${a[0]})`),
  I2F: alu('i', 'f32', (a) => `vec4f(${a[0]})`), U2F: alu('u', 'f32', (a) => `vec4f(${a[0]})`),
  ARL: alu('f', 'i32', (a) => `vec4i(floor(${a[0]}))`), ARR: alu('f', 'i32', (a) => `vec4i(round(${a[0]}))`),
  UARL: alu('i', 'i32', (a) => a[0]!),
  // -- integer ALU
  UADD: bin('u32', '+'), UMUL: bin('u32', '*'), UDIV: bin('u32', '/'), UMOD: bin('u32', '%'),
  IDIV: bin('i32', '/'), MOD: bin('i32', '%'),
  UMAD: alu('uuu', 'u32', (a) => `(${a[0]} * ${a[1]} + ${a[2]})`),
  IMUL_HI: alu('ii', 'i32', (a, h) => `${h.use('imulhi')}(${a[0]}, ${a[1]})`),
  UMUL_HI: alu('uu', 'u32', (a, h) => `${h.use('umulhi')}(${a[0]}, ${a[1]})`),
  INEG: alu('i', 'i32', (a) => `(-${a[0]})`), IABS: alu('i', 'i32', (a) => `abs(${a[0]})`),
  ISSG: alu('i', 'i32', (a) => `sign(${a[0]})`),
  AND: bin('u32', '&'), OR: bin('u32', '|'), XOR: bin('u32', '^'), NOT: alu('u', 'u32', (a) => `(~${a[0]})`),
  // Shift counts are masked like every GPU does (WGSL would also take them modulo 32).
  SHL: alu('uu', 'u32', (a) => `(${a[0]} << (${a[1]} & vec4u(31u)))`),
  ISHR: alu('iu', 'i32', (a) => `(${a[0]} >> (${a[1]} & vec4u(31u)))`),
  USHR: alu('uu', 'u32', (a) => `(${a[0]} >> (${a[1]} & vec4u(31u)))`),
  IMIN: call2('i32', 'min'), IMAX: call2('i32', 'max'), UMIN: call2('u32', 'min'), UMAX: call2('u32', 'max'),
  ISLT: bset('i32', '<'), ISGE: bset('i32', '>='),
  USEQ: bset('u32', '=='), USNE: bset('u32', '!='), USLT: bset('u32', '<'), USGE: bset('u32', '>='),
  FSEQ: bset('f32', '=='), FSNE: bset('f32', '!='), FSLT: bset('f32', '<'), FSGE: bset('f32', '>='),
  UCMP: alu('uuu', 'u32', (a) => `select(${a[2]}, ${a[1]}, ${a[0]} != vec4u(0u))`),
  IBFE: alu('iuu', 'i32', (a) => perComp('i32', (c) => `extractBits(${a[0]}.${c}, ${a[1]}.${c}, ${a[2]}.${c})`)),
  UBFE: alu('uuu', 'u32', (a) => perComp('u32', (c) => `extractBits(${a[0]}.${c}, ${a[1]}.${c}, ${a[2]}.${c})`)),
  BFI: alu('uuuu', 'u32', (a) => perComp('u32', (c) => `insertBits(${a[0]}.${c}, ${a[1]}.${c}, ${a[2]}.${c}, ${a[3]}.${c})`)),
  BREV: alu('u', 'u32', (a) => `reverseBits(${a[0]})`), POPC: alu('u', 'u32', (a) => `countOneBits(${a[0]})`),
  LSB: alu('u', 'u32', (a) => `firstTrailingBit(${a[0]})`),
  IMSB: alu('i', 'i32', (a) => `firstLeadingBit(${a[0]})`), UMSB: alu('u', 'u32', (a) => `firstLeadingBit(${a[0]})`),
  // -- control flow
  IF: flow('IF', 1, { branch: true, nesting: { role: 'open', block: 'if' } }),
  UIF: flow('UIF', 1, { branch: true, nesting: { role: 'open', block: 'if' } }),
  ELSE: flow('ELSE', 0, { branch: true, nesting: { role: 'middle', block: 'if' } }),
  ENDIF: flow('ENDIF', 0, { nesting: { role: 'close', block: 'if' } }),
  BGNLOOP: flow('BGNLOOP', 0, { branch: true, nesting: { role: 'open', block: 'loop' } }),
  ENDLOOP: flow('ENDLOOP', 0, { branch: true, nesting: { role: 'close', block: 'loop' } }),
  BRK: flow('BRK'), CONT: flow('CONT'),
  SWITCH: flow('SWITCH', 1, { nesting: { role: 'open', block: 'switch' } }),
  CASE: flow('CASE', 1, { nesting: { role: 'middle', block: 'switch' } }),
  DEFAULT: flow('DEFAULT', 0, { nesting: { role: 'middle', block: 'switch' } }),
  ENDSWITCH: flow('ENDSWITCH', 0, { nesting: { role: 'close', block: 'switch' } }),
  RET: flow('RET'), END: flow('END'), NOP: flow('NOP'),
  KILL: flow('KILL'), KILL_IF: flow('KILL_IF', 1), DEMOTE: flow('DEMOTE'),
  CAL: no(0, 0, 'subroutines are not supported', { branch: true }),
  BGNSUB: no(0, 0, 'subroutines are not supported', { branch: true, nesting: { role: 'open', block: 'sub' } }),
  ENDSUB: no(0, 0, 'subroutines are not supported', { nesting: { role: 'close', block: 'sub' } }),
  // -- textures
  TEX: tex(2), TXP: tex(2), TXB: tex(2), TXL: tex(2), TXD: tex(4), TXF: tex(2), TXQ: tex(2), TXQS: tex(1),
  TEX2: tex(3), TXB2: tex(3), TXL2: tex(3), TG4: tex(3), LODQ: tex(2), TEX_LZ: tex(2), TXF_LZ: tex(2),
  SAMPLE: no(1, 3, NO_DX10, { texOffsets: true }), SAMPLE_I: no(1, 2, NO_DX10, { texOffsets: true }),
  SAMPLE_I_MS: no(1, 3, NO_DX10, { texOffsets: true }), SAMPLE_B: no(1, 4, NO_DX10, { texOffsets: true }),
  SAMPLE_C: no(1, 4, NO_DX10, { texOffsets: true }), SAMPLE_C_LZ: no(1, 4, NO_DX10, { texOffsets: true }),
  SAMPLE_D: no(1, 5, NO_DX10, { texOffsets: true }), SAMPLE_L: no(1, 4, NO_DX10, { texOffsets: true }),
  GATHER4: no(1, 3, NO_DX10, { texOffsets: true }), SVIEWINFO: no(1, 2, NO_DX10),
  SAMPLE_POS: no(1, 2, NO_DX10), SAMPLE_INFO: no(1, 2, NO_DX10),
  SAMP2HND: no(1, 1, 'bindless textures are not supported', { isTex: true }),
  IMG2HND: no(1, 1, 'bindless images are not supported'),
  LOD: no(1, 3, NO_DX10), FBFETCH: no(1, 1, 'framebuffer fetch is not available in WebGPU'),
  // -- not expressible (yet)
  CLOCK: no(1, 0, 'shader clocks are not available in WebGPU'),
  EMIT: no(0, 1, 'geometry shaders are not supported'), ENDPRIM: no(0, 1, 'geometry shaders are not supported'),
  INTERP_CENTROID: no(1, 1, 'interpolateAt* is not available in WGSL'),
  INTERP_SAMPLE: no(1, 2, 'interpolateAt* is not available in WGSL'),
  INTERP_OFFSET: no(1, 2, 'interpolateAt* is not available in WGSL'),
  BARRIER: no(0, 0, 'compute barriers are not supported yet'), MEMBAR: no(0, 1, NO_MEM),
  LOAD: mem(1, 2), STORE: mem(1, 2), RESQ: mem(1, 1), ATOMUADD: mem(1, 3), ATOMXCHG: mem(1, 3), ATOMCAS: mem(1, 4),
  ATOMAND: mem(1, 3), ATOMOR: mem(1, 3), ATOMXOR: mem(1, 3), ATOMUMIN: mem(1, 3), ATOMUMAX: mem(1, 3),
  ATOMIMIN: mem(1, 3), ATOMIMAX: mem(1, 3), ATOMFADD: mem(1, 3), ATOMINC_WRAP: mem(1, 3), ATOMDEC_WRAP: mem(1, 3),
  READ_HELPER: no(1, 0, NO_SUBGROUP), READ_INVOC: no(1, 2, NO_SUBGROUP), READ_FIRST: no(1, 1, NO_SUBGROUP),
  BALLOT: no(1, 1, NO_SUBGROUP), VOTE_ANY: no(1, 1, NO_SUBGROUP), VOTE_ALL: no(1, 1, NO_SUBGROUP),
  VOTE_EQ: no(1, 1, NO_SUBGROUP),
  F2D: no(1, 1, NO_F64), D2F: no(1, 1, NO_F64), DABS: no(1, 1, NO_F64), DNEG: no(1, 1, NO_F64),
  DADD: no(1, 2, NO_F64), DMUL: no(1, 2, NO_F64), DDIV: no(1, 2, NO_F64), DMAX: no(1, 2, NO_F64),
  DMIN: no(1, 2, NO_F64), DSLT: no(1, 2, NO_F64), DSGE: no(1, 2, NO_F64), DSEQ: no(1, 2, NO_F64),
  DSNE: no(1, 2, NO_F64), DRCP: no(1, 1, NO_F64), DSQRT: no(1, 1, NO_F64), DMAD: no(1, 3, NO_F64),
  DFMA: no(1, 3, NO_F64), DFRAC: no(1, 1, NO_F64), DLDEXP: no(1, 2, NO_F64), D2I: no(1, 1, NO_F64),
  I2D: no(1, 1, NO_F64), D2U: no(1, 1, NO_F64), U2D: no(1, 1, NO_F64), DRSQ: no(1, 1, NO_F64),
  DTRUNC: no(1, 1, NO_F64), DCEIL: no(1, 1, NO_F64), DFLR: no(1, 1, NO_F64), DROUND: no(1, 1, NO_F64),
  DSSG: no(1, 1, NO_F64), DFRACEXP: no(2, 1, NO_F64), U642D: no(1, 1, NO_F64), I642D: no(1, 1, NO_F64), D2U64: no(1, 1, NO_F64),
  D2I64: no(1, 1, NO_F64),
  F2U64: no(1, 1, NO_I64), F2I64: no(1, 1, NO_I64), U2I64: no(1, 1, NO_I64), I2I64: no(1, 1, NO_I64),
  U642F: no(1, 1, NO_I64), I642F: no(1, 1, NO_I64),
  U64SEQ: no(1, 2, NO_I64), U64SNE: no(1, 2, NO_I64), I64SLT: no(1, 2, NO_I64), U64SLT: no(1, 2, NO_I64),
  I64SGE: no(1, 2, NO_I64), U64SGE: no(1, 2, NO_I64), I64MIN: no(1, 2, NO_I64), U64MIN: no(1, 2, NO_I64),
  I64MAX: no(1, 2, NO_I64), U64MAX: no(1, 2, NO_I64), I64ABS: no(1, 1, NO_I64), I64SSG: no(1, 1, NO_I64),
  I64NEG: no(1, 1, NO_I64), U64ADD: no(1, 2, NO_I64), U64MUL: no(1, 2, NO_I64), U64SHL: no(1, 2, NO_I64),
  I64SHR: no(1, 2, NO_I64), U64SHR: no(1, 2, NO_I64), I64DIV: no(1, 2, NO_I64), U64DIV: no(1, 2, NO_I64),
  I64MOD: no(1, 2, NO_I64), U64MOD: no(1, 2, NO_I64),
};

function finish(name: string, r: Row): OpcodeInfo {
  return {
    name, dsts: r.dsts, srcs: r.srcs, kind: r.kind, isTex: r.isTex ?? false, texOffsets: r.texOffsets ?? false,
    memory: r.memory ?? false, branch: r.branch ?? false, nesting: r.nesting ?? null, alu: r.alu ?? null,
    flow: r.flow ?? null, unsupported: r.unsupported ?? null,
  };
}

/** Opcode name → info. A Map, so guest text can never reach Object.prototype. */
export const kOpcodes: ReadonlyMap<string, OpcodeInfo> = new Map(Object.entries(ROWS).map(([n, r]) => [n, finish(n, r)]));

export function opcodeInfo(name: string): OpcodeInfo | undefined {
  return kOpcodes.get(name);
}

/** WGSL helper functions that templates may request (emitted once per module). */
export const kHelpers: Record<HelperName, string> = {
  // High 32 bits of the 64-bit product, from 16-bit halves (WGSL has no 64-bit integers).
  umulhi: `fn vgl_umulhi(a: vec4u, b: vec4u) -> vec4u {
  let al = a & vec4u(0xffffu); let ah = a >> vec4u(16u);
  let bl = b & vec4u(0xffffu); let bh = b >> vec4u(16u);
  let lo = al * bl; let m1 = ah * bl; let m2 = al * bh;
  let mid = (lo >> vec4u(16u)) + (m1 & vec4u(0xffffu)) + (m2 & vec4u(0xffffu));
  return ah * bh + (m1 >> vec4u(16u)) + (m2 >> vec4u(16u)) + (mid >> vec4u(16u));
}`,
  // Signed: unsigned high product corrected by the two's-complement terms.
  imulhi: `fn vgl_imulhi(a: vec4i, b: vec4i) -> vec4i {
  let ua = bitcast<vec4u>(a); let ub = bitcast<vec4u>(b);
  var hi = vgl_umulhi(ua, ub);
  hi = hi - select(vec4u(0u), ub, a < vec4i(0)) - select(vec4u(0u), ua, b < vec4i(0));
  return bitcast<vec4i>(hi);
}`,
};
export const kHelperDeps: Record<HelperName, readonly HelperName[]> = { umulhi: [], imulhi: ['umulhi'] };
export const kHelperFn: Record<HelperName, string> = { umulhi: 'vgl_umulhi', imulhi: 'vgl_imulhi' };

export const kVec4: Readonly<Record<ValType, string>> = V4;
