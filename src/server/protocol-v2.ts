// vtest protocol versions 2 and 3: shared-memory resources and transfers (v2), server-chosen
// resource ids, parameters, capsets, blobs, syncs and SUBMIT_CMD2 (v3). The session dispatches the
// commands here; everything that touches shared memory or fds lives in this module.
// Facts: docs/protocol.md ("Versions 2 and 3"), docs/shared-memory.md.
import {
  BLOB_FLAGS, BLOB_ID_HI, BLOB_ID_LO, BLOB_SIZE_HI, BLOB_SIZE_LO, BLOB_TYPE, GET_CAPSET_ID,
  RES_CREATE2_DATA_SIZE, SUBMIT_CMD2_BATCH_CMD_OFFSET, SUBMIT_CMD2_BATCH_CMD_SIZE, SUBMIT_CMD2_BATCH_DWORDS_V3,
  SUBMIT_CMD2_BATCH_SYNC_COUNT, SUBMIT_CMD2_BATCH_SYNC_OFFSET, SYNC_ENTRY_DWORDS, SYNC_WAIT_FIRST,
  SYNC_WAIT_FLAGS, SYNC_WAIT_FLAG_ANY, TRANSFER2_DATA_SIZE, TRANSFER2_DEPTH, TRANSFER2_HANDLE, TRANSFER2_HEIGHT,
  TRANSFER2_LEVEL, TRANSFER2_OFFSET, TRANSFER2_WIDTH, TRANSFER2_X, TRANSFER2_Y, TRANSFER2_Z,
  VCMD_BLOB_TYPE_GUEST, VCMD_BLOB_TYPE_HOST3D, VCMD_BLOB_TYPE_HOST3D_GUEST, VCMD_LAYOUT, VCmd,
  VIRGL_CAPSET_VIRGL, VIRGL_CAPSET_VIRGL2, VTEST_MAX_TIMELINE_COUNT, VTEST_PARAM_MAX_TIMELINE_COUNT,
  VTEST_PROTOCOL_VERSION_V3, vcmdName,
} from '../protocol/vtest.js';
import type { VtestCommand } from './framer.js';
import { ProtocolError } from './protocol-error.js';
import { ContextError, type ResourceCreateArgs, type TransferArgs } from './renderer.js';
import type { ShmBacking, ShmProvider, ShmSignal } from './shm-provider.js';

/** What this module needs from the session (kept narrow so the two stay independent). */
export interface ShmSessionView {
  readonly protocolVersion: number;
  readonly shm: ShmState;
  readonly log: { info(m: string): void; warn(m: string): void; error(m: string): void };
  ctx(): import('./renderer.js').RendererContext;
  reply(id: VCmd, ...values: number[]): void;
  write(bytes: Uint8Array): void;
  /** Sends an fd right after the bytes written so far (no-op without fd passing). */
  sendFd(fd: number | null): void | Promise<void>;
  capsV1(): Uint8Array;
  capsV2(): Uint8Array;
  /** The recorder, if any. */
  readonly tap?: {
    resourceCreated(id: number, args: Readonly<ResourceCreateArgs>): void;
    shmRead(resourceId: number, offset: number, bytes: Uint8Array): void;
    shmWritten(resourceId: number, offset: number, args: Readonly<TransferArgs>, bytes: Uint8Array): void;
  };
}

interface Waiter { entries: [number, bigint][]; any: boolean; signal: ShmSignal }

/** One session's shared-memory state: backings by resource id, syncs, id allocation. */
export class ShmState {
  readonly backings = new Map<number, ShmBacking>();
  /** Blobs: shared memory the client writes without telling us. */
  readonly coherent = new Set<number>();
  /** Resource ids the server handed out (v3) that are still alive. */
  private readonly liveIds = new Set<number>();
  private nextId = 1;
  readonly syncs = new Map<number, bigint>();
  private nextSyncId = 1;
  private readonly waiters = new Set<Waiter>();
  capset = 0;

  constructor(readonly provider: ShmProvider, readonly maxBytes: number) {}

  /** A fresh resource id (v3). Ids are never reused while alive, and never 0. */
  allocateId(inUse: (id: number) => boolean): number {
    for (let tries = 0; tries < 0x1_0000; tries++) {
      const id = this.nextId;
      this.nextId = this.nextId >= 0x7fff_ffff ? 1 : this.nextId + 1;
      if (!this.liveIds.has(id) && !inUse(id)) { this.liveIds.add(id); return id; }
    }
    throw new ProtocolError('no free resource id', 0);
  }

