// Sends file descriptors to a vtest client over Node's own net.Socket, ordered exactly within the
// reply byte stream. See docs/shared-memory.md ("Sending fds on a net.Socket").
//
// The fd travels as its own 1-byte sendmsg() on the socket's OS fd, beside Node's write queue. For
// the client to find it exactly after the preceding reply bytes, every byte written before it must
// already be in the kernel, and nothing may be written after it until it is: sendFd() writes an
// empty chunk whose callback fires once every earlier chunk is written (Writable serialises its
// writes), then calls sendmsg; write()s issued meanwhile are held in order and released after it.
import type { Socket } from 'node:net';
import { native, type NativeAddon } from './addon.js';

/** The OS file descriptor under a connected net.Socket (Node's private `_handle.fd`), or null. */
export function socketFd(socket: Socket): number | null {
  const handle: unknown = Reflect.get(socket, '_handle');
  if (typeof handle !== 'object' || handle === null) return null;
  const fd: unknown = Reflect.get(handle, 'fd');
  return typeof fd === 'number' && Number.isInteger(fd) && fd >= 0 ? fd : null;
}

export class FdChannelError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'FdChannelError';
  }
}

export interface FdChannelOptions {
  /** Give up (and fail the channel) if the client's receive buffer stays full this long. Default 60 s. */
  sendTimeoutMs?: number;
  /** Longest pause between sendmsg retries while the socket is full. Default 20 ms. */
  maxRetryDelayMs?: number;
}

interface PendingFd {
  fd: number;
  resolve: () => void;
  reject: (e: Error) => void;
}
interface PendingEnd {
  end: (() => void) | undefined;
}
type Item = Uint8Array | PendingFd | PendingEnd;
const isFd = (i: Item): i is PendingFd => !(i instanceof Uint8Array) && 'fd' in i;

const EMPTY = new Uint8Array(0);

export class FdChannel {
  private readonly queue: Item[] = [];
  /** An fd is on its way: write()s queue up behind it. */
  private sending = false;
  private failure: Error | null = null;
  private ended = false;
  private readonly sendTimeoutMs: number;
  private readonly maxRetryDelayMs: number;

  private constructor(readonly socket: Socket, private readonly addon: NativeAddon, opts: FdChannelOptions) {
    this.sendTimeoutMs = opts.sendTimeoutMs ?? 60_000;
    this.maxRetryDelayMs = opts.maxRetryDelayMs ?? 20;
  }

  /**
   * Wraps a connected UNIX stream socket. Throws NativeUnavailableError without the addon, and
   * FdChannelError when the socket exposes no fd. From now on write through the channel only.
   */
  static attach(socket: Socket, opts: FdChannelOptions = {}): FdChannel {
    const addon = native();
    if (socketFd(socket) === null) throw new FdChannelError('the socket exposes no file descriptor (not connected?)');
    return new FdChannel(socket, addon, opts);
  }

  /** Fds accepted by sendFd() and not yet sent. */
  get pendingFds(): number {
    return this.queue.filter(isFd).length + (this.sending ? 1 : 0);
  }

  /** Writes reply bytes, after any fd still on its way. Like socket.write, the bytes are not copied. */
  write(bytes: Uint8Array): void {
    if (this.failure !== null || this.ended) return; // its owner learns of a failure from sendFd
    if (this.sending) this.queue.push(bytes);
    else this.socket.write(bytes);
  }

  /** socket.end(cb), once everything queued is out. Use it instead of socket.end(). */
  end(cb?: () => void): void {
    if (this.ended) return;
    this.ended = true;
    if (this.sending) this.queue.push({ end: cb });
    else this.socket.end(cb);
  }

  /**
   * Sends one fd (SCM_RIGHTS, 1 dummy byte) right after everything written so far. The caller keeps
   * ownership of fd and must keep it open until the promise settles; the client gets its own copy.
   * Rejects with FdChannelError if the socket closes, errors or stays full past sendTimeoutMs;
   * the channel then drops all further output.
   */
  sendFd(fd: number): Promise<void> {
    if (this.failure !== null) return Promise.reject(this.failure);
    if (this.ended) return Promise.reject(new FdChannelError('sendFd after end()'));
    return new Promise<void>((resolve, reject) => {
      this.queue.push({ fd, resolve, reject });
      if (!this.sending) this.drain();
    });
  }

  private drain(): void {
    for (;;) {
      const item = this.queue.shift();
      if (item === undefined) {
        this.sending = false;
        return;
      }
      if (item instanceof Uint8Array) {
        this.socket.write(item);
        continue;
      }
      if (!isFd(item)) {
        this.socket.end(item.end);
        continue;
      }
      this.sending = true;
      this.socket.write(EMPTY, (err) => {
        if (err) this.fail(new FdChannelError(`socket write failed before an fd: ${err.message}`, { cause: err }), item);
        else this.trySend(item, Date.now(), 1);
      });
      return;
    }
  }

  private trySend(item: PendingFd, since: number, delay: number): void {
    if (this.failure !== null) return;
    // Read the fd now: once Node has destroyed the socket its fd number may belong to another file.
    const sock = this.socket.destroyed ? null : socketFd(this.socket);
    if (sock === null) {
      this.fail(new FdChannelError('socket closed before an fd could be sent'), item);
      return;
    }
    let sent: boolean;
    try {
      sent = this.addon.sendFd(sock, item.fd);
    } catch (e) {
      this.fail(new FdChannelError(`sending an fd failed: ${e instanceof Error ? e.message : String(e)}`, { cause: e }), item);
      return;
    }
    if (sent) {
      item.resolve();
      this.drain();
      return;
    }
    // The client's receive buffer is full (it is still reading earlier replies): poll until it drains.
    if (Date.now() - since > this.sendTimeoutMs) {
      this.fail(new FdChannelError(`client did not read for ${this.sendTimeoutMs} ms; an fd could not be sent`), item);
      return;
    }
    setTimeout(() => this.trySend(item, since, Math.min(delay * 2, this.maxRetryDelayMs)), delay);
  }

  private fail(e: Error, current: PendingFd): void {
    this.failure = e;
    this.sending = false;
    const dropped = this.queue.splice(0);
    current.reject(e);
    for (const item of dropped) {
      if (isFd(item)) item.reject(e);
      else if (!(item instanceof Uint8Array)) this.socket.destroy(); // a queued end(): nothing more can be said
    }
  }
}
