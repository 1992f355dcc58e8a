// Real-device execution of translated TGSI (Dawn on lavapipe): hand-written VS/FS pairs draw one
// fullscreen triangle into a 4x4 target, and the read-back bytes must equal exact values. Float
// results are scaled to k/255 so rgba8unorm stores k exactly; integer results go to rgba8uint.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.js';
import { closeDevice, openNodeDevice } from '../../src/gpu/node/dawn.js';
import { readTextureRGBA } from '../../src/gpu/readback.js';
import {
  emitWgsl, kDriverUniformSize, kStageGroup, linkStages, packDriverUniforms, translateTgsi, type ShaderInterface,
} from '../../src/gl-backend/tgsi/index.js';

const SIZE = 4;
/** Clip-space positions: one triangle covering the whole viewport. */
const FULLSCREEN = [-1, -1, 3, -1, -1, 3];
const f32 = (x: number) => new Uint32Array(new Float32Array([x]).buffer)[0]!;
const hex = (x: number) => `0x${f32(x).toString(16).padStart(8, '0')}`;

/** Passes IN[0] through as the clip position. */
const VS_PASS = `VERT
DCL IN[0]
DCL OUT[0], POSITION
  0: MOV OUT[0], IN[0]
  1: END
`;

interface Draw {
  vs?: string;
  fs: string;
  /** CONST[0..] words of the VS / FS default uniform block. */
  vsConst?: number[];
  fsConst?: number[];
  format?: 'rgba8unorm' | 'rgba8uint';
  positions?: number[];
  loopLimit?: number;
  /** Extra fragment group entries (textures and samplers). */
  fsResources?: GPUBindGroupEntry[];
}

let ctx: GpuContext;
beforeAll(async () => {
  ctx = await openNodeDevice();
});
afterAll(async () => {
  if (ctx) await closeDevice(ctx);
});

