// errors.ts: the only two exception types the TGSI translator throws.
//
// Shader text comes from guests, so every failure must be one of these (never a TypeError or a
// RangeError): callers turn them into a context error for that one shader.

/** The text is not valid TGSI, or breaks a structural rule or a size limit. Line/column are 1-based. */
export class TgsiParseError extends Error {
  override readonly name = 'TgsiParseError';
  constructor(
    readonly reason: string,
    readonly line: number,
    readonly column: number,
  ) {
    super(`${line}:${column}: ${reason}`);
  }
}

/** Valid TGSI that this translator cannot express in WGSL (an unsupported opcode, file or target). */
export class TgsiTranslateError extends Error {
  override readonly name = 'TgsiTranslateError';
  constructor(
    readonly reason: string,
    /** 1-based source line of the offending instruction or declaration; 0 when not tied to one. */
    readonly line = 0,
  ) {
    super(line > 0 ? `${line}: ${reason}` : reason);
  }
}

export type TgsiError = TgsiParseError | TgsiTranslateError;

export function isTgsiError(e: unknown): e is TgsiError {
  return e instanceof TgsiParseError || e instanceof TgsiTranslateError;
}
