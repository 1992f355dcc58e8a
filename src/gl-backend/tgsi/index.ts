// index.ts: the TGSI → WGSL translator's public API.
//
//   translateTgsi(text)        parse + validate + interface (cache the result per shader object)
//   emitWgsl(shader, link)     WGSL for one link configuration (cache per shader + link key)
//   linkStages(vs, fs, opts)   consistent LinkOptions for a VS/FS pair

import { analyzeShader, stageOf } from './analyze.js';
import { TgsiParseError, TgsiTranslateError } from './errors.js';
import type { TgsiShader } from './ir.js';
import { parseTgsi } from './parser.js';
import { validateTgsi } from './validate.js';

export { emitWgsl, kDriverStructWgsl } from './wgsl.js';
export { linkInterpolation, linkStages, linkVaryings, type StageLinkOptions } from './link.js';
export { parseTgsi, kLimits } from './parser.js';
export { validateTgsi } from './validate.js';
export { TgsiParseError, TgsiTranslateError, isTgsiError, type TgsiError } from './errors.js';
export { kOpcodes, opcodeInfo, type OpcodeInfo } from './opcodes.js';
export type * from './ir.js';
export { kRegisterFiles } from './ir.js';
export * from './interface.js';

/**
 * Parses and validates TGSI text and derives its interface. Throws only TgsiParseError (bad text)
 * or TgsiTranslateError (a valid shader this translator cannot handle, e.g. a geometry shader).
 */
export function translateTgsi(text: string): TgsiShader {
  try {
    const parsed = parseTgsi(text);
    validateTgsi(parsed);
    stageOf(parsed.processor);
    return { ...parsed, interface: analyzeShader(parsed) };
  } catch (e) {
    if (e instanceof TgsiParseError || e instanceof TgsiTranslateError) throw e;
    throw new TgsiTranslateError(`internal translator error: ${e instanceof Error ? e.message : String(e)}`);
  }
}
