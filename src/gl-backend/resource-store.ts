// Guest resources of one context, with CPU-side storage laid out level by level, layer by layer.
// Every transfer is bounds-checked against the resource and the client's buffer before copying.
import { ContextError, type ResourceCreateArgs, type TransferArgs } from '../server/renderer.js';

export interface FormatBlock { readonly bytes: number; readonly width: number; readonly height: number }

const PIPE_BUFFER = 0;
const BYTE_BLOCK: FormatBlock = { bytes: 1, width: 1, height: 1 };
const PIPE_TEXTURE_3D = 3;
const PIPE_MAX_TARGET = 8; // PIPE_TEXTURE_CUBE_ARRAY
const MAX_LEVELS = 16;
const MAX_SAMPLES = 32;
const MAX_DIMENSION = 16384;
const MAX_LAYERS = 2048;

export interface LevelLayout {
  width: number;
  height: number;
  depthOrLayers: number;
  /** Bytes of one row of blocks. */
  rowBytes: number;
  rows: number;
  /** Bytes of one 2D slice (a layer or a 3D depth slice). */
  sliceBytes: number;
  offset: number;
}

export interface GuestResource {
  readonly handle: number;
  readonly args: Readonly<ResourceCreateArgs>;
  readonly block: FormatBlock;
  readonly levels: LevelLayout[];
  /** CPU storage: the shared-memory backing itself when it holds the whole layout, else our own. */
  readonly storage: Uint8Array<ArrayBuffer>;
  /** The client's shared memory (vtest v2+), or null for inline-only resources. */
  readonly backing: Uint8Array<ArrayBuffer> | null;
}

export interface StoreLimits { maxResources: number; maxResourceBytes: number }

export class ResourceStore {
  private readonly byHandle = new Map<number, GuestResource>();
  private totalBytes = 0;

  constructor(private readonly blockOf: (format: number) => FormatBlock | undefined, private readonly limits: StoreLimits) {}

  get count(): number { return this.byHandle.size; }
  get bytes(): number { return this.totalBytes; }

  get(handle: number): GuestResource {
    const res = this.byHandle.get(handle);
    if (!res) throw new ContextError(`unknown resource ${handle}`);
    return res;
  }

  tryGet(handle: number): GuestResource | undefined { return this.byHandle.get(handle); }

  create(args: ResourceCreateArgs, backing: Uint8Array<ArrayBuffer> | null = null): GuestResource {
    const { handle, target, format } = args;
    if (handle === 0) throw new ContextError('resource handle 0 is reserved');
    if (this.byHandle.has(handle)) throw new ContextError(`resource ${handle} already exists`);
    if (target > PIPE_MAX_TARGET) throw new ContextError(`resource ${handle}: unknown target ${target}`);
    // A buffer's width counts bytes whatever its format says (Gallium's rule; Mesa's blob path even
    // sends a pipe format there instead of a virgl one).
    const block = target === PIPE_BUFFER ? BYTE_BLOCK : this.blockOf(format);
    if (!block) throw new ContextError(`resource ${handle}: unknown format ${format}`);
    const width = args.width;
    const height = target === PIPE_BUFFER ? 1 : args.height;
    const depth = target === PIPE_TEXTURE_3D ? args.depth : 1;
    // Mesa sends array_size 0 for buffers; a missing layer count means one layer.
    const layers = target === PIPE_TEXTURE_3D ? 1 : Math.max(1, args.arraySize);
    if (width < 1 || height < 1 || depth < 1 || layers < 1) {
      throw new ContextError(`resource ${handle}: empty size ${width}x${height}x${depth}[${layers}]`);
    }
    if (target !== PIPE_BUFFER && (width > MAX_DIMENSION || height > MAX_DIMENSION || depth > MAX_DIMENSION)) {
      throw new ContextError(`resource ${handle}: size ${width}x${height}x${depth} too large`);
    }
    if (layers > MAX_LAYERS) throw new ContextError(`resource ${handle}: ${layers} layers`);
    if (args.lastLevel >= MAX_LEVELS) throw new ContextError(`resource ${handle}: last_level ${args.lastLevel}`);
    if (args.nrSamples > MAX_SAMPLES) throw new ContextError(`resource ${handle}: ${args.nrSamples} samples`);
    if (this.byHandle.size >= this.limits.maxResources) {
      throw new ContextError(`resource ${handle}: the client's limit of ${this.limits.maxResources} resources is reached`);
    }
    const levels: LevelLayout[] = [];
    let offset = 0;
    for (let l = 0; l <= args.lastLevel; l++) {
      const w = Math.max(1, width >>> l);
      const h = Math.max(1, height >>> l);
      const d = target === PIPE_TEXTURE_3D ? Math.max(1, depth >>> l) : layers;
      const rowBytes = Math.ceil(w / block.width) * block.bytes;
      const rows = Math.ceil(h / block.height);
      const sliceBytes = rowBytes * rows;
      levels.push({ width: w, height: h, depthOrLayers: d, rowBytes, rows, sliceBytes, offset });
      offset += sliceBytes * d;
    }
    const samples = Math.max(1, args.nrSamples);
    const size = offset * samples;
    if (!Number.isSafeInteger(size) || this.totalBytes + size > this.limits.maxResourceBytes) {
      throw new ContextError(`resource ${handle}: ${size} bytes would exceed the client's ${this.limits.maxResourceBytes}-byte budget`);
    }
    // Mesa lays out a backing exactly like this (virgl_resource_layout); a smaller one is copied through.
    const storage = backing && backing.length >= size ? backing.subarray(0, size) : new Uint8Array(size);
    const res: GuestResource = { handle, args: { ...args }, block, levels, storage, backing };
    this.byHandle.set(handle, res);
    this.totalBytes += size;
    return res;
  }

