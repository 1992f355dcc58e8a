// Per-draw data (driver uniforms, inline constants, converted indices) for one batch, staged in
// CPU memory and written to one GPU buffer just before the batch is submitted. Queue ordering makes
// reuse safe: a write after submit N lands after N's commands have read the old contents.

const ALIGN = 256; // minUniformBufferOffsetAlignment in every WebGPU implementation's defaults

// Both sides are created on first use: most contexts that never draw (probes, info tools, fuzz
// inputs) then cost nothing, and destroy() drops them so nothing large outlives the client.
// The ring starts small and doubles (up to maxCapacity) when a batch overflows it.
// An overflow submits the batch in the middle of a draw, whose earlier allocations (already written
// by that submit) are still to be read by the draw in the next batch: so after an overflow the next
// batch gets a fresh GPU buffer, and the old one is destroyed only once that batch is submitted.
const INITIAL_CAPACITY = 64 << 10;

export class UploadRing {
  private gpu: GPUBuffer | null = null;
  private staging: Uint8Array<ArrayBuffer> = new Uint8Array(0);
  private used = 0;
  private wanted = 0;
  private overflowed = false;
  /** Buffers replaced after an overflow: destroyed at the flush after the next one. */
  private retired: GPUBuffer[] = [];
  private retiring: GPUBuffer[] = [];
  capacity: number;

  constructor(private readonly device: GPUDevice, readonly maxCapacity = 4 << 20) {
    this.capacity = Math.min(INITIAL_CAPACITY, maxCapacity);
  }

  get buffer(): GPUBuffer {
    this.gpu ??= this.device.createBuffer({
      size: this.capacity,
      usage: GPUBufferUsage.UNIFORM | GPUBufferUsage.INDEX | GPUBufferUsage.VERTEX | GPUBufferUsage.COPY_DST,
    });
    return this.gpu;
  }

  /** Room for `size` bytes, or -1 when the batch must be submitted first. */
  alloc(size: number): number {
    if (this.used === 0 && this.overflowed) {
      this.overflowed = false;
      if (this.gpu) this.retired.push(this.gpu);
      this.gpu = null;
      if (this.wanted > this.capacity) {
        let cap = this.capacity;
        while (cap < this.wanted && cap < this.maxCapacity) cap *= 2;
        this.capacity = Math.min(cap, this.maxCapacity);
        this.staging = new Uint8Array(0);
      }
    }
    if (this.staging.length === 0) this.staging = new Uint8Array(this.capacity);
    const at = this.used;
    if (at + size > this.capacity) {
      this.wanted = Math.max(this.wanted, at + size);
      this.overflowed = true;
      return -1;
    }
    this.used = (at + size + ALIGN - 1) & ~(ALIGN - 1);
    return at;
  }

  /** The staging bytes of an allocation, to fill before flush(). */
  bytes(offset: number, size: number): Uint8Array<ArrayBuffer> {
    return this.staging.subarray(offset, offset + size);
  }

  /** Writes the batch's bytes; runs just before each submit. */
  flush(): void {
    // Retired two flushes ago: the batch that read them has been submitted (destroy waits for it).
    for (const b of this.retiring) b.destroy();
    this.retiring = this.retired;
    this.retired = [];
    if (this.used === 0) return;
    this.device.queue.writeBuffer(this.buffer, 0, this.staging.buffer, 0, this.used);
    this.used = 0;
  }

  destroy(): void {
    for (const b of [...this.retiring, ...this.retired]) b.destroy();
    this.retiring = []; this.retired = [];
    this.gpu?.destroy();
    this.gpu = null;
    this.staging = new Uint8Array(0);
    this.used = 0;
  }
}
