// The native addon's memfd/mmap/eventfd functions and the SharedMemoryRegion built on them.
import { describe, expect, it } from 'vitest';
import { ftruncateSync, openSync, readlinkSync } from 'node:fs';
import {
  loadAddonFrom, native, nativeAvailable, nativeUnavailableReason, type NativeSystemError,
} from '../../src/server/native/addon.js';
import { EventFd, SharedMemoryRegion, ShmBudget, ShmLimitError } from '../../src/server/shm/index.js';

// Not on Linux, or opted out: skip. On Linux the addon is expected: only the 'loads' test fails
// (with the reason) when it is missing, and the rest skip.
const optOut = process.platform !== 'linux'
  ? `the native addon is Linux-only (platform ${process.platform})`
  : process.env.VIRGL_WEBGPU_NO_NATIVE === '1' ? 'disabled by VIRGL_WEBGPU_NO_NATIVE=1' : null;
const skipReason = optOut ?? nativeUnavailableReason();

/** A second, independent open of the same memfd (what a client gets is equivalent). */
const reopen = (fd: number): number => openSync(`/proc/self/fd/${fd}`, 'r+');

/** What an fd number currently refers to, or null when it is closed. */
function fdTarget(fd: number): string | null {
  try {
    return readlinkSync(`/proc/self/fd/${fd}`);
  } catch {
    return null;
  }
}

function systemError(f: () => unknown): NativeSystemError {
  try {
    f();
  } catch (e) {
    return e as NativeSystemError;
  }
  throw new Error('expected a throw');
}

describe('native addon loading', () => {
  it('reports a missing addon instead of throwing', () => {
    const r = loadAddonFrom('/nonexistent/virgl_native.node');
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toMatch(optOut === null ? /cannot load .*build it with/ : /Linux only|VIRGL_WEBGPU_NO_NATIVE/);
  });

  it.skipIf(optOut !== null)('loads on Linux (run `node native/build.mjs` if this fails)', () => {
    expect(nativeUnavailableReason()).toBeNull();
    expect(nativeAvailable()).toBe(true);
  });
});

describe.skipIf(skipReason !== null)(`memfd and mmap${skipReason ? ` (skipped: ${skipReason})` : ''}`, () => {
  it('creates a sized, sealed memfd', () => {
    const n = native();
    const fd = n.memfdCreate('vtest-res-1', 10_000);
    try {
      expect(n.fdSize(fd)).toBe(10_000);
      expect(fdTarget(fd)).toBe('/memfd:vtest-res-1 (deleted)');
      // Sealed: a client holding the fd cannot shrink it under our mapping.
      expect(() => ftruncateSync(fd, 0)).toThrow(/EPERM/);
    } finally {
      n.closeFd(fd);
    }
  });

  it('shares bytes between two mappings of the same memfd', () => {
    const n = native();
    const fd = n.memfdCreate('two-maps', 65536);
    const fd2 = reopen(fd);
    const a = new Uint8Array(n.mmapFd(fd, 65536, true));
    const b = new Uint8Array(n.mmapFd(fd2, 65536, true));
    const priv = new Uint8Array(n.mmapFd(fd2, 65536, false));
    try {
      expect(a.every((x) => x === 0)).toBe(true);
      for (let i = 0; i < a.length; i += 997) a[i] = i & 0xff;
      for (let i = 0; i < b.length; i += 997) expect(b[i]).toBe(i & 0xff);
      b[65535] = 0x5a;
      expect(a[65535]).toBe(0x5a);
      expect(priv[65535]).toBe(0x5a); // a private mapping reads the shared pages...
      priv[0] = 0xee; // ...and its writes stay private, without crashing
      expect(a[0]).toBe(0);
    } finally {
      for (const v of [a, b, priv]) n.munmap(v.buffer as ArrayBuffer);
      n.closeFd(fd);
      n.closeFd(fd2);
    }
  });

  it('refuses a mapping larger than the file (it would SIGBUS)', () => {
    const n = native();
    const fd = n.memfdCreate('small', 4096);
    try {
      expect(() => n.mmapFd(fd, 8192, true)).toThrow(RangeError);
      expect(() => n.mmapFd(fd, 0, true)).toThrow(RangeError);
    } finally {
      n.closeFd(fd);
    }
  });

  it('munmap detaches the ArrayBuffer and is safe to repeat', () => {
    const n = native();
    const fd = n.memfdCreate('unmap', 1 << 20);
    try {
      for (let i = 0; i < 2000; i++) { // the kernel reuses addresses: no stale bookkeeping may survive
        const ab = n.mmapFd(fd, 1 << 20, true);
        const view = new Uint8Array(ab);
        view[i] = 1;
        expect(n.munmap(ab)).toBe(true);
        expect(ab.byteLength).toBe(0);
        expect(view.length).toBe(0);
        expect(view[i]).toBeUndefined();
        expect(n.munmap(ab)).toBe(false);
      }
      expect(() => n.munmap(new ArrayBuffer(16))).toThrow(TypeError);
    } finally {
      n.closeFd(fd);
    }
  });

  it('throws errors carrying errno text, code and syscall', () => {
    const n = native();
    const e = systemError(() => n.fdSize(1_000_000));
    expect(e.message).toBe('fstat: Bad file descriptor (EBADF)');
    expect(e.code).toBe('EBADF');
    expect(e.errno).toBe(-9);
    expect(e.syscall).toBe('fstat');
    expect(systemError(() => n.closeFd(1_000_000)).code).toBe('EBADF');
    expect(() => n.memfdCreate('x', -1)).toThrow(RangeError);
    expect(() => n.mmapFd(1.5, 1, true)).toThrow(RangeError);
  });

  it('eventfds signal and reset', () => {
    const ev = new EventFd();
    try {
      expect(ev.read()).toBeNull();
      expect(ev.signal()).toBe(true);
      expect(ev.signal(41)).toBe(true);
      expect(ev.read()).toBe(42n);
      expect(ev.read()).toBeNull();
    } finally {
      ev.close();
    }
    expect(ev.closed).toBe(true);
    expect(() => ev.signal()).toThrow(/closed/);
  });
});

