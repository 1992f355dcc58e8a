// lexer.ts: a single-pass cursor over TGSI text. The parser pulls tokens from it on demand (words,
// integers, numbers, punctuation); every character is looked at a bounded number of times, so
// parsing is linear in the input. Errors carry 1-based line/column.

import { TgsiParseError } from './errors.js';

const SPACE = 32, TAB = 9, CR = 13, LF = 10;

function isWordChar(c: number): boolean {
  return (c >= 48 && c <= 57) || (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}
function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

const kFloat = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;
const kHex = /^0[xX][0-9a-fA-F]+$/;
const kSpecial = /^[+-]?(?:inf|infinity|nan)$/i;
/** Longest numeric token accepted (keeps BigInt/Number parsing cheap on hostile input). */
const MAX_NUMBER_CHARS = 64;

export class Cursor {
  pos = 0;
  line = 1;
  private lineStart = 0;

  constructor(private readonly text: string, private readonly end = text.length) {}

  get column(): number {
    return this.pos - this.lineStart + 1;
  }

  error(reason: string, column = this.column, line = this.line): TgsiParseError {
    return new TgsiParseError(reason, line, column);
  }

  get atEnd(): boolean {
    return this.pos >= this.end;
  }

  peek(): number {
    return this.pos < this.end ? this.text.charCodeAt(this.pos) : -1;
  }

  /** Skips spaces, tabs and carriage returns, never a newline. */
  skipBlanks(): void {
    while (this.pos < this.end) {
      const c = this.text.charCodeAt(this.pos);
      if (c !== SPACE && c !== TAB && c !== CR) break;
      this.pos++;
    }
  }

  atEol(): boolean {
    this.skipBlanks();
    return this.pos >= this.end || this.text.charCodeAt(this.pos) === LF;
  }

  /** Moves past the next newline (or to the end). */
  nextLine(): void {
    while (this.pos < this.end && this.text.charCodeAt(this.pos) !== LF) this.pos++;
    if (this.pos < this.end) {
      this.pos++;
      this.line++;
      this.lineStart = this.pos;
    }
  }

  /** Consumes `ch` (after blanks) if present. */
  accept(ch: string): boolean {
    this.skipBlanks();
    if (this.peek() === ch.charCodeAt(0)) {
      this.pos++;
      return true;
    }
    return false;
  }

  expect(ch: string, what = `'${ch}'`): void {
    if (!this.accept(ch)) throw this.error(`expected ${what}`);
  }

  /** Accepts the two characters `..`. */
  acceptRange(): boolean {
    this.skipBlanks();
    if (this.peek() === 46 && this.pos + 1 < this.end && this.text.charCodeAt(this.pos + 1) === 46) {
      this.pos += 2;
      return true;
    }
    return false;
  }

  /** [A-Za-z0-9_]+, upper-cased (TGSI keywords are case-insensitive); '' if none. */
  word(): string {
    this.skipBlanks();
    const start = this.pos;
    let lower = false;
    while (this.pos < this.end) {
      const c = this.text.charCodeAt(this.pos);
      if (!isWordChar(c)) break;
      lower ||= c >= 97;
      this.pos++;
    }
    if (this.pos - start > 256) throw this.error('identifier too long', start - this.lineStart + 1);
    const w = this.text.slice(start, this.pos);
    return lower ? w.toUpperCase() : w;
  }

  /**
   * Reads a word of component letters into `out` (0..3 for x..w, -1 for any other character)
   * without allocating; returns the word length, capped at out.length + 1.
   */
  components(out: number[]): number {
    let n = 0;
    while (this.pos < this.end) {
      const c = this.text.charCodeAt(this.pos) | 32;
      if (!isWordChar(this.text.charCodeAt(this.pos))) break;
      this.pos++;
      if (n < out.length) out[n] = c === 120 ? 0 : c === 121 ? 1 : c === 122 ? 2 : c === 119 ? 3 : -1;
      if (n <= out.length) n++;
    }
    return n;
  }

  expectWord(what: string): string {
    const col = (this.skipBlanks(), this.column);
    const w = this.word();
    if (!w) throw this.error(`expected ${what}`, col);
    return w;
  }

  /** Unsigned decimal integer no larger than `max`. */
  uint(what: string, max = 0xffffffff): number {
    this.skipBlanks();
    const col = this.column;
    if (!isDigit(this.peek())) throw this.error(`expected ${what}`);
    let v = 0;
    while (isDigit(this.peek())) {
      v = v * 10 + (this.text.charCodeAt(this.pos++) - 48);
      if (v > max) throw this.error(`${what} out of range (max ${max})`, col);
    }
    return v;
  }

  /** Signed decimal integer within ±max. */
  int(what: string, max: number): number {
    this.skipBlanks();
    let sign = 1;
    if (this.peek() === 45) {
      sign = -1;
      this.pos++;
    } else if (this.peek() === 43) this.pos++;
    return sign * this.uint(what, max);
  }

  /** A numeric literal token (decimal, hex, inf, nan), returned as text after a shape check. */
  numberToken(): { text: string; column: number } {
    this.skipBlanks();
    const start = this.pos;
    const column = this.column;
    if (this.peek() === 43 || this.peek() === 45) this.pos++;
    while (this.pos < this.end) {
      const c = this.text.charCodeAt(this.pos);
      // Exponent signs belong to the number (1e-5), other signs do not.
      const prev = this.text.charCodeAt(this.pos - 1);
      const expSign = (c === 43 || c === 45) && (prev === 101 || prev === 69) && !kHexPrefix(this.text, start, this.pos);
      if (!isWordChar(c) && c !== 46 && !expSign) break;
      this.pos++;
      if (this.pos - start > MAX_NUMBER_CHARS) throw this.error('numeric literal too long', column);
    }
    const text = this.text.slice(start, this.pos);
    if (!text || !(kFloat.test(text) || kHex.test(text) || kSpecial.test(text))) {
      throw this.error('expected a number', column);
    }
    return { text, column };
  }
}

function kHexPrefix(text: string, start: number, pos: number): boolean {
  let i = start;
  if (text.charCodeAt(i) === 43 || text.charCodeAt(i) === 45) i++;
  return pos > i + 1 && text.charCodeAt(i) === 48 && (text.charCodeAt(i + 1) | 32) === 120;
}

export function isHexLiteral(t: string): boolean {
  return kHex.test(t);
}
export function isSpecialFloat(t: string): boolean {
  return kSpecial.test(t);
}
