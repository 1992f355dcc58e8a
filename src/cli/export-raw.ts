// `virgl-webgpu export-raw TRACE OUT`: the client-to-server bytes of a trace, concatenated as the
// client sent them (a raw vtest stream). virglrenderer's `virgl_test_server FILE` reads its commands
// from such a file instead of a socket, so the same session can be replayed on virglrenderer.
import { closeSync, openSync, writeSync } from 'node:fs';
import { TraceReader } from '../trace/reader.js';
import { FileSource } from '../trace/node/file-source.js';
import { Direction } from '../trace/types.js';
import { logLine } from './log.js';

export interface ExportRawResult { messages: number; bytes: number }

/** Writes the client's side of `trace` to `out`; returns what was written. */
export function exportRaw(trace: string, out: string): ExportRawResult {
  const source = new FileSource(trace);
  const fd = openSync(out, 'w');
  let messages = 0;
  let bytes = 0;
  try {
    const reader = new TraceReader(source);
    if (reader.recovery) logLine(`trace was not closed cleanly; index rebuilt by scanning (${reader.recovery.reason})`);
    for (const rec of reader.messages()) {
      if (rec.direction !== Direction.ClientToServer) continue;
      if (rec.kind === 'shm') throw new Error('the trace has shared-memory writes (protocol v2+): a raw stream cannot carry them');
      for (let off = 0; off < rec.bytes.length;) off += writeSync(fd, rec.bytes, off, rec.bytes.length - off);
      messages++;
      bytes += rec.bytes.length;
    }
  } finally {
    closeSync(fd);
    source.close();
  }
  return { messages, bytes };
}

export function exportRawCommand(trace: string, out: string): void {
  const r = exportRaw(trace, out);
  console.log(`${r.messages} client messages, ${r.bytes} bytes written to ${out}`);
}
