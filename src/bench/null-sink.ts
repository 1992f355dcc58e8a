// A virgl context whose GPU side does nothing: the decode benchmark's sink. The real decoder and
// command handlers (src/gl-backend/commands.ts) run against real Gallium state (SubContext) and a
// real resource table (ResourceStore, CPU shadows); draws, clears, blits, copies and queries are
// only counted. Not for serving clients: it renders nothing.
import { formatBlock } from '../protocol/format-blocks.js';
import { VIRGL_MAX_COMMANDS, VirglCmd } from '../protocol/virgl-commands.js';
import { ContextError, type ResourceCreateArgs, type TransferArgs } from '../server/renderer.js';
import { DEFAULT_LIMITS, type ClientLimits } from '../server/limits.js';
import { COMMANDS, type CommandSink } from '../gl-backend/commands.js';
import { decodeCommands } from '../gl-backend/decoder.js';
import { ResourceStore } from '../gl-backend/resource-store.js';
import { SubContext } from '../gl-backend/state/sub-context.js';

const INLINE_WRITE_DATA = 12;

/** Counts what a GPU would have been asked to do. */
export class NullGpuCounters {
  draws = 0;
  clears = 0;
  other = 0;
}

export class NullSinkContext implements CommandSink {
  readonly resources: ResourceStore;
  readonly counters = new NullGpuCounters();
  readonly notRenderedCounts = new Uint32Array(VIRGL_MAX_COMMANDS);
  private readonly subs = new Map<number, SubContext>();
  private current: SubContext | null = null;
  private readonly transfer: TransferArgs = {
    handle: 0, level: 0, stride: 0, layerStride: 0, x: 0, y: 0, z: 0, width: 0, height: 0, depth: 0,
  };

  readonly draw: CommandSink['draw'];
  readonly ops: CommandSink['ops'];
  /** Generous: the benchmark loops whole traces and must not hit a client limit. */
  readonly limits: ClientLimits = { ...DEFAULT_LIMITS, maxResources: 1 << 20, maxResourceBytes: 4 * 1024 ** 3 };

  constructor() {
    this.resources = new ResourceStore(formatBlock, this.limits);
    const c = this.counters;
    const other = (): void => { c.other++; };
    this.draw = { clear: () => { c.clears++; }, draw: () => { c.draws++; } };
    this.ops = {
      blit: { blitCommand: other, clearSurface: other },
      copy: { copyRegion: other, clearTexture: other },
      queries: { begin: other, end: other, getResult: other, getResultQbo: other },
    };
  }

  sub(): SubContext {
    if (!this.current) throw new ContextError('no current sub-context (SET_SUB_CTX missing)');
    return this.current;
  }

  createSubContext(id: number, at: number): void {
    if (this.subs.has(id)) throw new ContextError(`sub-context ${id} already exists`, at);
    this.subs.set(id, new SubContext());
  }

  setSubContext(id: number, at: number): void {
    const s = this.subs.get(id);
    if (!s) throw new ContextError(`unknown sub-context ${id}`, at);
    this.current = s;
  }

  destroySubContext(id: number, at: number): void {
    const s = this.subs.get(id);
    if (!s) throw new ContextError(`unknown sub-context ${id}`, at);
    this.subs.delete(id);
    if (this.current === s) this.current = null;
  }

  checkObjectLimit(): void {}
  noteNotRendered(cmd: number): void { this.notRenderedCounts[cmd]++; }
  // Traces are recorded at vtest v0: no shared memory, so nothing to move or back.
  transfer3d(): void { this.notRenderedCounts[VirglCmd.TRANSFER3D]++; }
  pipeResourceCreate(): void { this.notRenderedCounts[VirglCmd.PIPE_RESOURCE_CREATE]++; }

  inlineWrite(buf: Uint32Array, at: number, len: number): void {
    const t = this.transfer;
    t.handle = buf[at + 1]; t.level = buf[at + 2]; t.stride = buf[at + 4]; t.layerStride = buf[at + 5];
    t.x = buf[at + 6]; t.y = buf[at + 7]; t.z = buf[at + 8]; t.width = buf[at + 9]; t.height = buf[at + 10];
    t.depth = buf[at + 11];
    const start = (at + 1 + INLINE_WRITE_DATA) * 4;
    this.resources.transfer(t, new Uint8Array(buf.buffer, buf.byteOffset + start, (len + 1 - INLINE_WRITE_DATA) * 4), true);
  }

  resourceCreate(args: ResourceCreateArgs): void { this.resources.create(args); }

  /** One SUBMIT_CMD payload; a ContextError propagates (the benchmark's streams must decode cleanly). */
  submit(commands: Uint32Array): void { decodeCommands(this, COMMANDS, commands); }

  /** Forgets the Gallium state (sub-contexts and their objects); resources stay. */
  resetState(): void {
    this.subs.clear();
    this.current = null;
  }
}
