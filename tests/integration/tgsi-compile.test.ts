// Real-device check (Dawn on lavapipe): every captured fixture translates to WGSL that Tint
// accepts, VS/FS pairs of one program link into a render pipeline, and every supported opcode
// and texture target compiles in both stages.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.js';
import { closeDevice, openNodeDevice } from '../../src/gpu/node/dawn.js';
import {
  emitWgsl, kOpcodes, kTextureTargets, linkStages, TgsiTranslateError, translateTgsi, type LinkOptions, type TgsiShader,
} from '../../src/gl-backend/tgsi/index.js';

const FIXTURES = join(__dirname, '..', 'fixtures', 'tgsi');
const names = readdirSync(FIXTURES).filter((f) => f.endsWith('.tgsi')).sort();
const shaders = new Map<string, TgsiShader>(names.map((n) => [n, translateTgsi(readFileSync(join(FIXTURES, n), 'utf8'))]));

let ctx: GpuContext;
beforeAll(async () => {
  // clip-distances (lavapipe has it) lets the clip distance output be compiled too.
  ctx = await openNodeDevice({ requiredFeatures: ['clip-distances'] }).catch(() => openNodeDevice());
});
afterAll(async () => {
  if (ctx) await closeDevice(ctx);
});

/** Tint's errors for `code`, one line each (empty when it compiles). */
async function compileErrors(code: string): Promise<string[]> {
  const module = ctx.device.createShaderModule({ code });
  const info = await module.getCompilationInfo();
  return info.messages.filter((m) => m.type === 'error').map((m) => `${m.lineNum}:${m.linePos} ${m.message.split('\n')[0]}`);
}

/** The link a fragment shader reading all of this VS's outputs would give. */
function standaloneLink(s: TgsiShader): LinkOptions {
  const vars = s.interface.stage === 'vertex' ? s.interface.outputs : s.interface.inputs;
  return { varyingLocations: new Map(vars.map((v, i) => [v.key, i])), colorOutputs: 1 };
}

describe('tgsi → WGSL on Dawn: fixtures', () => {
  it.each(names)('%s compiles', async (name) => {
    const out = emitWgsl(shaders.get(name)!, standaloneLink(shaders.get(name)!));
    expect(await compileErrors(out.code)).toEqual([]);
  });

  it('VS/FS pairs of each program link into render pipelines', async () => {
    // Pair every FS with a VS of the same program that writes all the varyings it reads.
    const pairs: [string, string][] = [];
    for (const fsName of names.filter((n) => n.endsWith('-fs.tgsi'))) {
      const prog = fsName.replace(/-\d+-fs\.tgsi$/, '');
      const fs = shaders.get(fsName)!.interface;
      const vsName = names.find((n) => n.startsWith(`${prog}-`) && n.endsWith('-vs.tgsi') &&
        fs.inputs.every((i) => shaders.get(n)!.interface.outputs.some((o) => o.key === i.key)));
      if (vsName) pairs.push([vsName, fsName]);
    }
    expect(pairs.length).toBeGreaterThanOrEqual(50);
    for (const [vsName, fsName] of pairs) {
      const vs = shaders.get(vsName)!;
      const fs = shaders.get(fsName)!;
      const link = linkStages(vs.interface, fs.interface, { colorOutputs: 1 });
      const v = emitWgsl(vs, link.vertex);
      const f = emitWgsl(fs, link.fragment);
      // All attributes interleaved in one buffer (WebGPU allows 8 buffers, a program may read 9 attributes).
      const attrs = v.interface.vertexAttributes.map((r, i) => ({ shaderLocation: r, offset: 16 * i, format: 'float32x4' as const }));
      ctx.device.pushErrorScope('validation');
      await ctx.device.createRenderPipelineAsync({
        layout: 'auto',
        vertex: {
          module: ctx.device.createShaderModule({ code: v.code }), entryPoint: 'main',
          buffers: attrs.length ? [{ arrayStride: 16 * attrs.length, attributes: attrs }] : [],
        },
        fragment: { module: ctx.device.createShaderModule({ code: f.code }), entryPoint: 'main', targets: [{ format: 'rgba8unorm' }] },
      });
      expect(await ctx.device.popErrorScope(), `${vsName} + ${fsName}`).toBeNull();
    }
  });
});

