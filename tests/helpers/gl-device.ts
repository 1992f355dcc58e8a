// One GL-backend device per test file, on the real Dawn device. Validation errors do not throw, so
// every test must leave none behind.
import { afterAll, afterEach, beforeAll, expect } from 'vitest';
import type { GpuContext } from '../../src/gpu/device.js';
import { closeDevice, openNodeDevice } from '../../src/gpu/node/dawn.js';
import { GlDevice } from '../../src/gl-backend/gpu/device-cache.js';
import { GL_DEVICE_OPTIONS } from '../../src/gl-backend/renderer.js';

export interface GlFixture { gpu: GpuContext; dev: GlDevice }

export function useGlDevice(): GlFixture {
  const fx = {} as GlFixture;
  beforeAll(async () => {
    fx.gpu = await openNodeDevice({ ...GL_DEVICE_OPTIONS });
    fx.dev = new GlDevice(fx.gpu);
  });
  afterAll(async () => { if (fx.gpu) await closeDevice(fx.gpu); });
  afterEach(async () => {
    await fx.gpu.queue.onSubmittedWorkDone();
    expect(fx.gpu.errors.map((e) => e.message)).toEqual([]);
  });
  return fx;
}
