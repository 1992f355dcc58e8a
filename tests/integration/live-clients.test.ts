// Real Mesa demo clients (virpipe under Xvfb) against our server: they keep running, the server
// stays up and serves others; and, once the GL backend draws, no context errors and the same
// window pixels as virglrenderer's virgl_test_server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  mesaClientEnv, runClient, start, startOurServer, startReferenceServer, startXvfb, tempSocket, type Proc,
} from '../helpers/processes.js';
import { captureClient as captureWindowOf, compareCaptures, solidImage } from '../helpers/xwd.js';
import type { RgbaImage } from '../../src/trace/compare.js';

const CLIENTS = ['glxgears', 'es2gears_x11', 'es2tri', 'glxdemo'] as const;
/** The ones that draw the same frame over and over, so two runs can be compared pixel for pixel. */
const STATIC_CLIENTS = ['es2tri', 'glxdemo'] as const;
const RUN_SECONDS = 3;
/** Time for a static client to draw its frame after its window appears. */
const SETTLE_MS = 2000;

let xvfb: { display: string; proc: Proc };
let ours: Proc;
let oursSock: string;
let reference: Proc;
let refSock: string;

beforeAll(async () => {
  xvfb = await startXvfb();
  oursSock = tempSocket('ours.sock');
  refSock = tempSocket('ref.sock');
  [ours, reference] = await Promise.all([startOurServer(oursSock), startReferenceServer(refSock)]);
});

afterAll(async () => {
  await Promise.all([ours?.stop(), reference?.stop()]);
  await xvfb?.proc.stop();
});

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));
const serverUp = (p: Proc): boolean => p.child.exitCode === null && p.child.signalCode === null;

export interface ClientRun {
  /** Still running when its time was up (these demos only stop when told to). */
  aliveAtEnd: boolean;
  code: number | null;
  output: string;
  /** What our server logged while the client ran. */
  serverLog: string;
}

/** Runs `cmd` against `sock` for `seconds`, then stops it. */
export async function runFor(cmd: string, sock: string, seconds: number): Promise<ClientRun> {
  const logStart = ours.output().length;
  const client = start(cmd, [], mesaClientEnv(xvfb.display, sock));
  await Promise.race([client.exited, sleep(seconds * 1000)]);
  const aliveAtEnd = client.child.exitCode === null && client.child.signalCode === null;
  const code = await client.stop();
  await sleep(200); // the server logs the disconnect after the socket closes
  return { aliveAtEnd, code, output: client.output(), serverLog: ours.output().slice(logStart) };
}

/** Log lines that mean our server rejected something the client sent. */
export function errorLines(serverLog: string): string[] {
  return serverLog.split('\n').filter((l) => /context error:|disconnecting:/.test(l));
}

/** Starts `cmd` against `sock`, captures its window once it has drawn, then stops it. */
export function captureClient(cmd: string, sock: string): Promise<RgbaImage> {
  return captureWindowOf(xvfb.display, cmd, sock, SETTLE_MS);
}

describe('live clients against our server: they run and the server stays up', () => {
  for (const cmd of CLIENTS) {
    it(`${cmd} runs for ${RUN_SECONDS} s and the server serves the next client`, async () => {
      const r = await runFor(cmd, oursSock, RUN_SECONDS);
      expect(r.aliveAtEnd, `${cmd} exited early (${r.code}):\n${r.output.slice(-2000)}`).toBe(true);
      expect(r.serverLog, 'the client never reached our server').toMatch(/\] connected/);
      expect(serverUp(ours), `our server died:\n${ours.output().slice(-2000)}`).toBe(true);
      const next = await runClient('es2_info', [], mesaClientEnv(xvfb.display, oursSock), 30);
      expect(next.output).toMatch(/GL_RENDERER: virgl \(virgl-webgpu /);
    });
  }
});

describe('window captures: the comparison itself (virgl_test_server against itself)', () => {
  for (const cmd of STATIC_CLIENTS) {
    it(`${cmd}: two virgl_test_server runs match, a blank window does not`, async () => {
      const first = await captureClient(cmd, refSock);
      const second = await captureClient(cmd, refSock);
      const same = compareCaptures(`selfcheck-${cmd}`, second, first);
      expect(same.pass, same.summary).toBe(true);
      const blank = solidImage(first.width, first.height, [0, 0, 0, 255]);
      const different = compareCaptures(`selfcheck-${cmd}-blank`, blank, first);
      expect(different.pass, different.summary).toBe(false);
    });
  }
});

describe('live clients: rendering like virglrenderer', () => {
  for (const cmd of CLIENTS) {
    it(`${cmd}: no context error or disconnect in our server's log`, async () => {
      const r = await runFor(cmd, oursSock, RUN_SECONDS);
      expect(r.serverLog).toMatch(/created its context/);
      expect(errorLines(r.serverLog)).toEqual([]);
    });
  }
  for (const cmd of STATIC_CLIENTS) {
    it(`${cmd}: the window matches virgl_test_server's`, async () => {
      const expected = await captureClient(cmd, refSock);
      const actual = await captureClient(cmd, oursSock);
      const r = compareCaptures(cmd, actual, expected);
      expect(r.pass, `${r.summary} (PNGs in out/live/)`).toBe(true);
    });
  }
});
