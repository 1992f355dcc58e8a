// RESOURCE_COPY_REGION and CLEAR_TEXTURE. Buffers: the shadow is always current, so it is copied
// too and the GPU follows (a GPU copy, or a re-upload when WebGPU's 4-byte rule forbids one).
// Textures: the shadow is copied while the source's shadow is current; else the copy is GPU-only
// and the destination becomes GPU-newer.
import { PipeMask } from '../../protocol/gallium.js';
import { PipeTextureTarget as T, VirglFormat as F } from '../../protocol/virgl-formats.js';
import { ContextError, type Logger, type TransferArgs } from '../../server/renderer.js';
import type { GuestResource } from '../resource-store.js';
import type { AfterSubmit } from './after-submit.js';
import type { GpuBatch } from './batch.js';
import type { BlitArgs, BlitSide, GpuBlit } from './blit.js';
import type { GlDevice } from './device-cache.js';
import type { GpuResource, GpuResources } from './resources.js';

/** A box on one level: origin and extents in texels. */
interface Box { x: number; y: number; z: number; w: number; h: number; d: number }

const box = (): Box => ({ x: 0, y: 0, z: 0, w: 0, h: 0, d: 0 });
const baseFormat = (f: GPUTextureFormat): string => f.replace('-srgb', '');

export class GpuCopy {
  private readonly src = box();
  private readonly dst = box();
  private readonly transfer: TransferArgs = { handle: 0, level: 0, stride: 0, layerStride: 0, x: 0, y: 0, z: 0, width: 0, height: 0, depth: 0 };
  private readonly blitArgs: BlitArgs = {
    dst: { res: null, level: 0, format: 0, x: 0, y: 0, z: 0, w: 0, h: 0, d: 0 },
    src: { res: null, level: 0, format: 0, x: 0, y: 0, z: 0, w: 0, h: 0, d: 0 },
    mask: PipeMask.ZS, linear: false, blend: false, scissor: null,
  };
  private readonly texel = new Uint8Array(16);
  private readonly warned = new Set<string>();

  constructor(private readonly dev: GlDevice, private readonly resources: GpuResources, private readonly batch: GpuBatch,
    private readonly blit: GpuBlit, private readonly afterSubmit: AfterSubmit, private readonly log: Logger) {}

  copyRegion(b: Uint32Array, at: number): void {
    const dst = this.resources.get(b[at + 1]);
    const src = this.resources.get(b[at + 6]);
    const dstLevel = b[at + 2]; const srcLevel = b[at + 7];
    const s = this.src; const d = this.dst;
    s.x = b[at + 8]; s.y = b[at + 9]; s.z = b[at + 10]; s.w = b[at + 11]; s.h = b[at + 12]; s.d = b[at + 13];
    d.x = b[at + 3]; d.y = b[at + 4]; d.z = b[at + 5]; d.w = s.w; d.h = s.h; d.d = s.d;
    const srcIsBuffer = src.guest.args.target === T.BUFFER;
    if (srcIsBuffer !== (dst.guest.args.target === T.BUFFER)) throw new ContextError('RESOURCE_COPY_REGION between a buffer and a texture', at);
    if (s.w === 0 || s.h === 0 || s.d === 0) return;
    checkBox(src.guest, srcLevel, s, at, 'source');
    checkBox(dst.guest, dstLevel, d, at, 'destination');
    if (srcIsBuffer) this.copyBuffer(dst, src, at);
    else this.copyTexture(dst, dstLevel, src, srcLevel, at);
  }

  private copyBuffer(dst: GpuResource, src: GpuResource, at: number): void {
    const { x: sx, w } = this.src; const dx = this.dst.x;
    if (dst === src) dst.guest.storage.copyWithin(dx, sx, sx + w);
    else dst.guest.storage.set(src.guest.storage.subarray(sx, sx + w), dx);
    if (!dst.buffer || !src.buffer) throw new ContextError('RESOURCE_COPY_REGION of a buffer without a GPU buffer', at);
    if (dst !== src && (sx | dx | w) % 4 === 0) {
      this.batch.copyEncoder().copyBufferToBuffer(src.buffer, sx, dst.buffer, dx, w);
      src.usedInBatch = dst.usedInBatch = this.batch.serial;
      return;
    }
    // WebGPU copies whole dwords between distinct buffers only: upload the bytes from the shadow.
    this.upload(dst, 0, this.dst, dst.guest.storage.subarray(dx), 0, 0);
  }

