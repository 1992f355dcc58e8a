// Per-device caches shared by every context: translated shaders, modules, pipelines, layouts and
// samplers. All are keyed by content, so sharing them lets no client see another's data.
import type { GpuContext } from '../../gpu/device.js';
import { translateTgsi } from '../tgsi/index.js';
import type { TgsiShader } from '../tgsi/ir.js';
import { isTgsiError } from '../tgsi/errors.js';
import { ContextError } from '../../server/renderer.js';
import { setDepth32Stencil8 } from './format-map.js';

const MAX_CACHED = 4096;
/** Shader texts longer than this are translated every time rather than kept as cache keys. */
const CACHE_TEXT_BYTES = 64 * 1024;

/** A Map that forgets its oldest entry past a size, so hostile clients cannot grow it forever. */
export class BoundedCache<K, V> {
  private readonly map = new Map<K, V>();
  constructor(private readonly max = MAX_CACHED) {}
  get(k: K): V | undefined { return this.map.get(k); }
  set(k: K, v: V): V {
    if (this.map.size >= this.max) this.map.delete(this.map.keys().next().value as K);
    this.map.set(k, v);
    return v;
  }
  get size(): number { return this.map.size; }
}

export class GlDevice {
  readonly device: GPUDevice;
  // Keys are shader texts and WGSL: bounded by count here, and texts past CACHE_TEXT_BYTES are not
  // cached at all, so a client cannot pin much memory through them.
  // Failures are cached as their message, never as the Error: an Error's captured stack keeps the
  // receivers of its frames (the failing client's whole context) alive for as long as it is cached.
  readonly shaders = new BoundedCache<string, TgsiShader | string>(512);
  readonly modules = new BoundedCache<string, GPUShaderModule>(512);
  readonly pipelines = new BoundedCache<string, GPURenderPipeline>(1024);
  readonly layouts = new BoundedCache<string, GPUBindGroupLayout>();
  readonly samplers = new BoundedCache<string, GPUSampler>();
  readonly dummyTexture2d: GPUTexture;

  constructor(readonly gpu: GpuContext) {
    this.device = gpu.device;
    setDepth32Stencil8(this.device.features.has('depth32float-stencil8'));
    this.dummyTexture2d = this.device.createTexture({
      size: { width: 1, height: 1 }, format: 'rgba8unorm', usage: GPUTextureUsage.TEXTURE_BINDING,
    });
  }

  /** Parses and validates TGSI text once per distinct text. */
  shader(text: string): TgsiShader {
    let s = this.shaders.get(text);
    if (s === undefined) {
      try {
        s = translateTgsi(text);
      } catch (e) {
        if (!isTgsiError(e)) throw e;
        s = `TGSI: ${e.message}`;
      }
      if (text.length <= CACHE_TEXT_BYTES) this.shaders.set(text, s);
    }
    if (typeof s === 'string') throw new ContextError(s);
    return s satisfies TgsiShader;
  }

  module(code: string): GPUShaderModule {
    const hit = this.modules.get(code);
    if (hit) return hit;
    const m = this.device.createShaderModule({ code });
    return code.length <= CACHE_TEXT_BYTES * 4 ? this.modules.set(code, m) : m;
  }
}
