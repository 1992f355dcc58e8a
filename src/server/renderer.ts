// What the vtest session needs from a rendering backend. Backends (src/gl-backend, later
// src/vulkan-backend) implement it; the session knows nothing of GPUs.

export interface ResourceCreateArgs {
  handle: number;
  target: number;
  format: number;
  bind: number;
  width: number;
  height: number;
  depth: number;
  arraySize: number;
  lastLevel: number;
  nrSamples: number;
}

export interface TransferArgs {
  handle: number;
  level: number;
  stride: number;
  layerStride: number;
  x: number;
  y: number;
  z: number;
  width: number;
  height: number;
  depth: number;
  /**
   * Shared-memory transfers (vtest v2+: TRANSFER_GET2/PUT2): stride and layerStride 0 mean the
   * level's own row and slice sizes, as virglrenderer reads them, instead of the box's.
   */
  levelStrides?: boolean;
}

/** An error caused by what one client sent; it affects that client's context only. */
export class ContextError extends Error {
  constructor(message: string, readonly offset?: number) {
    super(offset === undefined ? message : `${message} (at dword ${offset})`);
    this.name = 'ContextError';
  }
}

export interface Logger {
  info(message: string): void;
  warn(message: string): void;
  error(message: string): void;
}

export interface RendererContext {
  /** The reason this context stopped accepting commands, or null while healthy. */
  readonly errorState: string | null;
  /**
   * Returns the resource id (args.handle: the client's below protocol v3, ours from v3 on), or 0 when
   * the context refused it. `backing` (vtest v2+) is the shared memory the client maps: when it is
   * large enough it becomes the resource's CPU storage, and TRANSFER3D commands read and write it.
   */
  resourceCreate(args: ResourceCreateArgs, backing?: Uint8Array<ArrayBuffer>, opts?: { coherent?: boolean }): number;
  /** Puts the context into its error state (logged), for errors found outside the command stream. */
  reportError(reason: string): void;
  /**
   * The resource a PIPE_RESOURCE_CREATE in the command stream announced for `blobId`, which a
   * RESOURCE_CREATE_BLOB now backs; removed from the pending list.
   */
  takeBlobArgs?(blobId: number): ResourceCreateArgs | undefined;
  resourceUnref(handle: number): void;
  transferPut(args: TransferArgs, data: Uint8Array): void;
  /** Fills `out` (data_size bytes, rows of `stride`) with the box's contents. */
  transferGet(args: TransferArgs, out: Uint8Array): void | Promise<void>;
  /** Decodes and executes one SUBMIT_CMD buffer; errors put the context in its error state. */
  submit(commands: Uint32Array): void;
  /** Is GPU work from earlier submits still running? */
  isBusy(): boolean;
  waitIdle(): Promise<void>;
  destroy(): void;
}

export interface Renderer {
  /** One line naming the backend and adapter. */
  readonly description: string;
  capsV1(): Uint8Array;
  capsV2(): Uint8Array;
  /** Caps v2 for a session at this protocol version, when they depend on it. */
  capsV2At?(protocolVersion: number): Uint8Array;
  /**
   * `onLost` is called if the context is lost later (GPU device loss); the server then disconnects
   * the client, as vtest has no way to report it.
   */
  createContext(clientName: string, log: Logger, onLost?: (reason: string) => void): RendererContext;
}
