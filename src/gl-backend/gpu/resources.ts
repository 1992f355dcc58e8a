// GPU side of guest resources. The CPU shadow (ResourceStore) stays the source of truth for what
// the guest wrote; GPU textures and buffers mirror it, and rendering makes the GPU copy newer.
import { PipeTextureTarget as T } from '../../protocol/virgl-formats.js';
import { ContextError, type ResourceCreateArgs, type TransferArgs } from '../../server/renderer.js';
import type { GuestResource, ResourceStore } from '../resource-store.js';
import type { GpuBatch } from './batch.js';
import { pendingQueryWrite } from './queries.js';
import { FrontReadback } from './front-readback.js';
import { uploadDepthBox } from './depth-upload.js';
import { Conversion, expandPacked16, gpuFormatOf, packPacked16, type GpuFormat } from './format-map.js';

export interface GpuResource {
  readonly guest: GuestResource;
  readonly buffer: GPUBuffer | null;
  readonly texture: GPUTexture | null;
  readonly format: GpuFormat | null;
  /** The GPU copy was rendered to after the shadow was last written. */
  gpuNewer: boolean;
  /** Serial of the batch that last referenced it (writes must not overtake those commands). */
  usedInBatch: number;
  readonly views: Map<string, GPUTextureView>;
}

// A function, not a constant: in Node the GPU* globals exist only once the device module installed them.
const bufferUsage = (): number => GPUBufferUsage.VERTEX | GPUBufferUsage.INDEX | GPUBufferUsage.UNIFORM
  | GPUBufferUsage.STORAGE | GPUBufferUsage.COPY_DST | GPUBufferUsage.COPY_SRC;

export class GpuResources {
  private readonly side = new Map<number, GpuResource>();
  /** Unmapped readback buffers by size: creating a mappable buffer per readback doubles its cost. */
  private readonly staging = new Map<number, GPUBuffer[]>();
  private stagingBytes = 0;

