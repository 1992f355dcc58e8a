// File header: fixed part plus the zero-padded JSON metadata region.

import { view } from './codec.js';
import { crc32 } from './crc32.js';
import { TraceFormatError } from './errors.js';
import { kFileMagic, kFormatMajor, kFormatMinor, kHeader, kHeaderFixedSize, kMaxJsonRegionSize } from './format.js';
import type { ByteSource, TraceInfo } from './types.js';

export interface ParsedHeader {
  info: TraceInfo;
  major: number;
  minor: number;
  /** Offset of the first block. */
  headerSize: number;
  flags: number;
}

/** Encode the whole header region (fixed part + JSON region). Throws RangeError if the JSON does not fit. */
export function encodeHeader(info: TraceInfo, jsonRegionSize: number, flags: number): Uint8Array {
  const json = new TextEncoder().encode(JSON.stringify(info));
  if (json.length > jsonRegionSize) {
    throw new RangeError(`trace metadata is ${json.length} bytes; the header region holds ${jsonRegionSize}`);
  }
  const out = new Uint8Array(kHeaderFixedSize + jsonRegionSize);
  const dv = view(out);
  out.set(kFileMagic, kHeader.magic);
  dv.setUint16(kHeader.major, kFormatMajor, true);
  dv.setUint16(kHeader.minor, kFormatMinor, true);
  dv.setUint32(kHeader.headerSize, out.length, true);
  dv.setUint32(kHeader.jsonRegionSize, jsonRegionSize, true);
  dv.setUint32(kHeader.jsonLength, json.length, true);
  dv.setUint32(kHeader.jsonCrc, crc32(json), true);
  dv.setUint32(kHeader.flags, flags, true);
  dv.setUint32(kHeader.headerCrc, crc32(out.subarray(0, kHeader.headerCrc)), true);
  out.set(json, kHeaderFixedSize);
  return out;
}

export function parseHeader(src: ByteSource): ParsedHeader {
  if (src.size < kHeaderFixedSize) throw new TraceFormatError(0, `file of ${src.size} bytes is shorter than the ${kHeaderFixedSize}-byte header`);
  const fixed = src.read(0, kHeaderFixedSize);
  const dv = view(fixed);
  for (let i = 0; i < kFileMagic.length; i++) {
    if (fixed[kHeader.magic + i] !== kFileMagic[i]) throw new TraceFormatError(i, 'not a virgl-webgpu trace (bad magic)');
  }
  if (dv.getUint32(kHeader.headerCrc, true) !== crc32(fixed.subarray(0, kHeader.headerCrc))) {
    throw new TraceFormatError(kHeader.headerCrc, 'header CRC mismatch');
  }
  const major = dv.getUint16(kHeader.major, true);
  const minor = dv.getUint16(kHeader.minor, true);
  if (major !== kFormatMajor) throw new TraceFormatError(kHeader.major, `format major ${major} is not supported (this reader: ${kFormatMajor})`);
  const regionSize = dv.getUint32(kHeader.jsonRegionSize, true);
  const headerSize = dv.getUint32(kHeader.headerSize, true);
  const jsonLength = dv.getUint32(kHeader.jsonLength, true);
  if (regionSize > kMaxJsonRegionSize || headerSize !== kHeaderFixedSize + regionSize || jsonLength > regionSize) {
    throw new TraceFormatError(kHeader.headerSize, 'inconsistent header sizes');
  }
  if (headerSize > src.size) throw new TraceFormatError(src.size, `file ends inside the ${headerSize}-byte header`);
  const json = src.read(kHeaderFixedSize, jsonLength);
  if (crc32(json) !== dv.getUint32(kHeader.jsonCrc, true)) throw new TraceFormatError(kHeaderFixedSize, 'metadata CRC mismatch');
  return { info: parseInfo(json), major, minor, headerSize, flags: dv.getUint32(kHeader.flags, true) };
}

function parseInfo(json: Uint8Array): TraceInfo {
  let value: unknown;
  try {
    value = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(json));
  } catch (e) {
    throw new TraceFormatError(kHeaderFixedSize, `metadata is not JSON: ${(e as Error).message}`);
  }
  if (typeof value !== 'object' || value === null || Array.isArray(value)) {
    throw new TraceFormatError(kHeaderFixedSize, 'metadata is not a JSON object');
  }
  const o = value as Record<string, unknown>;
  const bad = (key: string, type: string): never => {
    throw new TraceFormatError(kHeaderFixedSize, `metadata field "${key}" is not ${type}`);
  };
  for (const k of ['toolVersion', 'captureHost', 'createdAt']) if (typeof o[k] !== 'string') bad(k, 'a string');
  for (const k of ['clientName', 'capsV1', 'capsV2', 'capsSource', 'upstreamCapsV2']) {
    if (o[k] !== undefined && typeof o[k] !== 'string') bad(k, 'a string');
  }
  if (o.protocolVersion !== undefined && typeof o.protocolVersion !== 'number') bad('protocolVersion', 'a number');
  if (o.notes !== undefined) {
    const n = o.notes;
    if (typeof n !== 'object' || n === null || Array.isArray(n)) bad('notes', 'an object');
    for (const v of Object.values(n as object)) if (typeof v !== 'string') bad('notes', 'a string map');
  }
  // Unknown keys from later minors are kept as-is.
  return o as unknown as TraceInfo;
}