  releaseId(id: number): void {
    this.liveIds.delete(id);
    this.coherent.delete(id);
    this.backings.get(id)?.close();
    this.backings.delete(id);
  }

  createSync(value: bigint): number {
    if (this.syncs.size >= 0x1_0000) throw new Error('too many syncs');
    let id = this.nextSyncId;
    while (this.syncs.has(id) || id === 0) id = (id + 1) >>> 0;
    this.nextSyncId = (id + 1) >>> 0;
    this.syncs.set(id, value);
    return id;
  }

  writeSync(id: number, value: bigint): void {
    this.syncs.set(id, value);
    for (const w of this.waiters) {
      if (this.satisfied(w)) { w.signal.signal(); w.signal.close(); this.waiters.delete(w); }
    }
  }

  /** A SYNC_WAIT: signalled now if already satisfied, else when a sync write satisfies it. */
  wait(entries: [number, bigint][], any: boolean, signal: ShmSignal): void {
    const w: Waiter = { entries, any, signal };
    if (this.satisfied(w)) signal.signal();
    else this.waiters.add(w);
  }

  private satisfied(w: Waiter): boolean {
    const ok = (e: [number, bigint]): boolean => (this.syncs.get(e[0]) ?? 0n) >= e[1];
    return w.entries.length === 0 || (w.any ? w.entries.some(ok) : w.entries.every(ok));
  }

  close(): void {
    for (const b of this.backings.values()) b.close();
    this.backings.clear();
    for (const w of this.waiters) w.signal.close();
    this.waiters.clear();
    this.syncs.clear();
  }
}

type Handler = (s: ShmSessionView, c: VtestCommand, p: Uint32Array) => void | Promise<void>;

/**
 * Live shared-memory regions per client. Each is one mapping, and a process has about 65530
 * (vm.max_map_count) for all clients together: one client must not be able to take them all.
 */
export const MAX_SHM_REGIONS_PER_CLIENT = 8192;

/** A new backing for `name`, or a ProtocolError: the client waits for its fd and cannot go on without one. */
function allocateBacking(s: ShmSessionView, c: VtestCommand, name: string, size: number): ShmBacking {
  if (s.shm.backings.size >= MAX_SHM_REGIONS_PER_CLIENT) {
    throw new ProtocolError(`${vcmdName(c.id)}: more than ${MAX_SHM_REGIONS_PER_CLIENT} shared-memory regions`, c.streamOffset);
  }
  try {
    return s.shm.provider.allocate(name, size);
  } catch (e) {
    throw new ProtocolError(`${vcmdName(c.id)}: no shared memory of ${size} bytes: ${e instanceof Error ? e.message : String(e)}`, c.streamOffset);
  }
}

function needVersion(s: ShmSessionView, c: VtestCommand, version = VCMD_LAYOUT[c.id].since): void {
  if (s.protocolVersion < version) {
    throw new ProtocolError(`${vcmdName(c.id)} needs protocol version ${version}+, but version ${s.protocolVersion} was negotiated`, c.streamOffset);
  }
}

const u64 = (lo: number, hi: number): bigint => (BigInt(hi >>> 0) << 32n) | BigInt(lo >>> 0);

function createArgs(p: Uint32Array): ResourceCreateArgs {
  return {
    handle: p[0], target: p[1], format: p[2], bind: p[3], width: p[4], height: p[5], depth: p[6],
    arraySize: p[7], lastLevel: p[8], nrSamples: p[9],
  };
}

/** From v3 the server chooses ids: the client must send 0, and is answered with the id. */
function chooseHandle(s: ShmSessionView, c: VtestCommand, args: ResourceCreateArgs): void {
  if (s.protocolVersion < VTEST_PROTOCOL_VERSION_V3) return;
  if (args.handle !== 0) throw new ProtocolError(`${vcmdName(c.id)} with handle ${args.handle}: from protocol version 3 the server chooses ids`, c.streamOffset);
  args.handle = s.shm.allocateId((id) => s.shm.backings.has(id));
}

/** RESOURCE_CREATE: no reply below v3, [1, 2, id] from v3. */
const resourceCreate: Handler = (s, c, p) => {
  const args = createArgs(p);
  chooseHandle(s, c, args);
  const id = s.ctx().resourceCreate(args);
  if (id !== 0) s.tap?.resourceCreated(id, args);
  if (s.protocolVersion >= VTEST_PROTOCOL_VERSION_V3) {
    if (id === 0) s.shm.releaseId(args.handle);
    s.reply(VCmd.RESOURCE_CREATE, id);
  }
};

