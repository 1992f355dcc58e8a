// The one opcode table: it covers every opcode Mesa's TGSI defines, each row is coherent, and the
// parser takes its operand counts from it.
import { describe, expect, it } from 'vitest';
import { kOpcodes, parseTgsi } from '../../src/gl-backend/tgsi/index.js';

/**
 * Opcode names of Mesa's tgsi_info_opcodes.h, in opcode order, plus those other recent versions
 * carry (LIT EXP LOG DST TEX_LZ TXF_LZ PK2US PK4B PK4UB DFRACEXP; CAL BGNSUB ENDSUB): the union.
 */
const MESA_OPCODES = `ARL MOV RCP RSQ MUL ADD DP3 DP4 MIN MAX SLT SGE MAD LRP FMA SQRT LDEXP F2U64 F2I64 FRC FLR ROUND EX2
LG2 POW DEMOTE U2I64 CLOCK I2I64 READ_HELPER COS DDX DDY KILL PK2H D2U64 SEQ D2I64 SGT SIN SLE SNE U642D TEX TXD TXP
UP2H UP2US UP4B UP4UB U642F I642F ARR I642D CAL RET SSG CMP TXB FBFETCH DIV DP2 TXL BRK IF UIF READ_INVOC ELSE ENDIF
DDX_FINE DDY_FINE CEIL I2F NOT TRUNC SHL BALLOT AND OR MOD XOR TXF TXQ CONT EMIT ENDPRIM BGNLOOP BGNSUB ENDLOOP ENDSUB
ATOMFADD TXQS RESQ READ_FIRST NOP FSEQ FSGE FSLT FSNE MEMBAR KILL_IF END DFMA F2I IDIV IMAX IMIN INEG ISGE ISHR ISLT F2U
U2F UADD UDIV UMAD UMAX UMIN UMOD UMUL USEQ USGE USHR USLT USNE SWITCH CASE DEFAULT ENDSWITCH SAMPLE SAMPLE_I SAMPLE_I_MS
SAMPLE_B SAMPLE_C SAMPLE_C_LZ SAMPLE_D SAMPLE_L GATHER4 SVIEWINFO SAMPLE_POS SAMPLE_INFO UARL UCMP IABS ISSG LOAD STORE
IMG2HND SAMP2HND BARRIER ATOMUADD ATOMXCHG ATOMCAS ATOMAND ATOMOR ATOMXOR ATOMUMIN ATOMUMAX ATOMIMIN ATOMIMAX TEX2 TXB2
TXL2 IMUL_HI UMUL_HI TG4 LODQ IBFE UBFE BFI BREV POPC LSB IMSB UMSB INTERP_CENTROID INTERP_SAMPLE INTERP_OFFSET F2D D2F
DABS DNEG DADD DMUL DMAX DMIN DSLT DSGE DSEQ DSNE DRCP DSQRT DMAD DFRAC DLDEXP D2I I2D D2U U2D DRSQ DTRUNC DCEIL DFLR
DROUND DSSG VOTE_ANY VOTE_ALL VOTE_EQ U64SEQ U64SNE I64SLT U64SLT I64SGE U64SGE I64MIN U64MIN I64MAX U64MAX I64ABS I64SSG
I64NEG U64ADD U64MUL U64SHL I64SHR U64SHR I64DIV U64DIV I64MOD U64MOD DDIV LOD ATOMINC_WRAP ATOMDEC_WRAP
LIT EXP LOG DST TEX_LZ TXF_LZ PK2US PK4B PK4UB DFRACEXP`.split(/\s+/);

/** What Mesa 25 emits for GL 2.1/3.3 and GLES 2/3 (nir_to_tgsi), all of which must translate. */
const REQUIRED = `MOV ADD MUL MAD FMA DP2 DP3 DP4 MIN MAX RCP RSQ SQRT EX2 LG2 POW FRC FLR CEIL ROUND TRUNC SSG CMP LRP SLT SGE SEQ
SNE SLE SGT SIN COS DDX DDY DDX_FINE DDY_FINE KILL KILL_IF F2I F2U I2F U2F UADD UMUL IMUL_HI UMUL_HI IDIV UDIV MOD UMOD
INEG IABS ISSG AND OR XOR NOT SHL ISHR USHR IMIN IMAX UMIN UMAX ISLT ISGE USEQ USNE USLT USGE FSEQ FSNE FSLT FSGE UCMP
IBFE UBFE BFI BREV POPC LSB IMSB UMSB IF UIF ELSE ENDIF BGNLOOP ENDLOOP BRK CONT SWITCH CASE DEFAULT ENDSWITCH RET END
ARL UARL NOP TEX TXP TXB TXB2 TXL TXL2 TXD TXF TXQ TG4 LODQ TEX2 DIV LDEXP UMAD DEMOTE TEX_LZ TXF_LZ`.split(/\s+/);

describe('tgsi opcode table', () => {
  it('has a row for every Mesa opcode and nothing else', () => {
    expect(MESA_OPCODES.length).toBe(new Set(MESA_OPCODES).size);
    expect([...kOpcodes.keys()].sort()).toEqual([...MESA_OPCODES].sort());
  });

  it.each(REQUIRED)('%s is supported', (name) => {
    const info = kOpcodes.get(name)!;
    expect(info.unsupported).toBeNull();
  });

  it.each([...kOpcodes.values()].map((i) => [i.name, i] as const))('%s row is coherent', (_name, info) => {
    const roles = [info.alu, info.flow, info.unsupported].filter((x) => x !== null).length + (info.kind === 'tex' ? 1 : 0);
    expect(roles).toBe(1);
    if (info.alu) {
      expect(info.alu.srcTypes.length).toBe(info.srcs);
      expect(info.dsts).toBe(1);
      const args = info.alu.srcTypes.map((_t, k) => `a${k}`);
      const text = info.alu.template(args, { use: (h) => `vgl_${h}` });
      for (const a of args) expect(text).toContain(a);
    }
    if (info.kind === 'tex') expect(info.isTex).toBe(true);
    if (info.nesting?.role === 'open') expect(info.flow ?? info.unsupported).not.toBeNull();
  });

  it('drives the parser: operand counts come from the table', () => {
    for (const info of kOpcodes.values()) {
      if (info.memory || info.isTex || info.texOffsets) continue;
      const ops = [...Array<string>(info.dsts).fill('TEMP[0]'), ...Array<string>(info.srcs).fill('TEMP[1].xxxx')];
      const line = `${info.name}${ops.length ? ' ' + ops.join(', ') : ''}`;
      const s = parseTgsi(`FRAG\n${line}\n`);
      expect(s.instructions[0]!.op).toBe(info);
      expect(s.instructions[0]!.src.length).toBe(info.srcs);
      if (info.srcs + info.dsts > 0) expect(() => parseTgsi(`FRAG\n${line}, TEMP[2]\n`)).toThrow();
    }
  });
});