  private copyTexture(dst: GpuResource, dstLevel: number, src: GpuResource, srcLevel: number, at: number): void {
    const sb = src.guest.block; const db = dst.guest.block;
    if (sb.bytes !== db.bytes || sb.width !== db.width || sb.height !== db.height) {
      throw new ContextError(`RESOURCE_COPY_REGION between formats ${src.guest.args.format} and ${dst.guest.args.format} of different block sizes`, at);
    }
    const s = this.src; const d = this.dst;
    if (!src.gpuNewer) copyShadowBox(src.guest, srcLevel, s, dst.guest, dstLevel, d);
    const st = src.texture; const dt = dst.texture;
    if (!dt) {
      if (src.gpuNewer) this.warn('a rendered texture is not copied into one without a GPU texture');
      return;
    }
    if (dst.format!.depth) {
      // Depth textures take no copies (no COPY_DST): draw the depth through the blit path.
      if (!st || !src.format!.depth) throw new ContextError('RESOURCE_COPY_REGION between depth and colour formats', at);
      this.depthCopy(dst, dstLevel, src, srcLevel, at);
      return;
    }
    if (st && baseFormat(st.format) === baseFormat(dt.format)) {
      this.gpuCopy(dst, dstLevel, src, srcLevel);
      if (src.gpuNewer) dst.gpuNewer = true;
      return;
    }
    if (src.gpuNewer) { this.warn('copies between different GPU formats from a rendered texture are not supported'); return; }
    // Different GPU layouts of the same bytes: the shadow was copied, upload its box.
    const lvl = dst.guest.levels[dstLevel];
    const start = lvl.offset + d.z * lvl.sliceBytes + (d.y / db.height) * lvl.rowBytes + (d.x / db.width) * db.bytes;
    this.upload(dst, dstLevel, d, dst.guest.storage.subarray(start), lvl.rowBytes, lvl.sliceBytes);
  }

  private gpuCopy(dst: GpuResource, dstLevel: number, src: GpuResource, srcLevel: number): void {
    const s = this.src; const d = this.dst;
    const size = { width: s.w, height: s.h, depthOrArrayLayers: s.d };
    const enc = this.batch.copyEncoder();
    const from: GPUTexelCopyTextureInfo = { texture: src.texture!, mipLevel: srcLevel, origin: { x: s.x, y: s.y, z: s.z } };
    const to: GPUTexelCopyTextureInfo = { texture: dst.texture!, mipLevel: dstLevel, origin: { x: d.x, y: d.y, z: d.z } };
    const is3d = src.guest.args.target === T.TEXTURE_3D;
    if (src === dst && srcLevel === dstLevel && (is3d || (s.z < d.z + d.d && d.z < s.z + s.d))) {
      // WebGPU refuses copies within one subresource: bounce through a scratch texture.
      const tmp = this.dev.device.createTexture({ size, dimension: is3d ? '3d' : '2d', format: src.texture!.format, usage: GPUTextureUsage.COPY_SRC | GPUTextureUsage.COPY_DST });
      enc.copyTextureToTexture(from, { texture: tmp }, size);
      enc.copyTextureToTexture({ texture: tmp }, to, size);
      this.afterSubmit.add(() => tmp.destroy());
    } else {
      enc.copyTextureToTexture(from, to, size);
    }
    src.usedInBatch = dst.usedInBatch = this.batch.serial;
  }

  private depthCopy(dst: GpuResource, dstLevel: number, src: GpuResource, srcLevel: number, at: number): void {
    const a = this.blitArgs; const s = this.src; const d = this.dst;
    a.mask = PipeMask.ZS;
    a.linear = false;
    setSide(a.src, src, srcLevel, s);
    setSide(a.dst, dst, dstLevel, d);
    this.blit.blit(a, at);
  }

  /** CLEAR_TEXTURE: a box of one level set to one texel (raw bytes of the resource's format). */
  clearTexture(b: Uint32Array, at: number): void {
    const res = this.resources.get(b[at + 1]);
    const level = b[at + 2];
    const bx = this.dst;
    bx.x = b[at + 3]; bx.y = b[at + 4]; bx.z = b[at + 5]; bx.w = b[at + 6]; bx.h = b[at + 7]; bx.d = b[at + 8];
    if (res.guest.args.target === T.BUFFER) throw new ContextError('CLEAR_TEXTURE of a buffer', at);
    if (bx.w === 0 || bx.h === 0 || bx.d === 0) return;
    checkBox(res.guest, level, bx, at, 'CLEAR_TEXTURE');
    const g = res.guest;
    const bytes = g.block.bytes;
    if (bytes > 16) throw new ContextError(`CLEAR_TEXTURE of a ${bytes}-byte texel`, at);
    const texel = this.texel;
    new Uint32Array(texel.buffer).set(b.subarray(at + 9, at + 13));
    const rowBytes = Math.ceil(bx.w / g.block.width) * bytes;
    const rows = Math.ceil(bx.h / g.block.height);
    // One tightly packed box: the shadow takes it, and the upload converts it where needed.
    const data = new Uint8Array(rowBytes * rows * bx.d);
    data.set(texel.subarray(0, bytes));
    for (let n = bytes; n < data.length; n *= 2) data.copyWithin(n, 0, Math.min(n, data.length - n));
    const f = res.format;
    if (!f?.depth) { this.upload(res, level, bx, data, 0, 0); return; }
    this.resources.store.transfer(this.args(res, level, bx, 0, 0), data, true);
    const dv = new DataView(texel.buffer);
    const raw = dv.getUint32(0, true);
    const format = g.args.format;
    const depth = format === F.Z16_UNORM ? dv.getUint16(0, true) / 0xffff : format === F.Z32_FLOAT ? dv.getFloat32(0, true) : (raw & 0xffffff) / 0xffffff;
    const stencil = format === F.Z24_UNORM_S8_UINT ? raw >>> 24 : null;
    for (let z = bx.z; z < bx.z + bx.d; z++) this.blit.fillDepth(res, level, z, bx.x, bx.y, bx.w, bx.h, Math.min(1, Math.max(0, depth)), stencil);
  }

