// Queries on a real Dawn device: GlContext driven by hand-built virgl command buffers, results
// read back as Mesa does, through TRANSFER_GET of the query's buffer (virgl_host_query_state).
import { describe, expect, it } from 'vitest';
import { useGlDevice } from '../helpers/gl-device.js';
import { GlContext } from '../../src/gl-backend/context.js';
import { GL_DEVICE_OPTIONS } from '../../src/gl-backend/renderer.js';
import { GlDevice } from '../../src/gl-backend/gpu/device-cache.js';
import { closeDevice, openNodeDevice } from '../../src/gpu/node/dawn.js';
import { PipePrim, PipeQuery } from '../../src/protocol/gallium.js';
import { VirglCmd, VirglObjectType as O } from '../../src/protocol/virgl-commands.js';
import { PipeTextureTarget as T, VirglFormat as F } from '../../src/protocol/virgl-formats.js';
import { VIRGL_HOST_QUERY_STATE as HQS, VirglQueryState } from '../../src/protocol/virgl-host-structs.js';
import type { Logger, TransferArgs } from '../../src/server/renderer.js';

class Stream {
  readonly words: number[] = [];
  cmd(cmd: number, payload: number[], obj = 0): this {
    this.words.push(cmd | (obj << 8) | (payload.length << 16), ...payload.map((v) => v >>> 0));
    return this;
  }
  shader(handle: number, type: number, text: string): this {
    const bytes = new TextEncoder().encode(`${text}\0`);
    const words = new Uint32Array(Math.ceil(bytes.length / 4));
    new Uint8Array(words.buffer).set(bytes);
    return this.cmd(VirglCmd.CREATE_OBJECT, [handle, type, bytes.length, 100, 0, ...words], O.SHADER).cmd(VirglCmd.BIND_SHADER, [handle, type]);
  }
  get buffer(): Uint32Array { return new Uint32Array(this.words); }
}
const f = (x: number): number => new Uint32Array(new Float32Array([x]).buffer)[0];

const VS = 'VERT\nDCL IN[0]\nDCL OUT[0], POSITION\n  0: MOV OUT[0], IN[0]\n  1: END\n';
const FS = 'FRAG\nPROPERTY FS_COLOR0_WRITES_ALL_CBUFS 1\nDCL OUT[0], COLOR\nIMM[0] FLT32 {0x3f800000, 0x00000000, 0x00000000, 0x3f800000}\n  0: MOV OUT[0], IMM[0]\n  1: END\n';
/** Window corners (0,0), (8.25,0), (0,8.25) on a 16x16 target: pixel centres with x+y <= 7, 36 of them. */
const TRIANGLE = [-1, -1, 0, 1, 0.03125, -1, 0, 1, -1, 0.03125, 0, 1];
const SAMPLES = 36;
const QBUF = 20; const SURFACE = 30;

const logs: string[] = [];
const log: Logger = { info: (m) => logs.push(m), warn: (m) => logs.push(m), error: (m) => logs.push(m) };
const fx = useGlDevice();

