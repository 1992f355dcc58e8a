// The vtest UNIX-socket server: accepts clients, gives each its own session and context.
import { createServer, createConnection, type Server, type Socket } from 'node:net';
import { lstatSync, chmodSync, chownSync, readFileSync, unlinkSync } from 'node:fs';
import { ClientConnection } from './connection.js';
import type { Logger, Renderer } from './renderer.js';
import type { SessionTap } from './session.js';
import { DEFAULT_LIMITS, type ClientLimits } from './limits.js';

export interface ServerOptions {
  socketPath: string;
  /** File mode of the socket; 0o600 unless the operator widens it. */
  socketMode?: number;
  /** Group (name or numeric id) given to the socket file, to share it with that group's members (with a 0660 mode). */
  socketGroup?: string;
  limits?: Partial<ClientLimits>;
  /**
   * Records each client's session (tap) until it ends (close). serve --record gives one that writes
   * DIR/client-N.vtrace (src/trace/node/server-recording.ts).
   */
  recordSession?: (clientId: number, renderer: Renderer) => { tap: SessionTap; close(): void };
  /** Highest vtest protocol version to negotiate (default: the highest implemented; 2+ needs the native addon). */
  maxProtocolVersion?: number;
  log: (line: string) => void;
}

export class SocketPathError extends Error {}

/** A group name or number to its id (/etc/group; Node has no getgrnam). */
export function resolveGroup(group: string): number {
  if (/^\d+$/.test(group)) return Number(group);
  let text = '';
  try { text = readFileSync('/etc/group', 'utf8'); } catch { /* no group database */ }
  for (const line of text.split('\n')) {
    const [name, , gid] = line.split(':');
    if (name === group && gid !== undefined && /^\d+$/.test(gid)) return Number(gid);
  }
  throw new SocketPathError(`unknown group ${group}`);
}

/** Refuses a path that exists and is not a socket; removes a stale socket nobody listens on. */
async function claimSocketPath(path: string): Promise<void> {
  let st;
  try {
    st = lstatSync(path); // lstat: never follow a symlink someone placed there
  } catch {
    return;
  }
  if (!st.isSocket()) {
    throw new SocketPathError(`${path} exists and is not a socket (${st.isSymbolicLink() ? 'a symlink' : 'a file'}); refusing to replace it`);
  }
  const live = await new Promise<boolean>((resolve) => {
    const probe = createConnection(path);
    probe.once('connect', () => { probe.destroy(); resolve(true); });
    probe.once('error', () => resolve(false));
  });
  if (live) throw new SocketPathError(`${path}: another server is listening there`);
  unlinkSync(path);
}

export class VtestServer {
  private server: Server | null = null;
  private readonly clients = new Set<ClientConnection>();
  private nextClientId = 1;
  private readonly limits: ClientLimits;

  constructor(private readonly renderer: Renderer, private readonly opts: ServerOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...opts.limits };
  }

  get clientCount(): number { return this.clients.size; }

  async listen(): Promise<void> {
    const { socketPath } = this.opts;
    const gid = this.opts.socketGroup === undefined ? undefined : resolveGroup(this.opts.socketGroup);
    const mode = this.opts.socketMode ?? 0o600;
    if ((mode & 0o002) !== 0) this.opts.log(`warning: socket mode ${mode.toString(8)} lets every local user connect`);
    await claimSocketPath(socketPath);
    const server = createServer((sock) => this.accept(sock));
    // The umask closes the window between bind() and chmod() in which others could connect.
    const oldMask = process.umask(0o177);
    try {
      await new Promise<void>((resolve, reject) => {
        server.once('error', reject);
        server.listen(socketPath, () => { server.off('error', reject); resolve(); });
      });
    } finally {
      process.umask(oldMask);
    }
    // Both act on the socket we just bound (0600 until now); a symlink cannot stand in its place,
    // since bind() fails on any existing path.
    if (gid !== undefined) chownSync(socketPath, -1, gid);
    chmodSync(socketPath, mode);
    server.on('error', (e) => this.opts.log(`server error: ${e.message}`));
    this.server = server;
    this.opts.log(`listening on ${socketPath}`);
  }

  private accept(sock: Socket): void {
    const id = this.nextClientId++;
    const prefix = `[client ${id}]`;
    const log: Logger = {
      info: (m) => this.opts.log(`${prefix} ${m}`),
      warn: (m) => this.opts.log(`${prefix} warning: ${m}`),
      error: (m) => this.opts.log(`${prefix} error: ${m}`),
    };
    const recording = this.opts.recordSession?.(id, this.renderer);
    const conn = new ClientConnection(id, sock, this.renderer, log, this.limits, this.opts.maxProtocolVersion, recording?.tap);
    this.clients.add(conn);
    log.info(`connected (${this.clients.size} client(s))`);
    void conn.done.then(() => { this.clients.delete(conn); recording?.close(); });
  }

  /** Stops accepting, lets each client's pending replies flush, and removes the socket file. */
  async close(): Promise<void> {
    const server = this.server;
    this.server = null;
    // server.close() only calls back once every connection has ended, so end them too.
    const stopped = server ? new Promise<void>((resolve) => server.close(() => resolve())) : Promise.resolve();
    const pending = [...this.clients].map((c) => { c.shutdown(); return c.done; });
    await Promise.all([stopped, ...pending]);
    try {
      if (lstatSync(this.opts.socketPath).isSocket()) unlinkSync(this.opts.socketPath);
    } catch { /* already gone */ }
  }
}