  unref(handle: number): GuestResource {
    const res = this.get(handle);
    this.byHandle.delete(handle);
    this.totalBytes -= res.storage.length;
    return res;
  }

  clear(): void {
    this.byHandle.clear();
    this.totalBytes = 0;
  }

  /** Copies between the client's rows (`stride`, `layerStride`) and the resource. */
  transfer(t: TransferArgs, data: Uint8Array, toResource: boolean): void {
    const res = this.get(t.handle);
    const lvl = res.levels[t.level];
    if (!lvl) throw new ContextError(`resource ${t.handle}: level ${t.level} past last level ${res.levels.length - 1}`);
    const { block } = res;
    if (t.x + t.width > lvl.width || t.y + t.height > lvl.height || t.z + t.depth > lvl.depthOrLayers
      || t.width === 0 || t.height === 0 || t.depth === 0) {
      throw new ContextError(`resource ${t.handle}: box ${t.x},${t.y},${t.z} ${t.width}x${t.height}x${t.depth} outside level ${t.level} (${lvl.width}x${lvl.height}x${lvl.depthOrLayers})`);
    }
    if (t.x % block.width !== 0 || t.y % block.height !== 0) {
      throw new ContextError(`resource ${t.handle}: box origin not aligned to the format's ${block.width}x${block.height} blocks`);
    }
    const rowBytes = Math.ceil(t.width / block.width) * block.bytes;
    const rows = Math.ceil(t.height / block.height);
    this.resolveStrides(t);
    const stride = t.stride === 0 ? rowBytes : t.stride;
    const layerStride = t.layerStride === 0 ? stride * rows : t.layerStride;
    if (stride < rowBytes) throw new ContextError(`resource ${t.handle}: stride ${stride} < row size ${rowBytes}`);
    const needed = (t.depth - 1) * layerStride + (rows - 1) * stride + rowBytes;
    if (needed > data.length) {
      throw new ContextError(`resource ${t.handle}: transfer needs ${needed} bytes, the client buffer has ${data.length}`);
    }
    const xBytes = (t.x / block.width) * block.bytes;
    const y0 = t.y / block.height;
    const inPlace = data.buffer === res.storage.buffer;
    for (let z = 0; z < t.depth; z++) {
      const slice = lvl.offset + (t.z + z) * lvl.sliceBytes;
      for (let r = 0; r < rows; r++) {
        const resOff = slice + (y0 + r) * lvl.rowBytes + xBytes;
        const dataOff = z * layerStride + r * stride;
        // A backing that is the storage holds the box in place already (shared-memory transfers).
        if (inPlace && data.byteOffset + dataOff === res.storage.byteOffset + resOff) continue;
        if (toResource) res.storage.set(data.subarray(dataOff, dataOff + rowBytes), resOff);
        else data.set(res.storage.subarray(resOff, resOff + rowBytes), dataOff);
      }
    }
  }

  /** Shared-memory transfers: strides of 0 become the level's row and slice sizes (virglrenderer's rule). */
  resolveStrides(t: TransferArgs): void {
    if (!t.levelStrides) return;
    const lvl = this.get(t.handle).levels[t.level];
    if (!lvl) return;
    if (t.stride === 0) t.stride = lvl.rowBytes;
    if (t.layerStride === 0) t.layerStride = lvl.sliceBytes;
  }
}
