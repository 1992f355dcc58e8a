// Loads the optional native addon (native/, built by node-gyp at `npm install`). Everything here
// degrades gracefully: without the addon nativeAvailable() is false and the server stays at
// vtest protocol 0, where nothing needs fd passing or shared memory.
import { createRequire } from 'node:module';
import { fileURLToPath } from 'node:url';

/** An error thrown by a failed system call inside the addon (shaped like Node's system errors). */
export interface NativeSystemError extends Error {
  /** errno name, e.g. 'EMFILE'. */
  code: string;
  /** Negative errno, as in Node. */
  errno: number;
  /** The failing call, e.g. 'memfd_create'. */
  syscall: string;
}

/** The addon's functions. All fds are close-on-exec; all throw NativeSystemError on syscall failure. */
export interface NativeAddon {
  /** memfd_create(MFD_CLOEXEC|MFD_ALLOW_SEALING) + ftruncate, then sealed against shrinking and growing. */
  memfdCreate(name: string, size: number): number;
  /**
   * An ArrayBuffer over mmap(fd, size). writable: MAP_SHARED (writes reach the file and every other
   * mapping); otherwise a private copy-on-write mapping. Throws RangeError if size exceeds the file.
   * Unmapped by munmap() or, failing that, when the ArrayBuffer is garbage-collected.
   */
  mmapFd(fd: number, size: number, writable: boolean): ArrayBuffer;
  /** Detaches the ArrayBuffer (its views become empty) and unmaps it now; false if already detached. */
  munmap(buffer: ArrayBuffer): boolean;
  closeFd(fd: number): void;
  /** st_size from fstat. */
  fdSize(fd: number): number;
  /** One fd as SCM_RIGHTS on a 1-byte dummy message (vtest_send_fd); false when the socket is full. */
  sendFd(socketFd: number, fd: number): boolean;
  /** eventfd(initial, EFD_CLOEXEC|EFD_NONBLOCK). */
  eventfdCreate(initial?: number): number;
  /** Adds value (default 1); false if the counter would overflow (it is readable anyway). */
  eventfdSignal(fd: number, value?: number): boolean;
  /** Reads and resets the counter; null when it is zero. */
  eventfdRead(fd: number): bigint | null;
}

const FUNCTIONS = [
  'memfdCreate', 'mmapFd', 'munmap', 'closeFd', 'fdSize', 'sendFd', 'eventfdCreate', 'eventfdSignal', 'eventfdRead',
] as const satisfies readonly (keyof NativeAddon)[];

/** Where node-gyp puts the addon: <repo>/native/build/Release, from src/server/native or dist/server/native. */
export const ADDON_PATH = fileURLToPath(new URL('../../../native/build/Release/virgl_native.node', import.meta.url));

export class NativeUnavailableError extends Error {
  constructor(reason: string) {
    super(`native addon unavailable: ${reason}`);
    this.name = 'NativeUnavailableError';
  }
}

export type AddonLoad = { ok: true; addon: NativeAddon } | { ok: false; reason: string };

function isAddon(v: unknown): v is NativeAddon {
  if (typeof v !== 'object' || v === null) return false;
  return FUNCTIONS.every((name) => typeof Reflect.get(v, name) === 'function');
}

/** Loads an addon file; never throws. Exported for tests. */
export function loadAddonFrom(path: string): AddonLoad {
  if (process.platform !== 'linux') return { ok: false, reason: `not supported on ${process.platform} (Linux only)` };
  if (process.env.VIRGL_WEBGPU_NO_NATIVE === '1') return { ok: false, reason: 'disabled by VIRGL_WEBGPU_NO_NATIVE=1' };
  let mod: unknown;
  try {
    mod = createRequire(import.meta.url)(path);
  } catch (e) {
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { ok: false, reason: `cannot load ${path} (${msg}); build it with \`node native/build.mjs\`` };
  }
  if (!isAddon(mod)) return { ok: false, reason: `${path} lacks some of: ${FUNCTIONS.join(', ')}; rebuild it` };
  return { ok: true, addon: mod };
}

let cached: AddonLoad | null = null;

function load(): AddonLoad {
  cached ??= loadAddonFrom(ADDON_PATH);
  return cached;
}

/** True when the addon loaded: fd passing and shared memory (vtest protocol 2+) are possible. */
export function nativeAvailable(): boolean {
  return load().ok;
}

/** Why the addon is unavailable, or null when it loaded. */
export function nativeUnavailableReason(): string | null {
  const l = load();
  return l.ok ? null : l.reason;
}

/** The addon; throws NativeUnavailableError when it could not be loaded. */
export function native(): NativeAddon {
  const l = load();
  if (!l.ok) throw new NativeUnavailableError(l.reason);
  return l.addon;
}
