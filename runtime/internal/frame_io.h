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

// Writes one frame; false when the peer is gone.
bool write_frame(int fd, const std::string& payload);
// Reads one frame; nullopt on end of stream. Throws concurry::Error on a frame over the limit.
std::optional<std::string> read_frame(int fd);

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_FRAME_IO_H_
