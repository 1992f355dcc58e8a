// Bad input, table-driven: every virgl command (and every object type of CREATE_OBJECT) with a length
// its layout forbids and with a length that runs past the buffer; then semantic errors (unknown
// handles, out-of-range enums and formats, boxes and ranges outside resources, bad shader text) and
// vtest framing errors, each through a real socket. The context gets an error state with a logged
// reason (or the client is disconnected, for framing/protocol errors), no exception escapes, and
// other clients keep working.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  VIRGL_COMMAND_LAYOUTS, VIRGL_MAX_COMMANDS, VIRGL_MAX_OBJECTS, VIRGL_OBJECT_LAYOUTS, VirglCmd, VirglObjectType,
  virglCmdName, virglObjectName, type LengthRule,
} from '../../src/protocol/virgl-commands.js';
import { VCMD_LAYOUT, VCmd } from '../../src/protocol/vtest.js';
import { GlContext } from '../../src/gl-backend/context.js';
import type { Logger } from '../../src/server/renderer.js';
import { useGlDevice } from '../helpers/gl-device.js';
import { clientIdOf, rawClient, startInProcessServer, vt, type InProcessServer } from '../helpers/vtest-client.js';

/** Payload lengths the rule forbids (empty when every length is allowed). */
function badLengths(rule: LengthRule): number[] {
  switch (rule.kind) {
    case 'fixed': return [...(rule.dwords > 0 ? [rule.dwords - 1] : []), rule.dwords + 1];
    case 'oneOf': { const lo = Math.min(...rule.dwords); return [...(lo > 0 ? [lo - 1] : []), Math.max(...rule.dwords) + 1]; }
    case 'min': return rule.min > 0 ? [rule.min - 1] : [];
    case 'array': {
      const out: number[] = [];
      if (rule.base > 0) out.push(rule.base - 1);
      if (rule.stride > 1) out.push(rule.base + 1);
      if (rule.maxCount !== undefined) out.push(rule.base + rule.stride * (rule.maxCount + 1));
      return out;
    }
    case 'any': case 'perObject': return [];
    case 'never': return [0, 3];
  }
}

/** One allowed length (for the "runs past the buffer" case). */
function goodLength(rule: LengthRule): number {
  switch (rule.kind) {
    case 'fixed': return rule.dwords;
    case 'oneOf': return rule.dwords[0]!;
    case 'min': return rule.min;
    case 'array': return rule.base + rule.stride * (rule.minCount ?? 0);
    default: return 2;
  }
}

const quietLog = (): Logger & { lines: string[] } => {
  const lines: string[] = [];
  return { lines, info: () => {}, warn: (m) => lines.push(m), error: (m) => lines.push(m) };
};

describe('virgl stream: lengths of every command, table-driven', () => {
  const fx = useGlDevice();
  const cases: { name: string; words: number[]; expect: RegExp }[] = [];
  const prelude = [VirglCmd.CREATE_SUB_CTX | (1 << 16), 1, VirglCmd.SET_SUB_CTX | (1 << 16), 1];
  for (let c = 0; c < VIRGL_MAX_COMMANDS; c++) {
    const rule = VIRGL_COMMAND_LAYOUTS[c as VirglCmd].length;
    const rules: [string, number, LengthRule][] = rule.kind === 'perObject'
      ? Array.from({ length: VIRGL_MAX_OBJECTS }, (_, o) => [`${virglCmdName(c)} ${virglObjectName(o)}`, o,
        (VIRGL_OBJECT_LAYOUTS as Record<number, { create: LengthRule } | undefined>)[o]?.create ?? { kind: 'never' }] as [string, number, LengthRule])
      : [[virglCmdName(c), 0, rule]];
    for (const [name, obj, r] of rules) {
      for (const len of badLengths(r)) {
        cases.push({ name: `${name}, ${len} dwords`, words: [c | (obj << 8) | (len << 16), ...new Array<number>(len).fill(1)], expect: /does not match its layout/ });
      }
      const len = goodLength(r);
      if (len > 0) {
        cases.push({ name: `${name}, ${len} dwords announced, ${len - 1} present`,
          words: [c | (obj << 8) | (len << 16), ...new Array<number>(len - 1).fill(1)], expect: /runs past the end/ });
      }
    }
  }
  cases.push({ name: 'unknown command 200', words: [200], expect: /unknown command 200/ });
  cases.push({ name: 'unknown object type 40', words: [VirglCmd.CREATE_OBJECT | (40 << 8) | (1 << 16), 1], expect: /does not match its layout/ });

  it(`puts the context in its error state with a reason for each of ${cases.length} malformed commands`, () => {
    expect(cases.length).toBeGreaterThan(100);
    const wrong: string[] = [];
    for (const k of cases) {
      const log = quietLog();
      const ctx = new GlContext('table', log, {}, fx.dev);
      ctx.submit(new Uint32Array([...prelude, ...k.words]));
      if (!k.expect.test(ctx.errorState ?? '') || !/context error/.test(log.lines.join('\n'))) wrong.push(`${k.name}: ${ctx.errorState}`);
      ctx.submit(new Uint32Array(prelude)); // refused, not thrown
      ctx.destroy();
    }
    expect(wrong).toEqual([]);
  });
});

