// `virgl-webgpu record`: a recording proxy in front of any vtest server.
import { closeDevice, openNodeDevice, type DawnBackend } from '../gpu/node/dawn.js';
import { GL_DEVICE_OPTIONS, GlRenderer } from '../gl-backend/renderer.js';
import { RecordingProxy } from '../trace/node/recording-proxy.js';
import { logLine } from './log.js';
import { TOOL_VERSION } from './version.js';

export interface RecordOptions {
  upstream: string;
  socketPath: string;
  out: string;
  caps: 'upstream' | 'ours';
  once?: boolean;
  backend: DawnBackend;
}

export async function record(o: RecordOptions): Promise<void> {
  let capsOverride: { v1: Uint8Array; v2: Uint8Array } | undefined;
  if (o.caps === 'ours') {
    // Our caps depend on the device's limits, so open it just to build them.
    const gpu = await openNodeDevice({ ...GL_DEVICE_OPTIONS, backend: o.backend, log: logLine });
    const r = new GlRenderer(gpu, logLine);
    capsOverride = { v1: r.capsV1(), v2: r.capsV2() };
    await closeDevice(gpu);
  }
  const proxy = new RecordingProxy({
    upstream: o.upstream, socketPath: o.socketPath, outPath: o.out, toolVersion: TOOL_VERSION, log: logLine,
    ...(capsOverride ? { capsOverride } : {}),
  });
  const stop = (why: string): void => {
    logLine(`${why}: closing traces`);
    void proxy.close().then(() => process.exit(0));
  };
  if (o.once) proxy.onTraceClosed = () => stop('first client done');
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
  await proxy.listen();
}
