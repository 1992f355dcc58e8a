// Shared memory between the server and a vtest client: a memfd, our mapping of it and a byte view.
// Used for RESOURCE_CREATE2 / RESOURCE_CREATE_BLOB backings (vtest protocol 2+, venus).
import { native, type NativeAddon } from '../native/addon.js';

/**
 * Decides whether a region may be allocated. reserve() throws to refuse; release() is called
 * exactly once for every successful reserve(), when the region is closed or garbage-collected.
 */
export interface ShmAllocationHook {
  reserve(bytes: number, name: string): void;
  release(bytes: number): void;
}

export class ShmLimitError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'ShmLimitError';
  }
}

/** A byte budget, e.g. one per client and one shared by the whole server (chain them with `parent`). */
export class ShmBudget implements ShmAllocationHook {
  private usedBytes = 0;

  constructor(readonly maxBytes: number, readonly label = 'shared memory', private readonly parent?: ShmAllocationHook) {}

  get used(): number { return this.usedBytes; }

  reserve(bytes: number, name: string): void {
    if (this.usedBytes + bytes > this.maxBytes) {
      throw new ShmLimitError(
        `${name}: ${bytes} bytes would exceed the ${this.label} limit (${this.usedBytes} of ${this.maxBytes} in use)`);
    }
    this.parent?.reserve(bytes, name);
    this.usedBytes += bytes;
  }

  release(bytes: number): void {
    this.usedBytes = Math.max(0, this.usedBytes - bytes);
    this.parent?.release(bytes);
  }
}

export interface RegionOptions {
  hook?: ShmAllocationHook;
  /** For fromFd: map privately (copy-on-write) instead of shared. Default true (shared). */
  writable?: boolean;
}

/** What must be undone if a region is garbage-collected unclosed; never references the region. */
interface Held {
  fd: number;
  size: number;
  hook: ShmAllocationHook | undefined;
  addon: NativeAddon;
}

/** For error paths and finalizers, where the original error (or nobody) is to be told. */
function closeQuietly(addon: NativeAddon, fd: number): void {
  try { addon.closeFd(fd); } catch { /* EBADF/EIO: the fd is gone either way */ }
}

function cleanUp(h: Held): void {
  if (h.fd >= 0) closeQuietly(h.addon, h.fd);
  h.fd = -1;
  h.hook?.release(h.size);
  h.hook = undefined;
}

// The mapping itself is unmapped by the addon's ArrayBuffer finalizer; this closes the fd and
// returns the budget of a region nobody closed.
const orphans = new FinalizationRegistry<Held>(cleanUp);

export class SharedMemoryRegion {
  private held: Held;
  private buffer: ArrayBuffer | null;
  private view: Uint8Array;

  private constructor(readonly name: string, held: Held, buffer: ArrayBuffer) {
    this.held = held;
    this.buffer = buffer;
    this.view = new Uint8Array(buffer);
    orphans.register(this, held, this);
  }

  /** A new zero-filled memfd of `size` bytes (sealed against resizing), mapped shared. */
  static create(name: string, size: number, opts: RegionOptions = {}): SharedMemoryRegion {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`${name}: invalid shared memory size ${size}`);
    const addon = native();
    opts.hook?.reserve(size, name);
    let fd = -1;
    try {
      fd = addon.memfdCreate(name, size);
      const ab = addon.mmapFd(fd, size, true);
      return new SharedMemoryRegion(name, { fd, size, hook: opts.hook, addon }, ab);
    } catch (e) {
      if (fd >= 0) closeQuietly(addon, fd);
      opts.hook?.release(size);
      throw e;
    }
  }

  /**
   * Maps an existing fd (one received from a client, or a second view for tests) and takes
   * ownership of it: it is closed when the region closes, or right here if mapping fails.
   * `size` defaults to the file's size and may not exceed it.
   */
  static fromFd(name: string, fd: number, size?: number, opts: RegionOptions = {}): SharedMemoryRegion {
    const addon = native();
    let reserved = 0;
    try {
      const bytes = size ?? addon.fdSize(fd);
      if (!Number.isSafeInteger(bytes) || bytes <= 0) throw new RangeError(`${name}: invalid shared memory size ${bytes}`);
      opts.hook?.reserve(bytes, name);
      reserved = bytes;
      const ab = addon.mmapFd(fd, bytes, opts.writable ?? true);
      return new SharedMemoryRegion(name, { fd, size: bytes, hook: opts.hook, addon }, ab);
    } catch (e) {
      closeQuietly(addon, fd);
      if (reserved > 0) opts.hook?.release(reserved);
      throw e;
    }
  }

  get size(): number { return this.held.size; }
  get closed(): boolean { return this.buffer === null; }

  /** The mapped bytes. Throws once closed (views taken earlier become empty then). */
  get bytes(): Uint8Array {
    if (this.buffer === null) throw new Error(`${this.name}: shared memory region is closed`);
    return this.view;
  }

  /** The memfd, to send to the client. Throws once released or closed. */
  get fd(): number {
    if (this.held.fd < 0) throw new Error(`${this.name}: the region's fd was already released`);
    return this.held.fd;
  }

  get hasFd(): boolean { return this.held.fd >= 0; }

  /**
   * Closes our fd but keeps the mapping: call it once the fd has been sent, so that thousands of
   * resources do not exhaust the process's fd limit. Idempotent.
   */
  releaseFd(): void {
    const fd = this.held.fd;
    if (fd < 0) return;
    this.held.fd = -1;
    this.held.addon.closeFd(fd);
  }

  /** Unmaps (detaching every view of it), closes the fd and returns the budget. Idempotent. */
  close(): void {
    const buffer = this.buffer;
    if (buffer === null) return;
    this.buffer = null;
    this.view = new Uint8Array(0);
    orphans.unregister(this);
    try {
      this.held.addon.munmap(buffer);
    } finally {
      cleanUp(this.held);
    }
  }
}
