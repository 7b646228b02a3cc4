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

void append_frame(std::string& out, const std::string& payload) {
  if (payload.size() > kMaxFrameBytes) {
    throw Error("message of " + std::to_string(payload.size()) + " bytes exceeds the " +
                std::to_string(kMaxFrameBytes) + "-byte frame limit");
  }
  uint32_t size = static_cast<uint32_t>(payload.size());
  for (int i = 0; i < 4; ++i) out.push_back(static_cast<char>((size >> (8 * i)) & 0xff));
  out += payload;
}

bool write_bytes(int fd, const std::string& frames) {
  return write_all(fd, frames.data(), frames.size());
}

bool write_frame(int fd, const std::string& payload) {
  std::string frame;
  append_frame(frame, payload);  // one buffer, one send
  return write_bytes(fd, frame);
}

namespace {
uint32_t frame_size(const char* header) {
  uint32_t size = 0;
  for (int i = 0; i < 4; ++i) {
    size |= static_cast<uint32_t>(static_cast<unsigned char>(header[i])) << (8 * i);
  }
  return size;
}
}  // namespace

bool FrameReader::has_frame() const {
  size_t available = buffer_.size() - start_;
  if (available < 4) return false;
  return available - 4 >= frame_size(buffer_.data() + start_);
}

bool FrameReader::fill() {
  if (start_ > 0 && start_ == buffer_.size()) {
    buffer_.clear();
    start_ = 0;
  } else if (start_ > (1u << 20)) {
    buffer_.erase(0, start_);
    start_ = 0;
  }
  char chunk[64 * 1024];
  while (true) {
    ssize_t n = ::read(fd_, chunk, sizeof chunk);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return false;
    buffer_.append(chunk, static_cast<size_t>(n));
    return true;
  }
}

std::optional<std::string> FrameReader::next() {
  while (buffer_.size() - start_ < 4) {
    if (!fill()) {
      if (buffer_.size() == start_) return std::nullopt;
      throw Error("worker connection closed in the middle of a frame");
    }
  }
  uint32_t size = frame_size(buffer_.data() + start_);
  if (size > kMaxFrameBytes) {
    throw Error("frame of " + std::to_string(size) + " bytes exceeds the " +
                std::to_string(kMaxFrameBytes) + "-byte limit");
  }
  while (buffer_.size() - start_ - 4 < size) {
    if (!fill()) throw Error("worker connection closed in the middle of a frame");
  }
  std::string payload = buffer_.substr(start_ + 4, size);
  start_ += 4 + size;
  return payload;
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
