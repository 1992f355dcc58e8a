// Wide points and lines: when draws become instanced quads, and the vertex gathering for indexed ones.
import { describe, expect, it } from 'vitest';
import { PipePrim } from '../../src/protocol/gallium.js';
import { VirglFormat } from '../../src/protocol/virgl-formats.js';
import { SubContext } from '../../src/gl-backend/state/sub-context.js';
import type { RasterizerState } from '../../src/gl-backend/state/objects.js';
import { canGather, gatherVertices, needsWidePoints, quadCount, wideLineKind } from '../../src/gl-backend/gpu/wide-primitives.js';

function sub(rs: Partial<RasterizerState>, elements = [{ srcOffset: 0, instanceDivisor: 0, bufferIndex: 0, format: VirglFormat.R32G32_FLOAT }], stride = 8): SubContext {
  const s = new SubContext();
  s.rasterizer = { pointSize: 1, lineWidth: 1, pointSizePerVertex: false, ...rs } as RasterizerState;
  s.vertexElements = { kind: 'vertex-elements', elements };
  s.vertexBuffers[0] = { stride, offset: 4, resHandle: 7 };
  return s;
}

describe('wide primitives', () => {
  it('points become quads above one pixel or with per-vertex sizes, but not with per-instance elements', () => {
    expect(needsWidePoints(sub({ pointSize: 1 }), null)).toBe(false);
    expect(needsWidePoints(sub({ pointSize: 4 }), null)).toBe(true);
    expect(needsWidePoints(sub({ pointSizePerVertex: true }), null)).toBe(true);
    expect(needsWidePoints(sub({ pointSize: 4 }, [{ srcOffset: 0, instanceDivisor: 1, bufferIndex: 0, format: VirglFormat.R32G32_FLOAT }]), null)).toBe(false);
  });

  it('lines become quads only when wide, not instanced, and within the doubled layout', () => {
    expect(wideLineKind(sub({ lineWidth: 1 }), PipePrim.LINES, 1, null, 8)).toBeUndefined();
    expect(wideLineKind(sub({ lineWidth: 3 }), PipePrim.LINES, 1, null, 8)).toBe('list');
    expect(wideLineKind(sub({ lineWidth: 3 }), PipePrim.LINE_STRIP, 1, null, 8)).toBe('strip');
    expect(wideLineKind(sub({ lineWidth: 3 }), PipePrim.TRIANGLES, 1, null, 8)).toBeUndefined();
    expect(wideLineKind(sub({ lineWidth: 3 }), PipePrim.LINES, 2, null, 8)).toBeUndefined();
    // An element past its stride cannot be read from a second, shifted slot.
    expect(wideLineKind(sub({ lineWidth: 3 }, [{ srcOffset: 8, instanceDivisor: 0, bufferIndex: 0, format: VirglFormat.R32G32_FLOAT }]), PipePrim.LINES, 1, null, 8)).toBeUndefined();
    // Two slots per Gallium buffer must fit the device's vertex buffers.
    expect(wideLineKind(sub({ lineWidth: 3 }), PipePrim.LINES, 1, null, 1)).toBeUndefined();
  });

  it('counts quads per list and strip', () => {
    expect(quadCount('list', 7)).toBe(3);
    expect(quadCount('strip', 7)).toBe(6);
    expect(quadCount('strip', 0)).toBe(0);
  });

  it('gathers rows in index order, past-the-end rows as zeros', () => {
    const s = sub({ lineWidth: 3 });
    expect(canGather(s, null)).toBe(true);
    const storage = new Uint8Array(4 + 3 * 8);
    for (let i = 0; i < storage.length; i++) storage[i] = i;
    const ring = new Uint8Array(256);
    const at = 64;
    const offsets = gatherVertices(s, (h) => (h === 7 ? storage : new Uint8Array(0)), [2, 0, 9],
      (n) => ring.subarray(at, at + n), (v) => v.byteOffset, 0);
    expect([...offsets]).toEqual([[0, at]]);
    expect([...ring.subarray(at, at + 24)]).toEqual([
      20, 21, 22, 23, 24, 25, 26, 27, // vertex 2: offset 4 + 2 * 8
      4, 5, 6, 7, 8, 9, 10, 11, // vertex 0
      0, 0, 0, 0, 0, 0, 0, 0, // vertex 9: past the end
    ]);
  });
});
