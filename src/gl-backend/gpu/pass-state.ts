// Dynamic state last recorded into the open render pass. A draw that repeats it records nothing, which
// spares Dawn those commands when it records the batch into Vulkan at submit. Forgotten when the draw
// path moves to another pass (bind groups and state do not carry across passes in WebGPU).
import { finiteColor } from './finite.js';

export class PassState {
  private pass: GPURenderPassEncoder | null = null;
  private pipeline: GPURenderPipeline | null = null;
  private readonly groups: (GPUBindGroup | null)[] = [null, null, null, null];
  // NaN never compares equal, so the first value of a pass is always recorded.
  private readonly scissor = new Float64Array(4);
  private readonly blend = new Float64Array(4);
  private stencil = -1;

  /** The pass the following calls record into. */
  use(pass: GPURenderPassEncoder): void {
    if (pass === this.pass) return;
    this.pass = pass;
    this.pipeline = null;
    this.groups.fill(null);
    this.scissor.fill(NaN);
    this.blend.fill(NaN);
    this.stencil = -1;
  }

  setPipeline(p: GPURenderPipeline): void {
    if (p !== this.pipeline) { this.pipeline = p; this.pass!.setPipeline(p); }
  }

  setBindGroup(index: number, g: GPUBindGroup): void {
    if (g !== this.groups[index]) { this.groups[index] = g; this.pass!.setBindGroup(index, g); }
  }

  setScissorRect(x: number, y: number, w: number, h: number): void {
    const s = this.scissor;
    if (s[0] === x && s[1] === y && s[2] === w && s[3] === h) return;
    s[0] = x; s[1] = y; s[2] = w; s[3] = h;
    this.pass!.setScissorRect(x, y, w, h);
  }

  setBlendConstant(r: number, g: number, b: number, a: number): void {
    const c = this.blend;
    if (c[0] === r && c[1] === g && c[2] === b && c[3] === a) return;
    c[0] = r; c[1] = g; c[2] = b; c[3] = a;
    this.pass!.setBlendConstant(finiteColor(r, g, b, a));
  }

  setStencilReference(ref: number): void {
    if (ref !== this.stencil) { this.stencil = ref; this.pass!.setStencilReference(ref); }
  }
}
