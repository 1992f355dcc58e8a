// TRANSFER_PUT into depth and stencil: WebGPU copies into neither aspect of these textures, so
// the box goes to scratch textures (r32float depth, r8uint stencil) drawn in through the blit
// pipelines (frag_depth, stencil bit by bit). Ordered with the batch, like any draw.
import { VirglFormat as F } from '../../protocol/virgl-formats.js';
import type { TransferArgs } from '../../server/renderer.js';
import type { AfterSubmit } from './after-submit.js';
import type { GpuBlit } from './blit.js';
import { depthBlitPipeline, stencilBlitLayout, stencilBlitPipeline } from './blit-shaders.js';
import type { GlDevice } from './device-cache.js';
import { PARAM_BYTES, type ParamRing } from './params.js';
import type { GpuResource, GpuResources } from './resources.js';

const byResources = new WeakMap<GpuResources, DepthUpload>();

/** GpuResources.write calls this for depth/stencil textures after the shadow took the box. */
export function uploadDepthBox(resources: GpuResources, r: GpuResource, t: TransferArgs): void {
  byResources.get(resources)?.upload(r, t);
}

export class DepthUpload {
  constructor(private readonly dev: GlDevice, resources: GpuResources, private readonly blit: GpuBlit,
    private readonly params: ParamRing, private readonly after: AfterSubmit) {
    byResources.set(resources, this);
  }

  upload(r: GpuResource, t: TransferArgs): void {
    const f = r.format!;
    const g = r.guest;
    const lvl = g.levels[t.level];
    const format = g.args.format;
    const bpp = g.block.bytes;
    const n = t.width * t.height;
    const depth = new Float32Array(n);
    const stencil = f.stencil ? new Uint8Array(n) : null;
    const p = this.params.f32;
    p[0] = t.x; p[1] = t.y; p[2] = 1; p[3] = 1; p[4] = 0; p[5] = 0; p[6] = 0;
    for (let z = t.z; z < t.z + t.depth; z++) {
      const dv = new DataView(g.storage.buffer, g.storage.byteOffset + lvl.offset + z * lvl.sliceBytes, lvl.sliceBytes);
      for (let y = 0; y < t.height; y++) {
        for (let x = 0, at = (t.y + y) * lvl.rowBytes + t.x * bpp; x < t.width; x++, at += bpp) {
          const i = y * t.width + x;
          if (format === F.Z16_UNORM) depth[i] = dv.getUint16(at, true) / 0xffff;
          else if (format === F.Z32_FLOAT) depth[i] = dv.getFloat32(at, true);
          else {
            const v = dv.getUint32(at, true);
            depth[i] = (v & 0xffffff) / 0xffffff;
            if (stencil) stencil[i] = v >>> 24;
          }
        }
      }
      const params: GPUBindGroupEntry = { binding: 0, resource: { buffer: this.params.buffer, offset: this.params.push(), size: PARAM_BYTES } };
      const x1 = t.x + t.width; const y1 = t.y + t.height;
      const dTex = this.scratch('r32float', depth, t.width, t.height, 4);
      const dPipe = depthBlitPipeline(this.dev, f.gpu, true);
      this.blit.drawRect(r, t.level, z, false, dPipe, this.dev.device.createBindGroup({
        layout: dPipe.getBindGroupLayout(0), entries: [params, { binding: 1, resource: dTex.createView() }] }), t.x, t.y, x1, y1, 0);
      if (stencil) {
        const sTex = this.scratch('r8uint', stencil, t.width, t.height, 1);
        this.blit.drawRect(r, t.level, z, false, stencilBlitPipeline(this.dev, f.gpu, -1), this.dev.device.createBindGroup({
          layout: stencilBlitLayout(this.dev), entries: [params, { binding: 1, resource: sTex.createView() }] }), t.x, t.y, x1, y1, 8);
      }
    }
  }

  /** A texture holding `data`, destroyed once the batch that reads it is submitted. */
  private scratch(format: GPUTextureFormat, data: ArrayBufferView<ArrayBuffer>, w: number, h: number, bpp: number): GPUTexture {
    const tex = this.dev.device.createTexture({ size: [w, h], format, usage: GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_DST });
    this.dev.device.queue.writeTexture({ texture: tex }, data, { bytesPerRow: w * bpp, rowsPerImage: h }, [w, h]);
    this.after.add(() => tex.destroy());
    return tex;
  }
}
