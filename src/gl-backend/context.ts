// One client's virgl context: its resources, decoded command stream and error state.
import { formatBlock } from '../protocol/format-blocks.js';
import { VIRGL_MAX_COMMANDS, VirglCmd, virglCmdName } from '../protocol/virgl-commands.js';
import { ContextError, type Logger, type RendererContext, type ResourceCreateArgs, type TransferArgs } from '../server/renderer.js';
import { decodeCommands, type CommandHandler, type CommandTable } from './decoder.js';
import { ResourceStore, type StoreLimits } from './resource-store.js';

/** Decoded and validated, but its effect is not rendered yet (counted, logged once). */
const notRendered: CommandHandler<GlContext> = (ctx, buf, at) => ctx.noteNotRendered(buf[at] & 0xff);
const nothing: CommandHandler<GlContext> = () => {};

const INLINE_WRITE_DATA = 12;

const COMMANDS = {
  [VirglCmd.NOP]: nothing,
  [VirglCmd.END_TRANSFERS]: nothing,
  [VirglCmd.RESOURCE_INLINE_WRITE]: (ctx, buf, at, len) => ctx.inlineWrite(buf, at, len),
  [VirglCmd.CREATE_OBJECT]: notRendered,
  [VirglCmd.BIND_OBJECT]: notRendered,
  [VirglCmd.DESTROY_OBJECT]: notRendered,
  [VirglCmd.SET_VIEWPORT_STATE]: notRendered,
  [VirglCmd.SET_FRAMEBUFFER_STATE]: notRendered,
  [VirglCmd.SET_VERTEX_BUFFERS]: notRendered,
  [VirglCmd.CLEAR]: notRendered,
  [VirglCmd.DRAW_VBO]: notRendered,
  [VirglCmd.SET_SAMPLER_VIEWS]: notRendered,
  [VirglCmd.SET_INDEX_BUFFER]: notRendered,
  [VirglCmd.SET_CONSTANT_BUFFER]: notRendered,
  [VirglCmd.SET_STENCIL_REF]: notRendered,
  [VirglCmd.SET_BLEND_COLOR]: notRendered,
  [VirglCmd.SET_SCISSOR_STATE]: notRendered,
  [VirglCmd.BLIT]: notRendered,
  [VirglCmd.RESOURCE_COPY_REGION]: notRendered,
  [VirglCmd.BIND_SAMPLER_STATES]: notRendered,
  [VirglCmd.BEGIN_QUERY]: notRendered,
  [VirglCmd.END_QUERY]: notRendered,
  [VirglCmd.GET_QUERY_RESULT]: notRendered,
  [VirglCmd.SET_POLYGON_STIPPLE]: notRendered,
  [VirglCmd.SET_CLIP_STATE]: notRendered,
  [VirglCmd.SET_SAMPLE_MASK]: notRendered,
  [VirglCmd.SET_STREAMOUT_TARGETS]: notRendered,
  [VirglCmd.SET_RENDER_CONDITION]: notRendered,
  [VirglCmd.SET_UNIFORM_BUFFER]: notRendered,
  [VirglCmd.SET_SUB_CTX]: notRendered,
  [VirglCmd.CREATE_SUB_CTX]: notRendered,
  [VirglCmd.DESTROY_SUB_CTX]: notRendered,
  [VirglCmd.BIND_SHADER]: notRendered,
  [VirglCmd.SET_TESS_STATE]: notRendered,
  [VirglCmd.SET_MIN_SAMPLES]: notRendered,
  [VirglCmd.SET_SHADER_BUFFERS]: notRendered,
  [VirglCmd.SET_SHADER_IMAGES]: notRendered,
  [VirglCmd.MEMORY_BARRIER]: notRendered,
  [VirglCmd.LAUNCH_GRID]: notRendered,
  [VirglCmd.SET_FRAMEBUFFER_STATE_NO_ATTACH]: notRendered,
  [VirglCmd.TEXTURE_BARRIER]: notRendered,
  [VirglCmd.SET_ATOMIC_BUFFERS]: notRendered,
  [VirglCmd.SET_DEBUG_FLAGS]: nothing,
  [VirglCmd.GET_QUERY_RESULT_QBO]: notRendered,
  [VirglCmd.TRANSFER3D]: notRendered,
  [VirglCmd.COPY_TRANSFER3D]: notRendered,
  [VirglCmd.SET_TWEAKS]: nothing,
  [VirglCmd.CLEAR_TEXTURE]: notRendered,
  [VirglCmd.PIPE_RESOURCE_CREATE]: notRendered,
  [VirglCmd.PIPE_RESOURCE_SET_TYPE]: notRendered,
  [VirglCmd.GET_MEMORY_INFO]: notRendered,
  [VirglCmd.SEND_STRING_MARKER]: nothing,
  [VirglCmd.LINK_SHADER]: notRendered,
  [VirglCmd.CREATE_VIDEO_CODEC]: notRendered,
  [VirglCmd.DESTROY_VIDEO_CODEC]: notRendered,
  [VirglCmd.CREATE_VIDEO_BUFFER]: notRendered,
  [VirglCmd.DESTROY_VIDEO_BUFFER]: notRendered,
  [VirglCmd.BEGIN_FRAME]: notRendered,
  [VirglCmd.DECODE_MACROBLOCK]: notRendered,
  [VirglCmd.DECODE_BITSTREAM]: notRendered,
  [VirglCmd.ENCODE_BITSTREAM]: notRendered,
  [VirglCmd.END_FRAME]: notRendered,
  [VirglCmd.CLEAR_SURFACE]: notRendered,
  [VirglCmd.GET_PIPE_RESOURCE_LAYOUT]: notRendered,
} satisfies CommandTable<GlContext>;

