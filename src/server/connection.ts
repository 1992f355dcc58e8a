// Drives one client: bytes in -> framer -> session, one command at a time (a command whose
// handler awaits the GPU holds back the following ones, as the protocol is strictly ordered).
import type { Socket } from 'node:net';
import { FramingError, VtestFramer } from './framer.js';
import { ProtocolError, VtestSession, type SessionTap } from './session.js';
import { FdChannel, FdChannelError } from './native/fd-channel.js';
import { nativeAvailable } from './native/addon.js';
import { MemfdProvider } from './shm-provider.js';
import { ContextError, type Logger, type Renderer } from './renderer.js';
import type { ClientLimits } from './limits.js';
import { BUSY_WAIT_FLAG_WAIT, VCmd, VTEST_PROTOCOL_VERSION_SHM } from '../protocol/vtest.js';

/** An FdChannel on the socket, or null (logged) when the socket exposes no fd: the client then gets v0. */
function attachChannel(socket: Socket, log: Logger): FdChannel | null {
  try {
    return FdChannel.attach(socket);
  } catch (e) {
    log.warn(`no fd passing on this connection (${e instanceof Error ? e.message : String(e)}): protocol 0 only`);
    return null;
  }
}

/** Chunks held while a command awaits the GPU before the socket is paused (backpressure). */
const QUEUE_HIGH_WATER = 4 * 1024 * 1024;

/** Why a client is disconnected, when it is neither a framing nor a protocol error. */
export class ClientDropped extends Error {}

export class ClientConnection {
  readonly session: VtestSession;
  private readonly framer: VtestFramer;
  private busy = false;
  private closed = false;
  private draining = false;
  private readonly queued: Buffer[] = [];
  private queuedBytes = 0;
  private pausedForQueue = false;
  /** Settles when the connection has closed and its context is destroyed. */
  readonly done: Promise<void>;
  private resolveDone!: () => void;

  constructor(
    readonly id: number,
    private readonly socket: Socket,
    renderer: Renderer,
    readonly log: Logger,
    private readonly limits: ClientLimits,
    /** Highest vtest version to offer; 2+ also needs the native addon (fd passing). */
    maxProtocolVersion = Infinity,
    /** The session recorder (serve --record). */
    tap?: SessionTap,
  ) {
    this.done = new Promise((r) => { this.resolveDone = r; });
    this.framer = new VtestFramer(limits.maxMessageBytes);
    this.framer.maxSubmitBytes = limits.maxCommandBytes;
    // Shared memory (v2+) needs fds sent in order with the replies: every write then goes through the channel.
    this.channel = maxProtocolVersion >= VTEST_PROTOCOL_VERSION_SHM && nativeAvailable() ? attachChannel(socket, log) : null;
    const channel = this.channel;
    this.session = new VtestSession(renderer, {
      write: (b) => this.write(b),
      writeTransferData: (b, handle, version) => this.writeTransferData(b, handle, version),
      ...(channel ? { sendFd: (fd: number) => channel.sendFd(fd) } : {}),
      // Called from the device's lost callback, outside any command: the in-flight one (if any) is abandoned.
      contextLost: (reason) => this.drop(new ClientDropped(`its context was lost: ${reason}`)),
    }, log, limits, {
      ...(channel ? { shm: new MemfdProvider(limits.maxResourceBytes), maxVersion: maxProtocolVersion } : {}),
      ...(tap ? { tap } : {}),
    });
    socket.on('data', (chunk) => this.onData(chunk));
    socket.on('error', (e) => this.log.warn(`socket error: ${e.message}`));
    socket.on('close', () => this.finish());
  }

  private readonly channel: FdChannel | null;

  private feedQueued(): void {
    for (let more = this.queued.shift(); more !== undefined; more = this.queued.shift()) this.framer.feed(more);
    this.queuedBytes = 0;
  }

  private write(bytes: Uint8Array): void {
    if (this.closed) return;
    if (this.channel) this.channel.write(bytes);
    else this.socket.write(bytes);
  }

