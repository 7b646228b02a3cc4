// CallGate: the calls a cluster handle has in flight, so that stop() can refuse new ones and
// wait for the rest. Used by single actors and by pools. Thread-safe. Internal.
#ifndef CONCURRY_CLIENT_INTERNAL_CALL_GATE_H_
#define CONCURRY_CLIENT_INTERNAL_CALL_GATE_H_

#include <condition_variable>
#include <cstddef>
#include <mutex>

#include "concurry/core/duration.h"

namespace concurry::internal {

class CallGate {
 public:
  // Counts a new call in; false once stopping (the caller cancels it).
  bool enter() {
    std::lock_guard<std::mutex> lock(mu_);
    if (stopping_) return false;
    ++in_flight_;
    return true;
  }
  // A call is over.
  void leave() {
    std::lock_guard<std::mutex> lock(mu_);
    if (--in_flight_ == 0) drained_.notify_all();
  }
  void close() {
    std::lock_guard<std::mutex> lock(mu_);
    stopping_ = true;
  }
  // True when every call in flight was over before `deadline`.
  bool drain(Clock::time_point deadline) {
    std::unique_lock<std::mutex> lock(mu_);
    return drained_.wait_until(lock, deadline, [&] { return in_flight_ == 0; });
  }

 private:
  std::mutex mu_;
  std::condition_variable drained_;
  size_t in_flight_ = 0;   // guarded by mu_
  bool stopping_ = false;  // guarded by mu_
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLIENT_INTERNAL_CALL_GATE_H_
