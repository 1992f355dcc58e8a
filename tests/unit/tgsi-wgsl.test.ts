// The WGSL back end and the binding/linking contract, checked as text (the device tests compile it).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  emitWgsl, kDriverStructWgsl, kLogicOpDestBinding, kDriverUniformLayout, kDriverUniformSize, linkStages, linkVaryings, packDriverUniforms,
  TgsiTranslateError, translateTgsi, type LinkOptions,
} from '../../src/gl-backend/tgsi/index.js';

const fixture = (name: string) => readFileSync(join(__dirname, '..', 'fixtures', 'tgsi', name), 'utf8');
const noLink: LinkOptions = { varyingLocations: new Map(), colorOutputs: 1 };

function translateError(text: string, link: LinkOptions = noLink): TgsiTranslateError {
  try {
    emitWgsl(translateTgsi(text), link);
  } catch (e) {
    if (e instanceof TgsiTranslateError) return e;
    throw e;
  }
  throw new Error('expected a TgsiTranslateError');
}

describe('VglDriver', () => {
  it('struct offsets follow WGSL uniform layout (16-byte members, back to back)', () => {
    let offset = 0;
    for (const [name, m] of Object.entries(kDriverUniformLayout)) {
      expect(m.offset, name).toBe(offset);
      expect(kDriverStructWgsl).toContain(`  ${name}: ${m.wgsl},`);
      const count = /^array<\w+, (\d+)>$/.exec(m.wgsl);
      offset += 16 * (count ? Number(count[1]) : 1);
    }
    expect(offset).toBe(kDriverUniformSize);
  });

  it('packs values at those offsets', () => {
    const buf = packDriverUniforms({
      vpScale: [2, -3, 0.5], vpTranslate: [2, 3, 0.5], fbWidth: 4, fbHeight: 8, alphaFunc: 4, twoSide: true,
      alphaRef: 0.25, clipPlanes: [[1, 0, 0, 1]], baseVertex: 7, baseInstance: 9,
    });
    const f = new Float32Array(buf);
    const u = new Uint32Array(buf);
    expect([...f.slice(0, 3)]).toEqual([2, -3, 0.5]);
    expect([...f.slice(8, 12)]).toEqual([4, 8, 0.25, 0.125]);
    expect([...u.slice(12, 16)]).toEqual([0, 5, 1, 0]);
    expect(f[16]).toBe(0.25);
    expect([...f.slice(20, 24)]).toEqual([1, 0, 0, 1]);
    expect([...u.slice(56, 58)]).toEqual([7, 9]);
  });
});

describe('shader interface', () => {
  it('describes samplers, constants and varyings of a fragment shader', () => {
    const s = translateTgsi(fixture('p50-2-fs.tgsi'));
    expect(s.interface.stage).toBe('fragment');
    expect(s.interface.constantBuffers).toEqual([{ index: 0, vec4Count: 1 }]);
    expect(s.interface.samplers.map((x) => [x.slot, x.target, x.viewDimension, x.textureBinding, x.samplerBinding])).toEqual(
      Array.from({ length: 8 }, (_v, i) => [i, 'RECT', '2d', 16 + 2 * i, 17 + 2 * i]),
    );
    expect(s.interface.inputs.map((v) => [v.key, v.interpolation])).toEqual(
      Array.from({ length: 8 }, (_v, i) => [`TEXCOORD:${i}`, 'perspective']),
    );
  });

  it('describes a vertex shader reading the instance id through an address register', () => {
    const s = translateTgsi(fixture('p29-0-vs.tgsi'));
    expect(s.interface).toMatchObject({
      stage: 'vertex', vertexAttributes: [0, 1], usesInstanceId: true, usesDrawParams: true,
      constantBuffers: [{ index: 0, vec4Count: 12 }],
    });
    expect(s.interface.outputs.map((o) => o.key)).toEqual(['COLOR:0']);
    const code = emitWgsl(s, { varyingLocations: new Map([['COLOR:0', 0]]), colorOutputs: 0 }).code;
    expect(code).toContain('@group(1) @binding(0) var<uniform> cb0: array<vec4u, 12>;');
    expect(code).toContain('cb0[a0.x]');
    expect(code).toContain('sv_0 = vec4u(iid - vgl.drawParams.y);');
  });

  it('shadow and 1D targets map to depth and 2D textures', () => {
    const shadow = translateTgsi(fixture('p59-0-fs.tgsi')).interface.samplers[0]!;
    expect(shadow).toMatchObject({ target: 'SHADOW2D', shadow: true, sampleType: 'depth', usesSampler: true });
    const code = emitWgsl(translateTgsi(fixture('p54-0-fs.tgsi')), { varyingLocations: new Map([['TEXCOORD:0', 0]]), colorOutputs: 1 }).code;
    expect(code).toContain('var tex0: texture_2d<f32>;');
    expect(code).toContain('textureSampleBias(tex0, smp0, vec2f(c.x, 0.5), vgl.lodBias[4][0])');
  });
});

