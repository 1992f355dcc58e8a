// GPU work of one context between queue submissions: one command encoder, and a render pass kept
// open across draws until something (another framebuffer, a copy, a readback) forces it closed.

export interface SubmitHook {
  /** Records last commands into the batch's encoder (outside any pass); `batch.serial` is still the batch's. */
  beforeFinish(encoder: GPUCommandEncoder): void;
  afterSubmit(): void;
}

export class GpuBatch {
  /** Increments at every submit; resources remember the serial of the batch that last used them. */
  serial = 1;
  pass: GPURenderPassEncoder | null = null;
  /** Identity of the open pass's attachments (see draw.ts). */
  passKey = '';
  private encoder: GPUCommandEncoder | null = null;
  private inflight = 0;
  private idleWaiters: (() => void)[] = [];
  /** Runs just before each queue submit (the upload ring writes its staged bytes here). */
  beforeSubmit: () => void = () => {};
  /** Work appended to every submitted batch, and what follows its submit (front-readback.ts). */
  readonly hooks: SubmitHook[] = [];

  constructor(private readonly device: GPUDevice) {}

  get isEmpty(): boolean { return this.encoder === null; }
  get busy(): boolean { return this.inflight > 0; }

  getEncoder(): GPUCommandEncoder {
    this.encoder ??= this.device.createCommandEncoder();
    return this.encoder;
  }

  /** An encoder outside any render pass, for copies. */
  copyEncoder(): GPUCommandEncoder {
    this.endPass();
    return this.getEncoder();
  }

  beginPass(desc: GPURenderPassDescriptor, key: string): GPURenderPassEncoder {
    this.endPass();
    this.pass = this.getEncoder().beginRenderPass(desc);
    this.passKey = key;
    return this.pass;
  }

  endPass(): void {
    if (this.pass) {
      this.pass.end();
      this.pass = null;
      this.passKey = '';
    }
  }

  submit(): void {
    this.endPass();
    if (!this.encoder) return;
    this.beforeSubmit();
    for (const h of this.hooks) h.beforeFinish(this.encoder);
    const cb = this.encoder.finish();
    this.encoder = null;
    this.serial++;
    this.device.queue.submit([cb]);
    this.inflight++;
    for (const h of this.hooks) h.afterSubmit();
    void this.device.queue.onSubmittedWorkDone().then(() => this.settle(), () => this.settle());
  }

  /** Submits what is recorded and resolves when the GPU has finished everything submitted. */
  waitIdle(): Promise<void> {
    this.submit();
    if (this.inflight === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  private settle(): void {
    this.inflight--;
    if (this.inflight === 0) for (const w of this.idleWaiters.splice(0)) w();
  }
}
