// Window captures from Xvfb: find a client's top-level window, dump it with xwd, decode the XWD
// file (parsed here: no image library reads it) to RGBA, compare captures and write PNGs under out/live/.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { compareImages, formatMetrics, kDefaultThresholds, type CompareResult, type RgbaImage, type Thresholds } from '../../src/trace/compare.js';
import { writePng } from '../../src/trace/node/png.js';
import { mesaClientEnv, ROOT, start } from './processes.js';

const run = promisify(execFile);
export const LIVE_OUT = join(ROOT, 'out/live');

export interface XWindow {
  id: string;
  name: string | null;
  width: number;
  height: number;
}

/** Mapped children of the root window, as `xwininfo -root -children` lists them (bottom to top). */
export async function topLevelWindows(display: string): Promise<XWindow[]> {
  const { stdout } = await run('xwininfo', ['-root', '-children', '-display', display]);
  const out: XWindow[] = [];
  // e.g. `     0x200002 "OpenGL ES 2.x tri": ()  300x300+0+0  +0+0`; glxdemo's has `(has no name)`.
  const re = /^\s+(0x[0-9a-f]+) (?:"(.*)"|\(has no name\)): \(.*?\)\s+(\d+)x(\d+)[+-]/gm;
  for (let m = re.exec(stdout); m; m = re.exec(stdout)) {
    out.push({ id: m[1], name: m[2] ?? null, width: Number(m[3]), height: Number(m[4]) });
  }
  return out;
}

/**
 * The client's window: the newest top-level window not in `before` (the ids listed before the
 * client started), and named `name` when given. Waits up to `timeoutMs` for it to appear.
 */
