// `node dist/bench/replay-child.js TRACE`: our renderer replays a trace's client stream (the same
// readbacks as the recorded session, answered and thrown away; no PNG, no compare). Prints one JSON
// line: milliseconds to open the device and to replay. The benchmark times the whole process too.
import { performance } from 'node:perf_hooks';
import { closeDevice, openNodeDevice } from '../gpu/node/dawn.js';
import { GL_DEVICE_OPTIONS, GlRenderer } from '../gl-backend/renderer.js';
import { TraceReader } from '../trace/reader.js';
import { FileSource } from '../trace/node/file-source.js';
import { replayTrace } from '../trace/replay.js';
import type { Logger } from '../server/renderer.js';

async function main(file: string): Promise<void> {
  const t0 = performance.now();
  const gpu = await openNodeDevice({ ...GL_DEVICE_OPTIONS, backend: 'default', log: () => {}, onError: (e) => { process.stderr.write(`gpu error: ${e.message}\n`); } });
  const t1 = performance.now();
  const source = new FileSource(file);
  const log: Logger = { info: () => {}, warn: (m) => process.stderr.write(`warning: ${m}\n`), error: (m) => process.stderr.write(`error: ${m}\n`) };
  let frames = 0;
  let answered = 0;
  try {
    for await (const f of replayTrace(new TraceReader(source), new GlRenderer(gpu, () => {}), { log })) {
      frames++;
      if (f.ours) answered++;
    }
  } finally {
    source.close();
  }
  const t2 = performance.now();
  await closeDevice(gpu);
  process.stdout.write(`${JSON.stringify({ deviceMs: t1 - t0, replayMs: t2 - t1, frames, answered })}\n`);
}

main(process.argv[2]).catch((e: unknown) => {
  process.stderr.write(`replay-child: ${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
