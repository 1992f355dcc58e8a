// serve --record DIR: each client's session of our own server goes to DIR/client-N.vtrace, shared
// memory included (vtest v2/v3), through a SessionRecorder.
import { hostname } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { Renderer } from '../../server/renderer.js';
import type { SessionTap } from '../../server/session.js';
import { SessionRecorder } from '../session-recorder.js';
import { TraceWriter } from '../writer.js';
import { FileSink } from './file-sink.js';

const b64 = (u: Uint8Array): string => Buffer.from(u.buffer, u.byteOffset, u.length).toString('base64');

export function recordSessionsTo(dir: string, toolVersion: string, log: (line: string) => void):
(clientId: number, renderer: Renderer) => { tap: SessionTap; close(): void } {
  return (clientId, renderer) => {
    const path = join(dir, `client-${clientId}.vtrace`);
    const writer = new TraceWriter(new FileSink(path), {
      toolVersion, captureHost: hostname(), createdAt: new Date().toISOString(), capsSource: 'ours',
      capsV1: b64(renderer.capsV1()), capsV2: b64(renderer.capsV2()),
    });
    const t0 = performance.now();
    const tap = new SessionRecorder(writer, () => Math.round((performance.now() - t0) * 1000));
    return {
      tap,
      close: () => {
        writer.close();
        log(`[client ${clientId}] recorded ${writer.stats.records} records, ${writer.stats.frames} frames -> ${path}`);
      },
    };
  };
}
