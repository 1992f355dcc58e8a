// TGSI front end: the parser on every captured fixture, the grammar corners Mesa's tgsi_dump
// produces, and hostile input (only TgsiParseError / TgsiTranslateError may come out, quickly).
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  emitWgsl, isTgsiError, kLimits, parseTgsi, TgsiParseError, translateTgsi,
} from '../../src/gl-backend/tgsi/index.js';

const FIXTURES = join(__dirname, '..', 'fixtures', 'tgsi');
const fixtureNames = readdirSync(FIXTURES).filter((f) => f.endsWith('.tgsi')).sort();
const fixture = (name: string) => readFileSync(join(FIXTURES, name), 'utf8');

function parseError(text: string): TgsiParseError {
  try {
    translateTgsi(text);
  } catch (e) {
    if (e instanceof TgsiParseError) return e;
    throw e;
  }
  throw new Error('expected a TgsiParseError');
}

/** Runs the whole pipeline; anything but our two error types fails the test. */
function survive(text: string): void {
  try {
    const s = translateTgsi(text);
    emitWgsl(s, { varyingLocations: new Map([['GENERIC:0', 0], ['COLOR:0', 1]]), colorOutputs: 2 });
  } catch (e) {
    if (!isTgsiError(e)) throw e;
  }
}

describe('tgsi parser: fixtures', () => {
  it('has the 123 captured fixtures', () => {
    expect(fixtureNames.length).toBe(123);
  });

  it.each(fixtureNames)('%s parses, validates and matches its stage', (name) => {
    const s = translateTgsi(fixture(name));
    expect(s.processor).toBe(name.endsWith('-vs.tgsi') ? 'VERT' : 'FRAG');
    expect(s.instructions.length).toBeGreaterThan(0);
    expect(s.instructions[s.instructions.length - 1]!.op.name).toBe('END');
  });
});

describe('tgsi parser: grammar', () => {
  const text = `FRAG
PROPERTY FS_COORD_ORIGIN LOWER_LEFT
PROPERTY FS_COLOR0_WRITES_ALL_CBUFS 1
DCL IN[0], GENERIC[3], PERSPECTIVE, CENTROID
DCL IN[1].xy, COLOR, COLOR
DCL OUT[0], COLOR
DCL CONST[0..3]
DCL CONST[2][0..7]
DCL TEMP[0..2]
DCL TEMP[3..6], ARRAY(1)
DCL ADDR[0]
DCL SAMP[1]
DCL SVIEW[1], SHADOW2D_ARRAY, FLOAT
IMM[0] FLT32 {0x3f800000, -2.5, 1e-3, 0x00000000}
IMM[1] UINT32 {1, 4294967295, 0x10, 0}
IMM[2] INT32 {-1, 2, -2147483648, 7}
  0: UARL ADDR[0].x, IMM[1].xxxx
  1: MOV_SAT TEMP[0].xw, -|CONST[2][ADDR[0].x+3].wzyx|
  2: MOV TEMP[ADDR[0].x+3](1), TEMP[0]
  3: IF TEMP[0].xxxx :2
  4:   TEX TEMP[1], IN[0], SAMP[1], SHADOW2D_ARRAY, IMM[2].xyz
  5: ELSE :4
  6:   MOV TEMP[1], IN[1].yyyy
  7: ENDIF
  8: MOV OUT[0], TEMP[1]
  9: END
`;

  it('reads declarations, immediates and operands', () => {
    const s = parseTgsi(text);
    expect(s.properties.map((p) => [p.name, ...p.values])).toEqual([
      ['FS_COORD_ORIGIN', 'LOWER_LEFT'], ['FS_COLOR0_WRITES_ALL_CBUFS', '1'],
    ]);
    const [in0, in1] = s.declarations;
    expect(in0).toMatchObject({ file: 'IN', first: 0, last: 0, semantic: { name: 'GENERIC', index: 3 }, interp: 'PERSPECTIVE', location: 'CENTROID' });
    expect(in1).toMatchObject({ usageMask: 0b0011, semantic: { name: 'COLOR', index: 0 }, interp: 'COLOR' });
    expect(s.declarations.find((d) => d.dimension === 2)).toMatchObject({ file: 'CONST', first: 0, last: 7 });
    expect(s.declarations.find((d) => d.arrayId === 1)).toMatchObject({ file: 'TEMP', first: 3, last: 6 });
    expect(s.declarations.find((d) => d.file === 'SVIEW')).toMatchObject({ target: 'SHADOW2D_ARRAY', returnType: 'FLOAT' });
    expect(s.immediates[0]!.bits).toEqual([0x3f800000, 0xc0200000, 0x3a83126f, 0]);
    expect(s.immediates[1]!.bits).toEqual([1, 0xffffffff, 16, 0]);
    expect(s.immediates[2]!.bits).toEqual([0xffffffff, 2, 0x80000000, 7]);

    const mov = s.instructions[1]!;
    expect(mov.saturate).toBe(true);
    expect(mov.dst[0]).toMatchObject({ file: 'TEMP', index: 0, writeMask: 0b1001 });
    expect(mov.src[0]).toMatchObject({
      file: 'CONST', dimension: 2, index: 3, indirect: { file: 'ADDR', index: 0, component: 0 }, swizzle: [3, 2, 1, 0], negate: true, abs: true,
    });
    expect(s.instructions[2]!.dst[0]).toMatchObject({ index: 3, arrayId: 1, indirect: { file: 'ADDR' } });
    const tex = s.instructions[4]!;
    expect(tex.texTarget).toBe('SHADOW2D_ARRAY');
    expect(tex.texOffsets).toEqual([{ file: 'IMM', index: 2, swizzle: [0, 1, 2] }]);
    expect(s.instructions.map((i) => i.op.name)).toEqual(['UARL', 'MOV', 'MOV', 'IF', 'TEX', 'ELSE', 'MOV', 'ENDIF', 'MOV', 'END']);
  });

  it('accepts instructions without numbers, lower case, CRLF and trailing NULs', () => {
    const s = parseTgsi('vert\r\nDCL IN[0]\r\ndcl out[0], position\r\nmov OUT[0], IN[0]\r\nEND\r\n\0\0\0garbage');
    expect(s.instructions.map((i) => i.op.name)).toEqual(['MOV', 'END']);
  });

  it('parses decimal, inf and nan float immediates', () => {
    const s = parseTgsi('FRAG\nIMM[0] FLT32 {    1.0000,    -0.5000, inf, -nan}\nEND\n');
    const [a, b, c, d] = s.immediates[0]!.bits;
    expect([a, b, c]).toEqual([0x3f800000, 0xbf000000, 0x7f800000]);
    expect((d! & 0x7f800000) === 0x7f800000 && (d! & 0x7fffff) !== 0).toBe(true);
  });
});

