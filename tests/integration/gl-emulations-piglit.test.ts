// GL features WebGPU lacks and the backend emulates (docs/caps.md), each checked by the piglit test
// that probes it, run as a real Mesa client (virpipe under Xvfb) against our server.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mesaClientEnv, runClient, startOurServer, startXvfb, tempSocket, type Proc } from '../helpers/processes.js';

const PIGLIT = '/usr/lib/x86_64-linux-gnu/piglit';

/** Test binary and arguments, with the emulation each one exercises. */
const CASES: readonly [string, string[], string][] = [
  ['gl-2.0-two-sided-stencil', [], 'one draw per face for per-face stencil references and masks'],
  ['gl-1.1-xor', [], 'logic op through a destination copy'],
  ['glsl-fs-pointcoord', [], 'wide points with sprite coordinates'],
  ['polygon-offset', [], 'polygon modes, wide lines and points, offset in the vertex shader'],
  ['gl-1.4-polygon-offset', [], 'polygon offset units on 24-bit depth held in float'],
  ['tex3d-depth1', [], 'CLAMP_TO_BORDER border colour'],
  ['tex-miplevel-selection', ['GL2:texture()', '1D'], 'sampler LOD bias in the shader'],
];

let xvfb: { display: string; proc: Proc };
let ours: Proc;
let sock: string;

beforeAll(async () => {
  xvfb = await startXvfb();
  sock = tempSocket('emulations.sock');
  ours = await startOurServer(sock);
});

afterAll(async () => {
  await ours?.stop();
  await xvfb?.proc.stop();
});

describe('piglit tests of emulated GL features pass through our server', () => {
  for (const [name, args, what] of CASES) {
    it(`${name}: ${what}`, async () => {
      const env = { ...mesaClientEnv(xvfb.display, sock), PIGLIT_SOURCE_DIR: PIGLIT };
      const run = await runClient(`${PIGLIT}/bin/${name}`, [...args, '-auto', '-fbo'], env, 90);
      expect(run.output).toContain('PIGLIT: {"result": "pass" }');
      expect(ours.child.exitCode).toBeNull();
    });
  }
});
