// LimitClock: where limits read the time and wait. The steady clock by default; tests inject a
// FakeClock and move time by hand, so rate tests are exact and fast.
#ifndef CONCURRY_CORE_LIMIT_CLOCK_H_
#define CONCURRY_CORE_LIMIT_CLOCK_H_

#include <atomic>
#include <condition_variable>
#include <memory>
#include <mutex>

#include "concurry/core/duration.h"

namespace concurry {

class LimitClock {
 public:
  virtual ~LimitClock() = default;
  virtual Clock::time_point now() const = 0;
  // Waits on `cv` (holding `lock`) until notified or until `deadline` on this clock; may wake
  // early, so callers re-check.
  virtual void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                          Clock::time_point deadline) const = 0;
};

// The real, monotonic clock.
class SteadyLimitClock final : public LimitClock {
 public:
  Clock::time_point now() const override { return Clock::now(); }
  void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  Clock::time_point deadline) const override;
};

// A clock that moves only when told to. Waiters re-check every millisecond of real time.
class FakeClock final : public LimitClock {
 public:
  FakeClock() = default;
  Clock::time_point now() const override { return Clock::time_point(Clock::duration(ticks_.load())); }
  void advance(Duration d) {
    ticks_ += std::chrono::duration_cast<Clock::duration>(d).count();
  }
  void wait_until(std::condition_variable& cv, std::unique_lock<std::mutex>& lock,
                  Clock::time_point deadline) const override;

 private:
  std::atomic<Clock::rep> ticks_{std::chrono::duration_cast<Clock::duration>(std::chrono::hours(1)).count()};
};

std::shared_ptr<LimitClock> steady_limit_clock();

}  // namespace concurry

#endif  // CONCURRY_CORE_LIMIT_CLOCK_H_
