// eventfds for SYNC_WAIT: the server hands the client an eventfd that becomes readable once
// the awaited sync points are reached. Created nonblocking and close-on-exec.
#include <sys/eventfd.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>

#include "util.h"

namespace vn {
namespace {

// eventfdCreate(initial?: number): number
napi_value EventfdCreate(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  uint64_t initial = 0;
  if (!Args(env, info, 0, 1, argv)) return nullptr;
  if (!IsUndefined(env, argv[0]) && !GetUint(env, argv[0], "initial", UINT_MAX, &initial)) return nullptr;
  int fd = eventfd(static_cast<unsigned int>(initial), EFD_CLOEXEC | EFD_NONBLOCK);
  if (fd < 0) return ThrowErrno(env, "eventfd", errno);
  napi_value out;
  if (napi_create_int32(env, fd, &out) != napi_ok) {
    close(fd);
    return ThrowNapi(env, "napi_create_int32");
  }
  return out;
}

// eventfdSignal(fd: number, value?: number): boolean
// Adds value (default 1) to the counter. False if that would overflow it (EAGAIN: the reader
// has not drained it); the fd is readable in that case anyway.
napi_value EventfdSignal(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int fd = -1;
  uint64_t value = 1;
  if (!Args(env, info, 1, 2, argv) || !GetFd(env, argv[0], "fd", &fd)) return nullptr;
  if (!IsUndefined(env, argv[1]) && !GetUint(env, argv[1], "value", UINT64_MAX - 1, &value)) return nullptr;
  if (value == 0) return ThrowRange(env, "value must be at least 1");
  ssize_t n;
  do {
    n = write(fd, &value, sizeof value);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) return MakeBool(env, false);
    return ThrowErrno(env, "write(eventfd)", errno);
  }
  if (n != static_cast<ssize_t>(sizeof value)) return ThrowError(env, "write(eventfd): short write");
  return MakeBool(env, true);
}

// eventfdRead(fd: number): bigint | null. Reads and resets the counter; null if it is zero.
napi_value EventfdRead(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd = -1;
  if (!Args(env, info, 1, 1, argv) || !GetFd(env, argv[0], "fd", &fd)) return nullptr;
  uint64_t value = 0;
  ssize_t n;
  do {
    n = read(fd, &value, sizeof value);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN) {
      napi_value nul;
      VN_NAPI(env, napi_get_null(env, &nul));
      return nul;
    }
    return ThrowErrno(env, "read(eventfd)", errno);
  }
  if (n != static_cast<ssize_t>(sizeof value)) return ThrowError(env, "read(eventfd): short read");
  napi_value out;
  VN_NAPI(env, napi_create_bigint_uint64(env, value, &out));
  return out;
}

}  // namespace

bool RegisterEventfd(napi_env env, napi_value exports) {
  return SetFunction(env, exports, "eventfdCreate", EventfdCreate) &&
         SetFunction(env, exports, "eventfdSignal", EventfdSignal) &&
         SetFunction(env, exports, "eventfdRead", EventfdRead);
}

}  // namespace vn
