// Front-buffer readback ahead of the request. Below protocol v2, Mesa presents every frame with a
// fence busy-wait (which waits for the GPU) and then a TRANSFER_GET of the whole window. A colour
// resource that the client reads back whole is therefore copied into a staging buffer at the end of
// each batch that rendered it, and mapped as soon as that batch is submitted: the TRANSFER_GET that
// follows, with nothing recorded, submitted or written since, is answered from that copy, without a
// second submit and a second wait for the GPU. Anything else takes the ordinary readback.
import { ContextError, type TransferArgs } from '../../server/renderer.js';
import type { GpuBatch } from './batch.js';
import { Conversion } from './format-map.js';
import type { GpuResource } from './resources.js';

interface Copy { buffer: GPUBuffer; bytesPerRow: number; serial: number; writes: number; mapped: Promise<void> | null }

/** Resources watched per context; a client presents from one or two. */
const MAX_WATCHED = 4;
/** Copies in a row that no TRANSFER_GET used before a resource stops being watched. */
const MAX_UNUSED = 8;
const ROW_ALIGN = 256;

export class FrontReadback {
  /** Watched resources and their unused copies in a row. */
  private readonly watched = new Map<GpuResource, number>();
  private readonly copies = new Map<GpuResource, Copy>();
  private readonly recorded: Copy[] = [];
  private readonly spare: GPUBuffer[] = [];
  /** Counts direct queue writes to textures (GpuResources.write): a copy taken before one is stale. */
  writes = 0;

  constructor(private readonly device: GPUDevice, private readonly batch: GpuBatch) {
    batch.hooks.push({ beforeFinish: (enc) => this.record(enc), afterSubmit: () => this.map() });
  }

  /**
   * TRANSFER_GET of `r` (rendered to, box already validated): the prefetched copy's bytes when it
   * still holds the resource's contents, else null, and `r` is watched from now on when eligible.
   */
  read(r: GpuResource, t: TransferArgs, out: Uint8Array): Promise<void> | null {
    if (!eligible(r, t)) return null;
    const c = this.copies.get(r);
    if (!c || c.mapped === null || c.serial !== this.batch.serial - 1 || !this.batch.isEmpty || c.writes !== this.writes) {
      if (!this.watched.has(r)) {
        if (this.watched.size >= MAX_WATCHED) this.forget(this.watched.keys().next().value!);
        this.watched.set(r, 0);
      }
      return null;
    }
    this.copies.delete(r);
    this.watched.set(r, 0);
    return c.mapped.then(() => {
      const src = new Uint8Array(c.buffer.getMappedRange());
      const bpp = r.format!.guestBytes;
      const stride = t.stride || t.width * bpp;
      const rowBytes = t.width * bpp;
      for (let y = 0; y < t.height; y++) {
        const s = (t.y + y) * c.bytesPerRow + t.x * bpp;
        out.set(src.subarray(s, s + rowBytes), y * stride);
      }
      this.release(c);
    }, (e: unknown) => {
      c.buffer.destroy();
      throw new ContextError(`readback of resource ${t.handle} failed: ${e instanceof Error ? e.message : String(e)}`);
    });
  }

  /** The resource is gone (unref) or no longer worth copying. */
  forget(r: GpuResource): void {
    this.watched.delete(r);
    const c = this.copies.get(r);
    if (c) { this.copies.delete(r); this.release(c); }
  }

  destroy(): void {
    for (const r of [...this.watched.keys()]) this.forget(r);
    for (const b of this.spare.splice(0)) b.destroy();
  }

  private record(enc: GPUCommandEncoder): void {
    const serial = this.batch.serial;
    for (const [r, unused] of this.watched) {
      if (!r.gpuNewer || r.usedInBatch !== serial) continue;
      const old = this.copies.get(r);
      if (old) {
        this.release(old);
        if (unused + 1 >= MAX_UNUSED) { this.forget(r); continue; }
        this.watched.set(r, unused + 1);
      }
      const t = r.texture!;
      const bytesPerRow = Math.ceil((t.width * r.format!.guestBytes) / ROW_ALIGN) * ROW_ALIGN;
      const c: Copy = { buffer: this.take(bytesPerRow * t.height), bytesPerRow, serial, writes: this.writes, mapped: null };
      enc.copyTextureToBuffer({ texture: t }, { buffer: c.buffer, bytesPerRow, rowsPerImage: t.height }, { width: t.width, height: t.height });
      this.copies.set(r, c);
      this.recorded.push(c);
    }
  }

  private map(): void {
    for (const c of this.recorded.splice(0)) c.mapped = c.buffer.mapAsync(GPUMapMode.READ);
  }

  private take(size: number): GPUBuffer {
    const i = this.spare.findIndex((b) => b.size === size);
    if (i >= 0) return this.spare.splice(i, 1)[0];
    return this.device.createBuffer({ size, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ });
  }

  /** Returns a copy's buffer to the spares once its mapping settles (unmapped). */
  private release(c: Copy): void {
    const give = (): void => {
      if (c.buffer.mapState === 'mapped') c.buffer.unmap();
      if (this.spare.length < MAX_WATCHED) this.spare.push(c.buffer);
      else c.buffer.destroy();
    };
    if (c.mapped) void c.mapped.then(give, () => c.buffer.destroy());
    else give();
  }
}

/** A whole-width 2D colour texture read at level 0, stored as the guest sees it. */
function eligible(r: GpuResource, t: TransferArgs): boolean {
  const tex = r.texture;
  const f = r.format;
  return tex !== null && f !== null && f.conversion === Conversion.None && !f.depth && f.copyable
    && tex.dimension === '2d' && tex.depthOrArrayLayers === 1 && t.level === 0 && t.z === 0 && t.depth === 1;
}
