// Points and lines wider than a pixel. WebGPU rasterizes both one pixel wide, so they are drawn as
// instanced quads (six vertices each): the vertex shader moves the corners (wgsl-io.ts), and the
// vertex buffers step once per point or line (pipeline.ts). Here: when that applies, and the
// de-indexing that instanced stepping needs when the draw is indexed.
import { PipePrim } from '../../protocol/gallium.js';
import { ContextError } from '../../server/renderer.js';
import type { SubContext } from '../state/sub-context.js';
import type { VertexElement } from '../state/objects.js';
import { kWideLineOtherEndpoint } from '../tgsi/interface.js';
import type { VertexOverride } from './pipeline.js';
import { VERTEX_FORMAT } from './state-map.js';

/** Points drawn as quads: sizes above one pixel, from the rasterizer or the vertex shader. */
export function needsWidePoints(sub: SubContext, override: VertexOverride | null): boolean {
  const rs = sub.rasterizer;
  if (!rs || !(rs.pointSize > 1 || rs.pointSizePerVertex)) return false;
  // Per-instance elements would collide with the per-point instance stepping.
  const elements = override?.elements ?? sub.vertexElements?.elements ?? [];
  return elements.every((e) => e.instanceDivisor === 0);
}

/**
 * How lines of this draw become quads ('list': two vertices per line, 'strip': one), or undefined
 * to draw them one pixel wide: a width of one, instancing, converted vertex formats, or more
 * attributes or buffers than the doubled layout (one slot per endpoint) can hold.
 */
export function wideLineKind(sub: SubContext, prim: number, instances: number, override: VertexOverride | null,
  maxVertexBuffers: number): 'list' | 'strip' | undefined {
  const rs = sub.rasterizer;
  if (!rs || rs.lineWidth <= 1 || instances !== 1 || override) return undefined;
  if (prim !== PipePrim.LINES && prim !== PipePrim.LINE_STRIP) return undefined;
  const elements = sub.vertexElements?.elements ?? [];
  if (elements.length > kWideLineOtherEndpoint || !elements.every((e) => fitsStride(sub, e))) return undefined;
  if (2 * new Set(elements.map((e) => e.bufferIndex)).size > maxVertexBuffers) return undefined;
  return prim === PipePrim.LINES ? 'list' : 'strip';
}

/** gatherVertices copies whole rows of the bound buffers: every element must lie within its stride. */
export function canGather(sub: SubContext, override: VertexOverride | null): boolean {
  return !override && (sub.vertexElements?.elements ?? []).every((e) => fitsStride(sub, e));
}

function fitsStride(sub: SubContext, e: VertexElement): boolean {
  const stride = sub.vertexBuffers[e.bufferIndex].stride;
  const bytes = VERTEX_FORMAT.get(e.format)?.bytes ?? Infinity;
  return e.instanceDivisor === 0 && stride > 0 && stride % 4 === 0 && e.srcOffset % 4 === 0 && e.srcOffset + bytes <= stride;
}

/** Lines (or points) of `vertices` vertices, as instanced quads. */
export function quadCount(kind: 'list' | 'strip', vertices: number): number {
  return kind === 'list' ? vertices >> 1 : Math.max(0, vertices - 1);
}

/**
 * Copies each bound vertex buffer's rows in index order (row i = vertex indices[i]), so that an
 * indexed draw can step through its vertices in order. Returns the copies' offsets by buffer index.
 */
export function gatherVertices(sub: SubContext, storageOf: (handle: number) => Uint8Array, indices: readonly number[],
  alloc: (size: number) => Uint8Array, offsetOf: (bytes: Uint8Array) => number, at: number): Map<number, number> {
  const out = new Map<number, number>();
  for (const e of sub.vertexElements?.elements ?? []) {
    if (out.has(e.bufferIndex)) continue;
    const vb = sub.vertexBuffers[e.bufferIndex];
    const src = storageOf(vb.resHandle);
    const stride = vb.stride;
    if (indices.length * stride > 64 << 20) throw new ContextError(`${indices.length} vertices of ${stride} bytes are too many to gather`, at);
    const dst = alloc(indices.length * stride);
    for (let i = 0; i < indices.length; i++) {
      const from = vb.offset + indices[i] * stride;
      // Rows past the end of the buffer read as zero (WebGPU's robust access does the same).
      if (from + stride <= src.length) dst.set(src.subarray(from, from + stride), i * stride);
      else dst.fill(0, i * stride, (i + 1) * stride);
    }
    out.set(e.bufferIndex, offsetOf(dst));
  }
  return out;
}
