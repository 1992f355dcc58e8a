// N-API helpers: argument validation and errors that carry errno text, code and number.
#include "util.h"

#include <climits>
#include <cmath>
#include <cstdio>
#include <cstring>

namespace vn {

namespace {

const char* ErrnoName(int err) {
#if defined(__GLIBC__) && (__GLIBC__ > 2 || (__GLIBC__ == 2 && __GLIBC_MINOR__ >= 32))
  const char* name = strerrorname_np(err);
  if (name != nullptr) return name;
#endif
  return "EUNKNOWN";
}

bool Pending(napi_env env) {
  bool pending = false;
  return napi_is_exception_pending(env, &pending) != napi_ok || pending;
}

bool SetProp(napi_env env, napi_value obj, const char* key, napi_value value) {
  return napi_set_named_property(env, obj, key, value) == napi_ok;
}

constexpr double kMaxSafeInteger = 9007199254740991.0;

}  // namespace

napi_value ThrowErrno(napi_env env, const char* syscall, int err) {
  if (Pending(env)) return nullptr;
  char text[256];
  const char* code = ErrnoName(err);
  snprintf(text, sizeof text, "%s: %s (%s)", syscall, strerror(err), code);
  napi_value msg, codeValue, errValue, errnoValue, syscallValue;
  if (napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &msg) != napi_ok ||
      napi_create_string_utf8(env, code, NAPI_AUTO_LENGTH, &codeValue) != napi_ok ||
      napi_create_error(env, codeValue, msg, &errValue) != napi_ok ||
      napi_create_int32(env, -err, &errnoValue) != napi_ok ||
      napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &syscallValue) != napi_ok ||
      !SetProp(env, errValue, "errno", errnoValue) || !SetProp(env, errValue, "syscall", syscallValue)) {
    napi_throw_error(env, code, text);  // fall back to a plain error with the same text
    return nullptr;
  }
  napi_throw(env, errValue);
  return nullptr;
}

napi_value ThrowType(napi_env env, const char* msg) {
  if (!Pending(env)) napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", msg);
  return nullptr;
}

napi_value ThrowRange(napi_env env, const char* msg) {
  if (!Pending(env)) napi_throw_range_error(env, "ERR_OUT_OF_RANGE", msg);
  return nullptr;
}

napi_value ThrowError(napi_env env, const char* msg) {
  if (!Pending(env)) napi_throw_error(env, nullptr, msg);
  return nullptr;
}

napi_value ThrowNapi(napi_env env, const char* call) {
  if (Pending(env)) return nullptr;
  const napi_extended_error_info* info = nullptr;
  char text[320];
  const char* why = napi_get_last_error_info(env, &info) == napi_ok && info != nullptr &&
                            info->error_message != nullptr
                        ? info->error_message
                        : "unknown N-API failure";
  snprintf(text, sizeof text, "%s failed: %s", call, why);
  napi_throw_error(env, nullptr, text);
  return nullptr;
}

bool Args(napi_env env, napi_callback_info info, size_t min, size_t max, napi_value* argv) {
  size_t argc = max;
  if (napi_get_cb_info(env, info, &argc, argv, nullptr, nullptr) != napi_ok) {
    ThrowNapi(env, "napi_get_cb_info");
    return false;
  }
  if (argc < min) {
    char text[96];
    snprintf(text, sizeof text, "expected at least %zu arguments, got %zu", min, argc);
    ThrowType(env, text);
    return false;
  }
  return true;
}

bool GetUint(napi_env env, napi_value v, const char* what, uint64_t max, uint64_t* out) {
  char text[160];
  napi_valuetype type;
  double d = 0;
  if (napi_typeof(env, v, &type) != napi_ok || type != napi_number ||
      napi_get_value_double(env, v, &d) != napi_ok) {
    snprintf(text, sizeof text, "%s must be a number", what);
    ThrowType(env, text);
    return false;
  }
  const double limit = static_cast<double>(max) < kMaxSafeInteger ? static_cast<double>(max) : kMaxSafeInteger;
  if (!std::isfinite(d) || d != std::floor(d) || d < 0 || d > limit) {
    snprintf(text, sizeof text, "%s must be an integer in [0, %.0f], got %g", what, limit, d);
    ThrowRange(env, text);
    return false;
  }
  *out = static_cast<uint64_t>(d);
  return true;
}

bool GetFd(napi_env env, napi_value v, const char* what, int* out) {
  uint64_t fd = 0;
  if (!GetUint(env, v, what, INT_MAX, &fd)) return false;
  *out = static_cast<int>(fd);
  return true;
}

bool IsUndefined(napi_env env, napi_value v) {
  napi_valuetype type;
  return napi_typeof(env, v, &type) == napi_ok && type == napi_undefined;
}

bool GetBool(napi_env env, napi_value v, const char* what, bool dflt, bool* out) {
  if (IsUndefined(env, v)) {
    *out = dflt;
    return true;
  }
  if (napi_get_value_bool(env, v, out) != napi_ok) {
    char text[96];
    snprintf(text, sizeof text, "%s must be a boolean", what);
    ThrowType(env, text);
    return false;
  }
  return true;
}

napi_value MakeNumber(napi_env env, double v) {
  napi_value out;
  VN_NAPI(env, napi_create_double(env, v, &out));
  return out;
}

napi_value MakeBool(napi_env env, bool v) {
  napi_value out;
  VN_NAPI(env, napi_get_boolean(env, v, &out));
  return out;
}

bool SetFunction(napi_env env, napi_value exports, const char* name, napi_callback cb) {
  napi_value fn;
  if (napi_create_function(env, name, NAPI_AUTO_LENGTH, cb, nullptr, &fn) != napi_ok ||
      napi_set_named_property(env, exports, name, fn) != napi_ok) {
    ThrowNapi(env, "napi_create_function");
    return false;
  }
  return true;
}

}  // namespace vn
