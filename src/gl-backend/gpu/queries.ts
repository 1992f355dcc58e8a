// Gallium queries. Occlusion: every render pass begun while one is active gets a slot of an
// occlusion query set, summed at END. Time: GPU timestamps when the device has them, else the
// CPU time at which the queue finished the work. Results land asynchronously in the query's
// buffer (shadow and GPU copy); TRANSFER_GET of that buffer waits for them (pendingQueryWrite).
import { PipeQuery as Q, PipeQueryValueType as V } from '../../protocol/gallium.js';
import { VIRGL_HOST_QUERY_STATE as HQS, VirglQueryState } from '../../protocol/virgl-host-structs.js';
import { ContextError, type Logger } from '../../server/renderer.js';
import type { QueryState } from '../state/objects.js';
import type { SubContext } from '../state/sub-context.js';
import type { AfterSubmit } from './after-submit.js';
import type { GpuBatch } from './batch.js';
import type { GlDevice } from './device-cache.js';
import { QueryPool } from './query-pool.js';
import type { GpuResource, GpuResources } from './resources.js';

const enum Kind { Samples, AnySamples, TimeElapsed, Timestamp, Finished, Zero }

/** Where a result goes: the host query state (type -1) or a QBO value of a PipeQueryValueType. */
interface Dest { res: GpuResource; offset: number; type: number }

interface Run {
  readonly q: QueryState;
  readonly kind: Kind;
  /** Bumped when the query restarts; readbacks of an older round are dropped. */
  round: number;
  inflight: number;
  ended: boolean;
  samples: number;
  t0: bigint; t1: bigint; gpuNs: bigint;
  tsBegin: number;
  readonly slots: number[];
  readonly dests: Dest[];
}

const OCCLUSION_SLOTS = 1024;
const TIMESTAMP_SLOTS = 256;
const byBatch = new WeakMap<GpuBatch, GpuQueries>();
const byResources = new WeakMap<GpuResources, GpuQueries>();

/** draw.ts opens its passes through this, so active occlusion queries count their samples. */
export function beginQueriedPass(batch: GpuBatch, desc: GPURenderPassDescriptor, key: string): GPURenderPassEncoder {
  return byBatch.get(batch)?.beginPass(desc, key) ?? batch.beginPass(desc, key);
}

/** GpuResources.read waits on this before reading a buffer that a query result is due in. */
export function pendingQueryWrite(resources: GpuResources, handle: number): Promise<void> | null {
  return byResources.get(resources)?.pendingFor(handle) ?? null;
}

function kindOf(type: number): Kind {
  switch (type) {
    case Q.OCCLUSION_COUNTER: return Kind.Samples;
    case Q.OCCLUSION_PREDICATE: case Q.OCCLUSION_PREDICATE_CONSERVATIVE: return Kind.AnySamples;
    case Q.TIME_ELAPSED: return Kind.TimeElapsed;
    case Q.TIMESTAMP: return Kind.Timestamp;
    case Q.GPU_FINISHED: return Kind.Finished;
    default: return Kind.Zero;
  }
}

// Mesa answers GL_TIMESTAMP with the guest's CLOCK_MONOTONIC; Node's hrtime reads the same clock,
// so a local vtest client can compare the two. Elsewhere: performance.now().
const hrtime = (globalThis as { process?: { hrtime?: { bigint?: () => bigint } } }).process?.hrtime?.bigint;
const nowNs = (): bigint => (hrtime ? hrtime() : BigInt(Math.round(performance.now() * 1e6)));
const MAX_VALUE = [0x7fffffffn, 0xffffffffn, 0x7fffffffffffffffn, 0xffffffffffffffffn];

export class GpuQueries {
  private readonly runs = new WeakMap<QueryState, Run>();
  private readonly active: Run[] = [];
  private openPass: GPURenderPassEncoder | null = null;
  private occlusion: QueryPool | null = null;
  private timestamps: QueryPool | null = null;
  private readonly pending = new Map<number, { promise: Promise<void>; resolve: () => void; count: number }>();
  private readonly warned = new Set<number | string>();

  constructor(private readonly dev: GlDevice, private readonly resources: GpuResources, private readonly batch: GpuBatch,
    private readonly after: AfterSubmit, private readonly log: Logger) {
    byBatch.set(batch, this);
    byResources.set(resources, this);
    // GpuBatch has no end-of-pass hook: an occlusion query must end before its pass does.
    const endPass = batch.endPass.bind(batch);
    batch.endPass = () => { this.closePass(); endPass(); };
  }

  pendingFor(handle: number): Promise<void> | null { return this.pending.get(handle)?.promise ?? null; }

  beginPass(desc: GPURenderPassDescriptor, key: string): GPURenderPassEncoder {
    if (this.active.length === 0) return this.batch.beginPass(desc, key);
    this.occlusion ??= new QueryPool(this.dev.device, 'occlusion', OCCLUSION_SLOTS);
    const slot = this.occlusion.alloc(this.active.length);
    if (slot < 0) { this.warnOnce('slots', `more than ${OCCLUSION_SLOTS} render passes in open occlusion queries: the rest are not counted`); return this.batch.beginPass(desc, key); }
    desc.occlusionQuerySet = this.occlusion.set;
    const pass = this.batch.beginPass(desc, key);
    pass.beginOcclusionQuery(slot);
    this.openPass = pass;
    for (const r of this.active) r.slots.push(slot);
    return pass;
  }

