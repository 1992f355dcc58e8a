// What the soak needs of X: list top-level windows, dump one with xwd, compare two dumps' pixels.
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const exec = promisify(execFile);

interface Win { id: string; name: string | null; width: number; height: number }

async function topLevel(display: string): Promise<Win[]> {
  const { stdout } = await exec('xwininfo', ['-root', '-children', '-display', display]);
  const out: Win[] = [];
  const re = /^\s+(0x[0-9a-f]+) (?:"(.*)"|\(has no name\)): \(.*?\)\s+(\d+)x(\d+)[+-]/gm;
  for (let m = re.exec(stdout); m; m = re.exec(stdout)) out.push({ id: m[1]!, name: m[2] ?? null, width: Number(m[3]), height: Number(m[4]) });
  return out;
}

export async function windowIds(display: string): Promise<Set<string>> {
  return new Set((await topLevel(display)).map((w) => w.id));
}

/** Waits for a top-level window named `name` (null: unnamed) that was not in `before`; returns its id. */
export async function newWindow(display: string, before: ReadonlySet<string>, name: string | null, timeoutMs: number): Promise<string> {
  const t0 = Date.now();
  for (;;) {
    const fresh = (await topLevel(display)).filter((w) => !before.has(w.id) && w.name === name && w.width > 1 && w.height > 1);
    if (fresh.length > 0) return fresh[fresh.length - 1]!.id;
    if (Date.now() - t0 > timeoutMs) throw new Error(`no new window on ${display} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function xwdCapture(display: string, id: string): Promise<Buffer> {
  const { stdout } = await exec('xwd', ['-silent', '-nobdrs', '-display', display, '-id', id], { encoding: 'buffer', maxBuffer: 64 << 20 });
  return stdout;
}

/** Width, height and the pixel rows (padding included) of an XWD dump; the header is big-endian. */
function pixels(b: Buffer): { width: number; height: number; bpl: number; bpp: number; data: Buffer } {
  const h = (i: number): number => b.readUInt32BE(i * 4);
  const start = h(0) + h(19) * 12;
  return { width: h(4), height: h(5), bpl: h(12), bpp: h(11) / 8, data: b.subarray(start, start + h(12) * h(5)) };
}

/**
 * Compares the colour channels of two dumps of same-sized windows. A channel may differ by 2 (the
 * rasterizers round differently); at most 0.5 % of pixels may differ by more.
 */
export function diffXwd(a: Buffer, b: Buffer): { ok: boolean; summary: string } {
  const pa = pixels(a), pb = pixels(b);
  if (pa.width !== pb.width || pa.height !== pb.height) return { ok: false, summary: `size ${pa.width}x${pa.height} vs golden ${pb.width}x${pb.height}` };
  let bad = 0;
  for (let y = 0; y < pa.height; y++) {
    for (let x = 0; x < pa.width; x++) {
      const oa = y * pa.bpl + x * pa.bpp, ob = y * pb.bpl + x * pb.bpp;
      for (let c = 0; c < 3; c++) {
        if (Math.abs(pa.data[oa + c]! - pb.data[ob + c]!) > 2) { bad++; break; }
      }
    }
  }
  const frac = bad / (pa.width * pa.height);
  return { ok: frac <= 0.005, summary: `${frac <= 0.005 ? 'matches' : 'DIFFERS from'} golden (${bad} of ${pa.width * pa.height} pixels differ)` };
}
