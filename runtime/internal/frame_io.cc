#include "concurry/runtime/internal/frame_io.h"

#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdint>

#include "concurry/core/errors.h"

namespace concurry::internal {
namespace {

bool write_all(int fd, const char* data, size_t size) {
  while (size > 0) {
    ssize_t n = ::send(fd, data, size, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    data += n;
    size -= static_cast<size_t>(n);
  }
  return true;
}

// True when `size` bytes were read; false on end of stream before the first byte.
bool read_all(int fd, char* data, size_t size) {
  size_t got = 0;
  while (got < size) {
    ssize_t n = ::read(fd, data + got, size - got);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) {
      if (got == 0) return false;
      throw Error("worker connection closed in the middle of a frame");
    }
    got += static_cast<size_t>(n);
  }
  return true;
}

}  // namespace

bool write_frame(int fd, const std::string& payload) {
  if (payload.size() > kMaxFrameBytes) {
    throw Error("message of " + std::to_string(payload.size()) + " bytes exceeds the " +
                std::to_string(kMaxFrameBytes) + "-byte frame limit");
  }
  unsigned char header[4];
  uint32_t size = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) header[i] = static_cast<unsigned char>(size >> (8 * i));
  // One buffer, one send: small frames do not pay two system calls.
  std::string frame(reinterpret_cast<char*>(header), 4);
  frame += payload;
  return write_all(fd, frame.data(), frame.size());
}

std::optional<std::string> read_frame(int fd) {
  unsigned char header[4];
  if (!read_all(fd, reinterpret_cast<char*>(header), 4)) return std::nullopt;
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) size |= static_cast<uint32_t>(header[i]) << (8 * i);
  if (size > kMaxFrameBytes) {
    throw Error("frame of " + std::to_string(size) + " bytes exceeds the " +
                std::to_string(kMaxFrameBytes) + "-byte limit");
  }
  std::string payload(size, '\0');
  if (size > 0 && !read_all(fd, payload.data(), size)) {
    throw Error("worker connection closed in the middle of a frame");
  }
  return payload;
}

}  // namespace concurry::internal
