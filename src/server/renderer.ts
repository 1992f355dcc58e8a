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
  /** Returns the resource id (the client's handle below protocol v3). */
  resourceCreate(args: ResourceCreateArgs): number;
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
  /**
   * `onLost` is called if the context is lost later (GPU device loss); the server then disconnects
   * the client, as vtest has no way to report it.
   */
  createContext(clientName: string, log: Logger, onLost?: (reason: string) => void): RendererContext;
}
