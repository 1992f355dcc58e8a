// Fuzz inputs: mutated trace streams and structure-aware generated vtest/virgl streams.
import { LengthUnit, TRANSFER_DATA_SIZE, VCMD_LAYOUT, VCMD_MAX, VCmd } from '../protocol/vtest.js';
import {
  VIRGL_COMMAND_LAYOUTS, VIRGL_MAX_COMMANDS, VIRGL_MAX_OBJECTS, VIRGL_OBJECT_LAYOUTS, VirglCmd, VirglObjectType,
  type LengthRule,
} from '../protocol/virgl-commands.js';
import { concat, type Corpus } from './corpus.js';
import type { Prng } from './prng.js';

export const BOUNDARY = [0, 1, 0x7fffffff, 0x80000000, 0xffffffff, 0xffff, 0x10000] as const;

export interface FuzzInput {
  kind: 'mutate' | 'generate';
  /** Short human description (trace name, mutations applied). */
  desc: string;
  bytes: Uint8Array;
}

/**
 * Splits a vtest stream into commands the way the server frames them; whatever cannot be framed
 * (unknown id, truncated tail) becomes one final chunk.
 */
export function splitCommands(bytes: Uint8Array): Uint8Array[] {
  const out: Uint8Array[] = [];
  const dv = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  let o = 0;
  while (o < bytes.length) {
    if (bytes.length - o < 8) break;
    const len = dv.getUint32(o, true);
    const id = dv.getUint32(o + 4, true);
    if (id < 1 || id > VCMD_MAX) break;
    const layout = VCMD_LAYOUT[id as VCmd];
    let total: number;
    if (layout.unit === LengthUnit.Bytes) total = 8 + len;
    else if (layout.unit === LengthUnit.Dwords) total = 8 + len * 4;
    else {
      total = 8 + layout.payloadDwords * 4;
      if (id === VCmd.TRANSFER_PUT) {
        if (bytes.length - o < total) break;
        total += dv.getUint32(o + 8 + TRANSFER_DATA_SIZE * 4, true);
      }
    }
    if (o + total > bytes.length) break;
    out.push(bytes.subarray(o, o + total));
    o += total;
  }
  if (o < bytes.length) out.push(bytes.subarray(o));
  return out;
}

// ---------------------------------------------------------------------------------------------
// Mutation

function streamOf(corpus: Corpus, rng: Prng): { name: string; cmds: Uint8Array[] } {
  const s = rng.pick(corpus.streams);
  // Often a prefix: shorter inputs run faster and still reach the interesting early commands.
  const n = rng.chance(0.5) ? rng.range(1, s.commands.length) : s.commands.length;
  return { name: s.name, cmds: s.commands.slice(0, n) };
}

function mutateOnce(b: Uint8Array, corpus: Corpus, rng: Prng): { bytes: Uint8Array; what: string } {
  const op = rng.int(7);
  if (b.length < 8 && op !== 4) return { bytes: b, what: 'noop' };
  switch (op) {
    case 0: { // bit flips
      const out = b.slice();
      const n = rng.range(1, 8);
      for (let i = 0; i < n; i++) { const at = rng.int(out.length); out[at]! ^= 1 << rng.int(8); }
      return { bytes: out, what: `flip${n}` };
    }
    case 1: case 2: { // dword replacement with a boundary value (aligned, since commands are dword-aligned mostly)
      const out = b.slice();
      const at = rng.chance(0.8) ? rng.int(out.length >> 2) * 4 : rng.int(Math.max(1, out.length - 3));
      const v = rng.chance(0.8) ? rng.pick(BOUNDARY) : rng.u32();
      new DataView(out.buffer).setUint32(Math.min(at, out.length - 4), v, true);
      return { bytes: out, what: `dword@${at}=${v.toString(16)}` };
    }
    case 3: { // truncation
      const at = rng.int(b.length);
      return { bytes: b.slice(0, at), what: `trunc@${at}` };
    }
    case 4: { // splice with another stream
      const other = streamOf(corpus, rng).cmds;
      const cmds = splitCommands(b);
      const cut = rng.int(cmds.length + 1);
      const from = rng.int(other.length);
      return { bytes: concat([...cmds.slice(0, cut), ...other.slice(from)]), what: `splice@${cut}` };
    }
    case 5: { // duplicate a command
      const cmds = splitCommands(b);
      const i = rng.int(cmds.length);
      const times = rng.range(1, 4);
      const dup = Array.from({ length: times }, () => cmds[i]!);
      return { bytes: concat([...cmds.slice(0, i + 1), ...dup, ...cmds.slice(i + 1)]), what: `dup${i}x${times}` };
    }
    default: { // drop or swap commands
      const cmds = splitCommands(b);
      if (cmds.length < 2) return { bytes: b, what: 'noop' };
      const i = rng.int(cmds.length), j = rng.int(cmds.length);
      if (rng.chance(0.5)) { cmds.splice(i, 1); return { bytes: concat(cmds), what: `drop${i}` }; }
      [cmds[i], cmds[j]] = [cmds[j]!, cmds[i]!];
      return { bytes: concat(cmds), what: `swap${i},${j}` };
    }
  }
}