/** RESOURCE_CREATE2: [1, 12, id] from v3; then, when data_size > 0, the memfd backing. */
const resourceCreate2: Handler = (s, c, p) => {
  needVersion(s, c);
  const args = createArgs(p);
  const size = p[RES_CREATE2_DATA_SIZE];
  chooseHandle(s, c, args);
  let backing: ShmBacking | null = null;
  if (size > 0) {
    if (size > s.shm.maxBytes) throw new ProtocolError(`RESOURCE_CREATE2 of ${size} bytes exceeds the ${s.shm.maxBytes}-byte limit`, c.streamOffset);
    try {
      backing = allocateBacking(s, c, `vtest-res-${args.handle}`, size);
    } catch (e) {
      if (s.protocolVersion >= VTEST_PROTOCOL_VERSION_V3) s.shm.releaseId(args.handle);
      throw e;
    }
  }
  const id = s.ctx().resourceCreate(args, backing?.bytes);
  if (id !== 0 && backing) s.shm.backings.set(id, backing);
  if (id !== 0) s.tap?.resourceCreated(id, args);
  if (s.protocolVersion >= VTEST_PROTOCOL_VERSION_V3) {
    if (id === 0) s.shm.releaseId(args.handle);
    s.reply(VCmd.RESOURCE_CREATE2, id);
  }
  if (!backing) return;
  return sendBacking(s, backing, id !== 0);
};

function sendBacking(s: ShmSessionView, backing: ShmBacking, keep: boolean): void | Promise<void> {
  const done = (): void => { if (keep) backing.releaseFd(); else backing.close(); };
  const pending = s.sendFd(backing.fd);
  if (pending) return pending.then(done);
  done();
}

const resourceUnref: Handler = (s, _c, p) => {
  s.ctx().resourceUnref(p[0]);
  s.shm.releaseId(p[0]);
};

function transfer2Args(p: Uint32Array): TransferArgs {
  return {
    handle: p[TRANSFER2_HANDLE], level: p[TRANSFER2_LEVEL], stride: 0, layerStride: 0,
    x: p[TRANSFER2_X], y: p[TRANSFER2_Y], z: p[TRANSFER2_Z],
    width: p[TRANSFER2_WIDTH], height: p[TRANSFER2_HEIGHT], depth: p[TRANSFER2_DEPTH], levelStrides: true,
  };
}

/**
 * The [offset, offset + data_size) window of a resource's shared memory, cut at its end, or null
 * after a context error. data_size is only an upper bound: Mesa computes it with the display
 * target's padded stride, while the data lies at the level's own stride, so the context checks
 * the box against the window itself.
 */
function window(s: ShmSessionView, c: VtestCommand, p: Uint32Array): Uint8Array | null {
  const handle = p[TRANSFER2_HANDLE];
  const backing = s.shm.backings.get(handle);
  const offset = p[TRANSFER2_OFFSET];
  const size = p[TRANSFER2_DATA_SIZE];
  let why: string | null = null;
  if (!backing) why = `resource ${handle} has no shared memory (unknown, or created without data_size)`;
  else if (offset >= backing.bytes.length) {
    why = `resource ${handle}: offset ${offset} is past its ${backing.bytes.length}-byte shared memory`;
  }
  if (why !== null) {
    s.ctx().reportError(`${vcmdName(c.id)}: ${why}`);
    return null;
  }
  const bytes = backing!.bytes;
  return bytes.subarray(offset, Math.min(bytes.length, offset + size));
}

/** TRANSFER_PUT2: the box is read from shared memory at `offset`, rows at the level's own stride. */
const transferPut2: Handler = (s, c, p) => {
  needVersion(s, c);
  const data = window(s, c, p);
  if (!data) return;
  s.ctx().transferPut(transfer2Args(p), data);
};

/** TRANSFER_GET2: the box is written into shared memory; no reply (the client busy-waits next). */
const transferGet2: Handler = (s, c, p) => {
  needVersion(s, c);
  const data = window(s, c, p);
  if (!data) return;
  const args = transfer2Args(p);
  const offset = p[TRANSFER2_OFFSET];
  const fail = (e: unknown): void => {
    if (!(e instanceof ContextError)) throw e;
    s.log.warn(`TRANSFER_GET2: ${e.message}`);
  };
  const done = (): void => s.tap?.shmWritten(args.handle, offset, args, data);
  try {
    const pending = s.ctx().transferGet(args, data);
    if (pending) return pending.then(done, fail);
    done();
  } catch (e) {
    fail(e);
  }
};

