// Shader objects: TGSI text that may arrive split across several CREATE_OBJECT packets.
import { VIRGL_OBJ_SHADER_OFFSET_BITS as OFF } from '../../protocol/virgl-bitfields.js';
import { virglObjShaderHdrSize } from '../../protocol/virgl-commands.js';
import { ContextError } from '../../server/renderer.js';
import { bits } from './objects.js';

/** Largest TGSI text a client may send (a per-client limit; see docs/security.md). */
export const MAX_SHADER_TEXT_BYTES = 1 << 20;

export interface ShaderObject {
  readonly kind: 'shader';
  readonly type: number;
  readonly bytes: Uint8Array;
  received: number;
  /** The whole text once every packet arrived; the translator's cache key. */
  text: string | null;
}

const decoder = new TextDecoder();

function finish(s: ShaderObject): void {
  if (s.received < s.bytes.length) return;
  const nul = s.bytes.indexOf(0);
  s.text = decoder.decode(nul < 0 ? s.bytes : s.bytes.subarray(0, nul));
}

/** The first packet: header, optional stream-output info, then the first piece of text. */
export function createShader(b: Uint32Array, at: number, len: number, maxTextBytes = MAX_SHADER_TEXT_BYTES): ShaderObject {
  const type = b[at + 2];
  const offlen = b[at + 3];
  if (type > 5) throw new ContextError(`shader type ${type} is not a Gallium stage`, at);
  if (bits(offlen, OFF.cont)) throw new ContextError('shader continuation packet without a first packet', at);
  const total = bits(offlen, OFF.value);
  const nso = type === 5 ? 0 : b[at + 5];
  const hdr = virglObjShaderHdrSize(nso);
  if (nso > 64 || hdr > len) throw new ContextError(`shader header with ${nso} stream outputs exceeds the ${len}-dword packet`, at);
  if (total > maxTextBytes) throw new ContextError(`shader text of ${total} bytes exceeds the ${maxTextBytes}-byte limit`, at);
  const s: ShaderObject = { kind: 'shader', type, bytes: new Uint8Array(total), received: 0, text: null };
  appendText(s, b, at + 1 + hdr, len - hdr, 0);
  return s;
}

/** A continuation packet for an existing shader object. */
export function continueShader(s: ShaderObject, b: Uint32Array, at: number, len: number): void {
  const offlen = b[at + 3];
  if (!bits(offlen, OFF.cont)) throw new ContextError('shader handle reused by a new first packet', at);
  appendText(s, b, at + 1 + virglObjShaderHdrSize(0), len - virglObjShaderHdrSize(0), bits(offlen, OFF.value));
}

function appendText(s: ShaderObject, b: Uint32Array, fromDword: number, dwords: number, offset: number): void {
  if (s.text !== null) throw new ContextError('shader text continues past its announced length');
  const avail = Math.min(dwords * 4, s.bytes.length - offset);
  if (offset !== s.received || avail < 0) throw new ContextError(`shader text piece at byte ${offset}, expected ${s.received}`);
  s.bytes.set(new Uint8Array(b.buffer, b.byteOffset + fromDword * 4, avail), offset);
  s.received += avail;
  finish(s);
}
