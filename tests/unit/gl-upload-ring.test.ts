// The upload ring's buffer lifetimes: a draw split by an overflow must still find its earlier data.
import { describe, expect, it } from 'vitest';
import { UploadRing } from '../../src/gl-backend/gpu/upload-ring.js';

// The WebGPU usage flags (spec values) without loading Dawn.
(globalThis as { GPUBufferUsage?: unknown }).GPUBufferUsage ??= { COPY_DST: 8, INDEX: 16, VERTEX: 32, UNIFORM: 64 };

/** Just enough of a GPUDevice to watch buffers being made, written and destroyed (a unit test: no GPU). */
function fakeDevice() {
  const log: string[] = [];
  let n = 0;
  const device = {
    createBuffer: (d: { size: number }) => {
      const name = `B${n++}(${d.size})`;
      log.push(`create ${name}`);
      return { name, destroy: () => log.push(`destroy ${name}`) };
    },
    queue: { writeBuffer: (b: { name: string }, _o: number, _d: ArrayBuffer, _s: number, size: number) => log.push(`write ${b.name} ${size}`) },
  };
  return { device: device as unknown as GPUDevice, log };
}

describe('UploadRing', () => {
  it('after an overflow, the next batch writes a fresh buffer; the old one dies after that batch is submitted', () => {
    const { device, log } = fakeDevice();
    const ring = new UploadRing(device, 1 << 20);
    expect(ring.alloc(1000)).toBe(0);
    void ring.buffer; // a draw binds the ring
    expect(ring.alloc(64 << 10)).toBe(-1); // overflow: the caller submits the batch
    ring.flush();
    expect(ring.alloc(64 << 10)).toBe(0); // grown, on a new buffer
    void ring.buffer;
    ring.flush(); // the batch with the split draw: both buffers alive
    expect(log).toEqual(['create B0(65536)', 'write B0(65536) 1024', 'create B1(131072)', 'write B1(131072) 65536']);
    ring.flush(); // one more submit: now the old buffer can go
    expect(log.at(-1)).toBe('destroy B0(65536)');
    ring.destroy();
    expect(log.at(-1)).toBe('destroy B1(131072)');
  });

  it('an overflow at full size also moves to a fresh buffer rather than overwriting the split draw', () => {
    const { device, log } = fakeDevice();
    const ring = new UploadRing(device, 64 << 10);
    expect(ring.alloc(60 << 10)).toBe(0);
    void ring.buffer;
    expect(ring.alloc(8 << 10)).toBe(-1);
    ring.flush();
    expect(ring.alloc(8 << 10)).toBe(0);
    void ring.buffer;
    expect(log.filter((l) => l.startsWith('create'))).toEqual(['create B0(65536)', 'create B1(65536)']);
  });
});
