// ir.ts: the parsed form of a TGSI shader. Plain data, no GPU handles; produced by parser.ts,
// checked by validate.ts and consumed by the WGSL back end.
//
// It mirrors TGSI closely (registers, declarations, instructions in order): control flow stays as
// IF/ELSE/ENDIF instructions, since WGSL's structured control flow maps onto them one to one.

import type { OpcodeInfo } from './opcodes.js';
import type { ShaderInterface, TextureTarget } from './interface.js';

export type Processor = 'VERT' | 'FRAG' | 'GEOM' | 'TESS_CTRL' | 'TESS_EVAL' | 'COMP';

/** tgsi_file_names order. */
export const kRegisterFiles = [
  'NULL', 'CONST', 'IN', 'OUT', 'TEMP', 'SAMP', 'ADDR', 'IMM', 'SV', 'IMAGE', 'SVIEW', 'BUFFER', 'MEMORY',
  'CONSTBUF', 'HWATOMIC',
] as const;
export type RegisterFile = (typeof kRegisterFiles)[number];

/** 0..3 = x..w */
export type Component = 0 | 1 | 2 | 3;

/** `FILE[index].c` used as an index, e.g. the ADDR[0].x in TEMP[ADDR[0].x+3]. */
export interface IndirectRef {
  readonly file: RegisterFile;
  readonly index: number;
  readonly component: Component;
}

export interface RegisterRef {
  readonly file: RegisterFile;
  /** The index, or the constant offset added to the indirect one. */
  readonly index: number;
  readonly indirect: IndirectRef | null;
  /** Second dimension (CONST[1][n]: dimension 1), or null for 1D registers. */
  readonly dimension: number | null;
  readonly dimIndirect: IndirectRef | null;
  /** Array id after an indirect bracket (`TEMP[ADDR[0].x+1](2)`), 0 if none. */
  readonly arrayId: number;
  readonly line: number;
  readonly column: number;
}

export interface SrcOperand extends RegisterRef {
  readonly swizzle: readonly [Component, Component, Component, Component];
  readonly negate: boolean;
  readonly abs: boolean;
}

export interface DstOperand extends RegisterRef {
  /** Bit 0 = x ... bit 3 = w. */
  readonly writeMask: number;
}

/** Texel offset operand of a texture instruction: `IMM[0].xyz`. */
export interface TexOffset {
  readonly file: RegisterFile;
  readonly index: number;
  readonly swizzle: readonly [Component, Component, Component];
}

export interface Instruction {
  readonly op: OpcodeInfo;
  readonly saturate: boolean;
  readonly precise: boolean;
  readonly dst: readonly DstOperand[];
  readonly src: readonly SrcOperand[];
  readonly texTarget: TextureTarget | null;
  readonly texOffsets: readonly TexOffset[];
  /** Words after the operands of memory opcodes (qualifiers, formats); kept for error messages. */
  readonly extra: readonly string[];
  readonly line: number;
}

export type InterpMode = 'CONSTANT' | 'LINEAR' | 'PERSPECTIVE' | 'COLOR';
export type InterpLocation = 'CENTER' | 'CENTROID' | 'SAMPLE';
export type ReturnType = 'UNORM' | 'SNORM' | 'SINT' | 'UINT' | 'FLOAT';

export interface Declaration {
  readonly file: RegisterFile;
  readonly first: number;
  readonly last: number;
  /** CONST[1][0..3]: 1; null when 1D. */
  readonly dimension: number | null;
  readonly usageMask: number;
  readonly arrayId: number;
  readonly local: boolean;
  readonly semantic: { readonly name: string; readonly index: number } | null;
  readonly interp: InterpMode | null;
  readonly location: InterpLocation;
  readonly invariant: boolean;
  /** SVIEW / IMAGE: resource target. */
  readonly target: TextureTarget | null;
  readonly returnType: ReturnType | null;
  readonly line: number;
}

export type ImmediateType = 'FLT32' | 'UINT32' | 'INT32' | 'FLT64' | 'UINT64' | 'INT64';

export interface Immediate {
  readonly type: ImmediateType;
  /** Four 32-bit words, as TGSI stores them (64-bit types use two words per value). */
  readonly bits: readonly [number, number, number, number];
  readonly line: number;
}

export interface Property {
  readonly name: string;
  readonly values: readonly string[];
  readonly line: number;
}

export interface TgsiShader {
  readonly processor: Processor;
  readonly properties: readonly Property[];
  readonly declarations: readonly Declaration[];
  readonly immediates: readonly Immediate[];
  readonly instructions: readonly Instruction[];
  /** Link-independent interface (locations are -1 until emitWgsl links them). */
  readonly interface: ShaderInterface;
}

/** A parsed shader before its interface is derived (what parser.ts returns). */
export type ParsedShader = Omit<TgsiShader, 'interface'>;
