// One client's virgl context: sub-contexts, resources (CPU shadow plus GPU side table), the
// decoded command stream, GPU work and the error state.
import { formatBlock } from '../protocol/format-blocks.js';
import {
  VIRGL_MAX_COMMANDS, VIRGL_TRANSFER_FROM_HOST, VIRGL_TRANSFER_TO_HOST, VirglCmd, virglCmdName,
} from '../protocol/virgl-commands.js';
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
const MAX_PENDING_BLOBS = 1024;

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
  private readonly pendingBlobs = new Map<number, ResourceCreateArgs>();
  /** Resources whose shared memory the client may write at any time (blobs). */
  private readonly coherent = new Set<number>();
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
    this.draw = new GpuDraw(dev, this.resources, this.batch);
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

  resourceCreate(args: ResourceCreateArgs, backing?: Uint8Array<ArrayBuffer>, opts?: { coherent?: boolean }): number {
    const id = this.guard(() => this.resources.create(args, backing ?? null).guest.handle) ?? 0;
    if (id !== 0 && opts?.coherent) this.coherent.add(id);
    return id;
  }

  reportError(reason: string): void {
    if (this.errorState === null) this.errorState = reason;
    this.log.error(`context error: ${reason}`);
  }

  /** PIPE_RESOURCE_CREATE: remembered until the RESOURCE_CREATE_BLOB that backs it. */
  pipeResourceCreate(buf: Uint32Array, at: number): void {
    if (this.pendingBlobs.size >= MAX_PENDING_BLOBS) throw new ContextError(`more than ${MAX_PENDING_BLOBS} PIPE_RESOURCE_CREATEs without a blob`, at);
    this.pendingBlobs.set(buf[at + 11], {
      handle: 0, target: buf[at + 1], format: buf[at + 2], bind: buf[at + 3], width: buf[at + 4], height: buf[at + 5],
      depth: buf[at + 6], arraySize: buf[at + 7], lastLevel: buf[at + 8], nrSamples: buf[at + 9],
    });
  }

  takeBlobArgs(blobId: number): ResourceCreateArgs | undefined {
    const args = this.pendingBlobs.get(blobId);
    this.pendingBlobs.delete(blobId);
    return args;
  }

  /**
   * Persistent/coherent (blob) buffers: the client writes their shared memory without telling us, so
   * each submit first copies them to the GPU.
   */
  private refreshCoherent(): void {
    for (const h of this.coherent) {
      const r = this.resources.tryGet(h);
      if (!r) { this.coherent.delete(h); continue; }
      if (!r.buffer) continue;
      const src = r.guest.backing ?? r.guest.storage;
      const n = Math.min(src.length & ~3, r.buffer.size);
      if (n > 0) this.device.queue.writeBuffer(r.buffer, 0, src.buffer, src.byteOffset, n);
    }
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
    if (this.coherent.size > 0) this.refreshCoherent();
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
    t.levelStrides = false; // inline data: a stride of 0 means rows packed back to back
    const start = (at + 1 + INLINE_WRITE_DATA) * 4;
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset + start, (len + 1 - INLINE_WRITE_DATA) * 4);
    this.resources.write(t, bytes);
  }

  /**
   * VIRGL_CCMD_TRANSFER3D (encoded transfers, vtest v2+ with VIRGL_CAP_TRANSFER): the box moves
   * between the resource and its shared-memory backing at `data_offset`, with the command's strides.
   */
  transfer3d(buf: Uint32Array, at: number): void {
    const t = this.transfer;
    t.handle = buf[at + 1]; t.level = buf[at + 2]; t.stride = buf[at + 4]; t.layerStride = buf[at + 5];
    t.x = buf[at + 6]; t.y = buf[at + 7]; t.z = buf[at + 8]; t.width = buf[at + 9]; t.height = buf[at + 10];
    t.depth = buf[at + 11];
    // Mesa sends strides of 0 ("host inferred") for its own layout of the backing: the level's rows.
    t.levelStrides = true;
    const dataOffset = buf[at + 12];
    const direction = buf[at + 13];
    const res = this.resources.get(t.handle);
    const backing = res.guest.backing;
    if (!backing) throw new ContextError(`TRANSFER3D on resource ${t.handle}, which has no shared memory`, at);
    if (dataOffset > backing.length) {
      throw new ContextError(`TRANSFER3D data offset ${dataOffset} past the ${backing.length}-byte shared memory of resource ${t.handle}`, at);
    }
    const data = backing.subarray(dataOffset);
    if (direction === VIRGL_TRANSFER_TO_HOST) {
      this.resources.write(t, data);
    } else if (direction === VIRGL_TRANSFER_FROM_HOST) {
      // Mesa reads back with TRANSFER_GET2 instead; a GPU-newer texture cannot be read synchronously here.
      if (res.gpuNewer && res.texture) this.noteNotRendered(VirglCmd.TRANSFER3D);
      else this.resources.store.transfer(t, data, false);
    } else {
      throw new ContextError(`TRANSFER3D direction ${direction}`, at);
    }
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
