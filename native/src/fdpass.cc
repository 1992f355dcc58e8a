// sendFd: one file descriptor over a connected UNIX stream socket, framed exactly like vtest's
// vtest_send_fd(): a single dummy payload byte carrying an SCM_RIGHTS control message.
#include <sys/socket.h>
#include <sys/types.h>

#include <cerrno>
#include <cstring>

#include "util.h"

namespace vn {
namespace {

// sendFd(socketFd: number, fd: number): boolean
// True once sent; false if the socket's send buffer is full (nothing was sent: retry later).
// Never blocks (MSG_DONTWAIT) and never raises SIGPIPE (MSG_NOSIGNAL); other errors throw.
napi_value SendFd(napi_env env, napi_callback_info info) {
  napi_value argv[2];
  int sock = -1;
  int fd = -1;
  if (!Args(env, info, 2, 2, argv) || !GetFd(env, argv[0], "socketFd", &sock) ||
      !GetFd(env, argv[1], "fd", &fd)) {
    return nullptr;
  }
  char dummy = 0;
  struct iovec iov;
  iov.iov_base = &dummy;
  iov.iov_len = 1;
  union {
    struct cmsghdr align;
    char buf[CMSG_SPACE(sizeof(int))];
  } control;
  memset(&control, 0, sizeof control);
  struct msghdr msg;
  memset(&msg, 0, sizeof msg);
  msg.msg_iov = &iov;
  msg.msg_iovlen = 1;
  msg.msg_control = control.buf;
  msg.msg_controllen = sizeof control.buf;
  struct cmsghdr* cmsg = CMSG_FIRSTHDR(&msg);
  cmsg->cmsg_level = SOL_SOCKET;
  cmsg->cmsg_type = SCM_RIGHTS;
  cmsg->cmsg_len = CMSG_LEN(sizeof(int));
  memcpy(CMSG_DATA(cmsg), &fd, sizeof fd);

  ssize_t n;
  do {
    n = sendmsg(sock, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
  } while (n < 0 && errno == EINTR);
  if (n < 0) {
    if (errno == EAGAIN || errno == EWOULDBLOCK) return MakeBool(env, false);
    return ThrowErrno(env, "sendmsg", errno);
  }
  // A 1-byte stream send is all or nothing; anything else would desynchronise the client.
  if (n != 1) return ThrowError(env, "sendmsg: unexpected short send of the fd's dummy byte");
  return MakeBool(env, true);
}

}  // namespace

bool RegisterFdPass(napi_env env, napi_value exports) {
  return SetFunction(env, exports, "sendFd", SendFd);
}

}  // namespace vn