/** A context with a 16x16 target bound, the triangle in vertex buffer 2 and a query buffer per query. */
function scene(d: GlDevice = fx.dev): GlContext {
  const ctx = new GlContext('test', log, { maxResources: 64, maxResourceBytes: 1 << 24 }, d);
  ctx.resourceCreate({ handle: 1, target: T.TEXTURE_2D, format: F.R8G8B8A8_UNORM, bind: 2, width: 16, height: 16, depth: 1, arraySize: 1, lastLevel: 0, nrSamples: 0 });
  ctx.resourceCreate({ handle: 2, target: T.BUFFER, format: F.R8_UNORM, bind: 16, width: 48, height: 1, depth: 1, arraySize: 0, lastLevel: 0, nrSamples: 0 });
  ctx.transferPut(box(2, 48), new Uint8Array(new Float32Array(TRIANGLE).buffer));
  ctx.submit(new Stream().cmd(VirglCmd.CREATE_SUB_CTX, [1]).cmd(VirglCmd.SET_SUB_CTX, [1])
    .shader(10, 0, VS).shader(11, 1, FS)
    .cmd(VirglCmd.CREATE_OBJECT, [12, 0, 0, 0, F.R32G32B32A32_FLOAT], O.VERTEX_ELEMENTS).cmd(VirglCmd.BIND_OBJECT, [12], O.VERTEX_ELEMENTS)
    .cmd(VirglCmd.SET_VERTEX_BUFFERS, [16, 0, 2])
    .cmd(VirglCmd.CREATE_OBJECT, [SURFACE, 1, F.R8G8B8A8_UNORM, 0, 0], O.SURFACE)
    .cmd(VirglCmd.SET_FRAMEBUFFER_STATE, [1, 0, SURFACE])
    .cmd(VirglCmd.SET_VIEWPORT_STATE, [0, f(8), f(8), f(0.5), f(8), f(8), f(0.5)]).buffer);
  return ctx;
}
const box = (handle: number, width: number): TransferArgs =>
  ({ handle, level: 0, stride: 0, layerStride: 0, x: 0, y: 0, z: 0, width, height: 1, depth: 1 });
const draw = (s: Stream): Stream => s.cmd(VirglCmd.DRAW_VBO, [0, 3, PipePrim.TRIANGLES, 0, 1, 0, 0, 0, 0, 0, 2, 0]);
const clear = (s: Stream): Stream => s.cmd(VirglCmd.CLEAR, [4, 0, 0, 0, 0, 0, 0, 0]);

/** Creates query `handle` of `type` backed by its own buffer (QBUF + handle). */
function query(ctx: GlContext, s: Stream, handle: number, type: number): Stream {
  ctx.resourceCreate({ handle: QBUF + handle, target: T.BUFFER, format: F.R8_UNORM, bind: 0, width: HQS.size, height: 1, depth: 1, arraySize: 0, lastLevel: 0, nrSamples: 0 });
  return s.cmd(VirglCmd.CREATE_OBJECT, [handle, type, 0, QBUF + handle], O.QUERY);
}
const end = (s: Stream, handle: number): Stream => s.cmd(VirglCmd.END_QUERY, [handle]).cmd(VirglCmd.GET_QUERY_RESULT, [handle, 0]);

/** What Mesa reads back: the state, the result size and the result. */
async function result(ctx: GlContext, handle: number): Promise<{ state: number; size: number; value: bigint }> {
  const out = new Uint8Array(HQS.size);
  await ctx.transferGet(box(QBUF + handle, HQS.size), out);
  const dv = new DataView(out.buffer);
  return { state: dv.getUint32(HQS.offsets.query_state, true), size: dv.getUint32(HQS.offsets.result_size, true), value: dv.getBigUint64(HQS.offsets.result, true) };
}

