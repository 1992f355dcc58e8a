// Per-client limits. Defaults are documented in docs/security.md; `serve` flags override them.
export interface ClientLimits {
  /** Largest single vtest message (header + payload + inline data). */
  maxMessageBytes: number;
  /** Largest SUBMIT_CMD (virgl command buffer), header included. */
  maxCommandBytes: number;
  /** Largest TRANSFER_GET reply. */
  maxReadbackBytes: number;
  /**
   * Reply bytes the client has not read yet (queued on its socket) before it is disconnected as a
   * client that stopped reading; checked before each command, so at most this plus one reply is held.
   */
  maxPendingReplyBytes: number;
  /** Total bytes of resource storage one client may hold. */
  maxResourceBytes: number;
  /** Number of live resources one client may hold. */
  maxResources: number;
  /** Number of live state objects (all sub-contexts together) one client may hold. */
  maxObjects: number;
  /** Largest TGSI text of one shader object. */
  maxShaderTextBytes: number;
  /**
   * Most vertices (count x instances) one draw may process. Without it one DRAW_VBO of 2^32
   * vertices keeps a software rasterizer (llvmpipe) busy for minutes, stalling every client.
   */
  maxDrawVertices: number;
}

export const DEFAULT_LIMITS: Readonly<ClientLimits> = {
  maxMessageBytes: 256 * 1024 * 1024,
  maxCommandBytes: 16 * 1024 * 1024,
  maxReadbackBytes: 256 * 1024 * 1024,
  maxPendingReplyBytes: 64 * 1024 * 1024,
  maxResourceBytes: 1024 * 1024 * 1024,
  maxResources: 65536,
  maxObjects: 65536,
  maxShaderTextBytes: 1024 * 1024,
  maxDrawVertices: 64 * 1024 * 1024,
};

/** `serve` flag, ClientLimits key and unit of each configurable limit (the CLI and docs use this). */
export const LIMIT_FLAGS: readonly { flag: string; key: keyof ClientLimits; unit: 'MiB' | 'KiB' | 'count'; what: string }[] = [
  { flag: 'max-message-mb', key: 'maxMessageBytes', unit: 'MiB', what: 'largest vtest message' },
  { flag: 'max-command-mb', key: 'maxCommandBytes', unit: 'MiB', what: 'largest SUBMIT_CMD command buffer' },
  { flag: 'max-readback-mb', key: 'maxReadbackBytes', unit: 'MiB', what: 'largest TRANSFER_GET reply' },
  { flag: 'max-pending-reply-mb', key: 'maxPendingReplyBytes', unit: 'MiB', what: 'unread reply bytes before a client is dropped' },
  { flag: 'max-resource-mb', key: 'maxResourceBytes', unit: 'MiB', what: 'total resource storage per client' },
  { flag: 'max-resources', key: 'maxResources', unit: 'count', what: 'live resources per client' },
  { flag: 'max-objects', key: 'maxObjects', unit: 'count', what: 'live state objects per client' },
  { flag: 'max-shader-kb', key: 'maxShaderTextBytes', unit: 'KiB', what: 'largest shader text' },
  { flag: 'max-draw-vertices', key: 'maxDrawVertices', unit: 'count', what: 'vertices x instances of one draw' },
];

export function limitToFlagValue(key: keyof ClientLimits, bytesOrCount: number): number {
  const unit = LIMIT_FLAGS.find((l) => l.key === key)!.unit;
  return unit === 'MiB' ? bytesOrCount / 2 ** 20 : unit === 'KiB' ? bytesOrCount / 1024 : bytesOrCount;
}

export function flagValueToLimit(key: keyof ClientLimits, v: number): number {
  const unit = LIMIT_FLAGS.find((l) => l.key === key)!.unit;
  return Math.floor(unit === 'MiB' ? v * 2 ** 20 : unit === 'KiB' ? v * 1024 : v);
}
