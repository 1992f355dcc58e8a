// One client's virgl context: sub-contexts, resources (CPU shadow plus GPU side table), the
// decoded command stream, GPU work and the error state.
import { formatBlock } from '../protocol/format-blocks.js';
import { VIRGL_MAX_COMMANDS, virglCmdName } from '../protocol/virgl-commands.js';
import { ContextError, type Logger, type RendererContext, type ResourceCreateArgs, type TransferArgs } from '../server/renderer.js';
import { COMMANDS } from './commands.js';
import { decodeCommands } from './decoder.js';
import { ResourceStore } from './resource-store.js';
import { DEFAULT_LIMITS, type ClientLimits } from '../server/limits.js';
import { GpuBatch } from './gpu/batch.js';
import { GpuDraw } from './gpu/draw.js';
import { GpuOps } from './gpu/ops.js';
import { GpuResources } from './gpu/resources.js';
import type { GlDevice } from './gpu/device-cache.js';
import { SubContext } from './state/sub-context.js';

const INLINE_WRITE_DATA = 12;
const MAX_SUB_CONTEXTS = 64;

export class GlContext implements RendererContext {
  errorState: string | null = null;
  readonly resources: GpuResources;
  readonly draw: GpuDraw;
  /** Blits, copies, box clears and queries. */
  readonly ops: GpuOps;
  private readonly batch: GpuBatch;
  private readonly subs = new Map<number, SubContext>();
  private current: SubContext | null = null;
  /** Per-command counts of commands decoded but not rendered yet. */
  readonly notRenderedCounts = new Uint32Array(VIRGL_MAX_COMMANDS);
  private refusedSubmits = 0;
  // Reused by inline writes so the loop allocates nothing.
  private readonly transfer: TransferArgs = {
    handle: 0, level: 0, stride: 0, layerStride: 0, x: 0, y: 0, z: 0, width: 0, height: 0, depth: 0,
  };

  private readonly device: GPUDevice;

  readonly limits: ClientLimits;

  constructor(readonly clientName: string, private readonly log: Logger, limits: Partial<ClientLimits>, readonly dev: GlDevice) {
    this.limits = { ...DEFAULT_LIMITS, ...limits };
    this.device = dev.device;
    this.batch = new GpuBatch(dev.device);
    this.resources = new GpuResources(dev.device, new ResourceStore(formatBlock, this.limits), this.batch);
    this.draw = new GpuDraw(dev, this.resources, this.batch, log);
    this.ops = new GpuOps(dev, this.resources, this.batch, log);
  }

  /** Throws when one more state object would pass the client's object limit (all sub-contexts). */
  checkObjectLimit(at: number): void {
    let n = 0;
    for (const s of this.subs.values()) n += s.objects.size;
    if (n >= this.limits.maxObjects) throw new ContextError(`the client's limit of ${this.limits.maxObjects} objects is reached`, at);
  }

  sub(): SubContext {
    if (!this.current) throw new ContextError('no current sub-context (SET_SUB_CTX missing)');
    return this.current;
  }

  createSubContext(id: number, at: number): void {
    if (this.subs.has(id)) throw new ContextError(`sub-context ${id} already exists`, at);
    if (this.subs.size >= MAX_SUB_CONTEXTS) throw new ContextError(`more than ${MAX_SUB_CONTEXTS} sub-contexts`, at);
    this.subs.set(id, new SubContext());
  }

  setSubContext(id: number, at: number): void {
    const s = this.subs.get(id);
    if (!s) throw new ContextError(`unknown sub-context ${id}`, at);
    if (s !== this.current) this.batch.endPass();
    this.current = s;
  }

  destroySubContext(id: number, at: number): void {
    const s = this.subs.get(id);
    if (!s) throw new ContextError(`unknown sub-context ${id}`, at);
    this.subs.delete(id);
    if (this.current === s) { this.batch.endPass(); this.current = null; }
  }

  resourceCreate(args: ResourceCreateArgs): number {
    return this.guard(() => this.resources.create(args).guest.handle) ?? 0;
  }

  resourceUnref(handle: number): void {
    this.guard(() => this.resources.unref(handle));
  }

  transferPut(args: TransferArgs, data: Uint8Array): void {
    this.guard(() => this.resources.write(args, data));
  }

  transferGet(args: TransferArgs, out: Uint8Array): void | Promise<void> {
    return this.resources.read(args, out);
  }

  submit(commands: Uint32Array): void {
    if (this.errorState !== null) {
      if (this.refusedSubmits++ === 0) this.log.warn(`refusing submits: the context is in its error state (${this.errorState})`);
      return;
    }
    // WebGPU errors raised while recording this client's work are reported to this client's log
    // (scopes are synchronous brackets, so no other client's work can fall inside them).
    this.device.pushErrorScope('validation');
    this.device.pushErrorScope('out-of-memory');
    this.guard(() => decodeCommands(this, COMMANDS, commands));
    // Work recorded by this submit goes to the GPU now; the render pass would end at a flush anyway.
    this.batch.submit();
    for (let i = 0; i < 2; i++) void this.device.popErrorScope().then((e) => { if (e) this.gpuError(e); }, () => {});
  }

  private gpuErrors = 0;

  /** A WebGPU error caused by this context's work: logged (rate-limited) for this client only. */
  private gpuError(e: GPUError): void {
    this.gpuErrors++;
    if (this.gpuErrors <= 5 || this.gpuErrors % 1000 === 0) {
      this.log.error(`gpu error #${this.gpuErrors}: ${e.message.split('\n').slice(0, 4).join(' | ')}`);
    }
  }

  noteNotRendered(cmd: number): void {
    if (this.notRenderedCounts[cmd]++ === 0) this.log.info(`${virglCmdName(cmd)}: decoded, not rendered yet`);
  }

  inlineWrite(buf: Uint32Array, at: number, len: number): void {
    const t = this.transfer;
    t.handle = buf[at + 1]; t.level = buf[at + 2]; t.stride = buf[at + 4]; t.layerStride = buf[at + 5];
    t.x = buf[at + 6]; t.y = buf[at + 7]; t.z = buf[at + 8]; t.width = buf[at + 9]; t.height = buf[at + 10];
    t.depth = buf[at + 11];
    const start = (at + 1 + INLINE_WRITE_DATA) * 4;
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset + start, (len + 1 - INLINE_WRITE_DATA) * 4);
    this.resources.write(t, bytes);
  }

  isBusy(): boolean { return this.batch.busy; }
  waitIdle(): Promise<void> { return this.batch.waitIdle(); }

  /** Called once by destroy() (the renderer stops tracking the context). */
  onDestroy: (() => void) | null = null;
  private lost = false;

  /** The device under this context is gone: everything is refused from now on. */
  markLost(reason: string): void {
    this.lost = true;
    this.errorState ??= reason;
  }

  destroy(): void {
    this.onDestroy?.();
    this.onDestroy = null;
    if (this.lost) {
      // Nothing can be submitted on a lost device; its objects went with it.
      this.subs.clear();
      this.current = null;
      return;
    }
    this.batch.submit();
    // Work already submitted keeps what it uses alive; WebGPU frees it once that work is done.
    this.draw.destroy();
    this.resources.destroyAll();
    this.subs.clear();
    this.current = null;
  }

  /** Runs `fn`; a ContextError puts the context into its error state (logged), anything else propagates. */
  private guard<T>(fn: () => T): T | undefined {
    try {
      return fn();
    } catch (e) {
      if (!(e instanceof ContextError)) throw e;
      if (this.errorState === null) this.errorState = e.message;
      this.log.error(`context error: ${e.message}`);
      return undefined;
    }
  }
}
