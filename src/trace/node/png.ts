// PNG files for golden images and their artefacts (Node only).

import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { PNG } from 'pngjs';
import type { CompareResult, RgbaImage } from '../compare.js';

/** Write tightly packed RGBA8 as an 8-bit RGBA PNG, creating the directory. */
export function writePng(path: string, rgba: Uint8Array, width: number, height: number): void {
  if (rgba.length !== width * height * 4) throw new RangeError(`${rgba.length} bytes is not ${width}x${height} RGBA8`);
  const png = new PNG({ width, height, colorType: 6, inputColorType: 6, inputHasAlpha: true });
  png.data = Buffer.from(rgba.buffer, rgba.byteOffset, rgba.byteLength);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, PNG.sync.write(png, { colorType: 6 }));
}

/** Read any PNG as RGBA8 (pngjs expands palette, grey and 16-bit input). */
export function readPng(path: string): RgbaImage {
  const png = PNG.sync.read(readFileSync(path));
  return { width: png.width, height: png.height, data: new Uint8Array(png.data.buffer, png.data.byteOffset, png.data.byteLength) };
}

/**
 * Golden-test artefacts next to the reference: `<stem>-actual.png` always,
 * `<stem>-difference.png` when the result carries a diff. Returns the paths.
 */
export function writeCompareArtifacts(stem: string, actual: RgbaImage, result: CompareResult): string[] {
  const paths = [`${stem}-actual.png`];
  writePng(paths[0], actual.data, actual.width, actual.height);
  if (result.diff) {
    paths.push(`${stem}-difference.png`);
    writePng(paths[1], result.diff, actual.width, actual.height);
  }
  return paths;
}
