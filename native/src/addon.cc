// virgl_native: the Linux-only pieces Node lacks for vtest protocol 2+ (see docs/shared-memory.md):
// memfd shared memory mapped into ArrayBuffers, SCM_RIGHTS fd sending, and eventfds.
#include "util.h"

NAPI_MODULE_INIT() {
  if (!vn::RegisterShm(env, exports) || !vn::RegisterFdPass(env, exports) ||
      !vn::RegisterEventfd(env, exports)) {
    return nullptr;
  }
  return exports;
}
