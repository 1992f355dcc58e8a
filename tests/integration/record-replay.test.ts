// record in front of virglrenderer's virgl_test_server, then read, replay and extract the trace.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  CLI, mesaClientEnv, runClient, start, startReferenceServer, startXvfb, tempSocket, waitFor, type Proc,
} from '../helpers/processes.js';
import { TraceReader } from '../../src/trace/reader.js';
import { FileSource } from '../../src/trace/node/file-source.js';
import { frameToRgba8 } from '../../src/trace/pixels.js';
import { Direction } from '../../src/trace/types.js';
import { VCmd } from '../../src/protocol/vtest.js';

let xvfb: { display: string; proc: Proc };
let reference: Proc;
const dir = mkdtempSync(join(tmpdir(), 'vwg-rec-'));
const trace = join(dir, 'glxgears.vtrace');

beforeAll(async () => {
  xvfb = await startXvfb();
  const refSock = tempSocket('ref.sock');
  reference = await startReferenceServer(refSock);
  const recSock = tempSocket('rec.sock');
  const recorder = start(process.execPath, [CLI, 'record', '--upstream', refSock, '--socket-path', recSock, '--out', trace, '--caps', 'ours', '--once']);
  await waitFor(() => recorder.output().includes('recording proxy on'), 'recorder');
  await runClient('glxgears', [], mesaClientEnv(xvfb.display, recSock), 3);
  expect(await recorder.exited).toBe(0);
});

afterAll(async () => {
  await reference?.stop();
  await xvfb?.proc.stop();
});

describe('record', () => {
  it('writes a finalized trace whose header says what the client saw', () => {
    const src = new FileSource(trace);
    const r = new TraceReader(src);
    expect(r.finalized).toBe(true);
    expect(r.info.clientName).toBe('glxgears');
    expect(r.info.protocolVersion).toBe(0);
    expect(r.info.capsSource).toBe('ours');
    expect(Buffer.from(r.info.capsV2 ?? '', 'base64').length).toBe(1408);
    expect(Buffer.from(r.info.upstreamCapsV2 ?? '', 'base64').length).toBeGreaterThan(308);
    src.close();
  });

  it('indexes frames that a reader can seek to, with golden pixels from virglrenderer', () => {
    const src = new FileSource(trace);
    const r = new TraceReader(src);
    expect(r.frames.length).toBeGreaterThan(5);
    // Walk the whole stream and check that every indexed frame is a TRANSFER_GET reply in place.
    let replies = 0;
    for (const rec of r.messages()) if (rec.kind !== 'shm' && rec.direction === Direction.ServerToClient && rec.vcmd === VCmd.TRANSFER_GET) replies++;
    expect(replies).toBeGreaterThanOrEqual(r.frames.length);
    const last = r.readFrameReply(r.frames.length - 1);
    expect(last.frame.width).toBe(300);
    const px = frameToRgba8(last.message.bytes, last.frame);
    expect(px.rgba).not.toBeNull();
    // glxgears draws red, green and blue gears on black: the golden frame is not empty.
    let red = 0;
    let green = 0;
    let blue = 0;
    for (let i = 0; i < px.rgba!.length; i += 4) {
      const [rr, gg, bb] = [px.rgba![i], px.rgba![i + 1], px.rgba![i + 2]];
      if (rr > 120 && gg < 60 && bb < 60) red++;
      if (gg > 120 && rr < 60 && bb < 60) green++;
      if (bb > 120 && rr < 60 && gg < 60) blue++;
    }
    expect(red).toBeGreaterThan(1000);
    expect(green).toBeGreaterThan(500);
    expect(blue).toBeGreaterThan(500);
    src.close();
  });
});

describe('golden and replay', () => {
  it('golden extracts every frame as PNG', async () => {
    const out = join(dir, 'golden');
    const p = start(process.execPath, [CLI, 'golden', trace, '--out', out, '--frames', '0..2']);
    expect(await p.exited).toBe(0);
    expect(readdirSync(out).sort()).toEqual(['golden-00000.png', 'golden-00001.png', 'golden-00002.png']);
  });

  it('replay renders every recorded frame like virglrenderer and writes a report', async () => {
    const out = join(dir, 'replay');
    const p = start(process.execPath, [CLI, 'replay', trace, '--out', out, '--compare', '--no-progress']);
    const code = await p.exited;
    const report = JSON.parse(readFileSync(join(out, 'report.json'), 'utf8')) as { frames: { frame: number; pass: boolean }[] };
    const r = new TraceReader(new FileSource(trace));
    expect(report.frames.map((f) => f.frame)).toEqual(r.frames.map((f) => f.index));
    expect(report.frames.every((f) => f.pass), p.output().slice(-1500)).toBe(true);
    expect(existsSync(join(out, 'report.md'))).toBe(true);
    expect(p.output()).toMatch(new RegExp(`${r.frames.length} frames: ${r.frames.length} passed, 0 failed`));
    expect(code).toBe(0);
  });
});
