// Vertex data WebGPU cannot fetch directly (3-byte formats, packed 10/10/10/2, scaled types,
// strides or offsets that are not multiples of 4, instance divisors above 1) is expanded on the CPU
// into vec4 elements in the upload ring. The channel layout comes from the format's name.
import { VirglFormat } from '../../protocol/virgl-formats.js';
import { ContextError } from '../../server/renderer.js';

export type ChannelType = 'UNORM' | 'SNORM' | 'UINT' | 'SINT' | 'USCALED' | 'SSCALED' | 'FLOAT';
export interface VertexLayout {
  /** Bit offset and width of each channel in memory order, and the RGBA slot it feeds. */
  channels: { bits: number; slot: number }[];
  type: ChannelType;
  /** Packed into one little-endian word (10/10/10/2) rather than one value per channel. */
  packed: boolean;
  bytes: number;
  /** What the shader sees: float, or raw integers. */
  output: 'f32' | 'u32' | 'i32';
}

const cache = new Map<number, VertexLayout | null>();

export function vertexLayout(format: number): VertexLayout | null {
  if (cache.has(format)) return cache.get(format)!;
  const name = VirglFormat[format];
  let layout: VertexLayout | null = null;
  const m = name ? /^((?:[RGBAX]\d+)+)_(UNORM|SNORM|UINT|SINT|USCALED|SSCALED|FLOAT)$/.exec(name) : null;
  if (m) {
    const channels = [...m[1].matchAll(/([RGBAX])(\d+)/g)].map(([, c, b]) => ({ bits: Number(b), slot: 'RGBAX'.indexOf(c) }));
    const total = channels.reduce((n, c) => n + c.bits, 0);
    const uniform = channels.every((c) => c.bits === channels[0].bits && [8, 16, 32, 64].includes(c.bits));
    const type = m[2] as ChannelType;
    const bits0 = channels[0].bits;
    if (total % 8 === 0 && (uniform || total === 32) && !(type === 'FLOAT' && bits0 === 8) && !(bits0 === 64 && type !== 'FLOAT')) {
      layout = { channels, type, packed: !uniform, bytes: total / 8, output: type === 'UINT' ? 'u32' : type === 'SINT' ? 'i32' : 'f32' };
    }
  }
  cache.set(format, layout);
  return layout;
}

const f16 = (h: number): number => {
  const e = (h >> 10) & 31; const m = h & 1023; const s = h & 0x8000 ? -1 : 1;
  if (e === 0) return s * m * 2 ** -24;
  if (e === 31) return m ? NaN : s * Infinity;
  return s * (1 + m / 1024) * 2 ** (e - 15);
};

/**
 * Writes `count` vec4 elements (16 bytes each, `outStrideWords` words apart) into `out`, reading element k from
 * `src` at `base + k * stride`. Missing channels read as (0, 0, 0, 1).
 */
export function expandVertices(l: VertexLayout, src: Uint8Array, base: number, stride: number, count: number, out: Uint32Array, outStrideWords = 4): void {
  const dv = new DataView(src.buffer, src.byteOffset, src.byteLength);
  const fout = new Float32Array(out.buffer, out.byteOffset, out.length);
  const iout = new Int32Array(out.buffer, out.byteOffset, out.length);
  for (let k = 0; k < count; k++) {
    const at = base + k * stride;
    const o = k * outStrideWords;
    if (l.output === 'f32') { fout[o] = 0; fout[o + 1] = 0; fout[o + 2] = 0; fout[o + 3] = 1; } else { out[o] = 0; out[o + 1] = 0; out[o + 2] = 0; out[o + 3] = 1; }
    if (at < 0 || at + l.bytes > src.length) throw new ContextError(`vertex ${k} at byte ${at} is past the end of its ${src.length}-byte buffer`);
    const word = l.packed ? dv.getUint32(at, true) : 0;
    let bit = 0;
    for (const ch of l.channels) {
      let raw: number;
      if (ch.bits === 64) {
        // Doubles are narrowed to float, as GL does for non-L (double) vertex attributes.
        if (ch.slot <= 3) fout[o + ch.slot] = dv.getFloat64(at + bit / 8, true);
        bit += 64;
        continue;
      }
      if (l.packed) raw = Math.floor(word / 2 ** bit) % 2 ** ch.bits;
      else if (ch.bits === 8) raw = dv.getUint8(at + bit / 8);
      else if (ch.bits === 16) raw = dv.getUint16(at + bit / 8, true);
      else raw = dv.getUint32(at + bit / 8, true);
      bit += ch.bits;
      if (ch.slot > 3) continue;
      const signed = l.type === 'SNORM' || l.type === 'SINT' || l.type === 'SSCALED';
      const sv = signed && raw >= 2 ** (ch.bits - 1) ? raw - 2 ** ch.bits : raw;
      const max = 2 ** (ch.bits - (signed ? 1 : 0)) - 1;
      switch (l.type) {
        case 'UNORM': fout[o + ch.slot] = raw / max; break;
        case 'SNORM': fout[o + ch.slot] = Math.max(-1, sv / max); break;
        case 'USCALED': case 'SSCALED': fout[o + ch.slot] = sv; break;
        case 'FLOAT': fout[o + ch.slot] = ch.bits === 16 ? f16(raw) : dv.getFloat32(at + (bit - 32) / 8, true); break;
        case 'UINT': out[o + ch.slot] = raw; break;
        case 'SINT': iout[o + ch.slot] = sv; break;
      }
    }
  }
}
