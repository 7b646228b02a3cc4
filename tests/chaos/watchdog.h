// Watchdog: a hang becomes a failure that names the phase it hung in.
#ifndef CONCURRY_TESTS_CHAOS_WATCHDOG_H_
#define CONCURRY_TESTS_CHAOS_WATCHDOG_H_

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <mutex>
#include <string>
#include <thread>

namespace chaos {

// Ends the test process when it runs past `limit`, saying which phase hung: every wait in these
// tests is bounded, so getting here is a hang of the runtime (e.g. a stop() that never
// returns), reported as such rather than as Bazel's timeout.
class Watchdog {
 public:
  explicit Watchdog(std::chrono::seconds limit) : thread_([this, limit] {
    std::unique_lock<std::mutex> lock(mu_);
    if (!cv_.wait_for(lock, limit, [this] { return done_; })) {
      std::fprintf(stderr, "\nchaos watchdog: the test did not finish within %lld s; hung in "
                   "phase '%s'\n", static_cast<long long>(limit.count()), phase_.c_str());
      std::fflush(stdout);
      std::fflush(stderr);
      std::_Exit(3);  // the daemons die with us (PR_SET_PDEATHSIG)
    }
  }) {}
  ~Watchdog() {
    {
      std::lock_guard<std::mutex> lock(mu_);
      done_ = true;
    }
    cv_.notify_all();
    thread_.join();
  }
  void phase(const std::string& p) {
    std::lock_guard<std::mutex> lock(mu_);
    phase_ = p;
    std::fprintf(stderr, "[chaos] %s\n", p.c_str());
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  bool done_ = false;
  std::string phase_ = "setup";
  std::thread thread_;
};

}  // namespace chaos

#endif  // CONCURRY_TESTS_CHAOS_WATCHDOG_H_
