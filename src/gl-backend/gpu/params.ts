// Small uniform blocks for blits and fills, written straight to the queue. A region is written at
// most once per batch, so the write (queued before the batch) cannot change what an earlier
// command of the same batch reads; after a submit, queue order makes reuse safe.
import type { GpuBatch } from './batch.js';

const SLOT = 256; // minUniformBufferOffsetAlignment in every WebGPU implementation's defaults
/** dst0.xy, scale.xy, src0.xy, slice, pad | colour.rgba | depth (the WGSL struct, padded to 64). */
export const PARAM_BYTES = 64;

export class ParamRing {
  readonly buffer: GPUBuffer;
  /** The block being filled; push() copies it out. */
  readonly f32 = new Float32Array(PARAM_BYTES / 4);
  private used = 0;
  private serial = -1;

  constructor(private readonly device: GPUDevice, private readonly batch: GpuBatch, private readonly capacity = 64 << 10) {
    this.buffer = device.createBuffer({ size: capacity, usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.COPY_DST });
  }

  /** Writes `f32` to a region no command of the open batch reads yet; returns its offset. */
  push(): number {
    if (this.batch.serial !== this.serial) { this.serial = this.batch.serial; this.used = 0; }
    if (this.used + SLOT > this.capacity) {
      this.batch.submit();
      this.serial = this.batch.serial;
      this.used = 0;
    }
    const at = this.used;
    this.used += SLOT;
    this.device.queue.writeBuffer(this.buffer, at, this.f32.buffer, 0, PARAM_BYTES);
    return at;
  }

  destroy(): void { this.buffer.destroy(); }
}
