// Small N-API helpers shared by the addon's files: argument checks and errno-carrying errors.
#pragma once

#include <node_api.h>
#include <cstdint>

namespace vn {

// Throws a JS Error like Node's system errors: message "<syscall>: <strerror> (<CODE>)",
// with .code ("EBADF"), .errno (negative, as in Node) and .syscall. Returns nullptr.
napi_value ThrowErrno(napi_env env, const char* syscall, int err);
// Throws a TypeError / RangeError / Error with the given message unless one is already pending.
napi_value ThrowType(napi_env env, const char* msg);
napi_value ThrowRange(napi_env env, const char* msg);
napi_value ThrowError(napi_env env, const char* msg);
// Throws an Error describing the last failed napi_* call, unless an exception is pending.
napi_value ThrowNapi(napi_env env, const char* call);

// Reads the call's arguments into argv[0..max); missing ones are `undefined`.
// Fails (with a pending TypeError) if fewer than `min` were passed.
bool Args(napi_env env, napi_callback_info info, size_t min, size_t max, napi_value* argv);
// A file descriptor: an integer in [0, INT_MAX].
bool GetFd(napi_env env, napi_value v, const char* what, int* out);
// A non-negative safe integer no larger than `max`.
bool GetUint(napi_env env, napi_value v, const char* what, uint64_t max, uint64_t* out);
// A boolean; `undefined` gives `dflt`.
bool GetBool(napi_env env, napi_value v, const char* what, bool dflt, bool* out);
bool IsUndefined(napi_env env, napi_value v);

napi_value MakeNumber(napi_env env, double v);
napi_value MakeBool(napi_env env, bool v);

// Registration of each file's functions on the exports object.
bool RegisterShm(napi_env env, napi_value exports);
bool RegisterFdPass(napi_env env, napi_value exports);
bool RegisterEventfd(napi_env env, napi_value exports);
bool SetFunction(napi_env env, napi_value exports, const char* name, napi_callback cb);

}  // namespace vn

// Evaluates a napi_* call; on failure throws (if nothing is pending) and returns nullptr.
#define VN_NAPI(env, call)                              \
  do {                                                  \
    if ((call) != napi_ok) return vn::ThrowNapi((env), #call); \
  } while (0)
