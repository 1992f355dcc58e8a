// readback.ts: copy a texture region back to the CPU as tightly packed RGBA8.
// Browser-safe. Staging buffers are pooled per device, so a warm loop allocates no GPUBuffer.

import type { GpuContext } from './device.js';

export interface ReadRegion {
  x?: number;
  y?: number;
  /** Defaults to the rest of the mip level from x / y. */
  width?: number;
  height?: number;
  mipLevel?: number;
  /** Array layer, or depth slice of a 3D texture. */
  layer?: number;
}

export class ReadbackError extends Error {
  override readonly name = 'ReadbackError';
}

/** Formats whose texels are 4 bytes in R,G,B,A order; -srgb variants come back as raw bytes. */
const RGBA_ORDER: ReadonlySet<string> = new Set(['rgba8unorm', 'rgba8unorm-srgb', 'rgba8snorm', 'rgba8uint', 'rgba8sint']);
const BGRA_ORDER: ReadonlySet<string> = new Set(['bgra8unorm', 'bgra8unorm-srgb']);

/** copyTextureToBuffer needs bytesPerRow to be a multiple of this. */
const ROW_ALIGN = 256;
/** Free staging buffers kept per device; more than this only happens with many reads in flight. */
const MAX_FREE = 4;
const MIN_BUFFER = 4096;

class ReadbackPool {
  private readonly free: GPUBuffer[] = [];
  created = 0;
  inUse = 0;

  constructor(private readonly device: GPUDevice) {}

  acquire(size: number): GPUBuffer {
    this.inUse++;
    // Smallest free buffer that fits; the list is short, so a scan is cheapest.
    let best = -1;
    for (let i = 0; i < this.free.length; i++) {
      const b = this.free[i]!;
      if (b.size >= size && (best < 0 || b.size < this.free[best]!.size)) best = i;
    }
    if (best >= 0) return this.free.splice(best, 1)[0]!;
    this.created++;
    // Power-of-two sizes let one buffer serve many nearby region sizes.
    const rounded = Math.max(MIN_BUFFER, 2 ** Math.ceil(Math.log2(size)));
    return this.device.createBuffer({
      label: 'readback staging', size: rounded, usage: GPUBufferUsage.COPY_DST | GPUBufferUsage.MAP_READ,
    });
  }

  release(buffer: GPUBuffer, reusable: boolean): void {
    this.inUse--;
    if (reusable && buffer.mapState === 'unmapped') {
      this.free.push(buffer);
      if (this.free.length <= MAX_FREE) return;
      // Over capacity: drop the smallest, since the big ones are the costly ones to recreate.
      this.free.sort((a, b) => b.size - a.size);
      buffer = this.free.pop()!;
    }
    buffer.destroy();
  }

  destroyFree(): void {
    for (const b of this.free.splice(0)) b.destroy();
  }

  get freeCount(): number {
    return this.free.length;
  }
}

const POOLS = new WeakMap<GPUDevice, ReadbackPool>();

function poolFor(device: GPUDevice): ReadbackPool {
  let pool = POOLS.get(device);
  if (!pool) {
    pool = new ReadbackPool(device);
    POOLS.set(device, pool);
  }
  return pool;
}

