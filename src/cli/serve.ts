// `virgl-webgpu serve`: the vtest server on a WebGPU device.
import { mkdirSync } from 'node:fs';
import { closeDevice, openNodeDevice, type DawnBackend } from '../gpu/node/dawn.js';
import { GL_DEVICE_OPTIONS, GlRenderer } from '../gl-backend/renderer.js';
import { VtestServer } from '../server/vtest-server.js';
import { gpuErrorLogger, logLine } from './log.js';
import { recordSessionsTo } from '../trace/node/server-recording.js';
import { TOOL_VERSION } from './version.js';

export interface ServeOptions {
  socketPath: string;
  socketMode: number;
  backend: DawnBackend;
  maxProtocol?: number;
  record?: string;
}

export async function serve(o: ServeOptions): Promise<void> {
  if (o.record) mkdirSync(o.record, { recursive: true });
  const gpu = await openNodeDevice({ ...GL_DEVICE_OPTIONS, backend: o.backend, log: logLine, onError: gpuErrorLogger() });
  const renderer = new GlRenderer(gpu, logLine);
  const server = new VtestServer(renderer, {
    socketPath: o.socketPath, socketMode: o.socketMode, log: logLine,
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
      .then(() => closeDevice(gpu))
      .then(() => process.exit(0), (e: unknown) => { logLine(`error while closing: ${String(e)}`); process.exit(1); });
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}
