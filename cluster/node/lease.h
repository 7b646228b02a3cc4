// Lease: fencing for a node's actors. Each heartbeat the head acknowledges grants a lease,
// counted from when that heartbeat was sent; the head declares a node dead no sooner than its
// heartbeat timeout after receiving one, and the lease is shorter. A call runs only while the
// lease holds: after a pause (SIGSTOP, a stalled VM) or while the head is unreachable, calls
// wait for a renewal, so an instance never runs a call after the head may have replaced it. A
// node the head declared dead is revoked for good. Until enable() (a node without a head),
// every call may run. Thread-safe; hold() costs one clock read while the lease is valid.
#ifndef CONCURRY_CLUSTER_NODE_LEASE_H_
#define CONCURRY_CLUSTER_NODE_LEASE_H_

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>

#include "concurry/core/duration.h"

namespace concurry::internal {

class Lease {
 public:
  // Leases are required from now on; the first one is `until`.
  void enable(Clock::time_point until) {
    renew(until);
    enabled_.store(true, std::memory_order_release);
  }
  void renew(Clock::time_point until) {
    {
      std::lock_guard<std::mutex> lock(mu_);
      until_.store(until.time_since_epoch().count(), std::memory_order_release);
    }
    changed_.notify_all();
  }
  // The head declared this node dead: nothing runs here any more.
  void revoke() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      revoked_.store(true, std::memory_order_release);
    }
    changed_.notify_all();
  }
  bool revoked() const { return revoked_.load(std::memory_order_acquire); }

  // Blocks until the lease holds (true) or is revoked (false).
  bool hold() const {
    if (!enabled_.load(std::memory_order_acquire)) return true;
    if (valid()) return true;
    std::unique_lock<std::mutex> lock(mu_);
    while (!revoked() && !valid()) changed_.wait_for(lock, std::chrono::milliseconds(20));
    return !revoked();
  }

 private:
  bool valid() const {
    return !revoked() &&
           Clock::now().time_since_epoch().count() < until_.load(std::memory_order_acquire);
  }

  std::atomic<bool> enabled_{false};
  std::atomic<bool> revoked_{false};
  std::atomic<int64_t> until_{0};  // Clock ticks since its epoch
  mutable std::mutex mu_;
  mutable std::condition_variable changed_;
};

}  // namespace concurry::internal

#endif  // CONCURRY_CLUSTER_NODE_LEASE_H_