/** Reads `region` of `texture` (needs COPY_SRC usage) as tightly packed RGBA8, row 0 first. */
export async function readTextureRGBA(
  ctx: Pick<GpuContext, 'device'>, texture: GPUTexture, region: ReadRegion = {},
): Promise<Uint8Array<ArrayBuffer>> {
  const { device } = ctx;
  const swizzle = BGRA_ORDER.has(texture.format);
  if (!swizzle && !RGBA_ORDER.has(texture.format)) {
    throw new ReadbackError(`readTextureRGBA: unsupported format '${texture.format}' (want rgba8*/bgra8*)`);
  }
  if ((texture.usage & GPUTextureUsage.COPY_SRC) === 0) {
    throw new ReadbackError(`readTextureRGBA: texture '${texture.label}' lacks COPY_SRC usage`);
  }
  if (texture.sampleCount !== 1) throw new ReadbackError('readTextureRGBA: multisampled textures cannot be copied; resolve first');
  const { x, y, width, height, mipLevel, layer } = resolveRegion(texture, region);
  if (width === 0 || height === 0) return new Uint8Array(0);

  const tightRow = width * 4;
  const bytesPerRow = Math.ceil(tightRow / ROW_ALIGN) * ROW_ALIGN;
  const size = bytesPerRow * (height - 1) + tightRow;
  const pool = poolFor(device);
  const buffer = pool.acquire(size);

  // Our checks above cover the usual mistakes; the scope catches the rest (e.g. a destroyed texture)
  // instead of silently returning zeros.
  device.pushErrorScope('validation');
  const encoder = device.createCommandEncoder({ label: 'readback' });
  encoder.copyTextureToBuffer(
    { texture, mipLevel, origin: { x, y, z: layer } },
    { buffer, bytesPerRow, rowsPerImage: height },
    { width, height, depthOrArrayLayers: 1 },
  );
  device.queue.submit([encoder.finish()]);
  const scope = device.popErrorScope();
  const [scoped, mapped] = await Promise.allSettled([scope, buffer.mapAsync(GPUMapMode.READ, 0, size)]);
  const error = scoped.status === 'fulfilled' ? scoped.value : null;
  if (mapped.status === 'rejected') {
    pool.release(buffer, false);
    throw new ReadbackError(`readTextureRGBA: ${error ? error.message : `mapAsync failed: ${String(mapped.reason)}`}`);
  }

  const out = new Uint8Array(tightRow * height);
  const src = new Uint8Array(buffer.getMappedRange(0, size));
  if (bytesPerRow === tightRow) {
    out.set(src.subarray(0, out.length));
  } else {
    for (let row = 0; row < height; row++) {
      out.set(src.subarray(row * bytesPerRow, row * bytesPerRow + tightRow), row * tightRow);
    }
  }
  buffer.unmap();
  pool.release(buffer, true);

  if (error) throw new ReadbackError(`readTextureRGBA: ${error.message}`);
  if (swizzle) swapRedBlue(out);
  return out;
}

function resolveRegion(texture: GPUTexture, r: ReadRegion): Required<ReadRegion> {
  const mipLevel = r.mipLevel ?? 0;
  if (!Number.isInteger(mipLevel) || mipLevel < 0 || mipLevel >= texture.mipLevelCount) {
    throw new ReadbackError(`readTextureRGBA: mipLevel ${mipLevel} out of range (texture has ${texture.mipLevelCount})`);
  }
  const mipW = Math.max(1, texture.width >> mipLevel);
  const mipH = Math.max(1, texture.height >> mipLevel);
  const layers = texture.dimension === '3d' ? Math.max(1, texture.depthOrArrayLayers >> mipLevel) : texture.depthOrArrayLayers;
  const x = r.x ?? 0;
  const y = r.y ?? 0;
  const width = r.width ?? mipW - x;
  const height = r.height ?? mipH - y;
  const layer = r.layer ?? 0;
  const ints = [x, y, width, height, layer];
  if (!ints.every((v) => Number.isInteger(v) && v >= 0) || x + width > mipW || y + height > mipH || layer >= layers) {
    throw new ReadbackError(
      `readTextureRGBA: region x=${x} y=${y} ${width}x${height} layer ${layer} outside mip ${mipLevel} (${mipW}x${mipH}x${layers})`);
  }
  return { x, y, width, height, mipLevel, layer };
}

function swapRedBlue(px: Uint8Array<ArrayBuffer>): void {
  for (let i = 0; i < px.length; i += 4) {
    const b = px[i]!;
    px[i] = px[i + 2]!;
    px[i + 2] = b;
  }
}

/** Pool counters for `device`: buffers ever created, free now, and in use by pending reads. */
export function readbackPoolStats(device: GPUDevice): { created: number; free: number; inUse: number } {
  const pool = POOLS.get(device);
  return pool ? { created: pool.created, free: pool.freeCount, inUse: pool.inUse } : { created: 0, free: 0, inUse: 0 };
}

/** Destroys the idle staging buffers of `device` (device.destroy() also frees them). */
export function releaseReadbackBuffers(device: GPUDevice): void {
  POOLS.get(device)?.destroyFree();
}
