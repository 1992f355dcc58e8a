// `virgl-webgpu serve`: the vtest server on a WebGPU device.
import { mkdirSync } from 'node:fs';
import { closeDevice, openNodeDevice, type DawnBackend } from '../gpu/node/dawn.js';
import { GL_DEVICE_OPTIONS, GlRenderer } from '../gl-backend/renderer.js';
import { DEFAULT_LIMITS, LIMIT_FLAGS, flagValueToLimit, type ClientLimits } from '../server/limits.js';
import { VtestServer } from '../server/vtest-server.js';
import { gpuErrorLogger, logLine } from './log.js';
import { recordSessionsTo } from '../trace/node/server-recording.js';
import { TOOL_VERSION } from './version.js';

export interface ServeOptions {
  socketPath: string;
  socketMode: number;
  socketGroup?: string;
  backend: DawnBackend;
  maxProtocol?: number;
  record?: string;
  /** Limit flags as commander parsed them (camelCase of LIMIT_FLAGS' names). */
  [flag: string]: unknown;
}

/** The client limits from `--max-*` flags over the defaults. */
export function limitsFromOptions(o: Record<string, unknown>): ClientLimits {
  const limits: ClientLimits = { ...DEFAULT_LIMITS };
  for (const l of LIMIT_FLAGS) {
    const key = l.flag.replace(/-([a-z])/g, (_m, c: string) => c.toUpperCase());
    const v = o[key];
    if (typeof v === 'number') limits[l.key] = flagValueToLimit(l.key, v);
  }
  return limits;
}

export async function serve(o: ServeOptions): Promise<void> {
  if (o.record) mkdirSync(o.record, { recursive: true });
  const deviceOptions = { ...GL_DEVICE_OPTIONS, backend: o.backend, log: logLine, onError: gpuErrorLogger() };
  const gpu = await openNodeDevice(deviceOptions);
  const limits = limitsFromOptions(o);
  const renderer = new GlRenderer(gpu, logLine, {
    limits,
    reopen: async () => {
      const lost = renderer.gpu;
      if (lost) await closeDevice(lost).catch(() => undefined); // unpins the old instance
      return openNodeDevice(deviceOptions);
    },
  });
  const server = new VtestServer(renderer, {
    socketPath: o.socketPath, socketMode: o.socketMode, log: logLine, limits,
    ...(o.socketGroup !== undefined ? { socketGroup: o.socketGroup } : {}),
    ...(o.maxProtocol === undefined ? {} : { maxProtocolVersion: o.maxProtocol }),
    ...(o.record ? { recordSession: recordSessionsTo(o.record, TOOL_VERSION, logLine) } : {}),
  });
  await server.listen();
  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logLine(`${signal}: finishing in-flight replies and closing`);
    void server.close()
      .then(() => { const g = renderer.close(); return g ? closeDevice(g) : undefined; })
      .then(() => process.exit(0), (e: unknown) => { logLine(`error while closing: ${String(e)}`); process.exit(1); });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