  private closePass(): void {
    if (this.openPass && this.batch.pass === this.openPass) this.openPass.endOcclusionQuery();
    this.openPass = null;
  }

  begin(sub: SubContext, b: Uint32Array, at: number): void {
    const run = this.lookup(sub, b[at + 1], at);
    this.restart(run);
    run.q.active = true;
    if (run.kind === Kind.Samples || run.kind === Kind.AnySamples) {
      this.batch.endPass(); // the next draw opens a pass with a slot for this query
      this.active.push(run);
    } else if (run.kind === Kind.TimeElapsed) {
      this.mark(run, true);
    }
  }

  end(sub: SubContext, b: Uint32Array, at: number): void {
    const run = this.lookup(sub, b[at + 1], at);
    const q = run.q;
    // TIMESTAMP and GPU_FINISHED have no BEGIN: each END starts and finishes one.
    if (run.kind === Kind.Timestamp || run.kind === Kind.Finished) this.restart(run);
    q.active = false;
    run.ended = true;
    const i = this.active.indexOf(run);
    if (i >= 0) { this.active.splice(i, 1); this.resolveSamples(run); }
    if (run.kind === Kind.TimeElapsed || run.kind === Kind.Timestamp || run.kind === Kind.Finished) this.mark(run, false);
    if (run.kind === Kind.Zero) this.warnOnce(q.type, `query type ${q.type} is not supported: its result is 0`);
    this.settle(run);
  }

  /** GET_QUERY_RESULT: the result goes into the query's buffer once known, wait or not (as virglrenderer). */
  getResult(sub: SubContext, b: Uint32Array, at: number): void {
    const run = this.lookup(sub, b[at + 1], at);
    const q = run.q;
    this.deliver(run, { res: this.target(q.resHandle, q.offset, HQS.size, at), offset: q.offset, type: -1 });
  }

  /** GET_QUERY_RESULT_QBO: one value (or, for index -1, availability) written into a buffer. */
  getResultQbo(sub: SubContext, b: Uint32Array, at: number): void {
    const run = this.lookup(sub, b[at + 1], at);
    const type = b[at + 4];
    if (type > V.U64) throw new ContextError(`GET_QUERY_RESULT_QBO: result type ${type}`, at);
    const size = type >= V.I64 ? 8 : 4;
    const dest = { res: this.target(b[at + 2], b[at + 5], size, at), offset: b[at + 5], type };
    const ready = run.ended && run.inflight === 0;
    if ((b[at + 6] | 0) === -1) { this.writeValue(dest, ready ? 1n : 0n); return; }
    if (ready || b[at + 3] !== 0) this.deliver(run, dest); // without wait, a result not ready is not written
  }

  private lookup(sub: SubContext, handle: number, at: number): Run {
    const q = sub.objects.get(handle);
    if (!q || q.kind !== 'query') throw new ContextError(`${handle} is not a query`, at);
    let run = this.runs.get(q);
    if (!run) {
      run = { q, kind: kindOf(q.type), round: 0, inflight: 0, ended: false, samples: 0, t0: 0n, t1: 0n, gpuNs: 0n, tsBegin: -1, slots: [], dests: [] };
      this.runs.set(q, run);
    }
    return run;
  }

  private target(handle: number, offset: number, size: number, at: number): GpuResource {
    const res = this.resources.get(handle);
    if (!res.buffer || offset % 4 !== 0 || offset + size > res.guest.storage.length) {
      throw new ContextError(`query result of ${size} bytes at ${offset} does not fit buffer ${handle}`, at);
    }
    return res;
  }

  /** A new round; slots of an unfinished one go back unresolved. */
  private restart(run: Run): void {
    run.round++;
    for (const s of run.slots) this.occlusion!.release(s);
    if (run.tsBegin >= 0 && !run.ended) this.timestamps!.release(run.tsBegin);
    run.inflight = 0; run.ended = false; run.samples = 0; run.gpuNs = 0n; run.tsBegin = -1;
    run.slots.length = 0;
    const i = this.active.indexOf(run);
    if (i >= 0) this.active.splice(i, 1);
  }

  private resolveSamples(run: Run): void {
    if (run.slots.length === 0) return; // nothing drawn: 0 samples
    const staging = this.staging(run.slots.length);
    this.occlusion!.resolve(this.batch.copyEncoder(), run.slots, staging);
    run.slots.length = 0;
    this.readback(run, staging, (v) => { for (const x of v) run.samples += Number(x); });
  }