export function mutationInput(corpus: Corpus, rng: Prng): FuzzInput {
  const s = streamOf(corpus, rng);
  let bytes = concat(s.cmds);
  const whats: string[] = [];
  const n = rng.range(1, 4);
  for (let i = 0; i < n; i++) {
    const m = mutateOnce(bytes, corpus, rng);
    bytes = m.bytes;
    whats.push(m.what);
  }
  return { kind: 'mutate', desc: `${s.name}[${s.cmds.length}] ${whats.join(' ')}`, bytes };
}

// ---------------------------------------------------------------------------------------------
// Generation

const F32 = (x: number): number => { const f = new Float32Array([x]); return new Uint32Array(f.buffer)[0]!; };
const FLOATS = [F32(0), F32(1), F32(-1), F32(0.5), F32(1e30), F32(NaN), F32(Infinity), F32(-Infinity)];
/** Formats worth hitting often: common colour/depth formats and out-of-range ones. */
const FORMATS = [0, 1, 2, 4, 16, 19, 31, 64, 67, 71, 121, 140, 190, 300, 0xffff, 0xffffffff];

function field(rng: Prng): number {
  const r = rng.int(10);
  if (r < 3) return rng.range(0, 8); // small ints: handles, enums, counts
  if (r < 5) return rng.pick(BOUNDARY);
  if (r < 7) return rng.pick(FLOATS);
  if (r < 8) return rng.range(0, 300);
  return rng.u32();
}

function lengthFor(rule: LengthRule, rng: Prng): number {
  switch (rule.kind) {
    case 'fixed': return rule.dwords;
    case 'oneOf': return rng.pick(rule.dwords);
    case 'min': return rule.min + rng.int(10);
    case 'array': {
      const lo = rule.minCount ?? 0, hi = rule.maxCount ?? 16;
      return rule.base + rule.stride * rng.range(lo, hi);
    }
    case 'any': return rng.int(8);
    case 'perObject': return 0; // handled by the caller
    case 'never': return rng.int(12);
  }
}

