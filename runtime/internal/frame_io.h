// Framed messages on a stream socket: a 4-byte little-endian length, then the bytes. Used by
// process mode between the parent and a worker process. Blocking calls; EINTR is retried.
// Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_FRAME_IO_H_
#define CONCURRY_RUNTIME_INTERNAL_FRAME_IO_H_

#include <cstddef>
#include <optional>
#include <string>

namespace concurry::internal {

// Frames larger than this are refused on both sides (a corrupt length must not allocate GiBs).
inline constexpr size_t kMaxFrameBytes = 256u << 20;

// Appends one frame (header + payload) to `out`, so that many frames go out in one write.
void append_frame(std::string& out, const std::string& payload);
// Writes bytes already framed; false when the peer is gone.
bool write_bytes(int fd, const std::string& frames);
// Writes one frame; false when the peer is gone.
bool write_frame(int fd, const std::string& payload);
// Reads one frame; nullopt on end of stream. Throws concurry::Error on a frame over the limit.
std::optional<std::string> read_frame(int fd);

// Reads frames through a buffer: one read() may bring in many frames under load.
class FrameReader {
 public:
  explicit FrameReader(int fd) : fd_(fd) {}
  // The next frame, blocking for more bytes when needed; nullopt at end of stream. Throws
  // concurry::Error on a frame over the limit or a stream cut inside a frame.
  std::optional<std::string> next();
  // True when a whole frame is already buffered (next() will not block).
  bool has_frame() const;

 private:
  bool fill();  // reads more; false at end of stream
  int fd_;
  std::string buffer_;
  size_t start_ = 0;
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_FRAME_IO_H_