function uniform(words: Uint32Array | ArrayBuffer): GPUBuffer {
  const data: Uint8Array<ArrayBuffer> = words instanceof ArrayBuffer ? new Uint8Array(words) : new Uint8Array(words.slice().buffer);
  const buf = ctx.device.createBuffer({ size: Math.max(16, data.byteLength), usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  ctx.queue.writeBuffer(buf, 0, data);
  return buf;
}

/** Draws and returns the 4x4 target as RGBA bytes, row 0 (Gallium window y = 0) first. */
async function draw(d: Draw): Promise<Uint8Array> {
  const vs = translateTgsi(d.vs ?? VS_PASS);
  const fs = translateTgsi(d.fs);
  const format = d.format ?? 'rgba8unorm';
  const link = linkStages(vs.interface, fs.interface, {
    colorOutputs: 1, colorOutputTypes: [format === 'rgba8uint' ? 'u32' : 'f32'], loopLimit: d.loopLimit,
  });
  const v = emitWgsl(vs, link.vertex);
  const f = emitWgsl(fs, link.fragment);
  const { device, queue } = ctx;
  device.pushErrorScope('validation');
  const pipeline = await device.createRenderPipelineAsync({
    layout: 'auto',
    vertex: {
      module: device.createShaderModule({ code: v.code }), entryPoint: 'main',
      buffers: [{ arrayStride: 8, attributes: [{ shaderLocation: 0, offset: 0, format: 'float32x2' }] }],
    },
    fragment: { module: device.createShaderModule({ code: f.code }), entryPoint: 'main', targets: [{ format }] },
  });
  const positions = new Float32Array(d.positions ?? FULLSCREEN);
  const vbuf = device.createBuffer({ size: positions.byteLength, usage: GPUBufferUsage.VERTEX | GPUBufferUsage.COPY_DST });
  queue.writeBuffer(vbuf, 0, positions);
  // Gallium viewport of a 4x4 surface: window = clip * 2 + 2 (x and y), z in [0, 1].
  const driver = uniform(packDriverUniforms({ vpScale: [2, 2, 0.5], vpTranslate: [2, 2, 0.5], fbWidth: SIZE, fbHeight: SIZE }));
  const groups: GPUBindGroupEntry[][] = [[{ binding: 0, resource: { buffer: driver } }], [], []];
  const addConsts = (iface: ShaderInterface, words: number[] | undefined) => {
    if (iface.constantBuffers.length === 0) return;
    const cb = iface.constantBuffers[0]!;
    const data = new Uint32Array(cb.vec4Count * 4);
    data.set(words ?? []);
    groups[kStageGroup[iface.stage]]!.push({ binding: cb.index, resource: { buffer: uniform(data) } });
  };
  addConsts(v.interface, d.vsConst);
  addConsts(f.interface, d.fsConst);
  groups[kStageGroup.fragment]!.push(...(d.fsResources ?? []));

  const target = device.createTexture({ size: [SIZE, SIZE], format, usage: GPUTextureUsage.RENDER_ATTACHMENT | GPUTextureUsage.COPY_SRC });
  const enc = device.createCommandEncoder();
  const pass = enc.beginRenderPass({ colorAttachments: [{ view: target.createView(), loadOp: 'clear', storeOp: 'store', clearValue: [0, 0, 0, 0] }] });
  pass.setPipeline(pipeline);
  groups.forEach((entries, g) => {
    if (entries.length || g === 0) pass.setBindGroup(g, device.createBindGroup({ layout: pipeline.getBindGroupLayout(g), entries }));
  });
  pass.setVertexBuffer(0, vbuf);
  pass.draw(positions.length / 2);
  pass.end();
  queue.submit([enc.finish()]);
  const err = await device.popErrorScope();
  if (err) throw new Error(`${err.message}\n--- VS\n${v.code}\n--- FS\n${f.code}`);
  return readTextureRGBA(ctx, target);
}

const px = (rgba: Uint8Array, x: number, y: number) => [...rgba.subarray((y * SIZE + x) * 4, (y * SIZE + x) * 4 + 4)];
const everywhere = (rgba: Uint8Array) => new Set(Array.from({ length: SIZE * SIZE }, (_v, i) => px(rgba, i % SIZE, i >> 2).join(',')));

describe('translated TGSI runs with exact results', () => {
  it('float ALU: ADD, MAD, DP2, FLR with |abs|', async () => {
    const rgba = await draw({
      fs: `FRAG
DCL OUT[0], COLOR
DCL CONST[0]
DCL TEMP[0..1]
IMM[0] FLT32 {${hex(16)}, ${hex(1 / 255)}, 0x00000000, 0x00000000}
  0: ADD TEMP[0].x, CONST[0].xxxx, CONST[0].yyyy
  1: MAD TEMP[0].y, CONST[0].xxxx, CONST[0].yyyy, CONST[0].wwww
  2: DP2 TEMP[0].z, CONST[0].xyxx, CONST[0].xyxx
  3: ADD TEMP[1].x, CONST[0].zzzz, CONST[0].wwww
  4: FLR TEMP[1].x, TEMP[1].xxxx
  5: MOV TEMP[0].w, |TEMP[1].xxxx|
  6: MUL TEMP[0], TEMP[0], IMM[0].xxxx
  7: MUL OUT[0], TEMP[0], IMM[0].yyyy
  8: END
`,
      fsConst: [1.5, 2.25, -3.0, 0.25].map(f32),
    });
    // 16 * (3.75, 3.625, 7.3125, |floor(-2.75)| = 3)
    expect(everywhere(rgba)).toEqual(new Set(['60,58,117,48']));
  });

  it('float ALU: EX2, CMP, LRP, FRC + MAX, SLT/SGE, with _SAT and negation', async () => {
    const rgba = await draw({
      fs: `FRAG
DCL OUT[0], COLOR
DCL CONST[0]
DCL TEMP[0..2]
IMM[0] FLT32 {${hex(16)}, ${hex(1 / 255)}, ${hex(3)}, ${hex(12)}}
IMM[1] FLT32 {${hex(4)}, ${hex(5)}, ${hex(7)}, ${hex(0.25)}}
  0: EX2 TEMP[0].x, IMM[0].zzzz
  1: CMP TEMP[0].y, CONST[0].zzzz, IMM[1].yyyy, IMM[1].zzzz
  2: LRP TEMP[0].z, IMM[1].wwww, IMM[0].wwww, IMM[1].xxxx
  3: FRC TEMP[1].x, CONST[0].yyyy
  4: MAX TEMP[1].y, CONST[0].xxxx, -CONST[0].zzzz
  5: SLT TEMP[2].x, CONST[0].xxxx, CONST[0].yyyy
  6: SGE TEMP[2].y, CONST[0].zzzz, CONST[0].wwww
  7: ADD_SAT TEMP[2].z, TEMP[2].xxxx, TEMP[2].yyyy
  8: ADD TEMP[1].x, TEMP[1].xxxx, TEMP[1].yyyy
  9: ADD TEMP[0].w, TEMP[1].xxxx, TEMP[2].zzzz
 10: MUL TEMP[0], TEMP[0], IMM[0].xxxx
 11: MUL OUT[0], TEMP[0], IMM[0].yyyy
 12: END
`,
      fsConst: [1.5, 2.25, -3.0, 0.25].map(f32),
    });
    // 16 * (2^3, -3 < 0 ? 5 : 7, 0.25*12 + 0.75*4, frac(2.25) + max(1.5, 3) + sat(1 + 0))
    expect(everywhere(rgba)).toEqual(new Set(['128,80,96,68']));
  });

  it('integer ALU: UMUL, UADD, IDIV, IABS, UMUL_HI, POPC, IBFE, ISSG, XOR, USHR, SHL, OR, ISLT, AND', async () => {
    const rgba = await draw({
      format: 'rgba8uint',
      fs: `FRAG
DCL OUT[0], COLOR
DCL CONST[0]
DCL TEMP[0..2]
IMM[0] UINT32 {4, 28, 2, 1}
IMM[1] UINT32 {3, 60, 0, 0}
  0: UMUL TEMP[0].x, CONST[0].xxxx, CONST[0].yyyy
  1: UADD TEMP[0].x, TEMP[0].xxxx, CONST[0].wwww
  2: IDIV TEMP[1].x, CONST[0].zzzz, CONST[0].wwww
  3: IABS TEMP[1].x, TEMP[1].xxxx
  4: UMUL_HI TEMP[1].y, CONST[0].zzzz, CONST[0].wwww
  5: UADD TEMP[0].y, TEMP[1].xxxx, TEMP[1].yyyy
  6: POPC TEMP[1].z, CONST[0].zzzz
  7: IBFE TEMP[1].w, CONST[0].zzzz, IMM[0].xxxx, IMM[0].xxxx
  8: ISSG TEMP[1].w, TEMP[1].wwww
  9: INEG TEMP[1].w, TEMP[1].wwww
 10: XOR TEMP[0].z, TEMP[1].zzzz, TEMP[1].wwww
 11: USHR TEMP[2].x, CONST[0].zzzz, IMM[0].yyyy
 12: SHL TEMP[2].x, TEMP[2].xxxx, IMM[0].zzzz
 13: OR TEMP[2].x, TEMP[2].xxxx, IMM[1].xxxx
 14: ISLT TEMP[2].y, CONST[0].zzzz, CONST[0].wwww
 15: AND TEMP[2].y, TEMP[2].yyyy, IMM[0].wwww
 16: UADD TEMP[0].w, TEMP[2].xxxx, TEMP[2].yyyy
 17: MOV OUT[0], TEMP[0]
 18: END
`,
      fsConst: [7, 3, 0xfffffff0, 5],
    });
    // (7*3+5, |-16/5| + hi(0xfffffff0*5), popc(0xfffffff0) ^ -sign(-1), ((0xfffffff0>>28)<<2 | 3) + (-16 < 5 & 1))
    expect(everywhere(rgba)).toEqual(new Set(['26,7,29,64']));
  });

  it('conversions and bit fields: F2U, F2I, U2F, BREV, LSB, UMSB, BFI, UBFE, UCMP', async () => {
    const rgba = await draw({
      format: 'rgba8uint',
      fs: `FRAG
DCL OUT[0], COLOR
DCL TEMP[0..2]
IMM[0] FLT32 {${hex(2.75)}, ${hex(-3.5)}, ${hex(1.5)}, 0x00000000}
IMM[1] UINT32 {2147483648, 240, 10, 0}
IMM[2] UINT32 {0, 3, 2, 9}
IMM[3] UINT32 {4, 3, 100, 0}
  0: F2U TEMP[1].x, IMM[0].xxxx
  1: F2I TEMP[1].y, IMM[0].yyyy
  2: IABS TEMP[1].y, TEMP[1].yyyy
  3: UADD TEMP[0].x, TEMP[1].xxxx, TEMP[1].yyyy
  4: BREV TEMP[1].x, IMM[1].xxxx
  5: LSB TEMP[1].y, IMM[1].yyyy
  6: UMSB TEMP[1].z, IMM[1].yyyy
  7: UADD TEMP[1].x, TEMP[1].xxxx, TEMP[1].yyyy
  8: UADD TEMP[0].y, TEMP[1].xxxx, TEMP[1].zzzz
  9: BFI TEMP[1].x, IMM[2].xxxx, IMM[2].yyyy, IMM[2].zzzz, IMM[2].zzzz
 10: UBFE TEMP[1].y, IMM[1].yyyy, IMM[3].xxxx, IMM[3].yyyy
 11: UADD TEMP[0].z, TEMP[1].xxxx, TEMP[1].yyyy
 12: U2F TEMP[2].x, IMM[1].zzzz
 13: MUL TEMP[2].x, TEMP[2].xxxx, IMM[0].zzzz
 14: F2U TEMP[2].x, TEMP[2].xxxx
 15: UCMP TEMP[2].y, IMM[2].xxxx, IMM[3].zzzz, IMM[2].wwww
 16: UADD TEMP[0].w, TEMP[2].xxxx, TEMP[2].yyyy
 17: MOV OUT[0], TEMP[0]
 18: END
`,
    });
    // (2 + 3, brev(1<<31) + lsb(0xf0) + msb(0xf0), insert(0, 3, 2, 2) + extract(0xf0, 4, 3), 10*1.5 + 9)
    expect(everywhere(rgba)).toEqual(new Set(['5,12,19,24']));
  });

  it('IF/ELSE on the fragment position, with a lower-left origin', async () => {
    const rgba = await draw({
      format: 'rgba8uint',
      fs: `FRAG
PROPERTY FS_COORD_ORIGIN LOWER_LEFT
DCL IN[0], POSITION, LINEAR
DCL OUT[0], COLOR
DCL TEMP[0]
IMM[0] FLT32 {${hex(2)}, 0x00000000, 0x00000000, 0x00000000}
IMM[1] UINT32 {10, 20, 30, 40}
IMM[2] UINT32 {50, 60, 70, 80}
  0: SLT TEMP[0].x, IN[0].xxxx, IMM[0].xxxx
  1: IF TEMP[0].xxxx :0
  2:   MOV TEMP[0], IMM[1]
  3: ELSE :0
  4:   MOV TEMP[0], IMM[2]
  5: ENDIF
  6: F2U TEMP[0].w, IN[0].yyyy
  7: MOV OUT[0], TEMP[0]
  8: END
`,
    });
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) {
        // Lower-left origin is GL's, and Gallium surfaces keep GL's row order (row 0 is GL's y = 0),
        // so fragment y is the row index.
        expect(px(rgba, x, y), `pixel ${x},${y}`).toEqual(x < 2 ? [10, 20, 30, y] : [50, 60, 70, y]);
      }
    }
  });

  it('BGNLOOP/BRK/CONT, the loop guard, and SWITCH with fallthrough', async () => {
    const rgba = await draw({
      format: 'rgba8uint',
      loopLimit: 100,
      fs: `FRAG
DCL OUT[0], COLOR
DCL CONST[0]
DCL TEMP[0..1]
IMM[0] UINT32 {0, 1, 10, 100}
IMM[1] INT32 {1, 2, 3, 255}
  0: MOV TEMP[0], IMM[0].xxxx
  1: BGNLOOP :1
  2:   USGE TEMP[1].x, TEMP[0].xxxx, CONST[0].xxxx
  3:   UIF TEMP[1].xxxx
  4:     BRK
  5:   ENDIF
  6:   AND TEMP[1].y, TEMP[0].xxxx, IMM[0].yyyy
  7:   UADD TEMP[0].x, TEMP[0].xxxx, IMM[0].yyyy
  8:   UIF TEMP[1].yyyy
  9:     CONT
 10:   ENDIF
 11:   UADD TEMP[0].y, TEMP[0].yyyy, TEMP[0].xxxx
 12: ENDLOOP :1
 13: BGNLOOP
 14:   UADD TEMP[0].z, TEMP[0].zzzz, IMM[0].yyyy
 15: ENDLOOP
 16: SWITCH CONST[0].yyyy
 17: CASE IMM[1].xxxx
 18:   UADD TEMP[0].w, TEMP[0].wwww, IMM[0].yyyy
 19: CASE IMM[1].yyyy
 20:   UADD TEMP[0].w, TEMP[0].wwww, IMM[0].zzzz
 21: CASE IMM[1].zzzz
 22:   UADD TEMP[0].w, TEMP[0].wwww, IMM[0].wwww
 23:   BRK
 24: DEFAULT
 25:   MOV TEMP[0].w, IMM[1].wwww
 26: ENDSWITCH
 27: MOV OUT[0], TEMP[0]
 28: END
`,
      fsConst: [7, 2],
    });
    // 7 iterations; odd i+1 summed (1+3+5+7); the endless loop stops when the guard's 100 is spent
    // (8 iterations went to the first loop); CASE 2 falls through into CASE 3.
    expect(everywhere(rgba)).toEqual(new Set(['7,16,92,110']));
  });

  it('VS → FS varyings: perspective floats and a flat integer, linked by linkStages', async () => {
    const rgba = await draw({
      vs: `VERT
DCL IN[0]
DCL OUT[0], POSITION
DCL OUT[1], GENERIC[0]
DCL OUT[2], GENERIC[1]
DCL CONST[0]
DCL TEMP[0]
IMM[0] FLT32 {${hex(1 / 255)}, 0x00000000, 0x00000000, 0x00000000}
IMM[1] UINT32 {5, 0, 0, 0}
  0: MOV OUT[0], IN[0]
  1: U2F TEMP[0], CONST[0]
  2: MUL OUT[1], TEMP[0], IMM[0].xxxx
  3: UADD OUT[2], CONST[0].wwww, IMM[1].xxxx
  4: END
`,
      vsConst: [10, 20, 30, 40],
      fs: `FRAG
DCL IN[0], GENERIC[0], PERSPECTIVE
DCL IN[1].x, GENERIC[1], CONSTANT
DCL OUT[0], COLOR
DCL TEMP[0]
IMM[0] FLT32 {${hex(1 / 255)}, 0x00000000, 0x00000000, 0x00000000}
  0: MOV OUT[0].xyz, IN[0].xyzz
  1: U2F TEMP[0].x, IN[1].xxxx
  2: MUL OUT[0].w, TEMP[0].xxxx, IMM[0].xxxx
  3: END
`,
    });
    expect(everywhere(rgba)).toEqual(new Set(['10,20,30,45']));
  });

  it('the position epilogue lands on Gallium window coordinates (row 0 = window y 0)', async () => {
    const rgba = await draw({
      positions: [-1, -1, 0.9, -1, -1, 0.9],
      fs: 'FRAG\nDCL OUT[0], COLOR\nIMM[0] FLT32 {0x3f800000, 0x3f800000, 0x3f800000, 0x3f800000}\n  0: MOV OUT[0], IMM[0]\n  1: END\n',
    });
    // window = clip * 2 + 2: the triangle (0,0) (3.8,0) (0,3.8) covers the pixels with x + y < 3.
    for (let y = 0; y < SIZE; y++) {
      for (let x = 0; x < SIZE; x++) expect(px(rgba, x, y)[0], `pixel ${x},${y}`).toBe(x + y < 3 ? 255 : 0);
    }
  });
});

