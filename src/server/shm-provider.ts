// Where a session's shared memory comes from (vtest v2+). On a socket with the native addon it is a
// memfd the client maps too; when replaying a trace or in tests it is plain memory, with no fd.
import { SharedMemoryRegion, ShmBudget, type ShmAllocationHook } from './shm/shared-memory.js';
import { EventFd } from './shm/eventfd.js';

export interface ShmBacking {
  readonly bytes: Uint8Array<ArrayBuffer>;
  /** The fd to send to the client, or null when there is nobody to send it to. */
  readonly fd: number | null;
  /** Closes our fd once the client has its copy; the mapping stays. */
  releaseFd(): void;
  /** Unmaps (views become empty) and returns the budget. Idempotent. */
  close(): void;
}

/** A waitable the client polls (SYNC_WAIT): an eventfd on a socket, nothing in replays. */
export interface ShmSignal {
  readonly fd: number | null;
  signal(): void;
  close(): void;
}

export interface ShmProvider {
  /** True when backings carry fds that the session must send (RESOURCE_CREATE2, blobs, SYNC_WAIT). */
  readonly passesFds: boolean;
  allocate(name: string, size: number): ShmBacking;
  signal(): ShmSignal;
}

/** memfd + mmap through the native addon; each client gets its own budget. */
export class MemfdProvider implements ShmProvider {
  readonly passesFds = true;
  private readonly budget: ShmAllocationHook;

  constructor(maxBytes: number, parent?: ShmAllocationHook) {
    this.budget = new ShmBudget(maxBytes, 'client shared memory', parent);
  }

  allocate(name: string, size: number): ShmBacking {
    const region = SharedMemoryRegion.create(name, size, { hook: this.budget });
    const b = region.bytes;
    const bytes = new Uint8Array(b.buffer as ArrayBuffer, b.byteOffset, b.length);
    return {
      bytes,
      get fd() { return region.hasFd ? region.fd : null; },
      releaseFd: () => region.releaseFd(),
      close: () => region.close(),
    };
  }

  signal(): ShmSignal {
    const e = new EventFd();
    return { get fd() { return e.closed ? null : e.fd; }, signal: () => { if (!e.closed) e.signal(); }, close: () => e.close() };
  }
}

/** Plain memory: replays and tests, where the session's "client" is in-process. */
export class HeapProvider implements ShmProvider {
  readonly passesFds = false;
  private used = 0;

  constructor(private readonly maxBytes = Number.MAX_SAFE_INTEGER) {}

  allocate(name: string, size: number): ShmBacking {
    if (!Number.isSafeInteger(size) || size <= 0) throw new RangeError(`${name}: invalid shared memory size ${size}`);
    if (this.used + size > this.maxBytes) throw new RangeError(`${name}: ${size} bytes exceed the ${this.maxBytes}-byte budget`);
    this.used += size;
    let bytes = new Uint8Array(size);
    let open = true;
    return {
      get bytes() { return bytes; },
      fd: null,
      releaseFd: () => {},
      close: () => {
        if (!open) return;
        open = false;
        this.used -= size;
        bytes = new Uint8Array(0);
      },
    };
  }

  signal(): ShmSignal {
    return { fd: null, signal: () => {}, close: () => {} };
  }
}