const getParam: Handler = (s, _c, p) => {
  // Timelines are counted from v3 on; below, as before, every parameter is invalid.
  if (s.protocolVersion >= VTEST_PROTOCOL_VERSION_V3 && p[0] === VTEST_PARAM_MAX_TIMELINE_COUNT) {
    s.reply(VCmd.GET_PARAM, 1, VTEST_MAX_TIMELINE_COUNT);
    return;
  }
  s.log.info(`GET_PARAM ${p[0]}: not supported at protocol version ${s.protocolVersion}`);
  s.reply(VCmd.GET_PARAM, 0, 0);
};

/** GET_CAPSET: [1 + size/4, 16, 1] + caps for the virgl capsets; [1, 16, 0] for the rest (venus). */
const getCapset: Handler = (s, c, p) => {
  needVersion(s, c);
  const id = p[GET_CAPSET_ID];
  const caps = id === VIRGL_CAPSET_VIRGL ? s.capsV1() : id === VIRGL_CAPSET_VIRGL2 ? s.capsV2() : null;
  if (!caps) {
    s.log.info(`GET_CAPSET ${id}: not supported`);
    s.reply(VCmd.GET_CAPSET, 0);
    return;
  }
  const out = new Uint8Array(12 + caps.length);
  out.set(new Uint8Array(new Uint32Array([1 + caps.length / 4, VCmd.GET_CAPSET, 1]).buffer));
  out.set(caps, 12);
  s.write(out);
};

const contextInit: Handler = (s, c, p) => {
  needVersion(s, c);
  const id = p[0];
  if (s.shm.capset !== 0) throw new ProtocolError('second CONTEXT_INIT', c.streamOffset);
  if (id !== VIRGL_CAPSET_VIRGL && id !== VIRGL_CAPSET_VIRGL2) {
    throw new ProtocolError(`CONTEXT_INIT with capset ${id}: only the virgl capsets (1, 2) are served`, c.streamOffset);
  }
  s.shm.capset = id;
};

/**
 * RESOURCE_CREATE_BLOB: [1, 18, id] and the memfd. blob_id 0 is plain shared memory (venus's
 * command and reply streams); a virgl blob_id names a preceding PIPE_RESOURCE_CREATE.
 */
const resourceCreateBlob: Handler = (s, c, p) => {
  needVersion(s, c);
  const type = p[BLOB_TYPE];
  const size = u64(p[BLOB_SIZE_LO], p[BLOB_SIZE_HI]);
  const blobId = u64(p[BLOB_ID_LO], p[BLOB_ID_HI]);
  if (type !== VCMD_BLOB_TYPE_GUEST && type !== VCMD_BLOB_TYPE_HOST3D && type !== VCMD_BLOB_TYPE_HOST3D_GUEST) {
    throw new ProtocolError(`RESOURCE_CREATE_BLOB of unknown type ${type}`, c.streamOffset);
  }
  if (size === 0n || size > BigInt(s.shm.maxBytes)) {
    throw new ProtocolError(`RESOURCE_CREATE_BLOB of ${size} bytes (limit ${s.shm.maxBytes})`, c.streamOffset);
  }
  const id = s.shm.allocateId((i) => s.shm.backings.has(i));
  let backing: ShmBacking;
  try {
    backing = allocateBacking(s, c, `vtest-res-${id}`, Number(size));
  } catch (e) {
    s.shm.releaseId(id);
    throw e;
  }
  if (blobId !== 0n) {
    const args = s.ctx().takeBlobArgs?.(Number(blobId & 0xffff_ffffn));
    if (!args) {
      backing.close();
      s.shm.releaseId(id);
      throw new ProtocolError(`RESOURCE_CREATE_BLOB: blob id ${blobId} names no PIPE_RESOURCE_CREATE`, c.streamOffset);
    }
    args.handle = id;
    if (s.ctx().resourceCreate(args, backing.bytes, { coherent: true }) === 0) {
      s.log.warn(`RESOURCE_CREATE_BLOB: the context refused resource ${id} (flags ${p[BLOB_FLAGS]})`);
    } else {
      s.tap?.resourceCreated(id, args);
    }
  }
  s.shm.backings.set(id, backing);
  s.shm.coherent.add(id);
  s.reply(VCmd.RESOURCE_CREATE_BLOB, id);
  return sendBacking(s, backing, true);
};

