// serve --record: a real Mesa client's session with our server at protocol v3 (memfds, a coherent
// blob for Mesa's upload buffer) goes to a trace that holds the shared-memory bytes; replay --compare
// reproduces every frame.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLI, mesaClientEnv, runClient, start, startOurServer, startXvfb, tempSocket, waitFor, type Proc,
} from '../helpers/processes.js';
import { TraceReader } from '../../src/trace/reader.js';
import { FileSource } from '../../src/trace/node/file-source.js';
import { Direction } from '../../src/trace/types.js';
import { VCmd } from '../../src/protocol/vtest.js';
import { nativeAvailable, nativeUnavailableReason } from '../../src/server/native/addon.js';

const dir = mkdtempSync(join(tmpdir(), 'vwg-rec3-'));
let xvfb: { display: string; proc: Proc };
let server: Proc;

describe.skipIf(!nativeAvailable())(`serve --record of glxgears at protocol v3 ${nativeAvailable() ? '' : `(skipped: ${nativeUnavailableReason()})`}`, () => {
  beforeAll(async () => {
    xvfb = await startXvfb();
    const sock = tempSocket('rec3.sock');
    server = await startOurServer(sock, ['--record', dir]);
    await runClient('glxgears', [], mesaClientEnv(xvfb.display, sock), 3);
    await waitFor(() => server.output().includes('recorded'), 'the recording to close');
  });

  afterAll(async () => {
    await server?.stop();
    await xvfb?.proc.stop();
  });

  it('keeps the shared-memory bytes in the trace: client uploads, and the frames the server wrote', () => {
    const src = new FileSource(join(dir, 'client-1.vtrace'));
    const r = new TraceReader(src);
    expect(r.finalized).toBe(true);
    expect(r.info.protocolVersion).toBe(3);
    expect(r.formatVersion.minor).toBe(1);
    let uploads = 0;
    let written = 0;
    let blobs = 0;
    for (const rec of r.messages()) {
      if (rec.kind !== 'shm') {
        if (rec.direction === Direction.ClientToServer && rec.vcmd === VCmd.RESOURCE_CREATE_BLOB) blobs++;
        continue;
      }
      if (rec.direction === Direction.ClientToServer) uploads++;
      else written++;
    }
    const counts = JSON.stringify({ blobs, uploads, written, frames: r.frames.length });
    expect(blobs, counts).toBeGreaterThan(0); // v3 caps claim ARB_BUFFER_STORAGE: Mesa's upload buffer is a blob
    expect(uploads, counts).toBeGreaterThan(0); // what glxgears wrote into it, recorded before the submits reading it
    expect(r.frames.length, counts).toBeGreaterThan(3);
    expect(written, counts).toBe(r.frames.length);
    src.close();
  });

  it('replay --compare reproduces every frame', async () => {
    const replay = start(process.execPath, [CLI, 'replay', join(dir, 'client-1.vtrace'), '--out', join(dir, 'replay'), '--compare']);
    const code = await replay.exited;
    expect(replay.output()).toMatch(/(\d+) frames: \1 passed, 0 failed/);
    expect(code).toBe(0);
  });
});
