// Limits across a process boundary: a worker process acquires and releases against a LimitSet
// its parent hosts, over the worker's own socket. The child side is a LimitService (so the
// worker's limits() works unchanged); the parent side serves requests from the shared set and
// gives back whatever a dead worker still held. Internal.
#ifndef CONCURRY_RUNTIME_INTERNAL_LIMIT_CHANNEL_H_
#define CONCURRY_RUNTIME_INTERNAL_LIMIT_CHANNEL_H_

#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>

#include "concurry/core/limit_set.h"
#include "concurry/core/serialization.h"

namespace concurry::internal {

// Frame kinds on a process worker's socket (the first byte of every payload).
inline constexpr char kCallFrame = 'C';        // parent -> child: a call
inline constexpr char kReplyFrame = 'R';       // child -> parent: its reply
inline constexpr char kLimitFrame = 'L';       // child -> parent: acquire / release
inline constexpr char kLimitReplyFrame = 'l';  // parent -> child: the acquisition's outcome

inline std::string tagged(char kind, const std::string& payload) {
  std::string out(1, kind);
  out += payload;
  return out;
}

// The child's view of its parent-hosted limits. `exchange(frame)` sends a limit request and
// returns the reply payload; `send(frame)` sends one that needs no reply.
std::shared_ptr<LimitService> make_child_limit_service(
    std::function<Bytes(const Bytes&)> exchange, std::function<void(const Bytes&)> send);

// The parent's side for one worker process.
class LimitHost {
 public:
  explicit LimitHost(LimitSet limits) : limits_(std::move(limits)) {}
  // Serves one request; returns the reply payload, or "" for requests that need none. An
  // acquisition waits until granted, its timeout, or `cancelled` (polled) says the requester
  // left; then its place in line goes to the next.
  Bytes handle(const Bytes& request, const CancelCheck& cancelled = {});
  // Gives back every grant the worker still holds (it died, or stopped mid-acquisition).
  void release_all();

 private:
  LimitSet limits_;
  std::mutex mu_;
  std::map<uint64_t, Grant> grants_;  // guarded by mu_
  uint64_t next_id_ = 1;             // guarded by mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_RUNTIME_INTERNAL_LIMIT_CHANNEL_H_
