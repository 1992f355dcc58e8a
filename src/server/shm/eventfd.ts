// An eventfd for SYNC_WAIT: sent to the client, which polls it; the server signals it once the
// awaited sync points are reached.
import { native, type NativeAddon } from '../native/addon.js';

export class EventFd {
  private fdValue: number;
  private readonly addon: NativeAddon;

  constructor(initial = 0) {
    this.addon = native();
    this.fdValue = this.addon.eventfdCreate(initial);
  }

  /** The descriptor; throws once closed. */
  get fd(): number {
    if (this.fdValue < 0) throw new Error('eventfd is closed');
    return this.fdValue;
  }

  get closed(): boolean { return this.fdValue < 0; }

  /** Makes the eventfd readable (adds `value` to its counter). False if the counter is saturated. */
  signal(value = 1): boolean {
    return this.addon.eventfdSignal(this.fd, value);
  }

  /** Reads and resets the counter; null if it was zero. */
  read(): bigint | null {
    return this.addon.eventfdRead(this.fd);
  }

  /** Closes our copy; a copy already sent to the client stays valid there. Idempotent. */
  close(): void {
    const fd = this.fdValue;
    if (fd < 0) return;
    this.fdValue = -1;
    this.addon.closeFd(fd);
  }
}