describe('occlusion queries', () => {
  it('count the samples of a known triangle, across passes, and answer predicates', async () => {
    const ctx = scene();
    const s = new Stream();
    query(ctx, s, 1, PipeQuery.OCCLUSION_COUNTER); query(ctx, s, 2, PipeQuery.OCCLUSION_PREDICATE);
    query(ctx, s, 3, PipeQuery.OCCLUSION_COUNTER); query(ctx, s, 4, PipeQuery.OCCLUSION_PREDICATE);
    clear(s);
    s.cmd(VirglCmd.BEGIN_QUERY, [1]);
    draw(s);
    end(s, 1);
    // 3 spans two passes (a clear in between) and overlaps predicate 2; 4 sees no draw.
    s.cmd(VirglCmd.BEGIN_QUERY, [3]);
    draw(s);
    s.cmd(VirglCmd.BEGIN_QUERY, [2]);
    clear(s);
    draw(s);
    end(s, 2);
    end(s, 3);
    s.cmd(VirglCmd.BEGIN_QUERY, [4]);
    end(s, 4);
    ctx.submit(s.buffer);
    expect(ctx.errorState).toBeNull();
    // The results arrive asynchronously: the transfers wait for them.
    expect(await result(ctx, 1)).toEqual({ state: VirglQueryState.DONE, size: 4, value: BigInt(SAMPLES) });
    expect(await result(ctx, 2)).toEqual({ state: VirglQueryState.DONE, size: 4, value: 1n });
    expect(await result(ctx, 3)).toEqual({ state: VirglQueryState.DONE, size: 4, value: BigInt(2 * SAMPLES) });
    expect(await result(ctx, 4)).toEqual({ state: VirglQueryState.DONE, size: 4, value: 0n });

    // A query restarts: its second round counts only its own draws.
    ctx.submit(end(draw(draw(new Stream().cmd(VirglCmd.BEGIN_QUERY, [1]))), 1).buffer);
    expect(await result(ctx, 1)).toEqual({ state: VirglQueryState.DONE, size: 4, value: BigInt(2 * SAMPLES) });
  });

  it('refuses a handle that is not a query', () => {
    const ctx = scene();
    ctx.submit(new Stream().cmd(VirglCmd.BEGIN_QUERY, [SURFACE]).buffer);
    expect(ctx.errorState).toMatch(/30 is not a query \(at dword 0\)/);
  });
});

describe('time and other queries', () => {
  async function timeQueries(d: GlDevice): Promise<void> {
    const ctx = scene(d);
    const s = new Stream();
    query(ctx, s, 1, PipeQuery.TIME_ELAPSED); query(ctx, s, 2, PipeQuery.TIMESTAMP);
    query(ctx, s, 3, PipeQuery.GPU_FINISHED); query(ctx, s, 4, PipeQuery.PRIMITIVES_GENERATED);
    s.cmd(VirglCmd.BEGIN_QUERY, [1]).cmd(VirglCmd.BEGIN_QUERY, [4]);
    draw(s);
    end(s, 1); end(s, 2); end(s, 3); end(s, 4);
    ctx.submit(s.buffer);
    expect(ctx.errorState).toBeNull();
    const elapsed = await result(ctx, 1);
    expect(elapsed.state).toBe(VirglQueryState.DONE);
    expect(elapsed.size).toBe(8);
    expect(elapsed.value).toBeLessThan(10_000_000_000n);
    const ts = await result(ctx, 2);
    expect(ts.size).toBe(8);
    expect(ts.value).toBeGreaterThan(0n);
    expect(await result(ctx, 3)).toEqual({ state: VirglQueryState.DONE, size: 4, value: 1n });
    expect(await result(ctx, 4)).toEqual({ state: VirglQueryState.DONE, size: 4, value: 0n });
    expect(logs.some((l) => l.includes(`query type ${PipeQuery.PRIMITIVES_GENERATED} is not supported`))).toBe(true);
  }

  it('measure with queue completion times on a device without timestamp queries', async () => {
    const plain = await openNodeDevice({ ...GL_DEVICE_OPTIONS, optionalFeatures: GL_DEVICE_OPTIONS.optionalFeatures.filter((f) => f !== 'timestamp-query') });
    try {
      expect(plain.device.features.has('timestamp-query')).toBe(false);
      await timeQueries(new GlDevice(plain));
    } finally {
      await closeDevice(plain);
    }
  });

  it('measure with GPU timestamps where the device has them', async () => {
    const tsGpu = await openNodeDevice({ ...GL_DEVICE_OPTIONS, requiredFeatures: ['timestamp-query'] });
    try {
      await timeQueries(new GlDevice(tsGpu));
      await tsGpu.queue.onSubmittedWorkDone();
      expect(tsGpu.errors.map((e) => e.message)).toEqual([]);
    } finally {
      await closeDevice(tsGpu);
    }
  });
});