function mutateTgsi(text: string, rng: Prng): string {
  let t = text;
  const n = rng.range(0, 4);
  for (let i = 0; i < n; i++) {
    const at = rng.int(t.length + 1);
    switch (rng.int(8)) {
      case 0: t = t.slice(0, at) + t.slice(at + rng.range(1, 20)); break; // delete
      case 1: t = t.slice(0, at) + String.fromCharCode(rng.range(0, 127)) + t.slice(at); break; // insert a char
      case 2: t = t.slice(0, at) + rng.pick(['[', ']', ',', '.', 'xyzw', '-', '|', '99999999999', '4294967296', '-1', ' ', '\n', '\0', 'TEMP[', 'IMM[', 'CONST[1000000][', 'END']) + t.slice(at); break;
      case 3: t = t.replace(/\d+/g, (m) => (rng.chance(0.15) ? String(rng.pick([0, 1, 255, 4096, 65535, 65536, 2147483647, 4294967295])) : m)); break;
      case 4: { const lines = t.split('\n'); const l = rng.int(lines.length); lines.splice(l, 0, lines[rng.int(lines.length)] ?? ''); t = lines.join('\n'); break; } // duplicate line
      case 5: { const lines = t.split('\n'); lines.splice(rng.int(lines.length), 1); t = lines.join('\n'); break; } // drop line
      case 6: t = t.replace(/\b(MOV|ADD|MUL|MAD|TEX|DP4|DP3|LRP|RSQ|IF|ENDIF|LOOP|ENDLOOP|BRK|CONT)\b/, () => rng.pick(['IF', 'ELSE', 'ENDIF', 'BGNLOOP', 'ENDLOOP', 'BRK', 'RET', 'CAL', 'TXQ', 'DDX', 'UIF', 'SWITCH', 'CASE', 'ENDSWITCH', 'KILL', 'BARRIER', 'LOAD', 'STORE', 'ATOMUADD', 'FOO'])); break;
      default: t = t.replace(/(IN|OUT|TEMP|CONST|SAMP|IMM|SVIEW)\[(\d+)/, (_m, f: string) => `${rng.pick(['IN', 'OUT', 'TEMP', 'CONST', 'SAMP', 'IMM', 'SVIEW', 'BUFFER', 'IMAGE', 'ADDR'])}[${rng.pick([0, 1, 31, 32, 4095, 65535, 2147483647])}`.replace(/^/, f === '' ? '' : '')); break;
    }
  }
  return t;
}

function shaderPacket(corpus: Corpus, rng: Prng, handle: number): Uint32Array {
  const text = mutateTgsi(rng.pick(corpus.shaders), rng);
  const bytes = new TextEncoder().encode(text + '\0');
  const dwords = new Uint32Array(Math.ceil(bytes.length / 4));
  new Uint8Array(dwords.buffer).set(bytes);
  const head = text.startsWith('VERT') ? 0 : text.startsWith('FRAG') ? 1 : text.startsWith('GEOM') ? 2 : text.startsWith('COMP') ? 5 : rng.int(6);
  const type = rng.chance(0.9) ? head : rng.pick([3, 4, 6, 0xffffffff]);
  const offset = rng.chance(0.9) ? bytes.length : rng.pick(BOUNDARY);
  const numTokens = rng.chance(0.8) ? 300 : rng.pick(BOUNDARY);
  const len = Math.min(5 + dwords.length, 0xffff);
  const out = new Uint32Array(1 + len);
  out[0] = VirglCmd.CREATE_OBJECT | (VirglObjectType.SHADER << 8) | (len << 16);
  out.set([handle, type, offset, numTokens, 0], 1);
  out.set(dwords.subarray(0, len - 5), 6);
  return out;
}

/** Fields past this many in a packet are a copy of the first ones (cheap to make, still arbitrary). */
const RANDOM_FIELDS = 64;

function virglPacket(corpus: Corpus, rng: Prng): Uint32Array {
  const r = rng.int(20);
  if (r === 0) return shaderPacket(corpus, rng, rng.range(1, 8));
  // Mostly real commands, some unknown ids.
  const cmd = rng.chance(0.95) ? rng.int(VIRGL_MAX_COMMANDS) : rng.range(VIRGL_MAX_COMMANDS, 255);
  let obj = 0;
  let len: number;
  const layout = VIRGL_COMMAND_LAYOUTS[cmd as VirglCmd];
  if (cmd === VirglCmd.CREATE_OBJECT || cmd === VirglCmd.BIND_OBJECT || cmd === VirglCmd.DESTROY_OBJECT) {
    obj = rng.chance(0.95) ? rng.int(VIRGL_MAX_OBJECTS) : rng.range(VIRGL_MAX_OBJECTS, 255);
  }
  if (cmd === VirglCmd.CREATE_OBJECT && obj === VirglObjectType.SHADER && rng.chance(0.7)) return shaderPacket(corpus, rng, rng.range(1, 8));
  if (layout === undefined || rng.chance(0.08)) len = rng.chance(0.5) ? rng.int(32) : rng.pick([0xffff, 0xfffe, 1000]);
  else if (layout.length.kind === 'perObject') {
    const ol = VIRGL_OBJECT_LAYOUTS[obj as VirglObjectType];
    len = ol ? lengthFor(ol.create, rng) : rng.int(16);
  } else len = lengthFor(layout.length, rng);
  len = Math.min(len, 0xffff);
  const out = new Uint32Array(1 + len);
  out[0] = (cmd & 0xff) | (obj << 8) | (len << 16);
  const random = Math.min(len, RANDOM_FIELDS);
  // Fewer wild values past the first: most fields stay small so decoding goes deeper.
  for (let i = 0; i < random; i++) out[1 + i] = i > 0 && rng.chance(0.4) ? rng.range(0, 4) : field(rng);
  if (len > 0 && rng.chance(0.8)) out[1] = rng.range(1, 4); // dword 1 is usually a handle
  for (let i = random; i < len; i += random) out.copyWithin(1 + i, 1, 1 + Math.min(random, len - i));
  return out;
}

function vtestCmd(id: number, payload: ArrayLike<number>, lenOverride?: number): Uint8Array {
  const w = new Uint32Array(2 + payload.length);
  w[0] = lenOverride ?? payload.length;
  w[1] = id;
  w.set(payload, 2);
  return new Uint8Array(w.buffer);
}

function boxValue(rng: Prng, sensible: number): number {
  return rng.chance(0.8) ? sensible : rng.chance(0.5) ? rng.pick(BOUNDARY) : rng.range(0, 4096);
}

export function handshake(rng: Prng | null, name = 'fuzz'): Uint8Array[] {
  const nameBytes = new TextEncoder().encode(name + '\0');
  const cr = new Uint8Array(8 + nameBytes.length);
  new DataView(cr.buffer).setUint32(0, nameBytes.length, true);
  new DataView(cr.buffer).setUint32(4, VCmd.CREATE_RENDERER, true);
  cr.set(nameBytes, 8);
  const out = [cr, vtestCmd(VCmd.PING_PROTOCOL_VERSION, [])];
  if (rng) {
    out.push(vtestCmd(VCmd.PROTOCOL_VERSION, [rng.chance(0.7) ? rng.pick([0, 1]) : rng.pick([2, 3, 4, 0xffffffff])]));
    out.push(vtestCmd(rng.chance(0.5) ? VCmd.GET_CAPS2 : VCmd.GET_CAPS, []));
  }
  return out;
}

function vtestGenerated(corpus: Corpus, rng: Prng): Uint8Array {
  const handle = rng.chance(0.85) ? rng.range(1, 4) : rng.pick(BOUNDARY);
  switch (rng.int(8)) {
    case 0: case 1: { // RESOURCE_CREATE: target, format, bind, w, h, d, array, last_level, samples
      const target = rng.chance(0.7) ? rng.pick([0, 2, 2, 2, 3, 4, 5, 6]) : rng.pick(BOUNDARY);
      return vtestCmd(VCmd.RESOURCE_CREATE, [rng.chance(0.8) ? rng.range(4, 8) : handle, target, rng.pick(FORMATS), rng.pick([0, 2, 8, 0x10, 0x20, 0x40000, 0xffffffff]),
        boxValue(rng, rng.range(1, 128)), boxValue(rng, rng.range(1, 128)), boxValue(rng, 1), boxValue(rng, 1),
        rng.chance(0.7) ? 0 : rng.pick([1, 5, 31, 0xffffffff]), rng.chance(0.8) ? 0 : rng.pick([1, 2, 4, 0xffffffff])]);
    }
    case 2: case 3: { // TRANSFER_PUT: handle level stride layer_stride x y z w h d data_size + data
      const dataSize = rng.chance(0.7) ? rng.range(0, 4096) : rng.range(0, 65536);
      const w = boxValue(rng, rng.range(0, 32)), h = boxValue(rng, rng.range(0, 16));
      const head = vtestCmd(VCmd.TRANSFER_PUT, [handle, boxValue(rng, 0), boxValue(rng, w * 4), boxValue(rng, 0),
        boxValue(rng, 0), boxValue(rng, 0), boxValue(rng, 0), w, h, boxValue(rng, 1), dataSize],
      rng.chance(0.8) ? 11 : rng.pick(BOUNDARY));
      const data = new Uint8Array(dataSize);
      for (let i = 0; i < Math.min(dataSize, 64); i++) data[i] = rng.int(256);
      return concat([head, data]);
    }
    case 4: { // TRANSFER_GET
      const w = boxValue(rng, rng.range(0, 32)), h = boxValue(rng, rng.range(0, 16));
      const dataSize = rng.chance(0.8) ? rng.range(0, 65536) : rng.pick([0, 1, 0xffff, 0x10000, 4 * 1024 * 1024]);
      return vtestCmd(VCmd.TRANSFER_GET, [handle, boxValue(rng, 0), boxValue(rng, w * 4), boxValue(rng, 0),
        boxValue(rng, 0), boxValue(rng, 0), boxValue(rng, 0), w, h, boxValue(rng, 1), dataSize], rng.chance(0.8) ? 11 : rng.pick(BOUNDARY));
    }
    case 5: {
      const r = rng.int(4);
      if (r === 0) return vtestCmd(VCmd.RESOURCE_UNREF, [handle]);
      if (r === 1) return vtestCmd(VCmd.RESOURCE_BUSY_WAIT, [handle, rng.pick([0, 1, 0xffffffff])]);
      if (r === 2) return vtestCmd(VCmd.GET_PARAM, [field(rng)]);
      const id = rng.range(1, VCMD_MAX + 2);
      return vtestCmd(id, Array.from({ length: rng.int(12) }, () => field(rng)));
    }
    default: { // SUBMIT_CMD with a few virgl packets
      const packets: Uint32Array[] = [];
      const n = rng.range(1, 12);
      for (let i = 0; i < n; i++) packets.push(virglPacket(corpus, rng));
      const all = concat(packets.map((p) => new Uint8Array(p.buffer, p.byteOffset, p.byteLength)));
      const words = new Uint32Array(all.buffer, all.byteOffset, Math.min(all.byteLength >>> 2, 1 << 20));
      return vtestCmd(VCmd.SUBMIT_CMD, words, rng.chance(0.95) ? undefined : rng.pick(BOUNDARY));
    }
  }
}

/**
 * What Mesa does first: a sub-context, then a few valid resources (handles 1-2 textures, 3 a buffer),
 * so that later commands get past the "unknown resource" and "no sub-context" checks.
 */
function prelude(rng: Prng): Uint8Array[] {
  const out: Uint8Array[] = [];
  if (rng.chance(0.9)) {
    out.push(vtestCmd(VCmd.SUBMIT_CMD, [VirglCmd.CREATE_SUB_CTX | (1 << 16), 1, VirglCmd.SET_SUB_CTX | (1 << 16), 1]));
  }
  if (rng.chance(0.9)) {
    out.push(vtestCmd(VCmd.RESOURCE_CREATE, [1, 2, 1, 0x2 | 0x8, 64, 64, 1, 1, 0, 0]));
    out.push(vtestCmd(VCmd.RESOURCE_CREATE, [2, 2, rng.pick([1, 2, 31, 67, 71]), 0x1 | 0x2 | 0x8, 32, 16, 1, 1, rng.int(3), 0]));
    out.push(vtestCmd(VCmd.RESOURCE_CREATE, [3, 0, 64, 0x10 | 0x20 | 0x40, 65536, 1, 1, 1, 0, 0]));
  }
  return out;
}

export function generatedInput(corpus: Corpus, rng: Prng): FuzzInput {
  const parts = handshake(rng);
  parts.push(...prelude(rng));
  const n = rng.range(1, 24);
  for (let i = 0; i < n; i++) parts.push(vtestGenerated(corpus, rng));
  return { kind: 'generate', desc: `generated ${n} commands`, bytes: concat(parts) };
}

export function makeInput(corpus: Corpus, rng: Prng): FuzzInput {
  return corpus.streams.length > 0 && rng.chance(0.5) ? mutationInput(corpus, rng) : generatedInput(corpus, rng);
}