describe.skipIf(skipReason !== null)('SharedMemoryRegion', () => {
  it('reads back through a second region what the first wrote, and vice versa', () => {
    const r1 = SharedMemoryRegion.create('vtest-res-7', 3000);
    const r2 = SharedMemoryRegion.fromFd('peer', reopen(r1.fd));
    try {
      expect(r2.size).toBe(3000);
      r1.bytes.set([1, 2, 3], 10);
      expect([...r2.bytes.subarray(10, 13)]).toEqual([1, 2, 3]);
      r2.bytes[2999] = 9;
      expect(r1.bytes[2999]).toBe(9);
    } finally {
      r1.close();
      r2.close();
    }
  });

  it('releaseFd keeps the mapping; close unmaps, closes and is idempotent', () => {
    const r = SharedMemoryRegion.create('lifetime', 4096);
    const fd = r.fd;
    const view = r.bytes;
    r.releaseFd();
    expect(fdTarget(fd)).not.toBe('/memfd:lifetime (deleted)');
    expect(r.hasFd).toBe(false);
    expect(() => r.fd).toThrow(/released/);
    view[7] = 7;
    expect(r.bytes[7]).toBe(7);
    r.close();
    r.close();
    expect(r.closed).toBe(true);
    expect(view.length).toBe(0);
    expect(() => r.bytes).toThrow(/closed/);
  });

  it('enforces an allocation budget, chained to a server-wide one', () => {
    const server = new ShmBudget(10_000, 'server shared memory');
    const client = new ShmBudget(6000, 'client shared memory', server);
    const a = SharedMemoryRegion.create('a', 4000, { hook: client });
    expect(() => SharedMemoryRegion.create('b', 4000, { hook: client })).toThrow(ShmLimitError);
    const other = new ShmBudget(8000, 'other client', server);
    expect(() => SharedMemoryRegion.create('c', 7000, { hook: other })).toThrow(/server shared memory limit/);
    expect([client.used, server.used, other.used]).toEqual([4000, 4000, 0]);
    a.close();
    expect([client.used, server.used]).toEqual([0, 0]);
    const b = SharedMemoryRegion.create('b', 6000, { hook: client });
    b.close();
    expect(server.used).toBe(0);
  });

  it('returns the budget and closes the fd when mapping an fd fails', () => {
    const budget = new ShmBudget(1 << 20);
    const n = native();
    const fd = n.memfdCreate('short', 100);
    const dup = reopen(fd);
    expect(() => SharedMemoryRegion.fromFd('too-big', dup, 200, { hook: budget })).toThrow(RangeError);
    expect(budget.used).toBe(0);
    expect(fdTarget(dup)).not.toBe('/memfd:short (deleted)');
    n.closeFd(fd);
  });
});