describe('facing', () => {
  // Gallium (llvmpipe) calls a triangle CCW when (x0-x1)(y2-y0) - (x2-x0)(y0-y1) > 0 in window
  // coordinates; WebGPU's frontFace 'ccw' agrees under our position mapping, so the backend can
  // pass front_ccw through as frontFace: front_ccw ? 'ccw' : 'cw'.
  const fs = 'FRAG\nDCL IN[0], FACE, CONSTANT\nDCL OUT[0], COLOR\n  0: MOV OUT[0], IN[0].xxxw\n  1: END\n';

  it('FACE is -1 for a Gallium-clockwise triangle and +1 for a counter-clockwise one (frontFace ccw)', async () => {
    // window (0,0) (3.8,0) (0,3.8): Gallium area = (0-3.8)(3.8-0) - 0 < 0, clockwise.
    const cw = await draw({ positions: [-1, -1, 0.9, -1, -1, 0.9], fs });
    expect(px(cw, 0, 0)).toEqual([0, 0, 0, 255]);
    const ccw = await draw({ positions: [-1, -1, -1, 0.9, 0.9, -1], fs });
    expect(px(ccw, 0, 0)).toEqual([255, 255, 255, 255]);
  });
});

describe('translated TGSI samples textures through the binding contract', () => {
  /** 2x2 texels, row-major: (0,0) (1,0) / (0,1) (1,1). */
  const TEXELS = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100, 110, 120, 130, 140, 150, 160];

  function texture2x2(format: GPUTextureFormat, data: ArrayBufferView & { buffer: ArrayBuffer }, bpp: number): GPUTexture {
    const t = ctx.device.createTexture({ size: [2, 2], format, usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
    ctx.queue.writeTexture({ texture: t }, data, { bytesPerRow: 2 * bpp }, [2, 2]);
    return t;
  }

  it('TEX, TXF, TXQ, TXP on RECT, and a shadow compare', async () => {
    const color = texture2x2('rgba8unorm', new Uint8Array(TEXELS), 4);
    // depth16unorm: the depth format WebGPU lets us write from the CPU.
    const depth = texture2x2('depth16unorm', new Uint16Array([16384, 49151, 16384, 49151]), 2);
    const nearest = ctx.device.createSampler({ magFilter: 'nearest', minFilter: 'nearest' });
    const less = ctx.device.createSampler({ compare: 'less' });
    const rgba = await draw({
      format: 'rgba8uint',
      fs: `FRAG
DCL OUT[0], COLOR
DCL CONST[0..1]
DCL SAMP[0]
DCL SAMP[1]
DCL SAMP[2]
DCL SVIEW[0], 2D, FLOAT
DCL SVIEW[1], RECT, FLOAT
DCL SVIEW[2], SHADOW2D, FLOAT
DCL TEMP[0..3]
IMM[0] INT32 {0, 1, 0, 0}
IMM[1] FLT32 {${hex(255)}, 0x00000000, 0x00000000, 0x00000000}
  0: TEX TEMP[1], CONST[0], SAMP[0], 2D
  1: TXF TEMP[2], IMM[0].xyxx, SAMP[0], 2D
  2: ADD TEMP[1].x, TEMP[1].yyyy, TEMP[2].xxxx
  3: MUL TEMP[1].x, TEMP[1].xxxx, IMM[1].xxxx
  4: F2U TEMP[0].x, TEMP[1].xxxx
  5: TXQ TEMP[3], IMM[0].xxxx, SAMP[0], 2D
  6: UMUL TEMP[3].x, TEMP[3].xxxx, IMM[0].yyyy
  7: UADD TEMP[0].y, TEMP[3].xxxx, TEMP[3].wwww
  8: TXP TEMP[2], CONST[1], SAMP[1], RECT
  9: MUL TEMP[2].y, TEMP[2].yyyy, IMM[1].xxxx
 10: F2U TEMP[0].z, TEMP[2].yyyy
 11: MOV TEMP[2], CONST[0].xyzz
 12: TEX TEMP[2].x, TEMP[2], SAMP[2], SHADOW2D
 13: MOV TEMP[2].w, CONST[0].wwww
 14: TEX TEMP[3].x, TEMP[2].wyzz, SAMP[2], SHADOW2D
 15: MUL TEMP[2].x, TEMP[2].xxxx, IMM[1].xxxx
 16: MUL TEMP[3].x, TEMP[3].xxxx, IMM[1].xxxx
 17: ADD TEMP[2].x, TEMP[2].xxxx, TEMP[3].xxxx
 18: F2U TEMP[0].w, TEMP[2].xxxx
 19: MOV OUT[0], TEMP[0]
 20: END
`,
      // CONST[0]: (s, t) of texel (1,0), depth reference 0.5, then s of texel (0,0);
      // CONST[1]: unnormalized (1.5, 0.5) * q for TXP on the RECT view.
      fsConst: [0.75, 0.25, 0.5, 0.25, 3, 1, 0, 2].map(f32),
      fsResources: [
        { binding: 16, resource: color.createView() }, { binding: 17, resource: nearest },
        { binding: 18, resource: color.createView() }, { binding: 19, resource: nearest },
        { binding: 20, resource: depth.createView() }, { binding: 21, resource: less },
      ],
    });
    // (TEX green of texel (1,0) + TXF red of texel (0,1), width + levels, TXP green of texel (1,0),
    //  shadow: 0.5 < 0.75 passes at texel (1,0), 0.5 < 0.25 fails at texel (0,0))
    expect(everywhere(rgba)).toEqual(new Set([`${60 + 90},3,60,255`]));
  });
});

it('driver uniform buffer size matches the packer', () => {
  expect(packDriverUniforms({ fbWidth: 1, fbHeight: 1 }).byteLength).toBe(kDriverUniformSize);
});