describe('tgsi parser: errors', () => {
  it.each([
    ['', 1, 1, 'header'],
    ['BLAH\n', 1, 1, 'header'],
    ['FRAG\nDCL TEMP[0]\n  0: FOO TEMP[0], TEMP[0]\n', 3, 6, "unknown opcode 'FOO'"],
    ['FRAG\nDCL TEMP[0]\n  0: MOV TEMP[0] TEMP[0]\n', 3, 18, "expected ','"],
    ['FRAG\nDCL TEMP[0]\n  0: MOV TEMP[0].q, TEMP[0]\n', 3, 18, 'write mask'],
    ['FRAG\nDCL TEMP[4096]\n', 2, 10, 'out of range'],
    ['FRAG\nDCL TEMP[0]\n  0: MOV TEMP[1], TEMP[0]\n', 3, 10, 'TEMP[1] is not declared'],
    ['FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\n  0: MOV IN[0], IN[0]\n', 3, 10, 'cannot write to IN'],
    ['FRAG\nDCL TEMP[0]\n  0: IF TEMP[0].xxxx\n  1: END\n', 4, 1, 'END inside an unclosed if'],
    ['FRAG\nDCL TEMP[0]\n  0: ENDLOOP\n', 3, 1, 'ENDLOOP without a matching BGNLOOP'],
    ['FRAG\n  0: BRK\n', 2, 1, 'BRK outside a loop'],
    ['FRAG\nIMM[1] FLT32 {0, 0, 0, 0}\n', 2, 5, 'in order'],
    ['FRAG\nIMM[0] UINT32 {1.5, 0, 0, 0}\n', 2, 16, "invalid UINT32 value '1.5'"],
    ['FRAG\nDCL TEMP[0]\nDCL SAMP[0]\nDCL SVIEW[0], 2D, FLOAT\n  0: TEX TEMP[0], TEMP[0], SAMP[0], 3D\n', 5, 28, 'SVIEW[0] is 2D'],
    ['FRAG\nDCL TEMP[0]\n  0: MOV TEMP[0], TEMP[0] extra\n', 3, 27, 'unexpected text'],
  ])('%j → line %i col %i', (text, line, column, message) => {
    const e = parseError(text);
    expect(e.message).toContain(message);
    expect([e.line, e.column]).toEqual([line, column]);
  });

  it('rejects text over 1 MiB before looking at it', () => {
    const e = parseError('FRAG\n' + ' '.repeat(kLimits.maxTextChars));
    expect(e.message).toContain('too large');
  });

  it('rejects more than 64 Ki instructions', () => {
    const e = parseError('FRAG\n' + 'NOP\n'.repeat(kLimits.maxInstructions + 1));
    expect(e.message).toContain('too many instructions');
    expect(e.line).toBe(kLimits.maxInstructions + 2);
  });

  it('rejects nesting deeper than 64', () => {
    const n = kLimits.maxNesting + 1;
    const e = parseError(`FRAG\nDCL TEMP[0]\n${'UIF TEMP[0].xxxx\n'.repeat(n)}${'ENDIF\n'.repeat(n)}END\n`);
    expect(e.message).toContain('nested deeper than 64');
    expect(e.line).toBe(2 + n);
  });

  it('accepts nesting of exactly 64', () => {
    const n = kLimits.maxNesting;
    expect(() => translateTgsi(`FRAG\nDCL TEMP[0]\n${'BGNLOOP\n'.repeat(n)}${'ENDLOOP\n'.repeat(n)}END\n`)).not.toThrow();
  });

  it('parses a large shader in linear time', () => {
    const body = Array.from({ length: 60000 }, (_v, i) => `${i}: MAD TEMP[${i % 100}].xy, -TEMP[1].yxzw, CONST[3].xxxx, |IMM[0].wwww|`).join('\n');
    const text = `VERT\nDCL OUT[0], POSITION\nDCL CONST[0..9]\nDCL TEMP[0..99]\nIMM[0] FLT32 {0x3f800000, 0, 0, 0}\n${body}\nEND\n`;
    expect(text.length).toBeLessThan(kLimits.maxTextChars * 4);
    const t0 = performance.now();
    const s = translateTgsi(text.slice(0, kLimits.maxTextChars - 10).replace(/\n[^\n]*$/, '\nEND\n'));
    emitWgsl(s, { varyingLocations: new Map(), colorOutputs: 0 });
    expect(performance.now() - t0).toBeLessThan(3000);
  });
});