describe('logic op emulation', () => {
  const fs = `FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {1.0, 0.0, 0.5, 1.0}\n  0: MOV OUT[0], IMM[0]\n  1: END\n`;
  const emit = (logicOp: number) => emitWgsl(translateTgsi(fs), { ...noLink, logicOp }).code;

  it('binds the destination copy and reads it at the fragment position', () => {
    const code = emit(6);
    expect(code).toContain(`@group(2) @binding(${kLogicOpDestBinding}) var vgl_logic_dest: texture_2d<f32>;`);
    expect(code).toContain('@builtin(position) fragPos: vec4f');
    expect(code).toContain('textureLoad(vgl_logic_dest, vec2i(fragPos.xy), 0)');
  });

  it('turns PIPE_LOGICOP_* truth tables into bitwise terms', () => {
    expect(emit(6)).toContain('o.c0 = vec4f(((s & ~d) | (~s & d)) & vec4u(255u)) / 255.0;'); // XOR
    expect(emit(8)).toContain('o.c0 = vec4f(((s & d)) & vec4u(255u)) / 255.0;'); // AND
    expect(emit(10)).toContain('o.c0 = vec4f(((s & d) | (~s & d)) & vec4u(255u)) / 255.0;'); // NOOP keeps d
    expect(emit(0)).toContain('o.c0 = vec4f((vec4u(0u)) & vec4u(255u)) / 255.0;'); // CLEAR
    expect(emit(5)).toContain('o.c0 = vec4f(((s & ~d) | (~s & ~d)) & vec4u(255u)) / 255.0;'); // INVERT
  });

  it('leaves shaders without a logic op untouched', () => {
    expect(emitWgsl(translateTgsi(fs), noLink).code).not.toContain('vgl_logic_dest');
  });
});

