// Work that must wait until the commands recorded so far reach the queue: mapping a readback
// buffer, destroying a scratch texture. Runs at the end of the current task at the latest,
// submitting the batch itself if nothing else has by then.
import type { GpuBatch } from './batch.js';

export class AfterSubmit {
  private readonly pending: (() => void)[] = [];
  private scheduled = false;
  private serial = 0;

  constructor(private readonly batch: GpuBatch) {}

  add(fn: () => void): void {
    this.pending.push(fn);
    this.serial = this.batch.serial;
    if (this.scheduled) return;
    this.scheduled = true;
    queueMicrotask(() => this.run());
  }

  private run(): void {
    this.scheduled = false;
    if (this.batch.serial === this.serial && !this.batch.isEmpty) this.batch.submit();
    for (const fn of this.pending.splice(0)) fn();
  }
}
