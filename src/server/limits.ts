// Per-client limits. Defaults are documented in docs/security.md; `serve` flags override them.
export interface ClientLimits {
  /** Largest single vtest message (header + payload + inline data). */
  maxMessageBytes: number;
  /** Largest TRANSFER_GET reply. */
  maxReadbackBytes: number;
  /** Total bytes of resource storage one client may hold. */
  maxResourceBytes: number;
  /** Number of live resources one client may hold. */
  maxResources: number;
}

export const DEFAULT_LIMITS: Readonly<ClientLimits> = {
  maxMessageBytes: 256 * 1024 * 1024,
  maxReadbackBytes: 256 * 1024 * 1024,
  maxResourceBytes: 1024 * 1024 * 1024,
  maxResources: 65536,
};