describe('linking', () => {
  const vs = translateTgsi(fixture('es2gears_x11-0-vs.tgsi'));
  const fs = translateTgsi(fixture('es2gears_x11-1-fs.tgsi'));

  it('gives FS inputs locations in declaration order and keeps unread VS outputs private', () => {
    const map = linkVaryings(vs.interface, fs.interface);
    expect([...map]).toEqual([['GENERIC:0', 0]]);
    const out = emitWgsl(vs, { varyingLocations: map, colorOutputs: 1 });
    expect(out.interface.outputs).toEqual([expect.objectContaining({ key: 'GENERIC:0', location: 0 })]);
    expect(out.code).toContain('@location(0) @interpolate(perspective, center) v0: vec4f');
  });

  it('two-sided colour links BCOLOR and selects by facing', () => {
    const vs2 = translateTgsi(`VERT\nDCL IN[0]\nDCL OUT[0], POSITION\nDCL OUT[1], COLOR\nDCL OUT[2], BCOLOR\n  0: MOV OUT[0], IN[0]\n  1: MOV OUT[1], IN[0]\n  2: MOV OUT[2], -IN[0]\n  3: END\n`);
    const fs2 = translateTgsi(`FRAG\nDCL IN[0], COLOR, COLOR\nDCL OUT[0], COLOR\n  0: MOV OUT[0], IN[0]\n  1: END\n`);
    const link = linkStages(vs2.interface, fs2.interface, { colorOutputs: 1, flatShade: true });
    expect([...link.fragment.varyingLocations]).toEqual([['COLOR:0', 0], ['BCOLOR:0', 1]]);
    const f = emitWgsl(fs2, link.fragment);
    expect(f.interface.usesFrontFacing).toBe(true);
    expect(f.code).toContain('in_0 = select(v1, v0, ff || vgl.flags.z == 0u);');
    expect(f.code).toContain('@location(1) @interpolate(flat) v1: vec4u');
    const v = emitWgsl(vs2, link.vertex);
    expect(v.code).toContain('@location(0) @interpolate(flat) v0: vec4u');
    expect(v.code).toContain('o.v1 = out_2;');
  });

  it('FS_COLOR0_WRITES_ALL_CBUFS broadcasts COLOR0 to every attachment', () => {
    const out = emitWgsl(translateTgsi(fixture('glxgears-0-fs.tgsi')), {
      varyingLocations: new Map([['COLOR:0', 0]]), colorOutputs: 3, colorOutputTypes: ['f32', 'u32', 'f32'],
    });
    expect(out.interface.colorOutputs).toEqual([{ index: 0, locations: [0, 1, 2] }]);
    expect(out.code).toContain('@location(1) c1: vec4u');
    expect(out.code).toContain('o.c1 = out_0;');
    expect(out.code).toContain('o.c2 = bitcast<vec4f>(out_0);');
  });

  it('rejects two varyings on one location', () => {
    const e = translateError(fixture('p50-2-fs.tgsi'), { varyingLocations: new Map([['TEXCOORD:0', 0], ['TEXCOORD:1', 0]]), colorOutputs: 1 });
    expect(e.message).toContain('used twice');
  });
});

describe('control flow', () => {
  it('duplicates CASE bodies that fall through and guards loops', () => {
    const text = `FRAG
DCL OUT[0], COLOR
DCL TEMP[0]
IMM[0] INT32 {1, 2, 3, 0}
  0: SWITCH TEMP[0].xxxx
  1: CASE IMM[0].xxxx
  2:   UADD TEMP[0].y, TEMP[0].yyyy, IMM[0].xxxx
  3: CASE IMM[0].yyyy
  4: CASE IMM[0].zzzz
  5:   UADD TEMP[0].y, TEMP[0].yyyy, IMM[0].zzzz
  6:   BRK
  7: DEFAULT
  8:   BGNLOOP
  9:     BRK
 10:   ENDLOOP
 11: ENDSWITCH
 12: MOV OUT[0], TEMP[0]
 13: END
`;
    const code = emitWgsl(translateTgsi(text), { ...noLink, loopLimit: 1000 }).code;
    expect(code).toContain('switch (bitcast<i32>(t0.x)) {');
    expect(code).toContain('case i32(2), i32(3): {');
    expect(code.match(/imm0\.zzzz/g)?.length).toBe(2);
    expect(code).toContain('if (vgl_iter > 1000u) { break; }');
    expect(code).not.toContain('default: {}');
  });
});

describe('translate errors', () => {
  it.each([
    ['FRAG\nDCL OUT[0], STENCIL\nEND\n', 'stencil export'],
    ['FRAG\nDCL TEMP[0]\n  0: F2D TEMP[0], TEMP[0]\n  1: END\n', 'F2D: WGSL has no 64-bit floats'],
    ['VERT\n  0: KILL\n  1: END\n', 'only valid in fragment shaders'],
    ['FRAG\nDCL TEMP[0]\nDCL SAMP[0]\n  0: TEX TEMP[0], TEMP[0], SAMP[0], BUFFER\n  1: END\n', 'texture buffers'],
    ['FRAG\nDCL TEMP[0..1000]\n  0: MOV TEMP[0], TEMP[1000]\n  1: MOV TEMP[1], TEMP[999]\n' +
      Array.from({ length: 600 }, (_v, i) => `MOV TEMP[${i}], TEMP[${i + 1}]`).join('\n') + '\nEND\n', 'temporaries need'],
  ])('%#: %s', (text, message) => {
    expect(translateError(text).message).toContain(message);
  });

  it('geometry shaders are a typed error at translateTgsi', () => {
    expect(() => translateTgsi('GEOM\nEND\n')).toThrow(TgsiTranslateError);
  });
});
