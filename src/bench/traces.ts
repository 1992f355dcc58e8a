// What the benchmarks take from a trace: the client's SUBMIT_CMD payloads, its RESOURCE_CREATEs and
// the shader texts inside CREATE_OBJECT commands, read once with the trace reader (src/trace).
import { readdirSync } from 'node:fs';
import { basename, join } from 'node:path';
import { VCmd, VTEST_HDR_DWORDS } from '../protocol/vtest.js';
import { VirglCmd, VirglObjectType } from '../protocol/virgl-commands.js';
import type { ResourceCreateArgs } from '../server/renderer.js';
import { TraceReader } from '../trace/reader.js';
import { FileSource } from '../trace/node/file-source.js';
import { Direction } from '../trace/types.js';
import { continueShader, createShader, type ShaderObject } from '../gl-backend/state/shader-object.js';

export interface LoadedTrace {
  name: string;
  path: string;
  frames: number;
  /** SUBMIT_CMD payloads (the virgl command stream), copied out of the trace, dword-aligned. */
  submits: Uint32Array[];
  /** Index into `submits` of the submit holding each frame's last command before its TRANSFER_GET. */
  submitsBeforeFrame: number[];
  resources: ResourceCreateArgs[];
  /** Every complete shader text, in stream order (duplicates kept). */
  shaders: { type: number; text: string }[];
  /** Total client-to-server bytes (the raw vtest stream). */
  clientBytes: number;
}

export function listTraces(dir: string): string[] {
  return readdirSync(dir).filter((f) => f.endsWith('.vtrace')).sort().map((f) => join(dir, f));
}

export function loadTrace(path: string): LoadedTrace {
  const source = new FileSource(path);
  try {
    const reader = new TraceReader(source);
    const t: LoadedTrace = {
      name: basename(path, '.vtrace'), path, frames: reader.frames.length, submits: [], submitsBeforeFrame: [],
      resources: [], shaders: [], clientBytes: 0,
    };
    const pending = new Map<number, ShaderObject>();
    for (const rec of reader.messages()) {
      if (rec.kind === 'shm' || rec.direction !== Direction.ClientToServer) continue;
      t.clientBytes += rec.bytes.length;
      if (rec.vcmd === VCmd.TRANSFER_GET) t.submitsBeforeFrame.push(t.submits.length - 1);
      if (rec.vcmd !== VCmd.SUBMIT_CMD && rec.vcmd !== VCmd.RESOURCE_CREATE) continue;
      const dwords = new Uint32Array(rec.bytes.slice(0, rec.bytes.length & ~3).buffer).subarray(VTEST_HDR_DWORDS);
      if (rec.vcmd === VCmd.RESOURCE_CREATE) {
        t.resources.push({
          handle: dwords[0], target: dwords[1], format: dwords[2], bind: dwords[3], width: dwords[4], height: dwords[5],
          depth: dwords[6], arraySize: dwords[7], lastLevel: dwords[8], nrSamples: dwords[9],
        });
        continue;
      }
      const submit = dwords.slice();
      t.submits.push(submit);
      collectShaders(submit, pending, t.shaders);
    }
    return t;
  } finally {
    source.close();
  }
}

function collectShaders(b: Uint32Array, pending: Map<number, ShaderObject>, out: { type: number; text: string }[]): void {
  for (let at = 0; at < b.length; at += 1 + (b[at] >>> 16)) {
    const h = b[at];
    if ((h & 0xff) !== VirglCmd.CREATE_OBJECT || ((h >>> 8) & 0xff) !== VirglObjectType.SHADER) continue;
    const len = h >>> 16;
    const handle = b[at + 1];
    const prev = pending.get(handle);
    const s = prev && prev.text === null ? prev : createShader(b, at, len);
    if (s === prev) continueShader(s, b, at, len);
    pending.set(handle, s);
    if (s.text !== null) out.push({ type: s.type, text: s.text });
  }
}
