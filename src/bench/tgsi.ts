// Shader translation: TGSI text to WGSL for every distinct shader in traces/, uncached (parse,
// validate, analyse and emit each time) and cached (the per-device cache lookup a draw does).
import { performance } from 'node:perf_hooks';
import { emitWgsl, translateTgsi } from '../gl-backend/tgsi/index.js';
import { BoundedCache } from '../gl-backend/gpu/device-cache.js';
import type { TgsiShader } from '../gl-backend/tgsi/ir.js';
import { defaultLink } from '../cli/tgsi.js';

export interface TgsiSetup { texts: string[]; totalInTraces: number; failures: string[] }

export function tgsiSetup(shaders: { text: string }[]): TgsiSetup {
  const texts = [...new Set(shaders.map((s) => s.text))];
  const ok: string[] = [];
  const failures: string[] = [];
  for (const t of texts) {
    try { translateTgsi(t); ok.push(t); } catch (e) { failures.push(e instanceof Error ? e.message : String(e)); }
  }
  return { texts: ok, totalInTraces: shaders.length, failures };
}

function translate(text: string): number {
  const s = translateTgsi(text);
  return emitWgsl(s, defaultLink(s.interface)).code.length;
}

/** Microseconds per shader for the very first translation of each (a fresh process: the JIT is cold too). */
export function firstTranslationUs(texts: string[]): number[] {
  return texts.map((t) => { const t0 = performance.now(); translate(t); return (performance.now() - t0) * 1000; });
}

/** Mean microseconds per shader, translating every text `iterations` times without any cache. */
export function uncachedUs(texts: string[], iterations: number): number {
  let sink = 0;
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) for (const t of texts) sink += translate(t);
  const us = ((performance.now() - t0) * 1000) / (iterations * texts.length);
  if (sink < 0) throw new Error('unreachable');
  return us;
}

/** Mean microseconds per lookup in the device's shader cache (keyed by the whole text, as GlDevice.shader is). */
export function cachedUs(texts: string[], iterations: number): number {
  const cache = new BoundedCache<string, TgsiShader>(512);
  for (const t of texts) cache.set(t, translateTgsi(t));
  // Lookups with texts that are equal but not the same string, as each CREATE_OBJECT decodes a new one.
  const copies = texts.map((t) => Buffer.from(t).toString());
  let hits = 0;
  const t0 = performance.now();
  for (let i = 0; i < iterations; i++) for (const t of copies) if (cache.get(t)) hits++;
  const us = ((performance.now() - t0) * 1000) / (iterations * texts.length);
  if (hits !== iterations * texts.length) throw new Error('cache miss');
  return us;
}
