// Depth and stencil written by TRANSFER_PUT reach the GPU (drawn in: WebGPU copies into neither
// aspect), so a blit from an uploaded depth-stencil texture carries the guest's values.
import { describe, expect, it } from 'vitest';
import { useGlDevice } from '../helpers/gl-device.js';
import { GlContext } from '../../src/gl-backend/context.js';
import { PipeMask, PipeTexFilter } from '../../src/protocol/gallium.js';
import { VirglCmd } from '../../src/protocol/virgl-commands.js';
import { PipeTextureTarget as T, VirglFormat as F } from '../../src/protocol/virgl-formats.js';
import type { Logger, TransferArgs } from '../../src/server/renderer.js';

const log: Logger = { info: () => {}, warn: () => {}, error: () => {} };
const fx = useGlDevice();

const header = (cmd: number, len: number): number => cmd | (len << 16);
const box = (handle: number, w: number, h: number): TransferArgs => ({ handle, level: 0, stride: 0, layerStride: 0, x: 0, y: 0, z: 0, width: w, height: h, depth: 1 });

describe('depth/stencil uploads', () => {
  for (const format of [F.Z24_UNORM_S8_UINT, F.Z32_FLOAT, F.Z16_UNORM]) {
    it(`reach the GPU for format ${F[format]}`, async () => {
      const ctx = new GlContext('test', log, { maxResources: 8, maxResourceBytes: 1 << 20 }, fx.dev);
      for (const h of [1, 2]) ctx.resourceCreate({ handle: h, target: T.TEXTURE_2D, format, bind: 8, width: 4, height: 2, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0 });
      const bpp = format === F.Z16_UNORM ? 2 : 4;
      const data = new Uint8Array(8 * bpp);
      const dv = new DataView(data.buffer);
      for (let i = 0; i < 8; i++) {
        if (format === F.Z16_UNORM) dv.setUint16(2 * i, i * 8191, true);
        else if (format === F.Z32_FLOAT) dv.setFloat32(4 * i, i / 8, true);
        else dv.setUint32(4 * i, ((i * 0x200000) | ((i * 37) << 24)) >>> 0, true);
      }
      ctx.transferPut(box(1, 4, 2), data);
      // Reading 1 back comes from the GPU once a blit made 2 GPU-newer from it.
      const mask = format === F.Z24_UNORM_S8_UINT ? PipeMask.ZS : PipeMask.Z;
      ctx.submit(new Uint32Array([header(VirglCmd.CREATE_SUB_CTX, 1), 1, header(VirglCmd.SET_SUB_CTX, 1), 1,
        header(VirglCmd.BLIT, 21), mask | (PipeTexFilter.NEAREST << 8), 0, 0, 2, 0, format, 0, 0, 0, 4, 2, 1, 1, 0, format, 0, 0, 0, 4, 2, 1]));
      expect(ctx.errorState).toBeNull();
      expect(ctx.resources.get(2).gpuNewer).toBe(true);
      const out = new Uint8Array(data.length);
      await ctx.transferGet(box(2, 4, 2), out);
      expect([...out]).toEqual([...data]);
    });
  }
});