describe('tgsi → WGSL on Dawn: language features', () => {
  const cases: [string, string, Partial<LinkOptions>?][] = [
    ['all control flow', `FRAG
DCL IN[0], GENERIC[0], LINEAR, CENTROID
DCL OUT[0], COLOR
DCL TEMP[0..1]
IMM[0] INT32 {1, 2, 3, 0}
  0: IF IN[0].xxxx :0
  1:   UIF TEMP[0].yyyy :0
  2:     KILL
  3:   ELSE :0
  4:     KILL_IF -IN[0]
  5:   ENDIF
  6: ELSE :0
  7:   BGNLOOP :0
  8:     SWITCH TEMP[0].xxxx
  9:     CASE IMM[0].xxxx
 10:       CONT
 11:     CASE IMM[0].yyyy
 12:     DEFAULT
 13:       BRK
 14:     ENDSWITCH
 15:     DEMOTE
 16:     NOP
 17:     RET
 18:   ENDLOOP :0
 19: ENDIF
 20: MOV OUT[0], TEMP[0]
 21: END
`],
    ['indirect TEMP arrays, inputs, outputs, immediates and a UBO', `VERT
DCL IN[0..3]
DCL OUT[0], POSITION
DCL OUT[1..3], ARRAY(1), GENERIC[0]
DCL CONST[0..3]
DCL CONST[1][0..15]
DCL TEMP[0..1]
DCL TEMP[2..9], ARRAY(1)
DCL ADDR[0..1]
IMM[0] FLT32 {0x3f800000, 0x40000000, 0x40400000, 0x40800000}
IMM[1] FLT32 {0x3f800000, 0x40000000, 0x40400000, 0x40800000}
  0: ARL ADDR[0].x, IN[0].xxxx
  1: UARL ADDR[1].y, CONST[0].yyyy
  2: MOV TEMP[ADDR[0].x+2](1), CONST[1][ADDR[1].y+4]
  3: MOV TEMP[0], TEMP[ADDR[0].x+3](1)
  4: ADD TEMP[1], IN[ADDR[0].x+1], IMM[ADDR[1].y]
  5: MOV OUT[ADDR[0].x+1], TEMP[1]
  6: MOV OUT[0], TEMP[0]
  7: END
`],
    ['indirect temps without arrays use one register array', `FRAG
DCL OUT[0], COLOR
DCL TEMP[0..7]
DCL ADDR[0]
  0: UARL ADDR[0].x, TEMP[7].xxxx
  1: MOV TEMP[ADDR[0].x+1], TEMP[0]
  2: MOV OUT[0], TEMP[ADDR[0].x]
  3: END
`],
    ['fragment builtins, depth and sample mask outputs, integer targets', `FRAG
PROPERTY FS_COORD_ORIGIN LOWER_LEFT
PROPERTY FS_COORD_PIXEL_CENTER INTEGER
DCL IN[0], POSITION, LINEAR
DCL IN[1], FACE, CONSTANT
DCL IN[2], PCOORD, LINEAR
DCL SV[0], SAMPLEID
DCL SV[1], SAMPLEPOS
DCL SV[2], SAMPLEMASK
DCL OUT[0], COLOR
DCL OUT[1], COLOR[1]
DCL OUT[2], POSITION
DCL OUT[3], SAMPLEMASK
  0: ADD OUT[0], IN[0], IN[1]
  1: UADD OUT[1], SV[0], SV[2]
  2: ADD OUT[2], IN[2], SV[1]
  3: MOV OUT[3], SV[2]
  4: END
`, { colorOutputs: 2, colorOutputTypes: ['f32', 'i32'] }],
    ['vertex system values, invariant position, point size and clip vertex', `VERT
DCL IN[0]
DCL SV[0], VERTEXID
DCL SV[1], INSTANCEID
DCL SV[2], VERTEXID_NOBASE
DCL SV[3], BASEVERTEX
DCL SV[4], BASEINSTANCE
DCL SV[5], DRAWID
DCL OUT[0], POSITION, INVARIANT
DCL OUT[1], PSIZE
DCL OUT[2], CLIPVERTEX
DCL OUT[3], EDGEFLAG
  0: UADD OUT[1], SV[0], SV[1]
  1: UADD OUT[2], SV[2], SV[3]
  2: UADD OUT[3], SV[4], SV[5]
  3: MOV OUT[0], IN[0]
  4: END
`, { vertexInputTypes: ['i32'] }],
    ['compute with thread ids', `COMP
PROPERTY CS_FIXED_BLOCK_WIDTH 8
PROPERTY CS_FIXED_BLOCK_HEIGHT 4
DCL SV[0], THREAD_ID
DCL SV[1], BLOCK_ID
DCL SV[2], GRID_SIZE
DCL SV[3], BLOCK_SIZE
DCL TEMP[0]
  0: UADD TEMP[0], SV[0], SV[1]
  1: UADD TEMP[0], TEMP[0], SV[2]
  2: UADD TEMP[0], TEMP[0], SV[3]
  3: END
`],
  ];

  it.each(cases)('%s', async (_name, text, link) => {
    const out = emitWgsl(translateTgsi(text), { varyingLocations: new Map([['GENERIC:0', 0], ['GENERIC:1', 1], ['GENERIC:2', 2]]), colorOutputs: 1, ...link });
    expect(await compileErrors(out.code)).toEqual([]);
  });

  it('clip distances from CLIPDIST outputs or from user planes', async ({ skip }) => {
    if (!ctx.device.features.has('clip-distances')) skip();
    const vs = `VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], CLIPDIST[0]\n  0: MOV OUT[0], IN[0]\n  1: MOV OUT[1], IN[0]\n  2: END\n`;
    for (const text of [vs, VS_PLANES]) {
      const out = emitWgsl(translateTgsi(text), { varyingLocations: new Map(), colorOutputs: 0, clipDistances: 3 });
      expect(out.code).toContain('@builtin(clip_distances) clip: array<f32, 3>');
      expect(await compileErrors(out.code)).toEqual([]);
    }
  });
});

