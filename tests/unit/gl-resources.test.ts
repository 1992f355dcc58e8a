import { describe, expect, it } from 'vitest';
import { ResourceStore } from '../../src/gl-backend/resource-store.js';
import { formatBlock } from '../../src/protocol/format-blocks.js';
import { VirglFormat } from '../../src/protocol/virgl-formats.js';
import { ContextError, type ResourceCreateArgs, type TransferArgs } from '../../src/server/renderer.js';

const tex = (handle: number, w: number, h: number, extra: Partial<ResourceCreateArgs> = {}): ResourceCreateArgs => ({
  handle, target: 2, format: VirglFormat.B8G8R8A8_UNORM, bind: 2, width: w, height: h, depth: 1, arraySize: 1,
  lastLevel: 0, nrSamples: 0, ...extra,
});
const box = (handle: number, x: number, y: number, w: number, h: number, stride = 0, level = 0): TransferArgs => ({
  handle, level, stride, layerStride: 0, x, y, z: 0, width: w, height: h, depth: 1,
});

describe('ResourceStore', () => {
  const limits = { maxResources: 8, maxResourceBytes: 1 << 20 };

  it('round-trips a sub-box with a padded stride', () => {
    const s = new ResourceStore(formatBlock, limits);
    s.create(tex(1, 4, 4));
    const data = new Uint8Array(2 * 16).map((_, i) => i);
    s.transfer(box(1, 1, 2, 2, 2, 16), data, true);
    const out = new Uint8Array(32);
    s.transfer(box(1, 1, 2, 2, 2, 16), out, false);
    expect([...out.subarray(0, 8)]).toEqual([...data.subarray(0, 8)]);
    expect([...out.subarray(16, 24)]).toEqual([...data.subarray(16, 24)]);
  });

  it('rejects boxes outside the level, short client buffers, bad levels, ids and budgets', () => {
    const s = new ResourceStore(formatBlock, limits);
    s.create(tex(1, 4, 4, { lastLevel: 2 }));
    const buf = new Uint8Array(64);
    expect(() => s.transfer(box(1, 3, 0, 2, 1), buf, true)).toThrow(/outside level 0/);
    expect(() => s.transfer(box(1, 0, 0, 2, 2, 0, 1), buf.subarray(0, 7), true)).toThrow(/needs 16 bytes/);
    expect(() => s.transfer(box(1, 0, 0, 1, 1, 0, 3), buf, true)).toThrow(/level 3 past last level 2/);
    expect(() => s.transfer(box(2, 0, 0, 1, 1), buf, true)).toThrow(/unknown resource 2/);
    expect(() => s.create(tex(1, 4, 4))).toThrow(/already exists/);
    expect(() => s.create(tex(0, 4, 4))).toThrow(ContextError);
    expect(() => s.create(tex(3, 4, 4, { format: 9999 }))).toThrow(/unknown format/);
    expect(() => s.create(tex(4, 1024, 1024))).toThrow(/budget/);
    expect(() => s.create(tex(5, 4, 4, { lastLevel: 16 }))).toThrow(/last_level/);
  });

  it('sizes buffers by bytes whatever their array size says', () => {
    const s = new ResourceStore(formatBlock, limits);
    const r = s.create({ ...tex(7, 100, 0), target: 0, format: VirglFormat.R8_UNORM, arraySize: 0 });
    expect(r.storage.length).toBe(100);
    expect(s.bytes).toBe(100);
    s.unref(7);
    expect(s.bytes).toBe(0);
  });
});
