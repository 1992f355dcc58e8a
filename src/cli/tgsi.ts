// `virgl-webgpu tgsi FILE`: prints the WGSL translation of a TGSI text file (as Mesa's virgl driver
// sends it), linked with default locations: VS outputs and FS inputs numbered in declaration order.
import { readFile } from 'node:fs/promises';
import { emitWgsl, TgsiParseError, TgsiTranslateError, translateTgsi, type LinkOptions, type ShaderInterface } from '../gl-backend/tgsi/index.js';

const STAGE_ALIASES: Record<string, string> = {
  vs: 'vertex', vert: 'vertex', vertex: 'vertex', fs: 'fragment', frag: 'fragment', fragment: 'fragment',
  cs: 'compute', comp: 'compute', compute: 'compute',
};

/** Compiler-style diagnostics (file:line:column: error: ...) on stderr. */
function report(line: string): void {
  process.stderr.write(`${line}\n`);
}

/** Default link: every varying of this one shader gets a location, in declaration order. */
export function defaultLink(iface: ShaderInterface): LinkOptions {
  const varyings = iface.stage === 'vertex' ? iface.outputs : iface.inputs;
  const varyingLocations = new Map<string, number>();
  for (const v of varyings) if (!varyingLocations.has(v.key)) varyingLocations.set(v.key, varyingLocations.size);
  const colors = Math.max(1, ...iface.colorOutputs.map((c) => c.index + 1));
  return { varyingLocations, colorOutputs: colors };
}

export async function tgsi(file: string, o: { stage?: string }): Promise<void> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (e) {
    report(`${file}: error: cannot read: ${e instanceof Error ? e.message : String(e)}`);
    process.exitCode = 1;
    return;
  }
  try {
    const shader = translateTgsi(text);
    const want = o.stage === undefined ? undefined : STAGE_ALIASES[o.stage.toLowerCase()];
    if (o.stage !== undefined && want === undefined) throw new TgsiTranslateError(`unknown stage '${o.stage}' (vs, fs, cs)`);
    if (want !== undefined && want !== shader.interface.stage) {
      throw new TgsiTranslateError(`this is a ${shader.interface.stage} shader, not ${want}`);
    }
    process.stdout.write(emitWgsl(shader, defaultLink(shader.interface)).code);
  } catch (e) {
    if (e instanceof TgsiParseError) report(`${file}:${e.line}:${e.column}: error: ${e.reason}`);
    else if (e instanceof TgsiTranslateError) report(`${file}${e.line > 0 ? `:${e.line}` : ''}: error: ${e.reason}`);
    else throw e;
    process.exitCode = 1;
  }
}
