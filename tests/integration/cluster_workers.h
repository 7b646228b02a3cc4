// Worker classes the cluster tests run on real nodes. Compiled into the tests (the client side
// needs the types) and into libcluster_workers.so (what nodes load).
#ifndef CONCURRY_TESTS_INTEGRATION_CLUSTER_WORKERS_H_
#define CONCURRY_TESTS_INTEGRATION_CLUSTER_WORKERS_H_

#include <unistd.h>

#include <chrono>
#include <optional>
#include <stdexcept>
#include <string>
#include <thread>

#include "concurry/core/async.h"
#include "concurry/core/worker.h"
#include "concurry/core/worker_macros.h"

class Counter {
 public:
  explicit Counter(int start) : count_(start) {
    if (start < 0) throw std::invalid_argument("Counter needs start >= 0, got " + std::to_string(start));
  }
  int add(int n) { return count_ += n; }
  int get() const { return count_; }
  int pid() const { return static_cast<int>(::getpid()); }
  int fail(const std::string& why) { throw std::out_of_range(why); }
  int slow(int ms) {
    std::this_thread::sleep_for(std::chrono::milliseconds(ms));
    return ms;
  }
  void noop() {}
  // A coroutine method: runs on an event loop on the node.
  concurry::Async<int> add_later(int n, int ms) {
    co_await concurry::sleep(std::chrono::milliseconds(ms));
    co_return count_ += n;
  }

 private:
  int count_;
};
CONCURRY_WORKER(Counter, CONCURRY_INIT(int), add, get, pid, fail, slow, noop, add_later);

// Spends one token of its own limits per call; false once they are gone.
class Spender : public concurry::Worker {
 public:
  bool spend() {
    auto granted = limits().try_acquire({{"tokens", 1}});
    if (!granted) return false;
    granted->update({{"tokens", 1}});
    return true;
  }
  // Takes one call of its CallLimit, if there is one left.
  bool call_once() { return limits().try_acquire().has_value(); }
  // Takes the "slot" resource and keeps it (until the actor ends).
  bool grab() {
    held_ = limits().try_acquire({{"slot", 1}});
    return held_.has_value();
  }
  // Waits for the "slot" as long as it takes, and keeps it.
  bool wait_slot() {
    held_ = limits().acquire({{"slot", 1}});
    return true;
  }
  bool drop() {
    held_.reset();
    return true;
  }

 private:
  std::optional<concurry::Acquisition> held_;
};
CONCURRY_WORKER(Spender, CONCURRY_INIT(), spend, call_once, grab, wait_slot, drop);

int cluster_square(int x);

#endif  // CONCURRY_TESTS_INTEGRATION_CLUSTER_WORKERS_H_