  /**
   * Below protocol v2, Mesa's front-buffer flush sends TRANSFER_GET and then RESOURCE_BUSY_WAIT(WAIT)
   * on the same resource, and reads the busy-wait reply *before* the transfer data. When that
   * busy-wait has already arrived, answer it first so the client reads what it expects; otherwise
   * its picture would be shifted by the 12 reply bytes.
   */
  private writeTransferData(bytes: Uint8Array, handle: number, version: number): void | Promise<void> {
    if (version < 2) {
      // The command that produced `bytes` is finished, so its views may move now.
      this.feedQueued();
      const next = this.framer.peekFixed();
      if (next && next.id === VCmd.RESOURCE_BUSY_WAIT && next.p0 === handle && (next.p1 & BUSY_WAIT_FLAG_WAIT) !== 0) {
        const cmd = this.framer.next()!;
        const pending = this.session.handle(cmd);
        if (pending) return pending.then(() => this.write(bytes));
      }
    }
    this.write(bytes);
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.draining) return;
    if (this.busy) {
      // The current command's views point into the framer's buffer: feeding now could move them.
      this.queued.push(chunk);
      this.queuedBytes += chunk.length;
      if (this.queuedBytes > QUEUE_HIGH_WATER && !this.pausedForQueue) {
        this.pausedForQueue = true;
        this.socket.pause();
      }
      return;
    }
    this.framer.feed(chunk);
    void this.pump();
  }

  private async pump(): Promise<void> {
    this.busy = true;
    try {
      for (;;) {
        const cmd = this.framer.next();
        if (cmd === null) {
          const more = this.queued.shift();
          if (more === undefined) {
            if (this.pausedForQueue && !this.draining) { this.pausedForQueue = false; this.socket.resume(); }
            break;
          }
          this.queuedBytes -= more.length;
          this.framer.feed(more);
          continue;
        }
        // A client that sends commands but does not read the replies would make us buffer without end.
        const unread = this.socket.writableLength;
        if (unread > this.limits.maxPendingReplyBytes) {
          throw new ClientDropped(`it stopped reading replies (${unread} bytes unread, limit ${this.limits.maxPendingReplyBytes})`);
        }
        const pending = this.session.handle(cmd);
        if (pending) await pending;
        if (this.closed) return;
        if (this.draining) {
          this.endGracefully();
          return;
        }
      }
    } catch (e) {
      this.drop(e);
    } finally {
      this.busy = false;
    }
  }

  /** Disconnects this client with a logged reason; nobody else is affected. */
  drop(reason: unknown): void {
    if (this.closed) return;
    const msg = reason instanceof FramingError || reason instanceof ProtocolError || reason instanceof FdChannelError
      || reason instanceof ClientDropped || reason instanceof ContextError
      ? reason.message
      : `internal error: ${reason instanceof Error ? reason.stack ?? reason.message : String(reason)}`;
    this.log.error(`disconnecting: ${msg}`);
    this.socket.destroy();
    this.finish();
  }

  /** Stops reading; the command in flight completes and its reply is flushed before the socket closes. */
  shutdown(): void {
    if (this.closed) return;
    this.draining = true;
    this.socket.pause();
    if (!this.busy) this.endGracefully();
  }

  private endGracefully(): void {
    // end() flushes what is queued; destroy afterwards so a peer that never closes cannot hold us.
    const end = (): void => { this.socket.destroy(); };
    if (this.channel) this.channel.end(end);
    else this.socket.end(end);
    this.finish();
  }

  private finish(): void {
    if (this.closed) return;
    this.closed = true;
    this.queued.length = 0;
    this.queuedBytes = 0;
    try {
      this.session.close();
    } catch (e) {
      this.log.error(`error while destroying context: ${e instanceof Error ? e.message : String(e)}`);
    }
    this.log.info(`disconnected after ${this.session.commandsHandled} commands`);
    this.resolveDone();
  }
}
