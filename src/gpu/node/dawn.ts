// dawn.ts: open a WebGPU device in Node through dawn.node (npm `webgpu` 0.6.2).
//
// Invariant: every `GPU` returned by create() stays in PINNED until its device is destroyed and
// its promises have settled. dawn.node's AsyncRunner keeps a raw pointer into the GPU object's
// dawn::native::Instance; if V8 collects the GPU while a device lives, the next awaited op is a
// use-after-free (crash, abort or hang). See shared/reference/dawn-node-stability.md.

import { mkdirSync, mkdtempSync, lstatSync, chmodSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { create, globals } from 'webgpu';
import { GpuOpenError, openDevice, type FeatureLevel, type GpuContext, type OpenDeviceOptions } from '../device.js';

export type DawnBackend = 'vulkan' | 'd3d12' | 'metal' | 'opengles' | 'null' | 'default';

export interface NodeDeviceOptions {
  /** 'default' lets Dawn pick the platform backend (Vulkan on Linux) or $DAWNNODE_BACKEND. */
  backend?: DawnBackend;
  /** Defaults to 'compatibility' for opengles, 'core' otherwise. */
  featureLevel?: FeatureLevel;
  /** Fall back to opengles/compatibility when no core adapter exists. Default: backend is 'default'. */
  fallback?: boolean;
  /** Substring of the adapter's device name (dawn.node `adapter=` flag). */
  adapter?: string;
  /** Dawn toggles, passed as enable-dawn-features= / disable-dawn-features=. */
  enableToggles?: string[];
  disableToggles?: string[];
  requiredLimits?: Record<string, GPUSize64>;
  requiredFeatures?: GPUFeatureName[];
  optionalFeatures?: GPUFeatureName[];
  adapterLimits?: string[];
  onError?: (error: GPUError) => void;
  log?: (line: string) => void;
}

const PINNED = new Set<GPU>();
const PLATFORM_BACKEND: Record<string, string> = { linux: 'vulkan', win32: 'd3d12', darwin: 'metal' };

let globalsInstalled = false;

/** Puts GPUBufferUsage, GPUTextureUsage, GPUMapMode etc. on globalThis, as a browser has them. */
export function installWebGpuGlobals(): void {
  if (globalsInstalled) return;
  for (const [key, value] of Object.entries(globals)) {
    if (!(key in globalThis)) Object.defineProperty(globalThis, key, { value, writable: true, configurable: true });
  }
  globalsInstalled = true;
}

/** Opens a dawn.node device; logs the adapter in one line. Release it with closeDevice(). */
export async function openNodeDevice(opts: NodeDeviceOptions = {}): Promise<GpuContext> {
  installWebGpuGlobals();
  ensureRuntimeDir();
  const backend = opts.backend ?? 'default';
  const fallback = opts.fallback ?? backend === 'default';
  try {
    return await openOn(backend, opts.featureLevel ?? (backend === 'opengles' ? 'compatibility' : 'core'), opts);
  } catch (err) {
    const noCoreAdapter = err instanceof GpuOpenError && (err.reason === 'no-adapter' || err.reason === 'compat-only');
    if (!fallback || !noCoreAdapter || backend === 'opengles') throw err;
    opts.log?.(`gpu: no core adapter on ${backend} (${firstLine(err)}); falling back to opengles/compatibility`);
    return await openOn('opengles', 'compatibility', opts);
  }
}

async function openOn(backend: DawnBackend, featureLevel: FeatureLevel, opts: NodeDeviceOptions): Promise<GpuContext> {
  // Dawn's EGL needs a platform without a display server; Mesa reads this at eglGetDisplay.
  if (backend === 'opengles' && !process.env.EGL_PLATFORM) process.env.EGL_PLATFORM = 'surfaceless';
  const flags: string[] = [];
  if (backend !== 'default') flags.push(`backend=${backend}`);
  if (opts.adapter) flags.push(`adapter=${opts.adapter}`);
  if (opts.enableToggles?.length) flags.push(`enable-dawn-features=${opts.enableToggles.join(',')}`);
  if (opts.disableToggles?.length) flags.push(`disable-dawn-features=${opts.disableToggles.join(',')}`);
  const backendName = backend === 'default'
    ? (process.env.DAWNNODE_BACKEND || PLATFORM_BACKEND[process.platform] || 'default')
    : backend;

  const gpu = create(flags);
  PINNED.add(gpu);
  const openOpts: OpenDeviceOptions = { featureLevel, backend: backendName };
  if (opts.requiredLimits) openOpts.requiredLimits = opts.requiredLimits;
  if (opts.requiredFeatures) openOpts.requiredFeatures = opts.requiredFeatures;
  if (opts.optionalFeatures) openOpts.optionalFeatures = opts.optionalFeatures;
  if (opts.adapterLimits) openOpts.adapterLimits = opts.adapterLimits;
  if (opts.onError) openOpts.onError = opts.onError;
  let ctx: GpuContext;
  try {
    ctx = await openDevice(gpu, openOpts);
  } catch (err) {
    // No device exists and requestAdapter has settled, so nothing points into this instance.
    PINNED.delete(gpu);
    throw err;
  }
  opts.log?.(`gpu: ${ctx.adapterDescription}`);
  return ctx;
}

/** Destroys the device, waits for its promises to settle, then lets the GPU object go. */
export async function closeDevice(ctx: GpuContext): Promise<void> {
  ctx.device.destroy();
  await ctx.lost;
  // destroy() rejects pending maps and resolves work-done; let those callbacks drain first.
  await ctx.queue.onSubmittedWorkDone().catch(() => undefined);
  await new Promise<void>((resolve) => setImmediate(resolve));
  PINNED.delete(ctx.gpu);
}

/** Number of GPU objects currently pinned (for tests and diagnostics). */
export function pinnedGpuCount(): number {
  return PINNED.size;
}

/** Mesa warns when XDG_RUNTIME_DIR is unset; give it a private 0700 directory. */
export function ensureRuntimeDir(): void {
  if (process.env.XDG_RUNTIME_DIR) return;
  const uid = process.getuid?.() ?? 0;
  let dir = join(tmpdir(), `virgl-webgpu-runtime-${uid}`);
  try {
    try {
      mkdirSync(dir, { mode: 0o700 });
    } catch {
      const st = lstatSync(dir, { throwIfNoEntry: false });
      // Someone else's directory (or a symlink) must not become our runtime dir.
      if (!st || !st.isDirectory() || st.uid !== uid) dir = mkdtempSync(join(tmpdir(), 'virgl-webgpu-runtime-'));
    }
    chmodSync(dir, 0o700);
    process.env.XDG_RUNTIME_DIR = dir;
  } catch {
    // Only a Mesa warning is at stake; never fail device creation over it.
  }
}

function firstLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n')[0] ?? text;
}