const VS_PLANES = 'VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n';

describe('tgsi → WGSL on Dawn: opcode matrix', () => {
  const header = (stage: string) => `${stage}\n${stage === 'FRAG' ? 'DCL OUT[0], COLOR' : 'DCL OUT[0], POSITION'}\nDCL CONST[0..1]\nDCL TEMP[0..3]\n` +
    'IMM[0] FLT32 {0x3f800000, 0x40000000, 0x00000000, 0xbf800000}\nIMM[1] INT32 {1, -2, 3, 4}\n';

  it('every supported ALU opcode compiles in both stages, with modifiers, masks and saturation', async () => {
    const failures: string[] = [];
    for (const info of kOpcodes.values()) {
      if (info.kind !== 'alu') continue;
      for (const stage of ['VERT', 'FRAG']) {
        const srcs = Array.from({ length: info.srcs }, (_v, i) => ['CONST[0]', '-TEMP[1].yxzw', '|IMM[0].xxxx|', 'IMM[1].wzyx'][i]);
        const sat = info.alu!.result === 'f32' ? '_SAT' : '';
        const text = `${header(stage)}MOV TEMP[1], CONST[1]\n${info.name}${sat} TEMP[0].xz, ${srcs.join(', ')}\nMOV OUT[0], TEMP[0]\nEND\n`;
        const errs = await compileErrors(emitWgsl(translateTgsi(text), { varyingLocations: new Map(), colorOutputs: 1 }).code);
        if (errs.length) failures.push(`${info.name}/${stage}: ${errs[0]}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('guest immediates never trip WGSL constant evaluation (1/0, inf, nan, bitfields past 32 bits)', async () => {
    const failures: string[] = [];
    const imms = 'IMM[2] FLT32 {0x00000000, 0x7f800000, 0x7fc00000, 0x43480000}\nIMM[3] UINT32 {30, 10, 0, 4294967295}\n';
    for (const info of kOpcodes.values()) {
      if (info.kind !== 'alu') continue;
      for (const set of [['IMM[2].xxxx', 'IMM[2].xyzw', 'IMM[2].wwww', 'IMM[2].zzzz'], ['IMM[3].wwww', 'IMM[3].zzzz', 'IMM[3].xxxx', 'IMM[3].yyyy']]) {
        const text = `${header('FRAG')}${imms}${info.name} TEMP[0], ${set.slice(0, info.srcs).join(', ')}\nMOV OUT[0], TEMP[0]\nEND\n`;
        const errs = await compileErrors(emitWgsl(translateTgsi(text), { varyingLocations: new Map(), colorOutputs: 1 }).code);
        if (errs.length) failures.push(`${info.name} ${set[0]}: ${errs[0]}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('every texture opcode × target × texel type compiles or is a typed, explained error', async () => {
    const failures: string[] = [];
    const unsupported = new Set<string>();
    let compiled = 0;
    for (const info of kOpcodes.values()) {
      if (info.kind !== 'tex') continue;
      for (const target of kTextureTargets) {
        for (const rt of ['FLOAT', 'SINT', 'UINT']) {
          for (const stage of ['VERT', 'FRAG']) {
            const srcs = [...Array.from({ length: info.srcs - 1 }, (_v, i) => (i === 0 ? 'TEMP[1]' : 'IMM[0].xxxx')), 'SAMP[0]'];
            const offset = ['TEX', 'TXL', 'TXF', 'TG4', 'TEX_LZ', 'TXF_LZ'].includes(info.name) && !target.includes('CUBE') ? ', IMM[1].xyz' : '';
            const text = `${header(stage)}DCL SAMP[0]\nDCL SVIEW[0], ${target}, ${rt}\nMOV TEMP[1], CONST[1]\n` +
              `${info.name} TEMP[0], ${srcs.join(', ')}, ${target}${offset}\nMOV OUT[0], TEMP[0]\nEND\n`;
            let code: string;
            try {
              code = emitWgsl(translateTgsi(text), { varyingLocations: new Map(), colorOutputs: 1 }).code;
            } catch (e) {
              if (!(e instanceof TgsiTranslateError)) throw e;
              unsupported.add(e.reason);
              continue;
            }
            const errs = await compileErrors(code);
            if (errs.length) failures.push(`${info.name}/${target}/${rt}/${stage}: ${errs[0]}`);
            else compiled++;
          }
        }
      }
    }
    expect(failures).toEqual([]);
    expect(compiled).toBeGreaterThan(900);
    // TG4 with its component in the sampler swizzle (virgl's TGSI_TG4_COMPONENT_IN_SWIZZLE) and a NULL slot.
    const tg4 = `${header('FRAG')}DCL SAMP[0]\nDCL SVIEW[0], 2D, FLOAT\nTG4 TEMP[0], CONST[0], NULL[0], SAMP[0].yyyy, 2D\nTG4 TEMP[1], CONST[0], NULL, SAMP[0].yyyy, 2D\nMOV OUT[0], TEMP[0]\nEND\n`;
    const code = emitWgsl(translateTgsi(tg4), { varyingLocations: new Map(), colorOutputs: 1 }).code;
    expect(code).toContain('textureGather(1, tex0, smp0');
    expect(await compileErrors(code)).toEqual([]);
    // Every refusal names a WebGPU/WGSL limitation or an invalid combination.
    for (const reason of unsupported) {
      expect(reason).toMatch(/not supported|no WebGPU|WGSL has no|only be fetched|needs|cannot|take no/);
    }
  });
});