  private takeStaging(size: number): GPUBuffer {
    const b = this.staging.get(size)?.pop();
    if (b) { this.stagingBytes -= size; return b; }
    return this.device.createBuffer({ size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  }

  private giveStaging(b: GPUBuffer): void {
    if (this.stagingBytes + b.size > 64 << 20) { b.destroy(); return; }
    const list = this.staging.get(b.size) ?? [];
    list.push(b);
    this.staging.set(b.size, list);
    this.stagingBytes += b.size;
  }

  /** Whole-window readbacks copied ahead of the request (front-readback.ts). */
  private readonly front: FrontReadback;

  constructor(private readonly device: GPUDevice, readonly store: ResourceStore, private readonly batch: GpuBatch) {
    this.front = new FrontReadback(device, batch);
  }

  create(args: ResourceCreateArgs, backing: Uint8Array<ArrayBuffer> | null = null): GpuResource {
    const guest = this.store.create(args, backing);
    let buffer: GPUBuffer | null = null;
    let texture: GPUTexture | null = null;
    const format = args.target === T.BUFFER ? null : gpuFormatOf(args.format) ?? null;
    if (args.target === T.BUFFER) {
      buffer = this.device.createBuffer({ size: Math.max(4, align4(guest.storage.length)), usage: bufferUsage() });
    } else if (format && args.nrSamples <= 1) {
      texture = this.device.createTexture(textureDescriptor(guest, format));
    }
    const res: GpuResource = { guest, buffer, texture, format, gpuNewer: false, usedInBatch: 0, views: new Map() };
    this.side.set(args.handle, res);
    return res;
  }

  get(handle: number): GpuResource {
    const r = this.side.get(handle);
    if (!r) throw new ContextError(`unknown resource ${handle}`);
    return r;
  }

  tryGet(handle: number): GpuResource | undefined { return this.side.get(handle); }

  unref(handle: number): void {
    const r = this.get(handle);
    this.store.unref(handle);
    this.side.delete(handle);
    this.front.forget(r);
    // Commands already recorded may still use it; WebGPU keeps destroyed objects valid until then
    // only if not destroyed, so submit first.
    if (r.usedInBatch === this.batch.serial) this.batch.submit();
    r.buffer?.destroy();
    r.texture?.destroy();
  }

  destroyAll(): void {
    this.front.destroy();
    for (const list of this.staging.values()) for (const b of list) b.destroy();
    this.staging.clear();
    this.stagingBytes = 0;
    for (const r of this.side.values()) { r.buffer?.destroy(); r.texture?.destroy(); }
    this.side.clear();
    this.store.clear();
  }

  /** TRANSFER_PUT / RESOURCE_INLINE_WRITE: shadow first, then the GPU copy of the same box. */
  write(t: TransferArgs, data: Uint8Array): void {
    this.store.transfer(t, data, true);
    const r = this.get(t.handle);
    if (r.texture) this.front.writes++;
    if (r.usedInBatch === this.batch.serial && !this.batch.isEmpty) this.batch.submit();
    if (r.buffer) {
      // Buffer writes must be 4-byte aligned: upload the enclosing aligned range from the shadow.
      const start = t.x & ~3;
      const end = Math.min(align4(t.x + t.width), r.buffer.size);
      const src = r.guest.storage;
      if (end <= src.length) {
        this.device.queue.writeBuffer(r.buffer, start, src.buffer, src.byteOffset + start, end - start);
      } else {
        const tmp = new Uint8Array(end - start);
        tmp.set(src.subarray(start));
        this.device.queue.writeBuffer(r.buffer, start, tmp);
      }
    } else if (r.texture && r.format && !r.format.depth) {
      this.uploadBox(r, t);
    } else if (r.texture && r.format?.depth) {
      uploadDepthBox(this, r, t);
    }
    // A texture rendered to keeps its GPU copy as the reference: the upload only replaced the box there,
    // while the shadow outside the box is stale. Buffers are never written by the GPU.
    if (r.buffer) r.gpuNewer = false;
  }

  private uploadBox(r: GpuResource, t: TransferArgs): void {
    const lvl = r.guest.levels[t.level];
    const fmt = r.format!;
    const origin = { x: t.x, y: t.y, z: t.z };
    const size = { width: t.width, height: t.height, depthOrArrayLayers: t.depth };
    const start = lvl.offset + t.z * lvl.sliceBytes + t.y * lvl.rowBytes + t.x * fmt.guestBytes;
    const storage = r.guest.storage;
    if (fmt.conversion === Conversion.None) {
      this.device.queue.writeTexture({ texture: r.texture!, mipLevel: t.level, origin }, storage.subarray(start),
        { bytesPerRow: lvl.rowBytes, rowsPerImage: lvl.rows }, size);
      return;
    }
    const rowTexels = t.width;
    const out = new Uint8Array(rowTexels * 4 * t.height * t.depth);
    for (let z = 0; z < t.depth; z++) {
      for (let y = 0; y < t.height; y++) {
        const s = start + z * lvl.sliceBytes + y * lvl.rowBytes;
        expandPacked16(fmt.conversion, storage.subarray(s), out.subarray(((z * t.height) + y) * rowTexels * 4), rowTexels);
      }
    }
    this.device.queue.writeTexture({ texture: r.texture!, mipLevel: t.level, origin }, out,
      { bytesPerRow: rowTexels * 4, rowsPerImage: t.height }, size);
  }

  /** TRANSFER_GET: from the GPU when it was rendered to, else from the shadow. */
  read(t: TransferArgs, out: Uint8Array): void | Promise<void> {
    const pending = pendingQueryWrite(this, t.handle);
    if (pending) return pending.then(() => this.read(t, out));
    const r = this.get(t.handle);
    if (!r.gpuNewer || !r.texture || !r.format?.copyable) {
      this.store.transfer(t, out, false);
      return;
    }
    // Validate the box and the client's buffer against the shadow layout first.
    this.store.transfer(t, out, false);
    return this.front.read(r, t, out) ?? this.readBack(r, t, out);
  }

  private async readBack(r: GpuResource, t: TransferArgs, out: Uint8Array): Promise<void> {
    const fmt = r.format!;
    const conv = fmt.conversion;
    const gpuBpp = conv === Conversion.None ? fmt.guestBytes : 4;
    // Depth and stencil can only be copied a whole level (per layer) at a time: copy it, read the box.
    const whole = fmt.depth;
    const lvl = r.guest.levels[t.level];
    const box = whole ? { x: 0, y: 0, w: lvl.width, h: lvl.height } : { x: t.x, y: t.y, w: t.width, h: t.height };
    const size = { width: box.w, height: box.h, depthOrArrayLayers: t.depth };
    const origin = { x: box.x, y: box.y, z: t.z };
    const enc = this.batch.copyEncoder();
    const aspects: [GPUTextureAspect, number][] = conv === Conversion.Z24S8 ? [['depth-only', 4], ['stencil-only', 1]]
      : [[fmt.depth ? 'depth-only' : 'all', gpuBpp]];
    const copies = aspects.map(([aspect, bpp]) => {
      const bytesPerRow = Math.ceil((box.w * bpp) / 256) * 256;
      const buffer = this.takeStaging(bytesPerRow * box.h * t.depth);
      enc.copyTextureToBuffer({ texture: r.texture!, mipLevel: t.level, origin, aspect }, { buffer, bytesPerRow, rowsPerImage: box.h }, size);
      return { buffer, bytesPerRow };
    });
    this.batch.submit();
    try {
      await Promise.all(copies.map((c) => c.buffer.mapAsync(GPUMapMode.READ)));
    } catch (e) {
      for (const c of copies) c.buffer.destroy();
      throw new ContextError(`readback of resource ${t.handle} failed: ${e instanceof Error ? e.message : String(e)}`);
    }
    const main = new Uint8Array(copies[0].buffer.getMappedRange());
    const stencil = copies[1] ? new Uint8Array(copies[1].buffer.getMappedRange()) : null;
    const stride = t.stride || t.width * fmt.guestBytes;
    const layerStride = t.layerStride || stride * t.height;
    for (let z = 0; z < t.depth; z++) {
      for (let y = 0; y < t.height; y++) {
        const row = z * box.h + (t.y - box.y) + y;
        const s = row * copies[0].bytesPerRow + (t.x - box.x) * gpuBpp;
        const d = z * layerStride + y * stride;
        if (conv === Conversion.None) out.set(main.subarray(s, s + t.width * gpuBpp), d);
        else if (conv === Conversion.Z24 || conv === Conversion.Z24S8) {
          const depth = new Float32Array(main.buffer, s, t.width);
          const dv = new DataView(out.buffer, out.byteOffset + d, t.width * 4);
          const ss = stencil ? row * copies[1].bytesPerRow + (t.x - box.x) : 0;
          for (let x = 0; x < t.width; x++) {
            const z24 = Math.round(Math.min(1, Math.max(0, depth[x])) * 0xffffff);
            dv.setUint32(4 * x, (z24 | ((stencil ? stencil[ss + x] : 0) << 24)) >>> 0, true);
          }
        } else packPacked16(conv, main.subarray(s), out.subarray(d), t.width);
      }
    }
    for (const c of copies) { c.buffer.unmap(); this.giveStaging(c.buffer); }
  }

  /** A view of one level and layer range, cached per resource. */
  view(r: GpuResource, level: number, levels: number, firstLayer: number, layers: number, dimension: GPUTextureViewDimension, aspect: GPUTextureAspect = 'all'): GPUTextureView {
    if (!r.texture) throw new ContextError(`resource ${r.guest.handle} has no GPU texture (format ${r.guest.args.format})`);
    const t = r.texture;
    if (levels < 1 || level + levels > t.mipLevelCount || (t.dimension !== '3d' && (layers < 1 || firstLayer + layers > t.depthOrArrayLayers))) {
      throw new ContextError(`resource ${r.guest.handle}: view of levels ${level}+${levels}, layers ${firstLayer}+${layers} out of range`);
    }
    const key = `${level}:${levels}:${firstLayer}:${layers}:${dimension}:${aspect}`;
    let v = r.views.get(key);
    if (!v) {
      v = t.createView({
        dimension, baseMipLevel: level, mipLevelCount: levels, aspect,
        ...(dimension === '3d' ? {} : { baseArrayLayer: firstLayer, arrayLayerCount: layers }),
      });
      r.views.set(key, v);
    }
    return v;
  }
}

const align4 = (n: number): number => (n + 3) & ~3;

function textureDescriptor(g: GuestResource, f: GpuFormat): GPUTextureDescriptor {
  const a = g.args;
  const is3d = a.target === T.TEXTURE_3D;
  let usage = GPUTextureUsage.TEXTURE_BINDING | GPUTextureUsage.COPY_SRC | GPUTextureUsage.RENDER_ATTACHMENT;
  if (!f.depth) usage |= GPUTextureUsage.COPY_DST;
  return {
    // 1D textures are 2D with height 1: WebGPU's 1D textures cannot have mip levels.
    dimension: is3d ? '3d' : '2d',
    size: { width: a.width, height: a.target === T.TEXTURE_1D || a.target === T.TEXTURE_1D_ARRAY ? 1 : a.height,
      depthOrArrayLayers: is3d ? a.depth : Math.max(1, a.arraySize) },
    mipLevelCount: a.lastLevel + 1,
    format: f.gpu,
    usage,
  };
}
