// A WebGPU query set whose slots are handed out and taken back, plus the buffer it resolves into.
// A slot may serve several Gallium queries at once (all occlusion queries active during one
// pass), so it returns to the pool when the last of them has resolved it.

const STRIDE = 256; // resolveQuerySet's destination offsets must be multiples of 256

export class QueryPool {
  readonly set: GPUQuerySet;
  private readonly resolveBuffer: GPUBuffer;
  private readonly free: number[] = [];
  private readonly refs: Uint16Array;

  constructor(device: GPUDevice, type: GPUQueryType, count: number) {
    this.set = device.createQuerySet({ type, count });
    this.resolveBuffer = device.createBuffer({ size: count * STRIDE, usage: GPUBufferUsage.QUERY_RESOLVE | GPUBufferUsage.COPY_SRC });
    this.refs = new Uint16Array(count);
    for (let i = count - 1; i >= 0; i--) this.free.push(i);
  }

  /** A slot for `users` queries, or -1 when all are taken. */
  alloc(users: number): number {
    const s = this.free.pop();
    if (s === undefined) return -1;
    this.refs[s] = users;
    return s;
  }

  /** Records the copy of `slots` into `staging` (8 bytes each) and gives the slots back. */
  resolve(enc: GPUCommandEncoder, slots: readonly number[], staging: GPUBuffer): void {
    slots.forEach((s, i) => {
      enc.resolveQuerySet(this.set, s, 1, this.resolveBuffer, s * STRIDE);
      enc.copyBufferToBuffer(this.resolveBuffer, s * STRIDE, staging, i * 8, 8);
      this.release(s);
    });
  }

  /** One user is done with `slot`. Reuse is safe: whatever writes it next is recorded later. */
  release(slot: number): void {
    if (--this.refs[slot] === 0) this.free.push(slot);
  }
}
