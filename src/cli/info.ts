// `virgl-webgpu info`: a trace's header and frames, or (without a trace) the WebGPU adapter.
import { closeDevice, openNodeDevice, type DawnBackend } from '../gpu/node/dawn.js';
import { TraceReader } from '../trace/reader.js';
import { FileSource } from '../trace/node/file-source.js';
import { vcmdName } from '../protocol/vtest.js';
import { logLine } from './log.js';

export async function info(file: string | undefined, o: { backend: DawnBackend }): Promise<void> {
  if (!file) {
    const gpu = await openNodeDevice({ backend: o.backend, log: (l) => console.log(l) });
    await closeDevice(gpu);
    return;
  }
  const source = new FileSource(file);
  try {
    const reader = new TraceReader(source);
    const { capsV1, capsV2, upstreamCapsV2, ...rest } = reader.info;
    console.log(JSON.stringify({
      ...rest,
      caps: { v1Bytes: capsV1 ? Buffer.from(capsV1, 'base64').length : 0, v2Bytes: capsV2 ? Buffer.from(capsV2, 'base64').length : 0, upstreamV2Bytes: upstreamCapsV2 ? Buffer.from(upstreamCapsV2, 'base64').length : 0 },
      formatVersion: reader.formatVersion, finalized: reader.finalized, recovered: reader.recovery !== null,
      chunks: reader.chunkCount, records: reader.recordCount, frames: reader.frames.length,
    }, null, 2));
    const counts = new Map<string, number>();
    for (const rec of reader.messages()) {
      const k = `${rec.direction === 0 ? '>' : '<'} ${rec.kind === 'shm' ? 'SHM' : vcmdName(rec.vcmd)}`;
      counts.set(k, (counts.get(k) ?? 0) + 1);
    }
    for (const [k, v] of [...counts].sort()) console.log(`${k.padEnd(28)} ${v}`);
  } catch (e) {
    logLine(`cannot read ${file}: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
  } finally {
    source.close();
  }
}
