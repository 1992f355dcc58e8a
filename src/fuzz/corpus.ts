// Seed material for the fuzzer: client-to-server streams of the captured traces and TGSI fixtures.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { TraceReader } from '../trace/reader.js';
import { FileSource } from '../trace/node/file-source.js';

export interface Corpus {
  /** Per trace: its first client commands, each the exact bytes of one vtest command. */
  streams: { name: string; commands: Uint8Array[] }[];
  /** TGSI texts. */
  shaders: string[];
}

export function loadCorpus(root: string, maxCommands = 200): Corpus {
  const streams: Corpus['streams'] = [];
  const traceDir = join(root, 'traces');
  for (const f of readdirSync(traceDir).filter((n) => n.endsWith('.vtrace')).sort()) {
    const src = new FileSource(join(traceDir, f));
    try {
      const reader = new TraceReader(src);
      const commands: Uint8Array[] = [];
      for (const r of reader.messages()) {
        if (r.kind === 'shm' || r.direction !== 0) continue;
        commands.push(r.bytes.slice());
        if (commands.length >= maxCommands) break;
      }
      if (commands.length > 0) streams.push({ name: f, commands });
    } finally {
      src.close();
    }
  }
  const tgsiDir = join(root, 'tests/fixtures/tgsi');
  let shaders: string[] = [];
  try {
    shaders = readdirSync(tgsiDir).filter((n) => n.endsWith('.tgsi')).sort()
      .map((n) => readFileSync(join(tgsiDir, n), 'utf8'));
  } catch { /* no fixtures: generation falls back to a built-in shader */ }
  if (shaders.length === 0) shaders = ['FRAG\nDCL IN[0], GENERIC[0], PERSPECTIVE\nDCL OUT[0], COLOR\n  0: MOV OUT[0], IN[0]\n  1: END\n'];
  return { streams, shaders };
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) { out.set(p, o); o += p.length; }
  return out;
}
