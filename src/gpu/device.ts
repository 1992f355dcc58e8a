// device.ts: open a WebGPU adapter + device from any `GPU` (dawn.node or navigator.gpu).
// Browser-safe: no Node imports here; the Node entry point is node/dawn.ts.

export type FeatureLevel = 'core' | 'compatibility';

export interface OpenDeviceOptions {
  /** 'core' (default) or 'compatibility'. A compat request yields a compat-validated device
   *  even on a core-capable adapter, so compat paths can be tested anywhere. */
  featureLevel?: FeatureLevel;
  requiredLimits?: Record<string, GPUSize64>;
  requiredFeatures?: GPUFeatureName[];
  /** Enabled when the adapter has them, silently skipped otherwise. */
  optionalFeatures?: GPUFeatureName[];
  /** Limits raised to whatever the adapter supports (e.g. maxVertexBuffers). */
  adapterLimits?: string[];
  powerPreference?: GPUPowerPreference;
  /** Backend name for the description; `adapter.info` does not report it. */
  backend?: string;
  /** Receives every uncaptured error instead of the console. */
  onError?: (error: GPUError) => void;
  label?: string;
}

export interface GpuContext {
  /** Kept here so the `GPU` stays reachable as long as the context is (see node/dawn.ts). */
  readonly gpu: GPU;
  readonly adapter: GPUAdapter;
  readonly device: GPUDevice;
  readonly queue: GPUQueue;
  /** One line: vendor/architecture, device, "description", [backend, level, fallback]. */
  readonly adapterDescription: string;
  /** What the device actually enforces (core iff it has 'core-features-and-limits'). */
  readonly featureLevel: FeatureLevel;
  readonly backend: string | undefined;
  /** Resolves when the device is lost or destroyed. */
  readonly lost: Promise<GPUDeviceLostInfo>;
  /** The most recent uncaptured errors (at most MAX_KEPT_ERRORS), oldest first. */
  readonly errors: GPUError[];
  /** Total uncaptured errors since the device opened (errors[] is capped). */
  errorCount: number;
  isLost: boolean;
}

const MAX_KEPT_ERRORS = 64;
const CORE_FEATURE: GPUFeatureName = 'core-features-and-limits';

/** Why openDevice failed: 'no-adapter' and 'compat-only' mean another backend may still work. */
export type GpuOpenFailure = 'no-adapter' | 'compat-only' | 'feature' | 'limit';

export class GpuOpenError extends Error {
  override readonly name = 'GpuOpenError';
  constructor(readonly reason: GpuOpenFailure, message: string) {
    super(message);
  }
}

/** Opens an adapter and a device on `gpu`. Rejects with GpuOpenError if no adapter fits. */
export async function openDevice(gpu: GPU, opts: OpenDeviceOptions = {}): Promise<GpuContext> {
  const wanted: FeatureLevel = opts.featureLevel ?? 'core';
  const adapterOpts: GPURequestAdapterOptions = { featureLevel: wanted };
  if (opts.powerPreference) adapterOpts.powerPreference = opts.powerPreference;
  const where = opts.backend ? ` on backend ${opts.backend}` : '';
  // dawn.node rejects (rather than resolving null) when its adapter= filter matches nothing.
  const adapter = await gpu.requestAdapter(adapterOpts).catch((err: unknown) => {
    throw new GpuOpenError('no-adapter', `no ${wanted} WebGPU adapter${where}: ${String(err)}`);
  });
  if (!adapter) throw new GpuOpenError('no-adapter', `no ${wanted} WebGPU adapter${where}`);
  if (wanted === 'core' && !adapter.features.has(CORE_FEATURE)) {
    // Implementations may hand out a compat adapter for a core request.
    throw new GpuOpenError('compat-only', `adapter is compatibility-only: ${describeAdapter(adapter.info, opts.backend, 'compatibility')}`);
  }

  const features = new Set<GPUFeatureName>(opts.requiredFeatures ?? []);
  for (const f of opts.optionalFeatures ?? []) if (adapter.features.has(f)) features.add(f);
  const limits: Record<string, GPUSize64> = { ...opts.requiredLimits };
  const adapterTable = adapter.limits as unknown as Record<string, number | undefined>;
  for (const name of opts.adapterLimits ?? []) {
    const v = adapterTable[name];
    if (v !== undefined && limits[name] === undefined) limits[name] = v;
  }
  if (wanted === 'core') features.add(CORE_FEATURE);
  for (const f of features) {
    if (!adapter.features.has(f)) throw new GpuOpenError('feature', `adapter lacks required feature '${f}'`);
  }
  checkLimits(adapter.limits, opts.requiredLimits);

  const desc: GPUDeviceDescriptor = { requiredFeatures: [...features], label: opts.label ?? 'virgl-webgpu' };
  if (Object.keys(limits).length > 0) desc.requiredLimits = limits;
  const device = await adapter.requestDevice(desc);
  const featureLevel: FeatureLevel = device.features.has(CORE_FEATURE) ? 'core' : 'compatibility';

  const ctx: GpuContext = {
    gpu,
    adapter,
    device,
    queue: device.queue,
    adapterDescription: describeAdapter(adapter.info, opts.backend, featureLevel),
    featureLevel,
    backend: opts.backend,
    lost: device.lost,
    errors: [],
    errorCount: 0,
    isLost: false,
  };
  device.onuncapturederror = (ev: GPUUncapturedErrorEvent) => {
    // preventDefault stops dawn.node (and browsers) from also printing the error.
    ev.preventDefault();
    ctx.errorCount++;
    ctx.errors.push(ev.error);
    if (ctx.errors.length > MAX_KEPT_ERRORS) ctx.errors.shift();
    opts.onError?.(ev.error);
  };
  void device.lost.then(() => {
    ctx.isLost = true;
  });
  return ctx;
}

/** Throws a readable error before requestDevice does, naming the limit and both values. */
function checkLimits(have: GPUSupportedLimits, want: Record<string, GPUSize64> | undefined): void {
  if (!want) return;
  const table = have as unknown as Record<string, number | undefined>;
  for (const [name, value] of Object.entries(want)) {
    const max = table[name];
    if (max === undefined) throw new GpuOpenError('limit', `unknown limit '${name}'`);
    // Alignment limits are minimums: a larger request is the weaker one.
    const ok = name.startsWith('min') ? value >= max : value <= max;
    if (!ok) throw new GpuOpenError('limit', `limit ${name}=${value} not supported (adapter: ${max})`);
  }
}

/** Formats `adapter.info` as one line, e.g. `mesa/software llvmpipe "llvmpipe: Mesa 25…" [vulkan, core, fallback]`. */
export function describeAdapter(info: GPUAdapterInfo, backend: string | undefined, level: FeatureLevel): string {
  const oneLine = (s: string): string => s.replace(/\s+/g, ' ').trim();
  const parts: string[] = [];
  const vendorArch = [info.vendor, info.architecture].map(oneLine).filter(Boolean).join('/');
  if (vendorArch) parts.push(vendorArch);
  if (info.device) parts.push(oneLine(info.device));
  if (info.description) parts.push(`"${oneLine(info.description)}"`);
  const tags = [backend ?? 'unknown backend', level];
  if (info.isFallbackAdapter) tags.push('fallback');
  parts.push(`[${tags.join(', ')}]`);
  return parts.join(' ');
}