  /** Shadow and GPU copy of a box, keeping a GPU-newer resource GPU-newer (the rest of it still is). */
  private upload(r: GpuResource, level: number, bx: Box, data: Uint8Array, stride: number, layerStride: number): void {
    const newer = r.gpuNewer;
    this.resources.write(this.args(r, level, bx, stride, layerStride), data);
    r.gpuNewer = newer;
  }

  private args(r: GpuResource, level: number, bx: Box, stride: number, layerStride: number): TransferArgs {
    const t = this.transfer;
    t.handle = r.guest.handle; t.level = level; t.stride = stride; t.layerStride = layerStride;
    t.x = bx.x; t.y = bx.y; t.z = bx.z; t.width = bx.w; t.height = bx.h; t.depth = bx.d;
    return t;
  }

  private warn(what: string): void {
    if (this.warned.has(what)) return;
    this.warned.add(what);
    this.log.warn(`RESOURCE_COPY_REGION: ${what}`);
  }
}

function setSide(side: BlitSide, r: GpuResource, level: number, bx: Box): void {
  side.res = r; side.level = level; side.format = r.guest.args.format;
  side.x = bx.x; side.y = bx.y; side.z = bx.z; side.w = bx.w; side.h = bx.h; side.d = bx.d;
}

function checkBox(g: GuestResource, level: number, bx: Box, at: number, what: string): void {
  const lvl = g.levels[level];
  if (!lvl) throw new ContextError(`${what}: level ${level} past the last level ${g.levels.length - 1} of resource ${g.handle}`, at);
  if (bx.x + bx.w > lvl.width || bx.y + bx.h > lvl.height || bx.z + bx.d > lvl.depthOrLayers) {
    throw new ContextError(`${what}: box ${bx.x},${bx.y},${bx.z} ${bx.w}x${bx.h}x${bx.d} outside level ${level} (${lvl.width}x${lvl.height}x${lvl.depthOrLayers}) of resource ${g.handle}`, at);
  }
  if (bx.x % g.block.width !== 0 || bx.y % g.block.height !== 0) throw new ContextError(`${what}: box not aligned to the format's blocks`, at);
}

/** Row-by-row shadow copy; rows run backwards when they overlap forwards within one resource. */
function copyShadowBox(src: GuestResource, srcLevel: number, s: Box, dst: GuestResource, dstLevel: number, d: Box): void {
  const sl = src.levels[srcLevel]; const dl = dst.levels[dstLevel];
  const blk = src.block;
  const rowBytes = Math.ceil(s.w / blk.width) * blk.bytes;
  const rows = Math.ceil(s.h / blk.height);
  const sAt = (z: number, r: number): number => sl.offset + (s.z + z) * sl.sliceBytes + (s.y / blk.height + r) * sl.rowBytes + (s.x / blk.width) * blk.bytes;
  const dAt = (z: number, r: number): number => dl.offset + (d.z + z) * dl.sliceBytes + (d.y / blk.height + r) * dl.rowBytes + (d.x / blk.width) * blk.bytes;
  const backwards = src === dst && dAt(0, 0) > sAt(0, 0);
  const n = s.d * rows;
  for (let k = 0; k < n; k++) {
    const i = backwards ? n - 1 - k : k;
    const z = Math.floor(i / rows); const r = i % rows;
    const from = sAt(z, r);
    if (src === dst) dst.storage.copyWithin(dAt(z, r), from, from + rowBytes);
    else dst.storage.set(src.storage.subarray(from, from + rowBytes), dAt(z, r));
  }
}
