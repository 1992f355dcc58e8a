// Shared memory and eventfds for vtest protocol 2+; all of it needs the native addon.
export {
  SharedMemoryRegion, ShmBudget, ShmLimitError, type RegionOptions, type ShmAllocationHook,
} from './shared-memory.js';
export { EventFd } from './eventfd.js';
export {
  nativeAvailable, nativeUnavailableReason, NativeUnavailableError, type NativeSystemError,
} from '../native/addon.js';
export { FdChannel, FdChannelError, socketFd, type FdChannelOptions } from '../native/fd-channel.js';
