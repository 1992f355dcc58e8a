// The GL (virgl) backend as the vtest session sees it: caps and per-client contexts on one device.
import type { GpuContext } from '../gpu/device.js';
import { DEFAULT_LIMITS, type ClientLimits } from '../server/limits.js';
import type { Logger, Renderer, RendererContext } from '../server/renderer.js';
import { buildCapsV1, buildCapsV2, type CapsOptions } from './caps.js';
import { GlContext } from './context.js';
import { GlDevice } from './gpu/device-cache.js';
import { VTEST_PROTOCOL_VERSION_V3 } from '../protocol/vtest.js';

export class GlRenderer implements Renderer {
  readonly description: string;
  private readonly v1: Uint8Array;
  private readonly v2: Uint8Array;
  /** With ARB_BUFFER_STORAGE: Mesa then asks for blobs, which need vtest v3 (RESOURCE_CREATE_BLOB). */
  private readonly v2Blobs: Uint8Array;
  private readonly dev: GlDevice | null;

  constructor(readonly gpu: GpuContext | null, log: (line: string) => void, private readonly limits: ClientLimits = DEFAULT_LIMITS) {
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
    log(`renderer: ${this.description}`);
  }

  capsV1(): Uint8Array { return this.v1; }
  capsV2(): Uint8Array { return this.v2; }
  capsV2At(protocolVersion: number): Uint8Array { return protocolVersion >= VTEST_PROTOCOL_VERSION_V3 ? this.v2Blobs : this.v2; }

  createContext(clientName: string, log: Logger): RendererContext {
    if (!this.dev) throw new Error('GlRenderer was built without a device (caps only)');
    return new GlContext(clientName, log, this.limits, this.dev);
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