describe('tgsi parser: hostile input', () => {
  /** Small deterministic PRNG (mulberry32), so failures reproduce. */
  function rng(seed: number): () => number {
    return () => {
      seed = (seed + 0x6d2b79f5) | 0;
      let t = Math.imul(seed ^ (seed >>> 15), 1 | seed);
      t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
      return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
    };
  }

  it('every prefix of a fixture yields a shader or a typed error', () => {
    for (const name of ['p29-0-vs.tgsi', 'p59-0-fs.tgsi', 'p50-2-fs.tgsi']) {
      const text = fixture(name);
      for (let i = 0; i <= text.length; i++) survive(text.slice(0, i));
    }
  });

  it('random mutations of fixtures yield only typed errors', () => {
    const r = rng(1234);
    const alphabet = 'ADEIMNOPRSTUVX[](){}.,:|-+0123456789xyzw \n_';
    for (let k = 0; k < 3000; k++) {
      const chars = [...fixture(fixtureNames[Math.floor(r() * fixtureNames.length)]!)];
      const edits = 1 + Math.floor(r() * 4);
      for (let e = 0; e < edits; e++) {
        const at = Math.floor(r() * chars.length);
        const what = r();
        if (what < 0.4) chars[at] = alphabet[Math.floor(r() * alphabet.length)]!;
        else if (what < 0.7) chars.splice(at, 1);
        else chars.splice(at, 0, alphabet[Math.floor(r() * alphabet.length)]!);
      }
      survive(chars.join(''));
    }
  });

  it('random bytes and structured garbage yield only typed errors', () => {
    const r = rng(99);
    for (let k = 0; k < 500; k++) {
      const len = Math.floor(r() * 400);
      let s = '';
      for (let i = 0; i < len; i++) s += String.fromCharCode(Math.floor(r() * 128));
      survive(s);
      survive(`FRAG\n${s}`);
    }
    for (const bad of [
      'FRAG\nDCL TEMP[0..4095]\nMOV TEMP[4095], TEMP[0]\nEND\n',
      'VERT\nDCL OUT[0], POSITION\nDCL ADDR[0]\nDCL TEMP[0..3]\nMOV OUT[0], TEMP[ADDR[0].x-4095]\nEND\n',
      'FRAG\nIMM[0] FLT64 {1e400, nan}\nIMM[1] INT64 {-9223372036854775809, 0}\n',
      'FRAG\nIMM[0] UINT64 {18446744073709551616, 1}\n',
      'FRAG\nDCL CONST[99999999999999999999]\n',
      `FRAG\nDCL TEMP[0]\n${'x'.repeat(300)}\n`,
      'GEOM\nPROPERTY GS_INPUT_PRIMITIVE TRIANGLES\nDCL IN[][0], POSITION\nEND\n',
      'FRAG\nDCL OUT[0], STENCIL\nEND\n',
      'COMP\nPROPERTY CS_FIXED_BLOCK_WIDTH 99999\nEND\n',
      'FRAG\nDCL TEMP[0]\nDCL SAMP[0]\nTXF TEMP[0], TEMP[0], SAMP[0], BUFFER\nEND\n',
      'FRAG\nDCL TEMP[0]\nF2D TEMP[0], TEMP[0]\nEND\n',
    ]) survive(bad);
  });
});