describe('semantic errors and vtest framing through a real socket', () => {
  let srv: InProcessServer;
  beforeAll(async () => { srv = await startInProcessServer(); });
  afterAll(async () => { await srv?.close(); });

  const sub = [VirglCmd.CREATE_SUB_CTX | (1 << 16), 1, VirglCmd.SET_SUB_CTX | (1 << 16), 1];
  const obj = (type: VirglObjectType, payload: number[]): number[] => [VirglCmd.CREATE_OBJECT | (type << 8) | (payload.length << 16), ...payload];
  const shader = (text: string, declaredBytes?: number): number[] => {
    const bytes = new TextEncoder().encode(`${text}\0`);
    const dw = new Uint32Array(Math.ceil(bytes.length / 4));
    new Uint8Array(dw.buffer).set(bytes);
    return obj(VirglObjectType.SHADER, [1, 1, declaredBytes ?? bytes.length, 300, 0, ...dw]);
  };
  // Resource 1: 16x16 RGBA texture; resource 2: 256-byte buffer.
  const virglCases: [string, number[]][] = [
    ['unknown object handle bound', [...sub, VirglCmd.BIND_OBJECT | (VirglObjectType.BLEND << 8) | (1 << 16), 77]],
    ['sampler view on an unknown resource', [...sub, ...obj(VirglObjectType.SAMPLER_VIEW, [5, 99, 1, 0, 0, 0])]],
    ['surface with an out-of-range format, drawn to', [...sub, ...obj(VirglObjectType.SURFACE, [5, 1, 0xffff, 0, 0]),
      VirglCmd.SET_FRAMEBUFFER_STATE | (3 << 16), 1, 0, 5, VirglCmd.CLEAR | (8 << 16), 4, 0, 0, 0, 0, 0, 0, 0]],
    ['surface on a level past the end', [...sub, ...obj(VirglObjectType.SURFACE, [5, 1, 1, 9, 0]),
      VirglCmd.SET_FRAMEBUFFER_STATE | (3 << 16), 1, 0, 5, VirglCmd.CLEAR | (8 << 16), 4, 0, 0, 0, 0, 0, 0, 0]],
    ['shader of an out-of-range stage', [...sub, ...obj(VirglObjectType.SHADER, [1, 9, 8, 300, 0, 0x47415246, 0])]],
    ['unparsable shader text, drawn with', [...sub, ...shader('FRAG\nDCL IN[0]]]] garbage\n  0: FOO OUT[99999999999]\n'),
      VirglCmd.BIND_SHADER | (2 << 16), 1, 1, ...obj(VirglObjectType.SURFACE, [5, 1, 1, 0, 0]),
      VirglCmd.SET_FRAMEBUFFER_STATE | (3 << 16), 1, 0, 5, VirglCmd.DRAW_VBO | (12 << 16), 0, 3, 4, 0, 1, 0, 0, 0, 0, 0, 2, 0]],
    ['huge shader text', [...sub, ...shader('FRAG\n', 0x7fffffff)]],
    ['copy region with a box outside the resource', [...sub, VirglCmd.RESOURCE_COPY_REGION | (13 << 16), 1, 0, 10, 10, 0, 1, 0, 0, 0, 0, 16, 16, 1]],
    ['copy region from a layer past the end', [...sub, VirglCmd.RESOURCE_COPY_REGION | (13 << 16), 1, 0, 0, 0, 0, 1, 0, 0, 0, 5, 4, 4, 1]],
    ['blit from a level past the end', [...sub, VirglCmd.BLIT | (21 << 16), 0, 0, 0, 1, 0, 1, 0, 0, 0, 16, 16, 1, 1, 7, 1, 0, 0, 0, 16, 16, 1]],
    ['inline write outside the buffer', [...sub, VirglCmd.RESOURCE_INLINE_WRITE | (13 << 16), 2, 0, 0, 0, 0, 250, 0, 0, 64, 1, 1, 0xdeadbeef]],
    ['index range past the index buffer', [...sub, VirglCmd.SET_INDEX_BUFFER | (3 << 16), 2, 4, 0,
      VirglCmd.DRAW_VBO | (12 << 16), 0, 1_000_000, 4, 1, 1, 0, 0, 0, 0, 0, 0xffffffff, 0]],
    ['vertex buffer on an unknown resource, drawn from', [...sub, VirglCmd.SET_VERTEX_BUFFERS | (3 << 16), 16, 0, 99,
      ...obj(VirglObjectType.SURFACE, [5, 1, 1, 0, 0]), VirglCmd.SET_FRAMEBUFFER_STATE | (3 << 16), 1, 0, 5,
      VirglCmd.DRAW_VBO | (12 << 16), 0, 3, 4, 0, 1, 0, 0, 0, 0, 0, 2, 0]],
    ['vertex element naming buffer 40 (of 32)', [...sub, ...obj(VirglObjectType.VERTEX_ELEMENTS, [1, 0, 0, 40, 31])]],
    ['draw of 2^32-1 vertices', [...sub, VirglCmd.DRAW_VBO | (12 << 16), 0, 0xffffffff, 4, 0, 1, 0, 0, 0, 0, 0, 0xffffffff, 0]],
    ['query of an unknown handle', [...sub, VirglCmd.BEGIN_QUERY | (1 << 16), 55]],
    ['unknown sub-context', [VirglCmd.SET_SUB_CTX | (1 << 16), 42]],
    ['out-of-range shader stage in SET_SAMPLER_VIEWS', [...sub, VirglCmd.SET_SAMPLER_VIEWS | (3 << 16), 99, 0, 0]],
  ];

  it.each(virglCases)('%s: a logged context error, the client stays connected', async (name, words) => {
    const c = await rawClient(srv.socketPath);
    const cname = `sem-${name.replace(/[^a-z]/g, '-')}`;
    vt.createRenderer(c, cname);
    const id = await clientIdOf(srv, cname);
    vt.texture(c, 1, 16, 16);
    vt.buffer(c, 2, 256);
    vt.submit(c, words);
    expect(await vt.ping(c)).toBe(true);
    const log = srv.clientLog(id).join('\n');
    expect(log).toMatch(/context error: |TRANSFER_GET: /);
    expect(log).not.toMatch(/internal error/);
    c.s.destroy();
  });

  const framingCases: [string, (c: Awaited<ReturnType<typeof rawClient>>) => void, RegExp][] = [
    ['unknown vtest command', (c) => { vt.createRenderer(c, 'f1'); c.send([0, 99]); }, /unknown vtest command id 99/],
    ['command before CREATE_RENDERER', (c) => c.send([1, VCmd.RESOURCE_UNREF, 1]), /RESOURCE_UNREF before CREATE_RENDERER/],
    ['second CREATE_RENDERER', (c) => { vt.createRenderer(c, 'f2'); vt.createRenderer(c, 'f2b'); }, /second CREATE_RENDERER/],
    ['giant length', (c) => { vt.createRenderer(c, 'f3'); c.send([0x40000000, VCmd.SUBMIT_CMD]); }, /exceeds the \d+-byte/],
    ['giant TRANSFER_PUT data size', (c) => { vt.createRenderer(c, 'f4'); c.send([11, VCmd.TRANSFER_PUT, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0xfffffff0]); }, /exceeds the \d+-byte limit/],
    ['fixed-size command with a wrong length', (c) => { vt.createRenderer(c, 'f5'); c.send([3, VCmd.RESOURCE_UNREF, 1, 2, 3]); }, /payload is 12 bytes, expected 4/],
    ['TRANSFER_GET past the readback limit', (c) => { vt.createRenderer(c, 'f6'); c.send([11, VCmd.TRANSFER_GET, 1, 0, 0, 0, 0, 0, 0, 1, 1, 1, 0xfffffff0]); }, /readback limit/],
    ['v3 command at version 0', (c) => { vt.createRenderer(c, 'f7'); c.send([VCMD_LAYOUT[VCmd.SYNC_UNREF].payloadDwords, VCmd.SYNC_UNREF, 1, 0, 0, 0].slice(0, 2 + VCMD_LAYOUT[VCmd.SYNC_UNREF].payloadDwords)); }, /needs protocol version 3/],
  ];

  it.each(framingCases)('%s: the client is disconnected with a logged reason', async (_n, act, reason) => {
    const c = await rawClient(srv.socketPath);
    act(c);
    await Promise.race([c.closed, new Promise((_r, j) => setTimeout(() => j(new Error('not disconnected')), 5000))]);
    await srv.waitForLog(new RegExp(`disconnecting: .*${reason.source}`));
  });

  it('truncated headers and data are waited for, not misread; the client can leave at any point', async () => {
    const c = await rawClient(srv.socketPath);
    vt.createRenderer(c, 'trunc');
    const id = await clientIdOf(srv, 'trunc');
    c.s.write(Buffer.from([11, 0, 0])); // 3 bytes of a header
    await new Promise((r) => setTimeout(r, 50));
    vt.texture(c, 1, 4, 4); // completes nothing sensible: the stream is now misaligned garbage
    c.s.end();
    await c.closed;
    expect(srv.clientLog(id).join('\n')).not.toMatch(/internal error/);
  });

  it('TRANSFER sizes that do not match the box are context errors, and a short GET still gets data_size bytes', async () => {
    const c = await rawClient(srv.socketPath);
    vt.createRenderer(c, 'sizes');
    const id = await clientIdOf(srv, 'sizes');
    vt.texture(c, 1, 16, 16);
    c.send([11, VCmd.TRANSFER_PUT, 1, 0, 64, 0, 0, 0, 0, 16, 16, 1, 100], new Uint8Array(100)); // box needs 1024
    c.send([11, VCmd.TRANSFER_GET, 1, 0, 64, 0, 0, 0, 0, 16, 16, 1, 10]);
    expect((await c.read(10)).length).toBe(10);
    c.send([11, VCmd.TRANSFER_GET, 1, 3, 64, 0, 0, 0, 0, 16, 16, 1, 1024]); // level 3 does not exist
    expect((await c.read(1024)).every((x) => x === 0)).toBe(true);
    expect(await vt.ping(c)).toBe(true);
    expect(srv.clientLog(id).join('\n')).toMatch(/context error|TRANSFER_GET: /);
    c.s.destroy();
  });

  it('after all of that, a well-behaved client is served and nothing leaked an exception', async () => {
    const c = await rawClient(srv.socketPath);
    vt.createRenderer(c, 'good');
    vt.texture(c, 1, 4, 4);
    const px = Uint8Array.from({ length: 64 }, (_, i) => 255 - i);
    vt.put(c, 1, 4, 4, px);
    expect([...await vt.get(c, 1, 4, 4)]).toEqual([...px]);
    expect(srv.lines.join('\n')).not.toMatch(/internal error/);
    c.s.destroy();
  });
});