  /** A point in the queue: a GPU timestamp, or the CPU time at which the queue got there. */
  private mark(run: Run, begin: boolean): void {
    if (run.kind === Kind.TimeElapsed && (begin || run.tsBegin >= 0) && this.dev.device.features.has('timestamp-query')) {
      this.timestamps ??= new QueryPool(this.dev.device, 'timestamp', TIMESTAMP_SLOTS);
      const slot = this.timestamps.alloc(1);
      if (slot >= 0) {
        const enc = this.batch.copyEncoder();
        enc.beginComputePass({ timestampWrites: { querySet: this.timestamps.set, beginningOfPassWriteIndex: slot } }).end();
        if (begin) { run.tsBegin = slot; return; }
        const staging = this.staging(2);
        this.timestamps.resolve(enc, [run.tsBegin, slot], staging);
        this.readback(run, staging, (v) => { run.gpuNs = v[1] > v[0] ? v[1] - v[0] : 0n; });
        return;
      }
      if (!begin) { this.timestamps.release(run.tsBegin); return; } // out of slots: the result is 0
    }
    const round = run.round;
    run.inflight++;
    this.batch.submit();
    const done = (): void => {
      if (run.round !== round) return;
      if (begin) run.t0 = nowNs(); else run.t1 = nowNs();
      run.inflight--;
      this.settle(run);
    };
    this.dev.device.queue.onSubmittedWorkDone().then(done, done);
  }

  private staging(slots: number): GPUBuffer {
    return this.dev.device.createBuffer({ size: slots * 8, usage: GPUBufferUsage.MAP_READ | GPUBufferUsage.COPY_DST });
  }

  /** Maps `staging` once the batch holding its copies is submitted; a failure counts as zeros. */
  private readback(run: Run, staging: GPUBuffer, apply: (v: BigUint64Array) => void): void {
    const round = run.round;
    run.inflight++;
    this.after.add(() => {
      staging.mapAsync(GPUMapMode.READ).then(() => {
        if (run.round === round) apply(new BigUint64Array(staging.getMappedRange()));
      }, (e: unknown) => {
        this.log.warn(`query readback failed: ${e instanceof Error ? e.message : String(e)}`);
      }).finally(() => {
        staging.destroy();
        if (run.round !== round) return;
        run.inflight--;
        this.settle(run);
      });
    });
  }

  private deliver(run: Run, dest: Dest): void {
    // A query never begun has nothing to wait for: it reads as 0 rather than hanging the reader.
    if (run.round === 0 || (run.ended && run.inflight === 0)) { this.write(run, dest); return; }
    run.dests.push(dest);
    const h = dest.res.guest.handle;
    let p = this.pending.get(h);
    if (!p) {
      let resolve!: () => void;
      const promise = new Promise<void>((r) => { resolve = r; });
      p = { promise, resolve, count: 0 };
      this.pending.set(h, p);
    }
    p.count++;
  }

  private settle(run: Run): void {
    if (!run.ended || run.inflight > 0) return;
    for (const dest of run.dests) {
      this.write(run, dest);
      const h = dest.res.guest.handle;
      const p = this.pending.get(h);
      if (p && --p.count === 0) { this.pending.delete(h); p.resolve(); }
    }
    run.dests.length = 0;
  }

  private result(run: Run): bigint {
    switch (run.kind) {
      case Kind.Samples: return BigInt(run.samples);
      case Kind.AnySamples: return run.samples > 0 ? 1n : 0n;
      case Kind.TimeElapsed: return run.tsBegin >= 0 ? run.gpuNs : run.t1 > run.t0 ? run.t1 - run.t0 : 0n;
      case Kind.Timestamp: return run.t1;
      case Kind.Finished: return 1n;
      default: return 0n;
    }
  }

  private write(run: Run, dest: Dest): void {
    if (dest.type >= 0) { this.writeValue(dest, this.result(run)); return; }
    const st = dest.res.guest.storage;
    const dv = new DataView(st.buffer, st.byteOffset + dest.offset, HQS.size);
    dv.setUint32(HQS.offsets.query_state, VirglQueryState.DONE, true);
    dv.setUint32(HQS.offsets.result_size, run.kind === Kind.TimeElapsed || run.kind === Kind.Timestamp ? 8 : 4, true);
    dv.setBigUint64(HQS.offsets.result, this.result(run), true);
    this.upload(dest.res, dest.offset, HQS.size);
  }

  private writeValue(dest: Dest, value: bigint): void {
    const st = dest.res.guest.storage;
    const dv = new DataView(st.buffer, st.byteOffset + dest.offset, 8);
    const max = MAX_VALUE[dest.type];
    const v = value > max ? max : value;
    if (dest.type >= V.I64) dv.setBigUint64(0, v, true); else dv.setUint32(0, Number(v), true);
    this.upload(dest.res, dest.offset, dest.type >= V.I64 ? 8 : 4);
  }

  /** Mirrors shadow bytes into the GPU buffer, unless the resource went away meanwhile. */
  private upload(res: GpuResource, offset: number, size: number): void {
    if (this.resources.store.tryGet(res.guest.handle) !== res.guest) return;
    const st = res.guest.storage;
    this.dev.device.queue.writeBuffer(res.buffer!, offset, st.buffer, st.byteOffset + offset, size);
  }

  private warnOnce(key: number | string, message: string): void {
    if (this.warned.has(key)) return;
    this.warned.add(key);
    this.log.warn(message);
  }
}
