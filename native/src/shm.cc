// memfd shared memory: memfdCreate, mmapFd (an external ArrayBuffer over an mmap of the fd),
// munmap (detach + unmap now), fdSize and closeFd.
//
// Lifetime of a mapping: each mmapFd result owns one Mapping. It is unmapped exactly once, either by
// munmap(ab), which first detaches the ArrayBuffer (so JS can never touch unmapped memory), or by
// the ArrayBuffer's finalizer when it is garbage-collected. A registry keyed by address, guarded by
// a recursive mutex (finalizers of other threads' environments may run concurrently; a finalizer
// may in principle run inside napi_detach_arraybuffer), tells munmap which mappings are live.
#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <mutex>
#include <unordered_map>

#include "util.h"

namespace vn {
namespace {

struct Mapping {
  void* addr;
  size_t len;
  bool unmapped;  // guarded by g_lock
};

std::recursive_mutex g_lock;
std::unordered_map<void*, Mapping*> g_live;  // address -> the mapping still mapped there

// Only call with g_lock held and m live.
int UnmapLocked(Mapping* m) {
  m->unmapped = true;
  auto it = g_live.find(m->addr);
  if (it != g_live.end() && it->second == m) g_live.erase(it);
  return munmap(m->addr, m->len);
}

void FinalizeMapping(napi_env, void*, void* hint) {
  Mapping* m = static_cast<Mapping*>(hint);
  std::lock_guard<std::recursive_mutex> guard(g_lock);
  if (!m->unmapped) UnmapLocked(m);  // nothing can be reported from a finalizer
  delete m;
}

constexpr uint64_t kMaxSize = static_cast<uint64_t>(INT64_MAX);

// memfdCreate(name: string, size: number): number
napi_value MemfdCreate(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  if (!Args(env, info, 2, 2, argv)) return nullptr;
  napi_valuetype type;
  VN_NAPI(env, napi_typeof(env, argv[0], &type));
  if (type != napi_string) return ThrowType(env, "name must be a string");
  char name[250];  // memfd names are at most 249 bytes; longer ones are truncated here
  size_t len = 0;
  VN_NAPI(env, napi_get_value_string_utf8(env, argv[0], name, sizeof name, &len));
  uint64_t size = 0;
  if (!GetUint(env, argv[1], "size", kMaxSize, &size)) return nullptr;

  int fd = memfd_create(name, MFD_CLOEXEC | MFD_ALLOW_SEALING);
  if (fd < 0) return ThrowErrno(env, "memfd_create", errno);
  // Sealing the size means no client holding the fd can shrink it under our mapping (SIGBUS).
  if (ftruncate(fd, static_cast<off_t>(size)) < 0) {
    const int err = errno;
    close(fd);
    return ThrowErrno(env, "ftruncate", err);
  }
  if (fcntl(fd, F_ADD_SEALS, F_SEAL_SHRINK | F_SEAL_GROW | F_SEAL_SEAL) < 0) {
    const int err = errno;
    close(fd);
    return ThrowErrno(env, "fcntl(F_ADD_SEALS)", err);
  }
  napi_value out;
  if (napi_create_int32(env, fd, &out) != napi_ok) {
    close(fd);
    return ThrowNapi(env, "napi_create_int32");
  }
  return out;
}

// mmapFd(fd: number, size: number, writable: boolean): ArrayBuffer
napi_value MmapFd(napi_env env, napi_callback_info info) {
  napi_value argv[3];
  if (!Args(env, info, 2, 3, argv)) return nullptr;
  int fd = -1;
  uint64_t size = 0;
  bool writable = true;
  if (!GetFd(env, argv[0], "fd", &fd) || !GetUint(env, argv[1], "size", kMaxSize, &size) ||
      !GetBool(env, argv[2], "writable", true, &writable)) {
    return nullptr;
  }
  if (size == 0) return ThrowRange(env, "cannot map 0 bytes");
  struct stat st;
  if (fstat(fd, &st) < 0) return ThrowErrno(env, "fstat", errno);
  // Touching a MAP_SHARED page past the end of the file raises SIGBUS: refuse such a mapping.
  if (st.st_size < 0 || size > static_cast<uint64_t>(st.st_size)) {
    char text[160];
    snprintf(text, sizeof text, "mapping of %llu bytes exceeds the file's %lld bytes",
             static_cast<unsigned long long>(size), static_cast<long long>(st.st_size));
    return ThrowRange(env, text);
  }
  // JS cannot be stopped from writing into an ArrayBuffer, and a write into a PROT_READ page kills
  // the process. So a "read-only" mapping is a private copy-on-write one: it reads the shared
  // pages, and a stray write stays local (that page then stops following the file).
  void* addr = mmap(nullptr, size, PROT_READ | PROT_WRITE, writable ? MAP_SHARED : MAP_PRIVATE, fd, 0);
  if (addr == MAP_FAILED) return ThrowErrno(env, "mmap", errno);

  Mapping* m = new Mapping{addr, static_cast<size_t>(size), false};
  std::lock_guard<std::recursive_mutex> guard(g_lock);
  g_live[addr] = m;
  napi_value ab;
  if (napi_create_external_arraybuffer(env, addr, m->len, FinalizeMapping, m, &ab) != napi_ok) {
    UnmapLocked(m);
    // m is deliberately not freed: if the finalizer was registered after all, it frees m (and
    // sees it unmapped); a few bytes leaked on an out-of-memory path beat a double free.
    return ThrowNapi(env, "napi_create_external_arraybuffer");
  }
  return ab;
}

// munmap(buffer: ArrayBuffer): boolean. True if unmapped now, false if already detached.
napi_value Munmap(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  if (!Args(env, info, 1, 1, argv)) return nullptr;
  bool isAb = false;
  VN_NAPI(env, napi_is_arraybuffer(env, argv[0], &isAb));
  if (!isAb) return ThrowType(env, "munmap expects an ArrayBuffer returned by mmapFd");
  bool detached = false;
  VN_NAPI(env, napi_is_detached_arraybuffer(env, argv[0], &detached));
  if (detached) return MakeBool(env, false);
  void* data = nullptr;
  size_t len = 0;
  VN_NAPI(env, napi_get_arraybuffer_info(env, argv[0], &data, &len));

  std::lock_guard<std::recursive_mutex> guard(g_lock);
  auto it = g_live.find(data);
  if (it == g_live.end() || it->second->len != len) {
    return ThrowType(env, "munmap expects an ArrayBuffer returned by mmapFd");
  }
  // Detach first: if that fails the mapping stays valid and in use.
  VN_NAPI(env, napi_detach_arraybuffer(env, argv[0]));
  it = g_live.find(data);  // a finalizer run inside the detach may have unmapped it already
  if (it == g_live.end()) return MakeBool(env, true);
  if (UnmapLocked(it->second) < 0) return ThrowErrno(env, "munmap", errno);
  return MakeBool(env, true);
}

// fdSize(fd: number): number (st_size)
napi_value FdSize(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd = -1;
  if (!Args(env, info, 1, 1, argv) || !GetFd(env, argv[0], "fd", &fd)) return nullptr;
  struct stat st;
  if (fstat(fd, &st) < 0) return ThrowErrno(env, "fstat", errno);
  return MakeNumber(env, static_cast<double>(st.st_size));
}

// closeFd(fd: number): void
napi_value CloseFd(napi_env env, napi_callback_info info) {
  napi_value argv[1];
  int fd = -1;
  if (!Args(env, info, 1, 1, argv) || !GetFd(env, argv[0], "fd", &fd)) return nullptr;
  // On Linux the fd is released even when close() reports EINTR: never retry.
  if (close(fd) < 0 && errno != EINTR) return ThrowErrno(env, "close", errno);
  return nullptr;
}

}  // namespace

bool RegisterShm(napi_env env, napi_value exports) {
  return SetFunction(env, exports, "memfdCreate", MemfdCreate) &&
         SetFunction(env, exports, "mmapFd", MmapFd) && SetFunction(env, exports, "munmap", Munmap) &&
         SetFunction(env, exports, "fdSize", FdSize) && SetFunction(env, exports, "closeFd", CloseFd);
}

}  // namespace vn
