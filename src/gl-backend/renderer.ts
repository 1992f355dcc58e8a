// The GL (virgl) backend as the vtest session sees it: caps and per-client contexts on one device.
import type { GpuContext } from '../gpu/device.js';
import { DEFAULT_LIMITS, type ClientLimits } from '../server/limits.js';
import { ContextError, type Logger, type Renderer, type RendererContext } from '../server/renderer.js';
import { buildCapsV1, buildCapsV2, type CapsOptions } from './caps.js';
import { GlContext } from './context.js';
import { GlDevice } from './gpu/device-cache.js';
import { VTEST_PROTOCOL_VERSION_V3 } from '../protocol/vtest.js';

export interface GlRendererOptions {
  limits?: ClientLimits;
  /**
   * Opens a replacement device after a device loss. Without it a lost device stays lost (every
   * new client is refused).
   */
  reopen?: () => Promise<GpuContext>;
}

const REOPEN_ATTEMPTS = 5;
const REOPEN_DELAY_MS = 500;

export class GlRenderer implements Renderer {
  readonly description: string;
  private readonly v1: Uint8Array;
  private readonly v2: Uint8Array;
  /** With ARB_BUFFER_STORAGE: Mesa then asks for blobs, which need vtest v3 (RESOURCE_CREATE_BLOB). */
  private readonly v2Blobs: Uint8Array;
  private dev: GlDevice | null;
  private readonly limits: ClientLimits;
  private readonly reopen: (() => Promise<GpuContext>) | undefined;
  /** Contexts on the current device, with what to call if it is lost. */
  private readonly live = new Map<GlContext, (reason: string) => void>();
  private closing = false;
  /** Device losses seen (for tests and logs). */
  lostCount = 0;
  /** Settles when the device in use is a working one again (after a loss: once it is recreated). */
  ready: Promise<void> = Promise.resolve();

  constructor(public gpu: GpuContext | null, private readonly log: (line: string) => void, opts: GlRendererOptions | ClientLimits = {}) {
    const o: GlRendererOptions = 'maxResources' in opts ? { limits: opts } : opts;
    this.limits = o.limits ?? DEFAULT_LIMITS;
    this.reopen = o.reopen;
    this.description = `virgl-webgpu on ${gpu ? gpu.adapterDescription : 'no device'}`;
    const lim = gpu?.device.limits;
    const caps: CapsOptions = {
      renderer: `virgl-webgpu ${gpu?.adapter.info.device || gpu?.adapter.info.description || 'null'}`.slice(0, 63),
      maxTextureSize: Math.min(lim?.maxTextureDimension2D ?? 8192, 16384),
      maxTexture3dSize: Math.min(lim?.maxTextureDimension3D ?? 2048, 2048),
      maxTextureArrayLayers: Math.min(lim?.maxTextureArrayLayers ?? 256, 2048),
    };
    this.v2 = buildCapsV2(caps);
    this.v2Blobs = buildCapsV2({ ...caps, blobs: true });
    this.v1 = buildCapsV1(caps);
    this.dev = gpu ? new GlDevice(gpu) : null;
    if (gpu) this.watch(gpu);
    log(`renderer: ${this.description}`);
  }

  private watch(gpu: GpuContext): void {
    void gpu.lost.then((info) => this.deviceLost(gpu, info));
  }

  /**
   * The device is gone (driver reset, or destroy()): every context on it is lost and its client is
   * told (the server disconnects it); a new device is opened for the clients that come next.
   */
  private deviceLost(gpu: GpuContext, info: GPUDeviceLostInfo): void {
    if (this.closing || this.gpu !== gpu) return;
    this.lostCount++;
    const reason = `GPU device lost (${info.reason}${info.message ? `: ${info.message.split('\n')[0]}` : ''})`;
    this.log(`gpu: ${reason}; ${this.live.size} context(s) on it are lost`);
    this.dev = null;
    const lost = [...this.live];
    this.live.clear();
    for (const [ctx, onLost] of lost) {
      ctx.markLost(reason);
      try { onLost(reason); } catch (e) { this.log(`gpu: error while reporting a lost context: ${String(e)}`); }
    }
    if (!this.reopen) return;
    const reopen = this.reopen;
    this.ready = (async () => {
      for (let attempt = 1; attempt <= REOPEN_ATTEMPTS && !this.closing; attempt++) {
        try {
          const fresh = await reopen();
          if (this.closing) return;
          this.gpu = fresh;
          this.dev = new GlDevice(fresh);
          this.watch(fresh);
          this.log(`gpu: device recreated (attempt ${attempt}): ${fresh.adapterDescription}`);
          return;
        } catch (e) {
          this.log(`gpu: recreating the device failed (attempt ${attempt}): ${e instanceof Error ? e.message : String(e)}`);
          await new Promise((r) => setTimeout(r, REOPEN_DELAY_MS));
        }
      }
    })();
  }

  /** Shutting down: a device destroyed from now on is not a fault. Returns the device in use. */
  close(): GpuContext | null {
    this.closing = true;
    return this.gpu;
  }

  capsV1(): Uint8Array { return this.v1; }
  capsV2(): Uint8Array { return this.v2; }
  capsV2At(protocolVersion: number): Uint8Array { return protocolVersion >= VTEST_PROTOCOL_VERSION_V3 ? this.v2Blobs : this.v2; }

  createContext(clientName: string, log: Logger, onLost?: (reason: string) => void): RendererContext {
    if (!this.dev) {
      if (this.lostCount > 0) throw new ContextError('the GPU device was lost and is not available again yet');
      throw new Error('GlRenderer was built without a device (caps only)');
    }
    const ctx = new GlContext(clientName, log, this.limits, this.dev);
    this.live.set(ctx, onLost ?? (() => {}));
    ctx.onDestroy = () => { this.live.delete(ctx); };
    return ctx;
  }
}

/** What the GL backend asks of a device beyond the defaults (browser-safe; pass to openDevice). */
export const GL_DEVICE_OPTIONS = {
  // 32-bit float textures are filterable in GL; WebGPU needs a feature for that.
  optionalFeatures: ['float32-filterable', 'clip-distances', 'depth32float-stencil8', 'timestamp-query'] as GPUFeatureName[],
  adapterLimits: [
    'maxVertexBuffers', 'maxVertexAttributes', 'maxInterStageShaderVariables', 'maxUniformBuffersPerShaderStage',
    'maxSampledTexturesPerShaderStage', 'maxSamplersPerShaderStage', 'maxColorAttachments', 'maxTextureDimension2D',
    'maxTextureArrayLayers', 'maxUniformBufferBindingSize',
  ],
};
