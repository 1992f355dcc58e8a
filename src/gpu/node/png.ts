// png.ts: save textures and RGBA8 pixel arrays as PNG files (Node only).

import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import type { GpuContext } from '../device.js';
import { readTextureRGBA, type ReadRegion } from '../readback.js';

/** Encodes tightly packed RGBA8 pixels (row 0 at the top) as a PNG file image. */
export function encodePng(rgba: Uint8Array, width: number, height: number): Buffer {
  if (rgba.length !== width * height * 4) {
    throw new Error(`encodePng: ${rgba.length} bytes for ${width}x${height} RGBA8 (want ${width * height * 4})`);
  }
  const png = new PNG({ width, height });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  return PNG.sync.write(png);
}

/** Reads `texture` back (see readTextureRGBA) and writes it to `path`, creating parent folders. */
export async function writeTexturePng(
  ctx: Pick<GpuContext, 'device'>, texture: GPUTexture, path: string, region: ReadRegion = {},
): Promise<void> {
  const rgba = await readTextureRGBA(ctx, texture, region);
  const mip = region.mipLevel ?? 0;
  const width = region.width ?? Math.max(1, texture.width >> mip) - (region.x ?? 0);
  const height = region.height ?? Math.max(1, texture.height >> mip) - (region.y ?? 0);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, encodePng(rgba, width, height));
}

/** Decodes a PNG file image to RGBA8 (for golden-image comparisons). */
export function decodePng(data: Buffer): { width: number; height: number; rgba: Uint8Array } {
  const png = PNG.sync.read(data);
  return { width: png.width, height: png.height, rgba: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}