function knownSync(s: ShmSessionView, c: VtestCommand, id: number): void {
  if (!s.shm.syncs.has(id)) throw new ProtocolError(`${vcmdName(c.id)}: unknown sync ${id}`, c.streamOffset);
}

const syncCreate: Handler = (s, c, p) => {
  needVersion(s, c);
  s.reply(VCmd.SYNC_CREATE, s.shm.createSync(u64(p[0], p[1])));
};

const syncUnref: Handler = (s, c, p) => {
  needVersion(s, c);
  knownSync(s, c, p[0]);
  s.shm.syncs.delete(p[0]);
};

const syncRead: Handler = (s, c, p) => {
  needVersion(s, c);
  knownSync(s, c, p[0]);
  const v = s.shm.syncs.get(p[0])!;
  s.reply(VCmd.SYNC_READ, Number(v & 0xffff_ffffn), Number(v >> 32n));
};

const syncWrite: Handler = (s, c, p) => {
  needVersion(s, c);
  knownSync(s, c, p[0]);
  s.shm.writeSync(p[0], u64(p[1], p[2]));
};

function syncEntries(s: ShmSessionView, c: VtestCommand, p: Uint32Array, first: number, count: number): [number, bigint][] {
  if (first + count * SYNC_ENTRY_DWORDS > p.length) {
    throw new ProtocolError(`${vcmdName(c.id)}: ${count} sync entries run past the payload`, c.streamOffset);
  }
  const out: [number, bigint][] = [];
  for (let i = 0; i < count; i++) {
    const at = first + i * SYNC_ENTRY_DWORDS;
    knownSync(s, c, p[at]);
    out.push([p[at], u64(p[at + 1], p[at + 2])]);
  }
  return out;
}

/** SYNC_WAIT: [0, 23] and an eventfd that becomes readable once the syncs reach their values. */
const syncWait: Handler = (s, c, p) => {
  needVersion(s, c);
  if (p.length < SYNC_WAIT_FIRST || (p.length - SYNC_WAIT_FIRST) % SYNC_ENTRY_DWORDS !== 0) {
    throw new ProtocolError(`SYNC_WAIT payload of ${p.length} dwords`, c.streamOffset);
  }
  const entries = syncEntries(s, c, p, SYNC_WAIT_FIRST, (p.length - SYNC_WAIT_FIRST) / SYNC_ENTRY_DWORDS);
  const signal = s.shm.provider.signal();
  s.reply(VCmd.SYNC_WAIT);
  const pending = s.sendFd(signal.fd);
  const arm = (): void => s.shm.wait(entries, (p[SYNC_WAIT_FLAGS] & SYNC_WAIT_FLAG_ANY) !== 0, signal);
  if (pending) return pending.then(arm, (e) => { signal.close(); throw e; });
  arm();
};

/**
 * SUBMIT_CMD2: each batch's virgl commands run on our one context (ring_idx is ignored: there is one
 * queue); its syncs take their values once the GPU work submitted so far is done.
 */
const submitCmd2: Handler = (s, c, p) => {
  needVersion(s, c);
  const count = p.length > 0 ? p[0] : 0;
  if (p.length < 1 || 1 + count * SUBMIT_CMD2_BATCH_DWORDS_V3 > p.length) {
    throw new ProtocolError(`SUBMIT_CMD2 with ${count} batches in ${p.length} dwords`, c.streamOffset);
  }
  const signals: [number, bigint][] = [];
  for (let b = 0; b < count; b++) {
    const h = 1 + b * SUBMIT_CMD2_BATCH_DWORDS_V3;
    const cmdOffset = p[h + SUBMIT_CMD2_BATCH_CMD_OFFSET];
    const cmdSize = p[h + SUBMIT_CMD2_BATCH_CMD_SIZE];
    if (cmdOffset + cmdSize > p.length) {
      throw new ProtocolError(`SUBMIT_CMD2 batch ${b}: ${cmdSize} dwords at ${cmdOffset} run past the payload`, c.streamOffset);
    }
    signals.push(...syncEntries(s, c, p, p[h + SUBMIT_CMD2_BATCH_SYNC_OFFSET], p[h + SUBMIT_CMD2_BATCH_SYNC_COUNT]));
    if (cmdSize > 0) s.ctx().submit(p.subarray(cmdOffset, cmdOffset + cmdSize));
  }
  if (signals.length === 0) return;
  const ctx = s.ctx();
  const apply = (): void => { for (const [id, v] of signals) if (s.shm.syncs.has(id)) s.shm.writeSync(id, v); };
  if (ctx.isBusy()) void ctx.waitIdle().then(apply, apply);
  else apply();
};