export class GlContext implements RendererContext {
  errorState: string | null = null;
  readonly resources: ResourceStore;
  /** Per-command counts of commands decoded but not rendered yet. */
  readonly notRenderedCounts = new Uint32Array(VIRGL_MAX_COMMANDS);
  private refusedSubmits = 0;
  // Reused by inline writes so the loop allocates nothing.
  private readonly transfer: TransferArgs = {
    handle: 0, level: 0, stride: 0, layerStride: 0, x: 0, y: 0, z: 0, width: 0, height: 0, depth: 0,
  };

  constructor(readonly clientName: string, private readonly log: Logger, limits: StoreLimits) {
    this.resources = new ResourceStore(formatBlock, limits);
  }

  resourceCreate(args: ResourceCreateArgs): number {
    try {
      return this.resources.create(args).handle;
    } catch (e) {
      this.fail(e);
      return 0;
    }
  }

  resourceUnref(handle: number): void {
    try {
      this.resources.unref(handle);
    } catch (e) {
      this.fail(e);
    }
  }

  transferPut(args: TransferArgs, data: Uint8Array): void {
    try {
      this.resources.transfer(args, data, true);
    } catch (e) {
      this.fail(e);
    }
  }

  transferGet(args: TransferArgs, out: Uint8Array): void {
    this.resources.transfer(args, out, false);
  }

  submit(commands: Uint32Array): void {
    if (this.errorState !== null) {
      if (this.refusedSubmits++ === 0) this.log.warn(`refusing submits: the context is in its error state (${this.errorState})`);
      return;
    }
    try {
      decodeCommands(this, COMMANDS, commands);
    } catch (e) {
      this.fail(e);
    }
  }

  noteNotRendered(cmd: number): void {
    if (this.notRenderedCounts[cmd]++ === 0) this.log.info(`${virglCmdName(cmd)}: decoded, not rendered yet`);
  }

  inlineWrite(buf: Uint32Array, at: number, len: number): void {
    const t = this.transfer;
    t.handle = buf[at + 1]; t.level = buf[at + 2]; t.stride = buf[at + 4]; t.layerStride = buf[at + 5];
    t.x = buf[at + 6]; t.y = buf[at + 7]; t.z = buf[at + 8]; t.width = buf[at + 9]; t.height = buf[at + 10];
    t.depth = buf[at + 11];
    const start = (at + 1 + INLINE_WRITE_DATA) * 4;
    const bytes = new Uint8Array(buf.buffer, buf.byteOffset + start, (len + 1 - INLINE_WRITE_DATA) * 4);
    this.resources.transfer(t, bytes, true);
  }

  isBusy(): boolean { return false; }
  waitIdle(): Promise<void> { return Promise.resolve(); }

  destroy(): void {
    this.resources.clear();
  }

  /** Puts the context into its error state; only ContextErrors are expected here. */
  private fail(e: unknown): void {
    if (!(e instanceof ContextError)) throw e;
    if (this.errorState === null) this.errorState = e.message;
    this.log.error(`context error: ${e.message}`);
  }
}
