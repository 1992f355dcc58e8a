// `virgl-webgpu golden`: the frames the recorded server sent back, as PNG, read through the frame index.
import { join } from 'node:path';
import { TraceReader } from '../trace/reader.js';
import { FileSource } from '../trace/node/file-source.js';
import { frameToRgba8 } from '../trace/pixels.js';
import { writePng } from '../trace/node/png.js';
import { logLine } from './log.js';

export async function golden(file: string, o: { out: string; frames?: [number, number] }): Promise<void> {
  const source = new FileSource(file);
  try {
    const reader = new TraceReader(source);
    const n = reader.frames.length;
    const [a, b] = o.frames ?? [0, n - 1];
    let written = 0;
    for (let i = a; i <= Math.min(b, n - 1); i++) {
      const { frame, message } = reader.readFrameReply(i);
      const px = frameToRgba8(message.bytes, frame);
      if (!px.rgba) {
        logLine(`frame ${i}: ${px.reason}`);
        continue;
      }
      writePng(join(o.out, `golden-${String(i).padStart(5, '0')}.png`), px.rgba, frame.width, frame.height);
      written++;
    }
    console.log(`${written} golden frames written to ${o.out}`);
  } finally {
    source.close();
  }
}