/**
 * For the recorder: reports the shared memory a command is about to read (TRANSFER_PUT2's window,
 * the sources of TO_HOST TRANSFER3Ds in a submit, and every coherent blob), before the command runs.
 * Ranges are generous where the format is not known here (the replay writes the same bytes back).
 */
export function shmInputs(s: ShmSessionView, c: VtestCommand, p: Uint32Array): void {
  const tap = s.tap;
  if (!tap) return;
  switch (c.id) {
    case VCmd.TRANSFER_PUT2: {
      const b = s.shm.backings.get(p[TRANSFER2_HANDLE]);
      const offset = p[TRANSFER2_OFFSET];
      if (b && offset < b.bytes.length) tap.shmRead(p[TRANSFER2_HANDLE], offset, b.bytes.subarray(offset, Math.min(b.bytes.length, offset + p[TRANSFER2_DATA_SIZE])));
      return;
    }
    case VCmd.SUBMIT_CMD:
      scanTransfers(s, p);
      break;
    case VCmd.SUBMIT_CMD2: {
      const count = p[0] ?? 0;
      for (let b = 0; b < count && 1 + (b + 1) * SUBMIT_CMD2_BATCH_DWORDS_V3 <= p.length; b++) {
        const h = 1 + b * SUBMIT_CMD2_BATCH_DWORDS_V3;
        const at = p[h + SUBMIT_CMD2_BATCH_CMD_OFFSET];
        const n = p[h + SUBMIT_CMD2_BATCH_CMD_SIZE];
        if (at + n <= p.length) scanTransfers(s, p.subarray(at, at + n));
      }
      break;
    }
    default:
      return;
  }
  for (const id of s.shm.coherent) {
    const b = s.shm.backings.get(id);
    if (b) tap.shmRead(id, 0, b.bytes);
  }
}

const VIRGL_CCMD_TRANSFER3D = 43;
const TRANSFER3D_DWORDS = 13;
const VIRGL_TRANSFER_TO_HOST = 1;
/** Largest bytes per pixel of any virgl format (R32G32B32A32): bounds a row when the stride is 0. */
const MAX_PIXEL_BYTES = 16;

function scanTransfers(s: ShmSessionView, buf: Uint32Array): void {
  for (let at = 0; at < buf.length;) {
    const header = buf[at];
    const len = header >>> 16;
    if ((header & 0xff) === VIRGL_CCMD_TRANSFER3D && len === TRANSFER3D_DWORDS && at + 1 + len <= buf.length
      && buf[at + 13] === VIRGL_TRANSFER_TO_HOST) {
      const b = s.shm.backings.get(buf[at + 1]);
      const offset = buf[at + 12];
      if (b && offset < b.bytes.length) {
        const [stride, layerStride, w, h, d] = [buf[at + 4], buf[at + 5], buf[at + 9], buf[at + 10], buf[at + 11]];
        const row = stride || w * MAX_PIXEL_BYTES;
        const size = (Math.max(1, d) - 1) * (layerStride || row * h) + Math.max(1, h) * row;
        s.tap!.shmRead(buf[at + 1], offset, b.bytes.subarray(offset, Math.min(b.bytes.length, offset + size)));
      }
    }
    at += 1 + len;
  }
}

/** The session's handlers for the commands whose behaviour depends on shared memory or version 3. */
export const SHM_HANDLERS = {
  [VCmd.RESOURCE_CREATE]: resourceCreate,
  [VCmd.RESOURCE_UNREF]: resourceUnref,
  [VCmd.RESOURCE_CREATE2]: resourceCreate2,
  [VCmd.TRANSFER_GET2]: transferGet2,
  [VCmd.TRANSFER_PUT2]: transferPut2,
  [VCmd.GET_PARAM]: getParam,
  [VCmd.GET_CAPSET]: getCapset,
  [VCmd.CONTEXT_INIT]: contextInit,
  [VCmd.RESOURCE_CREATE_BLOB]: resourceCreateBlob,
  [VCmd.SYNC_CREATE]: syncCreate,
  [VCmd.SYNC_UNREF]: syncUnref,
  [VCmd.SYNC_READ]: syncRead,
  [VCmd.SYNC_WRITE]: syncWrite,
  [VCmd.SYNC_WAIT]: syncWait,
  [VCmd.SUBMIT_CMD2]: submitCmd2,
} satisfies Partial<Record<VCmd, Handler>>;