export async function findClientWindow(display: string, before: ReadonlySet<string>, name?: string | RegExp, timeoutMs = 10_000): Promise<XWindow> {
  const t0 = Date.now();
  for (;;) {
    const fresh = (await topLevelWindows(display)).filter((w) => !before.has(w.id) && w.width > 1 && w.height > 1
      && (name === undefined || (typeof name === 'string' ? w.name === name : name.test(w.name ?? ''))));
    if (fresh.length > 0) return fresh[fresh.length - 1];
    if (Date.now() - t0 > timeoutMs) throw new Error(`no new client window${name ? ` named ${String(name)}` : ''} on ${display}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Ids of the windows there now, to tell a client's window from these later. */
export async function windowIds(display: string): Promise<Set<string>> {
  return new Set((await topLevelWindows(display)).map((w) => w.id));
}

/** The window's pixels as RGBA (alpha 255: X windows here have no meaningful alpha). */
export async function captureWindow(display: string, id: string): Promise<RgbaImage> {
  const { stdout } = await run('xwd', ['-silent', '-nobdrs', '-display', display, '-id', id],
    { encoding: 'buffer', maxBuffer: 64 << 20 });
  return parseXwd(stdout);
}

/** The whole screen (e.g. for a client whose window cannot be found). */
export async function captureRoot(display: string): Promise<RgbaImage> {
  const { stdout } = await run('xwd', ['-silent', '-root', '-display', display], { encoding: 'buffer', maxBuffer: 64 << 20 });
  return parseXwd(stdout);
}

const XWD_FILE_VERSION = 7;
const Z_PIXMAP = 2;
const HEADER_WORDS = 25;

/** Decodes an XWD (X11 window dump) file of 24- or 32-bit ZPixmap TrueColor pixels. */
export function parseXwd(buf: Uint8Array): RgbaImage {
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  if (buf.byteLength < HEADER_WORDS * 4) throw new Error(`XWD file is ${buf.byteLength} bytes, shorter than its header`);
  // The header is 25 CARD32s, always big-endian whatever byte order the pixels use.
  const h = (i: number): number => view.getUint32(i * 4, false);
  const headerSize = h(0);
  const version = h(1);
  const format = h(2);
  const width = h(4);
  const height = h(5);
  const byteOrder = h(7); // 0 LSBFirst, 1 MSBFirst: of the pixels
  const bitsPerPixel = h(11);
  const bytesPerLine = h(12);
  const masks = [h(14), h(15), h(16)];
  const ncolors = h(19);
  if (version !== XWD_FILE_VERSION) throw new Error(`XWD version ${version}, expected ${XWD_FILE_VERSION}`);
  if (format !== Z_PIXMAP) throw new Error(`XWD pixmap format ${format}, only ZPixmap (2) is supported`);
  if (bitsPerPixel !== 24 && bitsPerPixel !== 32) throw new Error(`XWD with ${bitsPerPixel} bits per pixel is not supported`);
  // Then the window name (up to header_size), then ncolors XColor entries of 12 bytes each.
  const dataStart = headerSize + ncolors * 12;
  if (dataStart + bytesPerLine * height > buf.byteLength) throw new Error('XWD file is truncated');

  const shifts = masks.map((m) => (m === 0 ? 0 : 31 - Math.clz32(m & -m)));
  const scales = masks.map((m, i) => (m === 0 ? 0 : 255 / (m >>> shifts[i])));
  const bpp = bitsPerPixel / 8;
  const rgba = new Uint8Array(width * height * 4);
  for (let y = 0; y < height; y++) {
    let src = dataStart + y * bytesPerLine;
    for (let x = 0; x < width; x++, src += bpp) {
      let px = 0;
      for (let b = 0; b < bpp; b++) {
        const byte = buf[src + b];
        px = byteOrder === 0 ? px | (byte << (8 * b)) : (px << 8) | byte;
      }
      px >>>= 0;
      const o = (y * width + x) * 4;
      for (let c = 0; c < 3; c++) rgba[o + c] = Math.round((((px & masks[c]) >>> 0) >>> shifts[c]) * scales[c]);
      rgba[o + 3] = 255;
    }
  }
  return { width, height, data: rgba };
}

/** A one-coloured image, e.g. a blank window to compare with. */
export function solidImage(width: number, height: number, rgba: [number, number, number, number]): RgbaImage {
  const data = new Uint8Array(width * height * 4);
  for (let i = 0; i < data.length; i += 4) data.set(rgba, i);
  return { width, height, data };
}

/**
 * Compares two captures with the golden-image thresholds (alpha ignored) and writes
 * `<name>-actual.png`, `<name>-expected.png` and `<name>-difference.png` under out/live/.
 */
export function compareCaptures(name: string, actual: RgbaImage, expected: RgbaImage,
  thresholds: Thresholds = { ...kDefaultThresholds, ignoreAlpha: true }): CompareResult & { summary: string } {
  const result = compareImages(actual, expected, thresholds, { diff: true });
  writePng(join(LIVE_OUT, `${name}-actual.png`), actual.data, actual.width, actual.height);
  writePng(join(LIVE_OUT, `${name}-expected.png`), expected.data, expected.width, expected.height);
  if (result.diff) writePng(join(LIVE_OUT, `${name}-difference.png`), result.diff, actual.width, actual.height);
  const summary = `${name}: ${result.pass ? 'pass' : 'FAIL'}; ${result.metrics ? formatMetrics(result.metrics) : ''} ${result.reasons.join('; ')}`.trim();
  return { ...result, summary };
}

/** Starts `cmd` against the vtest socket `sock`, captures its window `settleMs` after it appears, then stops it. */
export async function captureClient(display: string, cmd: string, sock: string, settleMs: number): Promise<RgbaImage> {
  const before = await windowIds(display);
  const client = start(cmd, [], mesaClientEnv(display, sock));
  try {
    const win = await findClientWindow(display, before);
    await new Promise((r) => setTimeout(r, settleMs));
    if (client.child.exitCode !== null) throw new Error(`${cmd} exited (${client.child.exitCode}): ${client.output()}`);
    return await captureWindow(display, win.id);
  } finally {
    await client.stop();
  }
}
